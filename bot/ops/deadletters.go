package ops

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// /deadletters (admins): the outbox jobs that could not be delivered, newest first, with the reason
// Telegram gave, and a button to send each again. Message contents are not shown: only who, when, why.

const deadLettersShown = 10

func (f *Feature) handleDeadLetters(ctx context.Context, c *bot.Ctx) error {
	return f.showDeadLetters(ctx, c)
}

func (f *Feature) showDeadLetters(ctx context.Context, c *bot.Ctx) error {
	jobs, err := f.Store.DeadLetters(deadLettersShown)
	if err != nil {
		return err
	}
	total, err := f.Store.CountDeadLetters()
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		return c.Menu(ctx, c.T("DeadLettersNone"), nil)
	}
	lines := []string{c.T("DeadLettersTitle", "Shown", c.Num(len(jobs)), "Total", c.Num(total))}
	var rows [][]tgbotapi.InlineKeyboardButton
	var row []tgbotapi.InlineKeyboardButton
	for _, j := range jobs {
		lane := c.T("LaneNotice")
		if j.Lane == store.LaneBulk {
			lane = c.T("LaneBulk")
		}
		lines = append(lines, c.T("DeadLetterLine", "ID", c.Num(int(j.ID)), "Chat", strconv.FormatInt(j.ChatID, 10),
			"Lane", lane, "When", f.dateTime(c.Voice, j.Created), "Reason", bot.Escape(bot.Truncate(j.LastError, 160))))
		row = append(row, actDeadLetterRetry.Button(c.T("DeadLetterRetry", "ID", c.Num(int(j.ID))), strconv.FormatUint(j.ID, 10)))
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(actDeadLetterRetry.Button(c.T("DeadLettersRefresh"), "list")))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, strings.Join(lines, "\n\n"), &kb)
}

// dateTime formats a moment for the reader: Jalali in Persian, Gregorian in English, in the program's zone.
func (f *Feature) dateTime(c bot.Voice, t time.Time) string {
	t = t.In(f.Location)
	if c.Lang == "fa" {
		return persian.DateTime(t)
	}
	return t.Format("2 Jan 2006 15:04")
}

// handleDeadLetterRetry: dlr|<id> puts a dead letter back into its lane; dlr|list refreshes.
func (f *Feature) handleDeadLetterRetry(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	if c.Data[0] == "list" {
		return f.showDeadLetters(ctx, c)
	}
	id, err := strconv.ParseUint(c.Data[0], 10, 64)
	if err != nil {
		return bot.HandleStaleButton(ctx, c)
	}
	if err := f.Store.RetryDeadLetter(id); errors.Is(err, store.ErrNotFound) {
		_ = c.Toast(ctx, c.T("DeadLetterGone"), false)
		return f.showDeadLetters(ctx, c)
	} else if err != nil {
		return err
	}
	if eng := f.Sender(); eng != nil {
		eng.Rescan() // the job keeps its old id, below the sender's cursor
	}
	f.Logger.Info("dead letter retried", "job", id, "admin", c.User.ID)
	_ = c.Toast(ctx, c.T("DeadLetterRetried"), false)
	return f.showDeadLetters(ctx, c)
}

// pruneDeadLetters expires dead letters older than the store's retention (30 days): they hold a message
// and a chat id, and nobody retries a month-old notice.
func (f *Feature) pruneDeadLetters(_ context.Context, _ time.Time) error {
	n, err := f.Store.PruneDeadLetters()
	if n > 0 {
		f.Logger.Info("dead letters expired", "count", n)
	}
	return err
}
