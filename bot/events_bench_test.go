package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

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

// offlineBot is a bot on a fresh database that is not connected to anything, for benchmarks and fuzz
// tests of its parts; its clock is the harness's start.
func offlineBot(tb testing.TB) (*Bot, *testClock) {
	tb.Helper()
	clock := &testClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, tehran)}
	db, err := store.Open(filepath.Join(tb.TempDir(), "offline.db"), store.Options{Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	texts, err := locales.Load()
	if err != nil {
		tb.Fatal(err)
	}
	bot, err := New(Deps{API: noAPI{}, Store: db, Texts: texts, Catalog: embeddedCatalog(tb), Location: tehran, Now: clock.Now, Username: "tavan_bot"})
	if err != nil {
		tb.Fatal(err)
	}
	return bot, clock
}

// benchBot is a bot on a fresh database with events upcoming events of attendees reservations each,
// half of them full with a waitlist.
func eventsBenchBot(b *testing.B, events, attendees int) (*Bot, *testClock) {
	b.Helper()
	bot, clock := offlineBot(b)
	db := bot.Store
	err := db.Update(func(tx *store.Tx) error {
		for u := range attendees * 2 {
			if err := tx.PutUser(&store.User{ID: int64(1000 + u), FirstName: "کاربر", DailyMinute: store.NoDailyTime}); err != nil {
				return err
			}
		}
		for i := range events {
			start := clock.now.Add(time.Duration(24+i) * time.Hour)
			e := &store.Event{Title: fmt.Sprintf("رویداد %d", i), Start: start, End: start.Add(2 * time.Hour), Token: fmt.Sprintf("tok%d", i)}
			if i%2 == 0 {
				e.Capacity = attendees
			}
			if err := tx.CreateEvent(e); err != nil {
				return err
			}
			for u := range attendees * (1 + i%2) {
				r := &store.RSVP{EventID: e.ID, UserID: int64(1000 + u), Status: store.RSVPGoing, At: clock.now}
				if u >= attendees && e.Capacity > 0 {
					r.Status, r.Queued = store.RSVPWaitlist, clock.now
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
	return bot, clock
}

// BenchmarkEventsTickIdle is the every-minute tick when nothing is due: a read pass over the upcoming
// events and their reservations.
func BenchmarkEventsTickIdle(b *testing.B) {
	bot, _ := eventsBenchBot(b, 50, 200)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := bot.EventsTick(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventICS renders one calendar file.
func BenchmarkEventICS(b *testing.B) {
	bot, _ := eventsBenchBot(b, 1, 0)
	e := &store.Event{ID: 1, Title: "کارگاه فروش اینترنتی", Description: "توضیح بلند ", Start: time.Date(2026, 12, 6, 18, 30, 0, 0, tehran),
		End: time.Date(2026, 12, 6, 20, 30, 0, 0, tehran), Place: store.Place{Name: "خانهٔ کارآفرینی", Address: "تهران", HasGeo: true, Lat: 35.7, Lon: 51.4}}
	for b.Loop() {
		_ = bot.eventICS(e, "fa")
	}
}
