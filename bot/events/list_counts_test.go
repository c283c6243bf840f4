package events_test

import (
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/store"
)

// TestEventListCountsSeats: the list's seat figure and ✅ follow reservations and a /deleteme (the list
// reads kept counts rather than decoding every reservation).
func TestEventListCountsSeats(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(leila, "fa", "home")
	h.Onboard(sima, "fa", "home")
	e := h.addEvent(func(e *store.Event) { e.Capacity = 3 })
	show := func() string {
		t.Helper()
		h.Send(sima, "/events")
		return h.Last(sima).Plain
	}
	if got := show(); !strings.Contains(got, "۳ جای خالی از ۳") || strings.Contains(got, "✅") {
		t.Errorf("list before any reservation: %q", got)
	}
	h.attend(maryam, e)
	h.attend(leila, e)
	if got := show(); !strings.Contains(got, "۱ جای خالی از ۳") {
		t.Errorf("list after two reservations: %q", got)
	}
	h.attend(sima, e)
	if got := show(); !strings.Contains(got, "تکمیل") || !strings.Contains(got, "✅") {
		t.Errorf("a full event Sima holds a seat at: %q", got)
	}
	h.Send(maryam, "/deleteme")
	h.Press(maryam, h.Last(maryam), "همه را پاک کن")
	if got := show(); !strings.Contains(got, "۱ جای خالی از ۳") {
		t.Errorf("list after a /deleteme: %q", got)
	}
}
