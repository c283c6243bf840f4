package bot

import (
	"context"
	"strings"
)

// handleStartPayload routes a /start deep link whose payload belongs to a feature (a consultant invite,
// an event check-in …) before onboarding. handled is false for ordinary payloads (referrals), which
// handleStart keeps on the user's record as before.
func (b *Bot) handleStartPayload(ctx context.Context, c *Ctx, payload string) (handled bool, err error) {
	if !validPayload(payload) {
		return false, nil
	}
	switch {
	case strings.HasPrefix(payload, invitePrefix): // consult_admin.go
		return true, b.redeemInvite(ctx, c, strings.TrimPrefix(payload, invitePrefix))
	}
	return false, nil
}
