package bot

import (
	"context"

	"github.com/tavan7/tavan/bot/store"
)

// handleMembership follows the user blocking and unblocking the bot: a blocked user gets no bulk messages
// until they come back.
func handleMembership(_ context.Context, c *Ctx) error {
	m := c.Update.MyChatMember
	if m.Chat.Type != "private" {
		return nil
	}
	blocked := m.NewChatMember.Status == "kicked"
	return c.Apply(func(_ *store.Tx, u *store.User) error {
		u.Blocked = blocked
		return nil
	})
}
