package bot

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

func (b *Bot) handlePrivacy(ctx context.Context, c *Ctx) error {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("DeleteMyDataButton"), cb("del", "ask")),
	))
	_, err := c.Reply(ctx, c.T("Privacy"), kb)
	return err
}

func (b *Bot) handleDeleteMe(ctx context.Context, c *Ctx) error { return b.askDelete(ctx, c) }

func (b *Bot) askDelete(ctx context.Context, c *Ctx) error {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("DeleteConfirmButton"), cb("del", "yes")),
		tgbotapi.NewInlineKeyboardButtonData(c.T("DeleteCancelButton"), cb("del", "no")),
	))
	return c.Menu(ctx, c.T("DeleteAsk"), &kb)
}

func (b *Bot) handleDeleteChoice(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	switch c.Data[0] {
	case "ask":
		return b.askDelete(ctx, c)
	case "no":
		return c.Menu(ctx, c.T("DeleteCancelled"), nil)
	case "yes":
		// Not c.Apply: that would save the user again after deleting them.
		applied, err := b.Store.Apply(c.Update.UpdateID, func(tx *store.Tx) error { return tx.DeleteUser(c.User.ID) })
		if err != nil {
			return err
		}
		if !applied {
			return errDuplicate
		}
		c.applied = true
		return c.Menu(ctx, c.T("DeleteDone"), nil)
	}
	return handleStaleButton(ctx, c)
}
