package events_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/events"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/locales"
)

// noAPI is a Telegram that is never called: the benchmarks below exercise the store side only.
type noAPI struct{}

func (noAPI) Send(tgbotapi.Chattable) (tgbotapi.Message, error) { return tgbotapi.Message{}, nil }
func (noAPI) Request(tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	return &tgbotapi.APIResponse{Ok: true}, nil
}
func (noAPI) MakeRequest(string, tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	return &tgbotapi.APIResponse{Ok: true}, nil
}

// offlineEvents is the events feature on a core with a fresh database that is not connected to
// anything, for benchmarks of its parts; its clock is the harness's start.
func offlineEvents(tb testing.TB) (*events.Feature, *apptest.Clock) {
	tb.Helper()
	clock := apptest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, tehran))
	db, err := store.Open(filepath.Join(tb.TempDir(), "offline.db"), store.Options{Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	texts, err := locales.Load()
	if err != nil {
		tb.Fatal(err)
	}
	core, err := bot.New(bot.Deps{API: noAPI{}, Store: db, Texts: texts, Catalog: apptest.EmbeddedCatalog(tb), Location: tehran, Now: clock.Now, Username: "tavan_bot"})
	if err != nil {
		tb.Fatal(err)
	}
	f, err := events.Register(core, events.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return f, clock
}

// eventsBenchBot is the feature on a fresh database with n upcoming events of attendees reservations
// each, half of them full with a waitlist.
func eventsBenchBot(b *testing.B, n, attendees int) (*events.Feature, *apptest.Clock) {
	b.Helper()
	f, clock := offlineEvents(b)
	db := f.Store
	start0 := clock.Now()
	err := db.Update(func(tx *store.Tx) error {
		for u := range attendees * 2 {
			if err := tx.PutUser(&store.User{ID: int64(1000 + u), FirstName: "کاربر", DailyMinute: store.NoDailyTime}); err != nil {
				return err
			}
		}
		for i := range n {
			start := start0.Add(time.Duration(24+i) * time.Hour)
			e := &store.Event{Title: fmt.Sprintf("رویداد %d", i), Start: start, End: start.Add(2 * time.Hour), Token: fmt.Sprintf("tok%d", i)}
			if i%2 == 0 {
				e.Capacity = attendees
			}
			if err := tx.CreateEvent(e); err != nil {
				return err
			}
			for u := range attendees * (1 + i%2) {
				r := &store.RSVP{EventID: e.ID, UserID: int64(1000 + u), Status: store.RSVPGoing, At: start0}
				if u >= attendees && e.Capacity > 0 {
					r.Status, r.Queued = store.RSVPWaitlist, start0
				}
				if err := tx.PutRSVP(r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return f, clock
}

// BenchmarkEventsTickIdle is the every-minute tick when nothing is due: a read pass over the upcoming
// events and their reservations.
func BenchmarkEventsTickIdle(b *testing.B) {
	f, _ := eventsBenchBot(b, 50, 200)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := f.EventsTick(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventICS renders one calendar file.
func BenchmarkEventICS(b *testing.B) {
	f, _ := eventsBenchBot(b, 1, 0)
	e := &store.Event{ID: 1, Title: "کارگاه فروش اینترنتی", Description: "توضیح بلند ", Start: time.Date(2026, 12, 6, 18, 30, 0, 0, tehran),
		End: time.Date(2026, 12, 6, 20, 30, 0, 0, tehran), Place: store.Place{Name: "خانهٔ کارآفرینی", Address: "تهران", HasGeo: true, Lat: 35.7, Lon: 51.4}}
	for b.Loop() {
		_ = f.EventICS(e, "fa")
	}
}
