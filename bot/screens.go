package bot

import (
	"context"

	"github.com/tavan7/tavan/lessons"
)

// Screens several features add to: the core owns their entry points so a feature can send a learner
// back to one without knowing which feature draws it.

// ActSettings opens the settings screen (the feature that draws it registers this action); its one
// argument says what to show, "menu" for the whole screen.
const ActSettings Action = "set"

// SettingsScreen sets what shows the settings screen; the feature that owns settings registers it.
func (b *Bot) SettingsScreen(h HandlerFunc) {
	if b.reg.settingsScreen != nil {
		b.reg.clash("settings screen twice")
	}
	b.reg.settingsScreen = h
}

// ShowSettings shows c's learner the settings screen (after a change made from it).
func (b *Bot) ShowSettings(ctx context.Context, c *Ctx) error {
	if b.reg.settingsScreen == nil {
		return nil
	}
	return b.reg.settingsScreen(ctx, c)
}

// ReplyLong sends HTML that may be longer than one message, split at paragraph boundaries.
func (c *Ctx) ReplyLong(ctx context.Context, text string) error {
	for _, part := range lessons.SplitHTML(text, lessons.MaxMessage) {
		if _, err := c.Reply(ctx, part, nil); err != nil {
			return err
		}
	}
	return nil
}
