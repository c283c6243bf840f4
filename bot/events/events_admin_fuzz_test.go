package events

// Unit tests of the feature's parts that need no Telegram: the wizard's steps and the import parser
// (events_import_parse_test.go). The end-to-end tests are in package events_test.

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
	"github.com/tavan7/tavan/locales"
)

var tehran = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		panic(err)
	}
	return loc
}()

// noAPI is a Telegram that is never called.
type noAPI struct{}

func (noAPI) Send(tgbotapi.Chattable) (tgbotapi.Message, error) { return tgbotapi.Message{}, nil }
func (noAPI) Request(tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	return &tgbotapi.APIResponse{Ok: true}, nil
}
func (noAPI) MakeRequest(string, tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	return &tgbotapi.APIResponse{Ok: true}, nil
}

// offlineFeature is the feature on a core with a fresh database that is not connected to anything;
// its clock is the harness's start, Thursday 26 November 2026, 10:00 in Tehran.
func offlineFeature(tb testing.TB) (*Feature, func() time.Time) {
	tb.Helper()
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, tehran)
	now := func() time.Time { return start }
	db, err := store.Open(filepath.Join(tb.TempDir(), "offline.db"), store.Options{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	texts, err := locales.Load()
	if err != nil {
		tb.Fatal(err)
	}
	catalog, err := lessons.Load(lessons.Embedded())
	if err != nil {
		tb.Fatal(err)
	}
	core, err := bot.New(bot.Deps{API: noAPI{}, Store: db, Texts: texts, Catalog: catalog, Location: tehran, Now: now, Username: "tavan_bot"})
	if err != nil {
		tb.Fatal(err)
	}
	f, err := Register(core, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return f, now
}

// isRefusal reports whether err is a refusal the learner reads (Ctx.Fail), not an internal error.
func isRefusal(err error) bool { return bot.IsFail(err) }

// FuzzWizardStep feeds any text to every step of the event wizard: it never panics, and whatever it
// accepts keeps the event valid.
func FuzzWizardStep(f *testing.F) {
	for _, s := range []string{"۱۴۰۵/۰۹/۱۵", "۱۵ آذر", "۱۸:۳۰", "۸ شب", "۴۰", "چهل", "https://meet.example.com/x", "سالن\nنشانی", "-", ""} {
		f.Add(s)
	}
	ev, clock := offlineFeature(f)
	steps := []string{stepEvTitle, stepEvDate, stepEvTime, stepEvEnd, stepEvPlace, stepEvPlaceName, stepEvCapacity, stepEvDesc, stepEvCover}
	f.Fuzz(func(t *testing.T, text string) {
		now := clock().In(tehran)
		c := &bot.Ctx{Voice: ev.Voice("fa"), User: &store.User{ID: 900}}
		for _, step := range steps {
			d := &eventDraft{Day: time.Date(2026, 11, 27, 0, 0, 0, 0, tehran), Start: time.Date(2026, 11, 27, 18, 0, 0, 0, tehran)}
			in := stepInput{text: strings.TrimSpace(text)}
			if _, err := ev.takeStep(c, step, in, d, now); err != nil {
				if !isRefusal(err) {
					t.Fatalf("step %s: internal error %v for %q", step, err, text)
				}
				continue
			}
			switch {
			case utf8.RuneCountInString(d.Title) > maxDescriptionRunes:
				t.Fatalf("step %s accepted %d runes", step, utf8.RuneCountInString(d.Title))
			case step == stepEvDate && d.Day.Before(now.Truncate(24*time.Hour).Add(-24*time.Hour)):
				t.Fatalf("date %q accepted in the past: %v", text, d.Day)
			case step == stepEvTime && !d.Start.After(now):
				t.Fatalf("time %q accepted in the past", text)
			case step == stepEvEnd && !d.End.After(d.Start):
				t.Fatalf("end %q accepted before the start", text)
			case step == stepEvCapacity && (d.Capacity < 0 || d.Capacity > maxCapacity):
				t.Fatalf("capacity %q accepted as %d", text, d.Capacity)
			case step == stepEvPlace && d.Place.Online != "" && !safeURL(d.Place.Online):
				t.Fatalf("link %q accepted", text)
			}
		}
	})
}
