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
	for _, fn := range b.reg.reloaded {
		fn(c)
	}
	return nil
}

// OnReload registers what a feature does when new content goes live after a Reload (the learning feature
// carries learners' progress over lessons the new content split). The content served at start is
// b.Content() when the feature registers.
func (b *Bot) OnReload(fn func(*lessons.Catalog)) { b.reg.reloaded = append(b.reg.reloaded, fn) }
