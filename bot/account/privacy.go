package account

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

func (f *Feature) handlePrivacy(ctx context.Context, c *bot.Ctx) error {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actDelete.Button(c.T("DeleteMyDataButton"), "ask"),
	))
	_, err := c.Reply(ctx, c.T("Privacy"), kb)
	return err
}

func (f *Feature) handleDeleteMe(ctx context.Context, c *bot.Ctx) error { return f.askDelete(ctx, c) }

func (f *Feature) askDelete(ctx context.Context, c *bot.Ctx) error {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actDelete.Button(c.T("DeleteConfirmButton"), "yes"),
		actDelete.Button(c.T("DeleteCancelButton"), "no"),
	))
	return c.Menu(ctx, c.T("DeleteAsk"), &kb)
}

func (f *Feature) handleDeleteChoice(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	switch c.Data[0] {
	case "ask":
		return f.askDelete(ctx, c)
	case "no":
		return c.Menu(ctx, c.T("DeleteCancelled"), nil)
	case "yes":
		// Not c.Apply: that would save the user again after deleting them.
		if err := c.ApplyTx(func(tx *store.Tx) error { return tx.DeleteUser(c.User.ID) }); err != nil {
			return err // bot.ErrDuplicate for a redelivered update
		}
		return c.Menu(ctx, c.T("DeleteDone"), nil)
	}
	return bot.HandleStaleButton(ctx, c)
}
