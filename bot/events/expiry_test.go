package events_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/store"
)

// A reminder held up past its time by a pause of the process (the bot was stopped) is dropped and
// counted, never sent stale; one still on time is sent.
func TestReminderAfterAPauseIsDroppedAndCounted(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(leila, "fa", "home")
	e := h.addEvent(nil) // Sunday 6 December 18:30
	h.attend(maryam, e)
	h.attend(leila, e)

	// Leila's reminders come on time until the 24-hour one; then the bot stops, and comes back 13.5 hours
	// after the start: «starts in an hour» must not arrive.
	h.At(time.Date(2026, 12, 5, 18, 30, 0, 0, tehran))
	if n := h.CountContaining(leila, "⏰ یادآوری"); n != 1 {
		t.Fatalf("the day-before reminder arrived %d times; want once", n)
	}
	h.Stop()
	h.Clock.Set(e.Start.Add(13*time.Hour + 30*time.Minute))
	h.Start()
	h.Drain()
	for _, u := range []struct {
		name string
		n    int
		want int
	}{{"maryam", h.CountContaining(maryam, "⏰ یادآوری"), 1}, {"leila", h.CountContaining(leila, "⏰ یادآوری"), 1}} {
		if u.n != u.want {
			t.Errorf("%s got %d reminders after the pause; want %d (only the one sent before it)", u.name, u.n, u.want)
		}
	}
	if got := h.Bot.SenderStats().Expired; got != 2 {
		t.Errorf("expired notices counted = %d; want 2 (the hour-before reminders)", got)
	}
	if got := metricValue(t, h, "tavan_outbox_expired_total"); got != 2 {
		t.Errorf("tavan_outbox_expired_total = %v; want 2", got)
	}
	if q := h.Pending(store.LaneNotice); len(q) != 0 {
		t.Errorf("notices still queued after the pause: %d", len(q))
	}
}

// A seat offer whose notice never went out before its deadline (the bot stopped right after making it)
// is offered again with a fresh window when the bot comes back, instead of lapsing unseen.
func TestSeatOfferAfterAPauseIsRetimed(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(leila, "fa", "home")
	e := h.addEvent(func(e *store.Event) { e.Capacity = 1; e.OfferHours = 2 })
	id := evID(e)
	h.attend(maryam, e)
	h.attend(leila, e)

	// Maryam gives her seat up; the offer to Leila cannot be sent at once (Telegram fails it), and the bot
	// is stopped before it retries. It is back three hours later, after the offer's two-hour window.
	h.Sim.FailNext("sendMessage", 1, 500, "", 0)
	h.cancelSeat(maryam)
	h.Drain()
	if n := h.CountContaining(leila, "یک جا برای شما خالی شد"); n != 0 {
		t.Fatalf("the offer arrived before the pause (%d)", n)
	}
	h.Stop()
	h.Clock.Advance(3 * time.Hour)
	back := h.Clock.Now()
	h.Start()
	h.tick()
	h.Drain()

	r := h.rsvp(e.ID, leila)
	if r.Status != store.RSVPOffered || !r.OfferExpires.Equal(back.Add(2*time.Hour)) {
		t.Fatalf("leila after the pause: %s until %v; want offered until %v", r.Status, r.OfferExpires.In(tehran), back.Add(2*time.Hour).In(tehran))
	}
	if n := h.CountContaining(leila, "یک جا برای شما خالی شد"); n != 1 {
		t.Errorf("leila got %d offers; want one, re-timed", n)
	}
	if n := h.CountContaining(leila, "ساعت ۱۵:۰۰"); n != 1 { // 10:00 + 3 h + the 2-hour window
		t.Errorf("the re-timed offer does not give the new deadline 15:00: %q", h.BotTexts(leila))
	}
	if n := h.CountContaining(leila, "مهلت جای خالی"); n != 0 {
		t.Errorf("leila was told an offer she never saw had lapsed")
	}
	if toast := h.PressForged(leila, h.Last(leila), cb("evo", id, "y")); !strings.Contains(toast, "ثبت‌نام شد") {
		t.Errorf("accepting the re-timed offer: %q", toast)
	}
}

// metricValue reads an unlabelled counter from the bot's metrics (0 when absent).
func metricValue(t *testing.T, h *harness, name string) float64 {
	t.Helper()
	families, err := h.App.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) > 0 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}
