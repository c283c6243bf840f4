package bot

import (
	"context"
	"strings"

	"github.com/tavan7/tavan/lessons"
)

// catalog is the content being served now; /reload and SIGHUP swap it atomically.
func (b *Bot) catalog() *lessons.Catalog { return b.content.Load() }

// Reload loads the content again and, only if it is whole, serves it from the next update on.
func (b *Bot) Reload() error {
	if b.LoadContent == nil {
		return nil
	}
	c, err := b.LoadContent()
	if err != nil {
		return err
	}
	b.content.Store(c)
	return nil
}

// handleReload is the admins' /reload: a broken content set is rejected with its problems and the old
// content stays live.
func (b *Bot) handleReload(ctx context.Context, c *Ctx) error {
	if err := b.Reload(); err != nil {
		b.Logger.Warn("reload rejected", "err", err)
		text := c.T("ReloadFailed", "Problems", escapeProblems(err.Error()))
		for _, part := range lessons.SplitHTML(text, 4096) {
			if _, err := c.Reply(ctx, part, nil); err != nil {
				return err
			}
		}
		return nil
	}
	cat := b.catalog()
	lessonsN := 0
	for _, co := range cat.Courses {
		lessonsN += len(co.Lessons)
	}
	_, err := c.Reply(ctx, c.T("ReloadDone", "Courses", c.num(len(cat.Courses)), "Lessons", c.num(lessonsN)), nil)
	return err
}

// escapeProblems formats the loader's problem list as an HTML <pre> block, at most 40 lines.
func escapeProblems(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], "…")
	}
	return "<pre>" + htmlEscape(strings.Join(lines, "\n")) + "</pre>"
}
