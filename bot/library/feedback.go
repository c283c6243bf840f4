package library

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
)

// Feedback: /feedback makes the learner's next message (text or media) a suggestion or problem report for
// the admins; an admin's [reply] button makes the admin's next message the answer, which reaches the learner
// through the bot. Both directions go through the outbox (messages to someone else).

const (
	stepFeedback      = "fb"    // a learner's next message is feedback
	stepFeedbackReply = "fbrep" // an admin's next message answers feedback; StepData "<user id>:<feedback id>"
)

// errTooMuchFeedback is the flood guard's refusal inside the transaction; the handler answers it with
// FeedbackTooMany once the step is cleared.
var errTooMuchFeedback = errors.New("feedback: daily limit reached")

const (
	maxFeedbackChars  = 3000 // UTF-16 units, so the admins' notice with its header stays under 4096
	maxFeedbackPerDay = 20   // per day in the program's zone
	floodFeedback     = "feedback"
)

// handleFeedback asks for the feedback message (from /feedback or the button under an answer).
func (f *Feature) handleFeedback(ctx context.Context, c *bot.Ctx) error {
	if c.Update.CallbackQuery != nil && len(c.Data) != 0 {
		return bot.HandleStaleButton(ctx, c)
	}
	if len(f.Admins) == 0 {
		return c.Fail("FeedbackUnavailable")
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		u.Step, u.StepData = stepFeedback, ""
		return nil
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	_, err := c.Reply(ctx, c.T("FeedbackPrompt"), cancelKeyboard(c))
	return err
}

func cancelKeyboard(c *bot.Ctx) *tgbotapi.InlineKeyboardMarkup {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actFeedbackCancel.Button(c.T("SecCancelButton"))))
	return &kb
}

// handleFeedbackCancel ends a feedback (or reply) step without sending anything.
func (f *Feature) handleFeedbackCancel(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 0 {
		return bot.HandleStaleButton(ctx, c)
	}
	if c.User.Step != stepFeedback && c.User.Step != stepFeedbackReply {
		return c.Menu(ctx, c.T("FeedbackCancelled"), nil) // already sent or cancelled: just tidy the prompt
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
		return err
	}
	return c.Menu(ctx, c.T("FeedbackCancelled"), nil)
}

// checkMessage refuses an empty or too long text; media (with any caption Telegram accepted) passes.
func checkMessage(c *bot.Ctx, m *tgbotapi.Message) error {
	if m.Text == "" {
		return nil
	}
	if strings.TrimSpace(m.Text) == "" {
		return c.Fail("FeedbackEmpty")
	}
	if n := tghtml.UTF16Len(m.Text); n > maxFeedbackChars {
		return c.Fail("FeedbackTooLong", "Length", c.Num(n), "Max", c.Num(maxFeedbackChars))
	}
	return nil
}

// handleFeedbackMessage sends the learner's message to every admin.
func (f *Feature) handleFeedbackMessage(ctx context.Context, c *bot.Ctx) error {
	m := c.Update.Message
	if err := checkMessage(c, m); err != nil {
		return err
	}
	name := displayName(c.User)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		// The count is a flood counter outside the erasable buckets, so /deleteme does not reset it.
		if n, err := tx.AddFlood(floodFeedback, store.DayString(tx.Now().In(f.Location)), u.ID); err != nil {
			return err
		} else if n > maxFeedbackPerDay {
			return errTooMuchFeedback
		}
		fb := &store.Feedback{UserID: u.ID, MessageID: m.MessageID}
		if err := tx.AddFeedback(fb); err != nil {
			return err
		}
		replyData := actFeedbackReply.Data(strconv.FormatInt(u.ID, 10), strconv.FormatUint(fb.ID, 10))
		for _, admin := range f.Admins {
			lang := f.langOf(tx, admin)
			who := bot.Escape(name)
			if who == "" {
				who = f.Texts.T(lang, "SecNoName")
			}
			kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData(f.Texts.T(lang, "FeedbackReplyButton"), replyData)))
			var notices []bot.Notice
			if m.Text != "" {
				notices = append(notices, bot.Notice{ChatID: admin, Keyboard: &kb,
					Text: f.Texts.T(lang, "FeedbackToAdmin", "Name", who, "Text", bot.Escape(m.Text))})
			} else {
				// Media: the message itself, then the header with the reply button under it.
				notices = append(notices,
					bot.Notice{ChatID: admin, CopyFrom: &bot.NoticeCopy{ChatID: c.ChatID, MessageID: m.MessageID}},
					bot.Notice{ChatID: admin, Keyboard: &kb, Text: f.Texts.T(lang, "FeedbackMediaToAdmin", "Name", who)})
			}
			for i, n := range notices {
				n.Dedupe = fmt.Sprintf("fb:%d:%d:%d:%d", u.ID, fb.ID, admin, i)
				if err := f.Enqueue(tx, n); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		if errors.Is(err, errTooMuchFeedback) {
			// The flood guard refused: the step is still set (the transaction rolled back); clear it so the
			// learner is not stuck in it.
			_ = c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil })
			return c.Fail("FeedbackTooMany")
		}
		return err
	}
	_, err := c.Reply(ctx, c.T("FeedbackSent"), nil)
	return err
}

