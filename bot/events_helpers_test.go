package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

var (
	leila = tgsim.User{ID: 201, FirstName: "لیلا", LastName: "کریمی", LanguageCode: "fa"}
	sima  = tgsim.User{ID: 212, FirstName: "سیما", LanguageCode: "fa"}
	// omid (105) is ambassador_test.go's
)

// queued is an outbox job with its notice decoded.
type queued struct {
	store.Job
	Notice Notice
}

// queuedFor lists the notice-lane jobs for chatID, oldest first: those the sender already delivered and
// those still waiting (at any time).
func (h *harness) queuedFor(chatID int64) []queued {
	h.t.Helper()
	h.drain()
	jobs, err := h.db.PendingJobs(store.LaneNotice, farFuture, 10000)
	if err != nil {
		h.t.Fatalf("PendingJobs: %v", err)
	}
	var out []queued
	h.deliveredMu.Lock()
	for _, q := range h.delivered {
		if q.ChatID == chatID && q.Lane == store.LaneNotice {
			out = append(out, q)
		}
	}
	h.deliveredMu.Unlock()
	for _, j := range jobs {
		if j.ChatID != chatID {
			continue
		}
		var n Notice
		if err := json.Unmarshal(j.Payload, &n); err != nil {
			h.t.Fatalf("decode notice %d: %v", j.ID, err)
		}
		out = append(out, queued{Job: j, Notice: n})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// queuedWith returns the jobs for chatID whose dedupe key starts with prefix.
func (h *harness) queuedWith(chatID int64, prefix string) []queued {
	h.t.Helper()
	var out []queued
	for _, q := range h.queuedFor(chatID) {
		if strings.HasPrefix(q.Dedupe, prefix) {
			out = append(out, q)
		}
	}
	return out
}

// addEvent stores an event directly (learner-side tests need no wizard); change adjusts the defaults:
// «کارگاه فروش اینترنتی», Sunday 15 Azar 1405 (6 December 2026) 18:30–20:30, capacity 40.
func (h *harness) addEvent(change func(e *store.Event)) *store.Event {
	h.t.Helper()
	token, err := newDoorToken()
	if err != nil {
		h.t.Fatal(err)
	}
	e := &store.Event{
		Title:    "کارگاه فروش اینترنتی",
		Start:    time.Date(2026, 12, 6, 18, 30, 0, 0, tehran),
		End:      time.Date(2026, 12, 6, 20, 30, 0, 0, tehran),
		Place:    store.Place{Name: "خانهٔ کارآفرینی", Address: "تهران، خیابان انقلاب، پلاک ۱۲", Lat: 35.7009, Lon: 51.3912, HasGeo: true},
		Capacity: 40,
		Token:    token,
	}
	if change != nil {
		change(e)
	}
	if err := h.db.Update(func(tx *store.Tx) error { return tx.CreateEvent(e) }); err != nil {
		h.t.Fatalf("CreateEvent: %v", err)
	}
	return e
}

// event reloads an event.
func (h *harness) event(id int64) *store.Event {
	h.t.Helper()
	var e *store.Event
	if err := h.db.View(func(tx *store.Tx) error {
		var err error
		e, err = tx.Event(id)
		return err
	}); err != nil {
		h.t.Fatalf("Event(%d): %v", id, err)
	}
	return e
}

// rsvp is u's reservation at the event, nil if none.
func (h *harness) rsvp(eventID int64, u tgsim.User) *store.RSVP {
	h.t.Helper()
	var r *store.RSVP
	if err := h.db.View(func(tx *store.Tx) error {
		var err error
		r, err = tx.RSVP(eventID, u.ID)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// rsvpStatus is the status of u's reservation, "" if none.
func (h *harness) rsvpStatus(eventID int64, u tgsim.User) string {
	if r := h.rsvp(eventID, u); r != nil {
		return r.Status
	}
	return ""
}

// tick runs the events loop's work once, as the minute ticker would.
func (h *harness) tick() {
	h.t.Helper()
	if err := h.bot.EventsTick(context.Background()); err != nil {
		h.t.Fatalf("EventsTick: %v", err)
	}
}

// openCard sends /events as u and opens the card of event e from the list.
func (h *harness) openCard(u tgsim.User, e *store.Event) tgsim.Message {
	h.t.Helper()
	h.send(u, "/events")
	list := h.last(u)
	h.pressData(u, list, cb("evc", strconv.FormatInt(e.ID, 10)))
	return h.last(u)
}

// attend opens e's card as u and presses [I'll attend]; it returns the toast.
func (h *harness) attend(u tgsim.User, e *store.Event) string {
	h.t.Helper()
	card := h.openCard(u, e)
	return h.pressData(u, card, cb("evr", strconv.FormatInt(e.ID, 10)))
}

func keysOf(qs []queued) []string {
	var out []string
	for _, q := range qs {
		out = append(out, q.Dedupe)
	}
	slices.Sort(out)
	return out
}

func evID(e *store.Event) string { return fmt.Sprint(e.ID) }
