package ops

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
	"github.com/tavan7/tavan/locales"
)

// The internal tests build a core with this feature alone, not run (the end-to-end tests, in package
// ops_test, run the whole app).

const (
	testWebhookURL    = "https://bot.example.com/tg/hook"
	testWebhookSecret = "s3cret_Token-for-tests"
)

var tehran = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		panic(err)
	}
	return loc
}()

// stubAPI answers every request with an error; enough for a bot that is built but not run.
type stubAPI struct{}

func (stubAPI) Send(tgbotapi.Chattable) (tgbotapi.Message, error) {
	return tgbotapi.Message{}, errors.New("stub")
}
func (stubAPI) Request(tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	return nil, errors.New("stub")
}
func (stubAPI) MakeRequest(string, tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	return nil, errors.New("stub")
}

// newUnitBot builds a core on a fresh database at now (not run) with this feature registered after
// before, which may register what other features would.
func newUnitBot(tb testing.TB, db *store.DB, now time.Time, before func(b *bot.Bot)) *Feature {
	tb.Helper()
	if db == nil {
		var err error
		db, err = store.Open(filepath.Join(tb.TempDir(), "tavan.db"), store.Options{Now: func() time.Time { return now }})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
	}
	texts, err := locales.Load()
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := lessons.Load(lessons.Embedded())
	if err != nil {
		tb.Fatal(err)
	}
	b, err := bot.New(bot.Deps{API: stubAPI{}, Store: db, Texts: texts, Catalog: cat, Location: tehran,
		Now: func() time.Time { return now }, WebhookURL: testWebhookURL, WebhookSecret: testWebhookSecret})
	if err != nil {
		tb.Fatal(err)
	}
	if before != nil {
		before(b)
	}
	f, err := Register(b, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		tb.Fatal(err)
	}
	return f
}
