package bot_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/locales"
)

// readmeRatio is the README's recorded ratio of Tavan's interactive path to a trivial handler's.
var readmeRatio = regexp.MustCompile(`<!-- interactive-ratio: ([0-9.]+) -->`)

// TestInteractivePathRatio guards the interactive path: in one process and one run, updates/s of the
// whole app answering /settings (a learner's reply: router, handler, durable store, the finisher)
// against a trivial handler on the bare core (/ping → "pong", nothing stored), with the same 64 chats in
// parallel and a Telegram that answers at once. Both share the machine's noise; their ratio must stay
// above half of what the README records. It takes about two seconds.
func TestInteractivePathRatio(t *testing.T) {
	if testing.Short() {
		t.Skip("a timed comparison")
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := readmeRatio.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md records no <!-- interactive-ratio: R --> value")
	}
	recorded, _ := strconv.ParseFloat(string(m[1]), 64)

	trivialBot := newMeasured(t, "ping", func(d bot.Deps) *bot.Bot {
		b, err := bot.New(d)
		if err != nil {
			t.Fatal(err)
		}
		b.Routes().Command("ping", func(ctx context.Context, c *bot.Ctx) error {
			_, err := c.Reply(ctx, "pong", nil)
			return err
		})
		return b
	})
	tavanBot := newMeasured(t, "settings", func(d bot.Deps) *bot.Bot {
		a, err := app.New(app.Config{Deps: d})
		if err != nil {
			t.Fatal(err)
		}
		return a.Bot
	})
	// Alternating short rounds: a burst of load on the shared machine hits both sides alike.
	var trivialN, tavanN int64
	var trivialT, tavanT time.Duration
	for range 8 {
		n, d := trivialBot.run(150 * time.Millisecond)
		trivialN, trivialT = trivialN+n, trivialT+d
		n, d = tavanBot.run(150 * time.Millisecond)
		tavanN, tavanT = tavanN+n, tavanT+d
	}
	trivial := float64(trivialN) / trivialT.Seconds()
	tavan := float64(tavanN) / tavanT.Seconds()
	ratio := tavan / trivial
	t.Logf("interactive path: Tavan %.0f updates/s, trivial handler %.0f updates/s, ratio %.3f (README: %.3f)", tavan, trivial, ratio, recorded)
	if ratio < recorded/2 {
		t.Errorf("Tavan answers at %.3f of a trivial handler's rate; the README records %.3f: something put the interactive path behind a gate or a per-update cost", ratio, recorded)
	}
}

// measured is a bot under measurement: /command from 500 chats, 64 at a time, through a durable store
// and a Telegram that answers at once.
type measured struct {
	b       *bot.Bot
	command string
	next    atomic.Int64
}

func newMeasured(t *testing.T, command string, build func(bot.Deps) *bot.Bot) *measured {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), command+".db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	texts, _ := locales.Load()
	b := build(bot.Deps{API: &nullAPI{}, Store: db, Texts: texts, Catalog: apptest.EmbeddedCatalog(t),
		Location: apptest.Tehran, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(b.WithFinisher())
	return &measured{b: b, command: command}
}

// run handles updates for about d and returns how many and how long it took.
func (m *measured) run(d time.Duration) (int64, time.Duration) {
	var done atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				id := m.next.Add(1)
				chat := id%500 + 1
				text := "/" + m.command
				m.b.HandleUpdate(context.Background(), tgbotapi.Update{UpdateID: int(id), Message: &tgbotapi.Message{
					MessageID: int(id), From: &tgbotapi.User{ID: chat, FirstName: "بهار"},
					Chat: &tgbotapi.Chat{ID: chat, Type: "private"}, Text: text,
					Entities: []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: len(text)}},
				}})
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return done.Load(), time.Since(start)
}
