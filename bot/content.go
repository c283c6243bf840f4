package bot

import (
	"github.com/tavan7/tavan/lessons"
)

// Content is the content being served now; Reload (the admins' /reload, SIGHUP) swaps it atomically.
func (b *Bot) Content() *lessons.Catalog { return b.content.Load() }

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
