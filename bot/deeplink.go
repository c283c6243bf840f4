package bot

import (
	"context"
	"strings"
)

// handleStartPayload acts on a /start deep-link payload before the greeting. handled means the payload
// fully answered the /start; otherwise the usual greeting (or onboarding) follows.
func (b *Bot) handleStartPayload(ctx context.Context, c *Ctx, payload string) (handled bool, err error) {
	switch {
	case strings.HasPrefix(payload, "verify_"):
		// Verifying a certificate is for anyone; a newcomer then goes on to onboarding.
		if err := b.verify(ctx, c, strings.TrimPrefix(payload, "verify_")); err != nil {
			return false, err
		}
		return c.User.Onboarded, nil
	}
	return false, nil
}
