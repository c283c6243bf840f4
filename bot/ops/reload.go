package ops

import (
	"context"
	"strings"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/lessons"
)

// handleReload is the admins' /reload: a broken content set is rejected with its problems and the old
// content stays live. A whole one is served, and the writing-rule findings of the external folder (long
// lessons, guessable quizzes, spelling) are shown as warnings: they do not refuse it.
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
	text := c.T("ReloadDone", "Courses", c.Num(len(cat.Courses)), "Lessons", c.Num(lessonsN))
	if o := cat.Overlay(); o != nil {
		if findings := lessons.Lint(o).Findings; len(findings) > 0 {
			text += "\n\n" + c.T("ReloadWarnings", "Count", c.Num(len(findings)), "Findings", escapeProblems(findings.Error()))
		}
	}
	for _, part := range lessons.SplitHTML(text, 4096) {
		if _, err := c.Reply(ctx, part, nil); err != nil {
			return err
		}
	}
	return nil
}

// escapeProblems formats the loader's problem list as an HTML <pre> block, at most 40 lines.
func escapeProblems(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], "…")
	}
	return "<pre>" + bot.Escape(strings.Join(lines, "\n")) + "</pre>"
}
