package account

import (
	"context"

	"github.com/tavan7/tavan/bot"
)

func (f *Feature) handleHelp(ctx context.Context, c *bot.Ctx) error {
	text := c.T("Help")
	if staff := c.StaffCommandList(); staff != "" && !f.Supports("setMyCommands") {
		// No command menu on this platform (Bale): staff find their commands here.
		text += "\n\n" + c.T("HelpStaff") + "\n" + staff
	}
	_, err := c.Reply(ctx, text, nil)
	return err
}
