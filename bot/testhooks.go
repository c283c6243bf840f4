package bot

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// Hooks for tests that drive the core below the update loop (redeliveries, races past the router's
// handled check). Production code does not call them.

// HandleUpdate handles one update now, in the caller's goroutine, as a worker would.
func (b *Bot) HandleUpdate(ctx context.Context, u tgbotapi.Update) {
	b.handle(ctx, u, b.Now())
	b.finish(u.UpdateID)
}

// NewCtx builds the Ctx the router makes for u, with user as the sender's record; a command sets Command
// and Args and clears the sender's step on Apply.
func (b *Bot) NewCtx(u tgbotapi.Update, user *store.User) *Ctx {
	c := &Ctx{b: b, Voice: b.VoiceOf(user), Update: u, ChatID: chatKey(u), User: user}
	if m := u.Message; m != nil {
		if name, args, ok := parseCommand(m, b.Username); ok {
			c.Command, c.Args, c.clearStep = name, args, true
		}
	}
	return c
}

// MenusPublished is closed once Run has published every command menu (or ended first).
func (b *Bot) MenusPublished() <-chan struct{} { return b.menus }
