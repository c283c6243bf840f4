package events_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/events"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

var (
	maryam    = apptest.Maryam
	john      = apptest.John
	adminUser = apptest.Admin
	tehran    = apptest.Tehran

	leila = tgsim.User{ID: 201, FirstName: "لیلا", LastName: "کریمی", LanguageCode: "fa"}
	sima  = tgsim.User{ID: 212, FirstName: "سیما", LanguageCode: "fa"}
	omid  = tgsim.User{ID: 105, FirstName: "امید", LanguageCode: "fa"}
)

// harness is the end-to-end harness with the events tests' helpers.
type harness struct{ *apptest.Harness }

func newHarness(tb testing.TB, configure func(*app.Config)) *harness {
	return &harness{apptest.New(tb, configure)}
}

func newHarnessOn(tb testing.TB, p bot.Platform, configure func(*app.Config)) *harness {
	return &harness{apptest.NewOn(tb, p, configure)}
}

// cb is a button's callback data as the bot writes it: "1|<action>|<arg>…".
func cb(action string, args ...string) string {
	return strings.Join(append([]string{"1", action}, args...), "|")
}

// buttonData is the callback data of m's first button whose label contains label, "" if none.
func buttonData(m tgsim.Message, label string) string {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.CallbackData
			}
		}
	}
	return ""
}

// queuedWith returns the jobs for chatID whose dedupe key starts with prefix.
func (h *harness) queuedWith(chatID int64, prefix string) []apptest.Queued {
	h.T.Helper()
	var out []apptest.Queued
	for _, q := range h.QueuedFor(chatID) {
		if strings.HasPrefix(q.Dedupe, prefix) {
			out = append(out, q)
		}
	}
	return out
}

// addEvent stores an event directly (learner-side tests need no wizard); change adjusts the defaults:
// «کارگاه فروش اینترنتی», Sunday 15 Azar 1405 (6 December 2026) 18:30–20:30, capacity 40.
func (h *harness) addEvent(change func(e *store.Event)) *store.Event {
	h.T.Helper()
	token, err := events.NewDoorToken()
	if err != nil {
		h.T.Fatal(err)
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
	if err := h.DB.Update(func(tx *store.Tx) error { return tx.CreateEvent(e) }); err != nil {
		h.T.Fatalf("CreateEvent: %v", err)
	}
	return e
}

// event reloads an event.
func (h *harness) event(id int64) *store.Event {
	h.T.Helper()
	var e *store.Event
	if err := h.DB.View(func(tx *store.Tx) error {
		var err error
		e, err = tx.Event(id)
		return err
	}); err != nil {
		h.T.Fatalf("Event(%d): %v", id, err)
	}
	return e
}

// rsvp is u's reservation at the event, nil if none.
func (h *harness) rsvp(eventID int64, u tgsim.User) *store.RSVP {
	h.T.Helper()
	var r *store.RSVP
	if err := h.DB.View(func(tx *store.Tx) error {
		var err error
		r, err = tx.RSVP(eventID, u.ID)
		return err
	}); err != nil {
		h.T.Fatal(err)
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
	h.T.Helper()
	if err := h.App.Events.EventsTick(context.Background()); err != nil {
		h.T.Fatalf("EventsTick: %v", err)
	}
}

// openCard sends /events as u and opens the card of event e from the list.
func (h *harness) openCard(u tgsim.User, e *store.Event) tgsim.Message {
	h.T.Helper()
	h.Send(u, "/events")
	list := h.Last(u)
	h.PressData(u, list, cb("evc", strconv.FormatInt(e.ID, 10)))
	return h.Last(u)
}

// attend opens e's card as u and presses [I'll attend]; it returns the toast.
func (h *harness) attend(u tgsim.User, e *store.Event) string {
	h.T.Helper()
	card := h.openCard(u, e)
	return h.PressData(u, card, cb("evr", strconv.FormatInt(e.ID, 10)))
}

func keysOf(qs []apptest.Queued) []string {
	var out []string
	for _, q := range qs {
		out = append(out, q.Dedupe)
	}
	slices.Sort(out)
	return out
}

func evID(e *store.Event) string { return fmt.Sprint(e.ID) }
