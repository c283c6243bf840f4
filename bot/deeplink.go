package bot

import (
	"context"
	"strings"
)

// handleStartPayload acts on a /start deep-link payload (t.me/<bot>?start=<payload>) before the greeting.
// handled means the payload fully answered the /start; otherwise the usual greeting (or onboarding)
// follows. It runs first in handleStart, before anything is saved, so that a feature can act in the
// transaction that creates a new learner (referrals). Each feature owns one prefix.
func (b *Bot) handleStartPayload(ctx context.Context, c *Ctx, payload string) (handled bool, err error) {
	if !validPayload(payload) {
		return false, nil
	}
	switch {
	case strings.HasPrefix(payload, "verify_"):
		// Verifying a certificate is for anyone; a newcomer then goes on to onboarding.
		if err := b.verify(ctx, c, strings.TrimPrefix(payload, "verify_")); err != nil {
			return false, err
		}
		return c.User.Onboarded, nil
	case strings.HasPrefix(payload, refPrefix):
		// ambassador.go: credit the inviter of a NEW learner, in the Apply that creates them; then onboard
		// them like anyone else.
		return false, b.creditReferral(ctx, c, strings.TrimPrefix(payload, refPrefix))
	case strings.HasPrefix(payload, checkInPrefix):
		// events.go: the door code marks the learner present; a newcomer then goes on to onboarding.
		return b.handleCheckIn(ctx, c, strings.TrimPrefix(payload, checkInPrefix))
	case strings.HasPrefix(payload, invitePrefix):
		// consult_consultant.go: a one-time consultant invite; it answers the /start entirely.
		return true, b.redeemInvite(ctx, c, strings.TrimPrefix(payload, invitePrefix))
	}
	return false, nil
}
