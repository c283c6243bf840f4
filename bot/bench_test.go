package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/locales"
)

// nullAPI answers every request at once, to measure the bot itself: router, handlers and durable store.
type nullAPI struct{ sent atomic.Int64 }

func (a *nullAPI) Send(tgbotapi.Chattable) (tgbotapi.Message, error) {
	a.sent.Add(1)
	return tgbotapi.Message{MessageID: 1}, nil
}

func (a *nullAPI) Request(tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	return &tgbotapi.APIResponse{Ok: true}, nil
}

func (a *nullAPI) MakeRequest(string, tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	return &tgbotapi.APIResponse{Ok: true}, nil
}

// BenchmarkHandleUpdate measures updates per second through the router and the durable store (every
// update is a committed, fsynced bbolt transaction that records it as handled), with 64 chats in
// parallel as the dispatcher runs them. Telegram's latency is excluded (see TestThroughputUnderLatency).
func BenchmarkHandleUpdate(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	texts, _ := locales.Load()
	api := &nullAPI{}
	a, err := app.New(app.Config{Deps: bot.Deps{API: api, Store: db, Texts: texts, Catalog: apptest.EmbeddedCatalog(b), Location: apptest.Tehran,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}})
	if err != nil {
		b.Fatal(err)
	}
	defer a.WithFinisher()() // taking handled updates out of the inbox is group committed, as in Run
	var next atomic.Int64
	b.SetParallelism(32) // 2 cores × 32 = 64 concurrent chats, like the dispatcher's workers
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := next.Add(1)
			chat := id%500 + 1
			u := tgbotapi.Update{UpdateID: int(id), Message: &tgbotapi.Message{
				MessageID: int(id), From: &tgbotapi.User{ID: chat, FirstName: "بهار"},
				Chat: &tgbotapi.Chat{ID: chat, Type: "private"}, Text: "/settings",
				Entities: []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: 9}},
			}}
			a.HandleUpdate(context.Background(), u)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
}

// TestThroughputUnderLatency: tgsim adds 50 ms to every Bot API answer and 50 users each wait for the
// reply to their last message before sending the next. A bot that handles one update at a time manages
// about 20 updates/s here. Run with TAVAN_LOAD=1 (it takes a few seconds); the figure goes to the README.
func TestThroughputUnderLatency(t *testing.T) {
	if testing.Short() || !apptest.LoadTests() {
		t.Skip("load test: set TAVAN_LOAD=1")
	}
	h := newHarness(t, func(c *app.Config) { c.Workers = 64 })
	const users, rounds = 50, 30
	h.Sim.SetLatency(50 * time.Millisecond)
	events, cancel := h.Sim.Subscribe()
	defer cancel()
	replies := make([]chan struct{}, users)
	for i := range replies {
		replies[i] = make(chan struct{}, rounds+5)
	}
	go func() {
		for ev := range events {
			if ev.Type == "message" && ev.Message.FromBot && ev.ChatID > 5000 && ev.ChatID <= 5000+users {
				replies[ev.ChatID-5001] <- struct{}{}
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < users; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u := tgsim.User{ID: int64(5001 + i), FirstName: fmt.Sprint("u", i), LanguageCode: "fa"}
			for r := 0; r < rounds; r++ {
				h.Sim.SendText(u, "/help")
				select {
				case <-replies[i]:
				case <-time.After(30 * time.Second):
					t.Errorf("user %d got no reply in round %d", i, r)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	rate := float64(users*rounds) / elapsed.Seconds()
	t.Logf("answered %d updates in %v: %.0f updates/s with 50 ms API latency and %d waiting users", users*rounds, elapsed.Round(time.Millisecond), rate, users)
	if rate < 300 {
		t.Errorf("throughput %.0f updates/s; replies to different chats must overlap (one at a time gives ~20/s)", rate)
	}
}
