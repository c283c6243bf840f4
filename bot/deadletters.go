package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// /deadletters (admins): the outbox jobs that could not be delivered, newest first, with the reason
// Telegram gave, and a button to send each again. Message contents are not shown: only who, when, why.

const deadLettersShown = 10

func (b *Bot) handleDeadLetters(ctx context.Context, c *Ctx) error {
	if !c.IsAdmin() {
		return handleUnknownCommand(ctx, c)
	}
	return b.showDeadLetters(ctx, c)
}

func (b *Bot) showDeadLetters(ctx context.Context, c *Ctx) error {
	jobs, err := b.Store.DeadLetters(deadLettersShown)
	if err != nil {
		return err
	}
	total, err := b.Store.CountDeadLetters()
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		return c.Menu(ctx, c.T("DeadLettersNone"), nil)
	}
	lines := []string{c.T("DeadLettersTitle", "Shown", c.num(len(jobs)), "Total", c.num(total))}
	var rows [][]tgbotapi.InlineKeyboardButton
	var row []tgbotapi.InlineKeyboardButton
	for _, j := range jobs {
		lane := c.T("LaneNotice")
		if j.Lane == store.LaneBulk {
			lane = c.T("LaneBulk")
		}
		lines = append(lines, c.T("DeadLetterLine", "ID", c.num(int(j.ID)), "Chat", strconv.FormatInt(j.ChatID, 10),
			"Lane", lane, "When", c.dateTime(j.Created), "Reason", htmlEscape(truncateRunes(j.LastError, 160))))
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(c.T("DeadLetterRetry", "ID", c.num(int(j.ID))), cb("dlr", strconv.FormatUint(j.ID, 10))))
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("DeadLettersRefresh"), cb("dlr", "list"))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, strings.Join(lines, "\n\n"), &kb)
}

// dateTime formats a moment for the user: Jalali in Persian, Gregorian in English, in the program's zone.
func (c *Ctx) dateTime(t time.Time) string {
	t = t.In(c.b.Location)
	if c.Lang == "fa" {
		return persian.DateTime(t)
	}
	return t.Format("2 Jan 2006 15:04")
}

// handleDeadLetterRetry: dlr|<id> puts a dead letter back into its lane; dlr|list refreshes.
func (b *Bot) handleDeadLetterRetry(ctx context.Context, c *Ctx) error {
	if !c.IsAdmin() || len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	if c.Data[0] == "list" {
		return b.showDeadLetters(ctx, c)
	}
	id, err := strconv.ParseUint(c.Data[0], 10, 64)
	if err != nil {
		return handleStaleButton(ctx, c)
	}
	if err := b.Store.RetryDeadLetter(id); errors.Is(err, store.ErrNotFound) {
		_ = c.Toast(ctx, c.T("DeadLetterGone"), false)
		return b.showDeadLetters(ctx, c)
	} else if err != nil {
		return err
	}
	if eng := b.dl.sender.Load(); eng != nil {
		eng.Rescan() // the job keeps its old id, below the sender's cursor
	}
	b.Logger.Info("dead letter retried", "job", id, "admin", c.User.ID)
	_ = c.Toast(ctx, c.T("DeadLetterRetried"), false)
	return b.showDeadLetters(ctx, c)
}

// deadLetterRoutes registers /deadletters and its buttons (admins only).
func (b *Bot) deadLetterRoutes(r *Router) {
	r.AdminCommand("deadletters", b.handleDeadLetters)
	r.AdminCallback("dlr", b.handleDeadLetterRetry)
}
