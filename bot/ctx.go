package bot

import (
	"context"
	"errors"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// Ctx is one update being handled: who sent it, in which language to answer, and helpers to answer.
type Ctx struct {
	Voice  // the sender's language
	b      *Bot
	Update tgbotapi.Update
	User   *store.User // the sender as stored, or a fresh record for a first-time user
	ChatID int64

	Command string   // for commands: the name without slash or @bot
	Args    string   // for commands: the text after the command
	Action  Action   // for callbacks: the decoded action
	Data    []string // for callbacks: the decoded arguments

	applied   bool      // this run committed the update's state change (or rehearsed it, in a replay)
	answered  bool      // the callback query was answered
	clearStep bool      // a command interrupts any conversation step
	replay    bool      // the update's change was applied before a crash: answer again, change nothing
	received  time.Time // when the update arrived (zero: unknown)
}

// ctxKey carries the Ctx of the update being handled in its context.Context, so that every request made
// while handling it knows it is a reply (not bulk) and answers the button press first.
type ctxKey struct{}

// handling is the Ctx of the update a request is made for, or nil (outbox deliveries, loops).
func handling(ctx context.Context) *Ctx {
	c, _ := ctx.Value(ctxKey{}).(*Ctx)
	return c
}

// callbackWindow is how long Telegram accepts an answer to a button press ("query is too old" after
// about 15 s); a replayed press older than this is not answered, only counted.
const callbackWindow = 14 * time.Second

// ErrDuplicate stops a handler whose update was already applied before a crash.
var ErrDuplicate = errors.New("update already handled")

// Applied reports whether this run committed the update's state change.
func (c *Ctx) Applied() bool { return c.applied }

// Apply commits a state change for this update: it reloads the sender inside the transaction, lets fn
// change them (and anything else through tx), saves them and marks the update handled, all at once.
// A redelivered update gets ErrDuplicate, and the handler stops without repeating itself.
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
	switch {
	case c.replay:
		// Applied before a crash: run the change again against what it left, for the handler to answer
		// as it would to a repeated press, and roll it back.
		if err := c.b.Store.Rehearse(change); err != nil {
			return err
		}
		c.applied = true
	case c.applied:
		// A second change in the same run: the update is already marked.
		if err := c.b.Store.Update(change); err != nil {
			return err
		}
	default:
		ok, err := c.b.Store.Apply(c.Update.UpdateID, change)
		if err != nil {
			return err
		}
		if !ok {
			return ErrDuplicate
		}
		c.applied = true
	}
	c.User = saved
	c.Lang = UserLang(saved)
	return nil
}

// ApplyTx commits a change that does not save the sender (deleting them) and marks the update handled,
// at once. A redelivered update gets ErrDuplicate.
func (c *Ctx) ApplyTx(fn func(tx *store.Tx) error) error {
	if c.replay {
		c.applied = true
		return c.b.Store.Rehearse(fn)
	}
	ok, err := c.b.Store.Apply(c.Update.UpdateID, fn)
	if err != nil {
		return err
	}
	if !ok {
		return ErrDuplicate
	}
	c.applied = true
	return nil
}

// Reply sends a new message to the chat.
func (c *Ctx) Reply(ctx context.Context, text string, markup any) (tgbotapi.Message, error) {
	return c.b.SendText(ctx, c.ChatID, text, markup)
}

// Menu shows text with an inline keyboard: a button press edits the message it came from, so a menu
// moves step by step in one message; anything else sends a new message.
func (c *Ctx) Menu(ctx context.Context, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	if q := c.Update.CallbackQuery; q != nil && q.Message != nil {
		return c.b.EditText(ctx, q.Message.Chat.ID, q.Message.MessageID, text, kb)
	}
	var markup any
	if kb != nil {
		markup = kb
	}
	_, err := c.Reply(ctx, text, markup)
	return err
}

// Toast answers the callback query with a short notice (or silently with ""). A press is answered once:
// the first request made for it answers it (silently) if the handler has not yet, so the spinner stops
// before anything else goes out; a toast after that is not shown.
func (c *Ctx) Toast(ctx context.Context, text string, alert bool) error {
	q := c.Update.CallbackQuery
	if q == nil || c.answered {
		return nil
	}
	c.answered = true
	if !c.received.IsZero() && c.b.Now().Sub(c.received) > callbackWindow {
		c.b.Metrics.CallbackTooOld()
		return nil // Telegram would refuse it ("query is too old"); the edits and sends still go out
	}
	answer := tgbotapi.NewCallback(q.ID, Truncate(text, 200))
	answer.ShowAlert = alert
	return c.b.Request(ctx, answer)
}

// IsAdmin reports whether the sender is an admin, checked on this request.
func (c *Ctx) IsAdmin() bool { return c.b.IsAdmin(c.User.ID) }

// Fail returns an error whose message, localized, is what the user sees.
func (c *Ctx) Fail(id string, kv ...any) error { return &userError{id: id, kv: kv} }

// IsFail reports whether err is a refusal made by Ctx.Fail (shown to the user) rather than a failure.
func IsFail(err error) bool {
	var ue *userError
	return errors.As(err, &ue)
}

// userError carries a message id for the user instead of Go error text.
type userError struct {
	id string
	kv []any
}

func (e *userError) Error() string { return "user error: " + e.id }
