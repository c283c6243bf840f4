package bot

import (
	"context"
	"errors"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/locales"
)

// Ctx is one update being handled: who sent it, in which language to answer, and helpers to answer.
type Ctx struct {
	b      *Bot
	Update tgbotapi.Update
	User   *store.User // the sender as stored, or a fresh record for a first-time user
	Lang   string
	ChatID int64

	Command string   // for commands: the name without slash or @bot
	Args    string   // for commands: the text after the command
	Action  string   // for callbacks: the decoded action
	Data    []string // for callbacks: the decoded arguments

	applied   bool // this run committed the update's state change
	answered  bool // the callback query was answered
	clearStep bool // a command interrupts any conversation step
}

// errDuplicate stops a handler whose update was already applied before a crash.
var errDuplicate = errors.New("update already handled")

// T renders a message in the user's language.
func (c *Ctx) T(id string, kv ...any) string { return c.b.Texts.T(c.Lang, id, kv...) }

// N renders a plural message in the user's language.
func (c *Ctx) N(id string, n int, kv ...any) string { return c.b.Texts.N(c.Lang, id, n, kv...) }

// Apply commits a state change for this update: it reloads the sender inside the transaction, lets fn
// change them (and anything else through tx), saves them and marks the update handled, all at once.
// A redelivered update gets errDuplicate, and the handler stops without repeating itself.
func (c *Ctx) Apply(fn func(tx *store.Tx, u *store.User) error) error {
	var saved *store.User
	change := func(tx *store.Tx) error {
		u, err := tx.User(c.User.ID)
		if errors.Is(err, store.ErrNotFound) {
			cp := *c.User
			u = &cp
			if err := tx.AddDay(tx.Now().In(c.b.Location), func(d *store.DayStats) { d.NewUsers++ }); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		c.b.refreshProfile(u, c.Update, tx.Now())
		if c.clearStep {
			u.Step, u.StepData = "", ""
		}
		if fn != nil {
			if err := fn(tx, u); err != nil {
				return err
			}
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		if c.Update.MyChatMember == nil { // blocking the bot is not learning activity
			if err := tx.TouchDay(u.ID, tx.Now().In(c.b.Location)); err != nil {
				return err
			}
		}
		saved = u
		return nil
	}
	if c.applied {
		// A second change in the same run: the update is already marked.
		if err := c.b.Store.Update(change); err != nil {
			return err
		}
	} else {
		ok, err := c.b.Store.Apply(c.Update.UpdateID, change)
		if err != nil {
			return err
		}
		if !ok {
			return errDuplicate
		}
		c.applied = true
	}
	c.User = saved
	c.Lang = userLang(saved)
	return nil
}

// Reply sends a new message to the chat.
func (c *Ctx) Reply(ctx context.Context, text string, markup any) (tgbotapi.Message, error) {
	return c.b.sendText(ctx, c.ChatID, text, markup)
}

// Menu shows text with an inline keyboard: a button press edits the message it came from, so a menu
// moves step by step in one message; anything else sends a new message.
func (c *Ctx) Menu(ctx context.Context, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	if q := c.Update.CallbackQuery; q != nil && q.Message != nil {
		return c.b.editText(ctx, q.Message.Chat.ID, q.Message.MessageID, text, kb)
	}
	var markup any
	if kb != nil {
		markup = kb
	}
	_, err := c.Reply(ctx, text, markup)
	return err
}

// Toast answers the callback query with a short notice (or silently with "").
func (c *Ctx) Toast(ctx context.Context, text string, alert bool) error {
	q := c.Update.CallbackQuery
	if q == nil || c.answered {
		return nil
	}
	c.answered = true
	answer := tgbotapi.NewCallback(q.ID, text)
	answer.ShowAlert = alert
	return c.b.request(ctx, answer)
}

// IsAdmin reports whether the sender is an admin, checked on this request.
func (c *Ctx) IsAdmin() bool { return c.b.IsAdmin(c.User.ID) }

// Fail returns an error whose message, localized, is what the user sees.
func (c *Ctx) Fail(id string, kv ...any) error { return &userError{id: id, kv: kv} }

// userError carries a message id for the user instead of Go error text.
type userError struct {
	id string
	kv []any
}

func (e *userError) Error() string { return "user error: " + e.id }

// userLang is the language to speak to u in.
func userLang(u *store.User) string { return locales.Lang(u.Lang, u.LanguageCode) }
