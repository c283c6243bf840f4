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

// Retry calls fn again after Telegram's retry_after when it answers 429, a few times at most. The 429 is
// taken as the chat's (or the whole bot's, when chats draw them together) and every request to that
// scope waits it out at the Gate.
func (b *Bot) Retry(ctx context.Context, fn func() error) error { return b.retryChat(ctx, 0, fn) }

func (b *Bot) retryChat(ctx context.Context, chatID int64, fn func() error) error {
	var err error
	for attempt := 1; attempt <= maxSendAttempts; attempt++ {
		if err := b.dl.gate.Hold(ctx, chatID); err != nil {
			return err
		}
		err = fn()
		b.Metrics.Sent(sendLane(ctx), metrics.ResultOf(err))
		var apiErr *tgbotapi.Error
		if err == nil || !errors.As(err, &apiErr) || apiErr.Code != 429 {
			return err
		}
		wait := time.Duration(max(apiErr.RetryAfter, 1)) * time.Second
		b.dl.gate.RateLimited(chatID, wait)
		if d := deliveryOf(ctx); d != nil && d.sent == 0 {
			return err // an outbox job that sent nothing yet: its lane waits and it goes again whole
		}
	}
	return err
}

// Send delivers a message-producing request (sendMessage, sendPhoto, …). An outbox delivery passes the
// flood-limit Gate by its class (bulk and notices are paced per chat and bot-wide). A reply to a user's
// own action is not bulk: into a chat that wrote to the bot in the last minute it goes at once, paced
// only by 429s; into another chat (a relay to a consultant) it takes a bot-wide slot ahead of all queued
// traffic. A button press is answered before anything else goes out for it.
func (b *Bot) Send(ctx context.Context, c tgbotapi.Chattable) (tgbotapi.Message, error) {
	d := deliveryOf(ctx)
	chatID, isNew := newMessageChat(c)
	if !isNew {
		chatID = requestChat(c)
	}
	b.answerFirst(ctx, c)
	var m tgbotapi.Message
	err := b.retryChat(ctx, chatID, func() error {
		if isNew {
			if err := b.gateNew(ctx, chatID); err != nil {
				return err
			}
			// A 429 may have come while this send waited for its slot: its hold binds this send too.
			if err := b.dl.gate.Hold(ctx, chatID); err != nil {
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

// gateNew waits until a new message may go to chatID (see Send).
func (b *Bot) gateNew(ctx context.Context, chatID int64) error {
	switch d := deliveryOf(ctx); {
	case d != nil:
		return b.dl.gate.Acquire(ctx, d.class, chatID)
	case b.talking(chatID):
		b.dl.gate.NoteChatSend(chatID)
		return nil
	default:
		b.dl.gate.NoteChatSend(chatID)
		return b.dl.gate.AcquireGlobal(ctx, outbox.Interactive)
	}
}

// SendRaw runs fn, a request that creates a message in chatID made some other way than Send (e.g. a
// copyMessage through Request, to read the new message's id), through the same Gate and retries.
func (b *Bot) SendRaw(ctx context.Context, chatID int64, method string, fn func() error) error {
	b.answerFirst(ctx, nil)
	return Describe(method, b.retryChat(ctx, chatID, func() error {
		if err := b.gateNew(ctx, chatID); err != nil {
			return err
		}
		if err := b.dl.gate.Hold(ctx, chatID); err != nil {
			return err
		}
		return fn()
	}))
}

// Request delivers a request that answers true (answerCallbackQuery, deleteMessage, setMyCommands, …).
func (b *Bot) Request(ctx context.Context, c tgbotapi.Chattable) error {
	b.answerFirst(ctx, c)
	return Describe(methodOf(c), b.retryChat(ctx, requestChat(c), func() error {
		_, err := b.API.Request(c)
		return err
	}))
}

// answerFirst answers the button press being handled (silently, if the handler has not answered it)
// before any other request made for it: the spinner stops first, whatever the handler does next.
func (b *Bot) answerFirst(ctx context.Context, c tgbotapi.Chattable) {
	h := handling(ctx)
	if h == nil || h.answered || h.Update.CallbackQuery == nil {
		return
	}
	if _, isAnswer := c.(tgbotapi.CallbackConfig); isAnswer {
		return
	}
	_ = h.Toast(ctx, "", false)
}

// requestChat is the chat a request that creates no message acts in (an edit, a deletion), or 0.
func requestChat(c tgbotapi.Chattable) int64 {
	switch r := c.(type) {
	case tgbotapi.EditMessageTextConfig:
		return r.ChatID
	case tgbotapi.EditMessageReplyMarkupConfig:
		return r.ChatID
	case tgbotapi.EditMessageCaptionConfig:
		return r.ChatID
	case tgbotapi.DeleteMessageConfig:
		return r.ChatID
	}
	return 0
}

// methodOf is the Bot API method of a request (tgbotapi keeps it unexported), for logs and for the
// platform's method set.
func methodOf(c tgbotapi.Chattable) string {
	switch c.(type) {
	case tgbotapi.MessageConfig:
		return "sendMessage"
	case tgbotapi.PhotoConfig:
		return "sendPhoto"
	case tgbotapi.DocumentConfig:
		return "sendDocument"
	case tgbotapi.AudioConfig:
		return "sendAudio"
	case tgbotapi.VideoConfig:
		return "sendVideo"
	case tgbotapi.VoiceConfig:
		return "sendVoice"
	case tgbotapi.AnimationConfig:
		return "sendAnimation"
	case tgbotapi.VideoNoteConfig:
		return "sendVideoNote"
	case tgbotapi.StickerConfig:
		return "sendSticker"
	case tgbotapi.LocationConfig:
		return "sendLocation"
	case tgbotapi.VenueConfig:
		return "sendVenue"
	case tgbotapi.ContactConfig:
		return "sendContact"
	case tgbotapi.SendPollConfig:
		return "sendPoll"
	case tgbotapi.StopPollConfig:
		return "stopPoll"
	case tgbotapi.DiceConfig:
		return "sendDice"
	case tgbotapi.CopyMessageConfig:
		return "copyMessage"
	case tgbotapi.ForwardConfig:
		return "forwardMessage"
	case tgbotapi.MediaGroupConfig:
		return "sendMediaGroup"
	case tgbotapi.ChatActionConfig:
		return "sendChatAction"
	case tgbotapi.EditMessageTextConfig:
		return "editMessageText"
	case tgbotapi.EditMessageCaptionConfig:
		return "editMessageCaption"
	case tgbotapi.EditMessageReplyMarkupConfig:
		return "editMessageReplyMarkup"
	case tgbotapi.DeleteMessageConfig:
		return "deleteMessage"
	case tgbotapi.CallbackConfig:
		return "answerCallbackQuery"
	case tgbotapi.SetMyCommandsConfig:
		return "setMyCommands"
	case tgbotapi.DeleteMyCommandsConfig:
		return "deleteMyCommands"
	case tgbotapi.DeleteWebhookConfig:
		return "deleteWebhook"
	case tgbotapi.FileConfig:
		return "getFile"
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
