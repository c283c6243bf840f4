package bot

// Test hooks for the core's external tests (package bot_test, which run the whole app through
// bot/app/apptest), besides testhooks.go. This file is compiled only into the core's test binary, where
// bot/app and apptest are rebuilt against it: the exported names below exist for those tests and nowhere
// else.

import (
	"context"
	"encoding/json"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/outbox"
)

// Private values the tests check against.
const (
	WebhookBodyLimit = webhookBodyLimit
	PaidSendRate     = paidSendRate
)

// AllowedUpdates are the update types the bot asks Telegram for.
var AllowedUpdates = allowedUpdates

// DispatchAll gives updates to the dispatcher's workers as the update loop does and returns when every
// one was handled (a bot that handles a batch and "crashes" before confirming it).
func (b *Bot) DispatchAll(ctx context.Context, updates []tgbotapi.Update) {
	fin := b.startFinisher()
	d := newDispatcher(b)
	for _, u := range updates {
		d.dispatch(ctx, u, b.Now())
	}
	_ = b.WaitIdle(ctx)
	d.stop()
	fin.stop()
}

// GetUpdates long-polls Telegram as the update loop does, saving and confirming nothing.
func (b *Bot) GetUpdates(ctx context.Context, offset int) ([]tgbotapi.Update, []json.RawMessage, error) {
	polled, err := b.getUpdates(ctx, offset)
	var updates []tgbotapi.Update
	var raws []json.RawMessage
	for _, p := range polled {
		if p.decoded != nil {
			updates = append(updates, *p.decoded)
			raws = append(raws, p.raw)
		}
	}
	return updates, raws, err
}

// CheckWebhook runs webhook mode's periodic getWebhookInfo check now.
func (b *Bot) CheckWebhook() { b.checkWebhook(b.Logger) }

// NewSender builds the outbox sender outside Run and makes it the one Enqueue wakes (load tests run it
// themselves).
func (b *Bot) NewSender() *outbox.Engine { return b.newSender() }

// WithFinisher runs the finisher as the update loop does, so HandleUpdate's bookkeeping is group
// committed off the handler's path (benchmarks); stop commits what is left.
func (b *Bot) WithFinisher() (stop func()) { return b.startFinisher().stop }
