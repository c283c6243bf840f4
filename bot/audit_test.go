package bot

// Tests of the review of main (security, privacy, redelivery, bad input): each one failed before its fix.

import (
	"context"
	"strings"
	"testing"
)

// TestRefusalIsNotRepeatedAfterRestart: an update the bot answered with a refusal (or an apology) is done
// with; it must leave the inbox, or every restart replays it and the learner reads the refusal again.
func TestRefusalIsNotRepeatedAfterRestart(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.bot.router.Command("boom", func(context.Context, *Ctx) error { panic("handler bug") })
	h.send(maryam, "/verify ZZZZZZZZZZZZ")
	if got := h.last(maryam).Plain; !strings.Contains(got, "پیدا نشد") {
		t.Fatalf("/verify with an unknown code answered %q; want «پیدا نشد»", got)
	}
	h.send(maryam, "/boom")
	before := h.count(maryam)

	h.restart()
	h.settle()
	h.send(maryam, "/help")
	if got := h.count(maryam); got != before+1 {
		for _, m := range h.sim.BotMessages(maryam.ID)[before:] {
			t.Logf("after the restart: %q", m.Plain)
		}
		t.Errorf("after a restart and /help maryam has %d messages; want %d (only the help)", got, before+1)
	}
	if ids, _, err := h.db.Inbox(); err != nil || len(ids) != 0 {
		t.Errorf("inbox after the refusals = %v (%v); want empty", ids, err)
	}
}
