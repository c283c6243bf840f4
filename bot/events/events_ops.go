package events

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// The events' block of the admins' /stats and their /export, read in the caller's transaction (the ops
// feature renders /stats and serves the exports).

// eventFigures are the event line of /stats.
type eventFigures struct {
	Upcoming int // scheduled events that have not started
	RSVPs    int // seats taken in upcoming events
	Waitlist int // learners waiting for a seat in upcoming events
	Held     int // events that took place
	Attended int // check-ins at the door, all events
}

// figures counts events and seats: O(events + reservations), a few thousand rows.
func figures(tx *store.Tx, now time.Time) (eventFigures, error) {
	var f eventFigures
	var err error
	walkErr := tx.EventsNewestFirst(func(e *store.Event) bool {
		if e.Status == store.EventCancelled {
			return true
		}
		var rs []store.RSVP
		if rs, err = tx.EventRSVPs(e.ID); err != nil {
			return false
		}
		upcoming := e.Start.After(now)
		if upcoming {
			f.Upcoming++
		} else {
			f.Held++
		}
		for _, r := range rs {
			switch {
			case upcoming && r.HoldsSeat():
				f.RSVPs++
			case upcoming && r.Status == store.RSVPWaitlist:
				f.Waitlist++
			}
			if !r.CheckedIn.IsZero() {
				f.Attended++
			}
		}
		return true
	})
	if walkErr != nil {
		return f, walkErr
	}
	return f, err
}

// statsBlock is the events line of /stats (with no events, the same line with zeros).
func (f *Feature) statsBlock(tx *store.Tx, v bot.Voice, now time.Time) (string, error) {
	ev, err := figures(tx, now)
	if err != nil {
		return "", fmt.Errorf("event figures: %w", err)
	}
	n := func(x int) string { return big(v, int64(x)) }
	return v.T("StatsEvents", "Upcoming", n(ev.Upcoming), "RSVPs", n(ev.RSVPs),
		"Waitlist", n(ev.Waitlist), "Held", n(ev.Held), "Attended", n(ev.Attended)), nil
}

// big formats a count in the reader's digits with thousands separators, as the rest of /stats does.
func big(v bot.Voice, x int64) string {
	if v.Lang == "fa" {
		return persian.Int(x)
	}
	s := strconv.FormatInt(x, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// exportEventRows is the "events" export: one row per reservation, newest event first. Learners appear
// by id and first name.
func (f *Feature) exportEventRows(tx *store.Tx, lang string, w bot.ExportWriter) error {
	v := f.Voice(lang)
	if err := w.Header(v.CSVHeader("CsvEventsHeader")); err != nil {
		return err
	}
	var err error
	walkErr := tx.EventsNewestFirst(func(e *store.Event) bool {
		var rs []store.RSVP
		if rs, err = tx.EventRSVPs(e.ID); err != nil {
			return false
		}
		title := e.Title
		if lang == "en" && e.TitleEn != "" {
			title = e.TitleEn
		}
		place := e.Place.Name
		if place == "" {
			place = e.Place.Online
		}
		for _, r := range rs {
			name := ""
			if u, err := tx.User(r.UserID); err == nil {
				name = u.FirstName
			}
			if err = w.Row(r.UserID, []string{
				strconv.FormatInt(e.ID, 10), title, v.CSVTime(e.Start), v.CSVJalali(e.Start), place,
				v.T("CsvEventStatus_" + e.Status),
				strconv.FormatInt(r.UserID, 10), name, v.T("EvRSVP_" + r.Status),
				v.CSVTime(r.At), v.CSVTime(r.CheckedIn),
			}); err != nil {
				return false
			}
		}
		return true
	})
	if walkErr != nil {
		return walkErr
	}
	return err
}
