package bot

import "context"

func (b *Bot) handleHelp(ctx context.Context, c *Ctx) error {
	_, err := c.Reply(ctx, c.T("Help"), nil)
	return err
}
