package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/metrics"
	"github.com/tavan7/tavan/bot/outbox"
)

const maxSendAttempts = 4

// Retry calls fn again after Telegram's retry_after when it answers 429, a few times at most.
func (b *Bot) Retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 1; attempt <= maxSendAttempts; attempt++ {
		err = fn()
		b.Metrics.Sent(sendLane(ctx), metrics.ResultOf(err))
		var apiErr *tgbotapi.Error
		if err == nil || !errors.As(err, &apiErr) || apiErr.Code != 429 {
			return err
		}
		if d := deliveryOf(ctx); d != nil && d.sent == 0 {
			return err // an outbox job that sent nothing yet: its lane waits and it goes again whole
		}
		wait := time.Duration(max(apiErr.RetryAfter, 1)) * time.Second
		b.dl.gate.Penalize(wait) // every sender backs off, not only this one
		if b.Sleep(ctx, wait) != nil {
			return err
		}
	}
	return err
}

// Send delivers a message-producing request (sendMessage, sendPhoto, …). A new message first passes
// the flood-limit Gate (delivery.go): as a reply to the user's own action unless ctx carries an outbox
// delivery, whose class and paid-broadcast flag it then uses.
func (b *Bot) Send(ctx context.Context, c tgbotapi.Chattable) (tgbotapi.Message, error) {
	d := deliveryOf(ctx)
	class := outbox.Interactive
	if d != nil {
		class = d.class
	}
	chatID, isNew := newMessageChat(c)
	var m tgbotapi.Message
	err := b.Retry(ctx, func() error {
		if isNew {
			if err := b.dl.gate.Acquire(ctx, class, chatID); err != nil {
				return err
			}
		}
		var err error
		if isNew && d != nil && d.paid {
			var ok bool
			if m, ok, err = b.paidRequest(c); ok {
				return err
			}
		}
		m, err = b.API.Send(c)
		return err
	})
	if err == nil && d != nil {
		d.sent++
	}
	return m, Describe(methodOf(c), err)
}

// Request delivers a request that answers true (answerCallbackQuery, deleteMessage, setMyCommands, …).
func (b *Bot) Request(ctx context.Context, c tgbotapi.Chattable) error {
	return Describe(methodOf(c), b.Retry(ctx, func() error {
		_, err := b.API.Request(c)
		return err
	}))
}

func methodOf(c tgbotapi.Chattable) string {
	if m, ok := c.(interface{ method() string }); ok {
		return m.method()
	}
	return fmt.Sprintf("%T", c)
}

// Describe wraps a Telegram error with the operation, keeping *tgbotapi.Error reachable with errors.As.
// A network failure comes from tgbotapi as a *url.Error whose text holds the request URL, and so the
// token: only its cause is kept.
func Describe(op string, err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// IsNotModified is Telegram's answer to an edit that changes nothing; for menus that is success.
func IsNotModified(err error) bool {
	return err != nil && strings.Contains(err.Error(), "message is not modified")
}

// IsGone means the chat cannot receive messages: the user blocked the bot or the chat is gone.
func IsGone(err error) bool {
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.Code == 403 || (apiErr.Code == 400 && strings.Contains(apiErr.Message, "chat not found"))
}

// SendText sends HTML text with an optional keyboard.
func (b *Bot) SendText(ctx context.Context, chatID int64, text string, markup any) (tgbotapi.Message, error) {
	msg := tgbotapi.NewMessage(chatID, text)
	msg.ParseMode = tgbotapi.ModeHTML
	msg.DisableWebPagePreview = true
	if markup != nil {
		msg.ReplyMarkup = markup
	}
	return b.Send(ctx, msg)
}

// EditText replaces a message's text and inline keyboard; an unchanged message is not an error.
func (b *Bot) EditText(ctx context.Context, chatID int64, messageID int, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	edit := tgbotapi.NewEditMessageText(chatID, messageID, text)
	edit.ParseMode = tgbotapi.ModeHTML
	edit.DisableWebPagePreview = true
	edit.ReplyMarkup = kb
	_, err := b.Send(ctx, edit)
	if IsNotModified(err) {
		return nil
	}
	return err
}