// langOf is the language to write to another user in ("fa" for someone who never started the bot).
func (f *Feature) langOf(tx *store.Tx, id int64) string {
	u, err := tx.User(id)
	if err != nil {
		return "fa"
	}
	return bot.UserLang(u)
}

// parseFeedbackRef reads "<user id>", "<feedback id>".
func parseFeedbackRef(userArg, idArg string) (int64, uint64, bool) {
	uid, err1 := strconv.ParseInt(userArg, 10, 64)
	fid, err2 := strconv.ParseUint(idArg, 10, 64)
	if err1 != nil || err2 != nil || uid <= 0 || fid == 0 {
		return 0, 0, false
	}
	return uid, fid, true
}

// handleFeedbackReplyButton starts an admin's answer to one feedback.
func (f *Feature) handleFeedbackReplyButton(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 {
		return bot.HandleStaleButton(ctx, c)
	}
	uid, fid, ok := parseFeedbackRef(c.Data[0], c.Data[1])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	var name string
	if err := f.Store.View(func(tx *store.Tx) error {
		if _, err := tx.Feedback(uid, fid); err != nil {
			return err
		}
		u, err := tx.User(uid)
		if err != nil {
			return err
		}
		name = displayName(u)
		return nil
	}); errors.Is(err, store.ErrNotFound) {
		return c.Toast(ctx, c.T("FeedbackGone"), true)
	} else if err != nil {
		return err
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		u.Step, u.StepData = stepFeedbackReply, c.Data[0]+":"+c.Data[1]
		return nil
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	if name == "" {
		name = c.T("SecNoName")
	} else {
		name = bot.Escape(name)
	}
	// A new message: editing would replace the learner's words in the admin's chat.
	_, err := c.Reply(ctx, c.T("FeedbackReplyPrompt", "Name", name), cancelKeyboard(c))
	return err
}

// handleFeedbackReply sends an admin's answer to the learner.
func (f *Feature) handleFeedbackReply(ctx context.Context, c *bot.Ctx) error {
	if !c.IsAdmin() {
		// No longer an admin since pressing the button: drop the step quietly.
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
			return err
		}
		return bot.HandleUnexpected(ctx, c)
	}
	m := c.Update.Message
	if err := checkMessage(c, m); err != nil {
		return err
	}
	userArg, idArg, _ := strings.Cut(c.User.StepData, ":")
	uid, fid, ok := parseFeedbackRef(userArg, idArg)
	var name string
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		if !ok {
			return store.ErrNotFound
		}
		fb, err := tx.Feedback(uid, fid)
		if err != nil {
			return err
		}
		learner, err := tx.User(uid)
		if err != nil {
			return err
		}
		name = displayName(learner)
		fb.Replies++
		fb.LastReply = tx.Now()
		if err := tx.PutFeedback(fb); err != nil {
			return err
		}
		lang := bot.UserLang(learner)
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			actFeedbackNew.Button(f.Texts.T(lang, "FeedbackAgainButton"))))
		var notices []bot.Notice
		if m.Text != "" {
			notices = append(notices, bot.Notice{ChatID: uid, Keyboard: &kb,
				Text: f.Texts.T(lang, "FeedbackAnswer", "Text", bot.Escape(m.Text))})
		} else {
			notices = append(notices,
				bot.Notice{ChatID: uid, Text: f.Texts.T(lang, "FeedbackAnswerMedia")},
				bot.Notice{ChatID: uid, Keyboard: &kb, CopyFrom: &bot.NoticeCopy{ChatID: c.ChatID, MessageID: m.MessageID}})
		}
		for i, n := range notices {
			n.Dedupe = fmt.Sprintf("fbr:%d:%d:%d:%d", uid, fid, fb.Replies, i)
			if err := f.Enqueue(tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		// The learner deleted their data (or the reference is broken): nothing to answer. Leave the step.
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
			return err
		}
		return c.Fail("FeedbackGone")
	}
	if err != nil {
		return err
	}
	if name == "" {
		name = c.T("SecNoName")
	} else {
		name = bot.Escape(name)
	}
	_, err = c.Reply(ctx, c.T("FeedbackReplySent", "Name", name), nil)
	return err
}
