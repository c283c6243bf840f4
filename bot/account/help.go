package account

import (
	"context"

	"github.com/tavan7/tavan/bot"
)

func (f *Feature) handleHelp(ctx context.Context, c *bot.Ctx) error {
	_, err := c.Reply(ctx, c.T("Help"), nil)
	return err
}
