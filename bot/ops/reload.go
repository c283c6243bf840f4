package ops

import (
	"context"
	"strings"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/lessons"
)

// handleReload is the admins' /reload: a broken content set is rejected with its problems and the old
// content stays live.
func (f *Feature) handleReload(ctx context.Context, c *bot.Ctx) error {
	if err := f.Reload(); err != nil {
		f.Logger.Warn("reload rejected", "err", err)
		text := c.T("ReloadFailed", "Problems", escapeProblems(err.Error()))
		for _, part := range lessons.SplitHTML(text, 4096) {
			if _, err := c.Reply(ctx, part, nil); err != nil {
				return err
			}
		}
		return nil
	}
	cat := f.Content()
	lessonsN := 0
	for _, co := range cat.Courses {
		lessonsN += len(co.Lessons)
	}
	_, err := c.Reply(ctx, c.T("ReloadDone", "Courses", c.Num(len(cat.Courses)), "Lessons", c.Num(lessonsN)), nil)
	return err
}

// escapeProblems formats the loader's problem list as an HTML <pre> block, at most 40 lines.
func escapeProblems(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], "…")
	}
	return "<pre>" + bot.Escape(strings.Join(lines, "\n")) + "</pre>"
}
