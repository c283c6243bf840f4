package bot

import (
	"context"
	"strings"
)

// handleStartPayload runs the feature behind a /start deep-link payload (t.me/<bot>?start=<payload>).
// handled means the feature answered and /start must not go on; otherwise /start greets and onboards as
// usual. Each feature owns one prefix.
func (b *Bot) handleStartPayload(ctx context.Context, c *Ctx, payload string) (handled bool, err error) {
	if !validPayload(payload) {
		return false, nil
	}
	switch {
	case strings.HasPrefix(payload, refPrefix):
		// ambassador.go: credit the inviter of a new learner, then onboard them like anyone else.
		return false, b.creditReferral(ctx, c, strings.TrimPrefix(payload, refPrefix))
	}
	return false, nil
}
