package tgsim_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/tgsim"
)

// echoBot is a minimal bot loop in the style the project uses: its own GetUpdates loop, offsets advanced
// after a batch is handled. It echoes texts with a button and answers every callback.
func echoBot(ctx context.Context, t *testing.T, api *tgbotapi.BotAPI) {
	offset := 0
	for ctx.Err() == nil {
		updates, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: 30})
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("GetUpdates: %v", err)
			}
			return
		}
		for _, u := range updates {
			switch {
			case u.Message != nil:
				c := tgbotapi.NewMessage(u.Message.Chat.ID, "echo: "+tgbotEscape(u.Message.Text))
				c.ParseMode = tgbotapi.ModeHTML
				c.ReplyMarkup = inlineKeyboard("OK", "ok:"+fmt.Sprint(u.Message.MessageID))
				if _, err := api.Send(c); err != nil {
					t.Errorf("echo: %v", err)
				}
			case u.CallbackQuery != nil:
				if _, err := api.Request(tgbotapi.NewCallback(u.CallbackQuery.ID, "done")); err != nil {
					t.Errorf("answer: %v", err)
				}
			}
			offset = u.UpdateID + 1
		}
	}
}

func tgbotEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestManyUsersConcurrently(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	var bot sync.WaitGroup
	bot.Add(1)
	go func() {
		defer bot.Done()
		echoBot(ctx, t, e.api)
	}()
	events, unsubscribe := e.srv.Subscribe()
	var seen sync.WaitGroup
	seen.Add(1)
	go func() {
		defer seen.Done()
		for range events {
		}
	}()

	const users = 20
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := tgsim.User{ID: int64(100 + i), FirstName: fmt.Sprintf("User <%d>", i)}
			for j := range 3 {
				text := fmt.Sprintf("msg %d & %d", i, j)
				sent := e.srv.SendText(u, text)
				m, err := e.srv.WaitFor(testCtx(t), u.ID, func(m tgsim.Message) bool { return m.Plain == "echo: "+text })
				if err != nil {
					t.Error(err)
					return
				}
				q := e.srv.PressButton(u, u.ID, m.ID, fmt.Sprintf("ok:%d", sent.ID))
				if a, err := e.srv.WaitCallbackAnswer(testCtx(t), q); err != nil || a.Text != "done" {
					t.Errorf("callback answer = %+v, %v", a, err)
				}
			}
		}()
	}
	wg.Wait()
	if err := e.srv.WaitAllConfirmed(testCtx(t)); err != nil {
		t.Error(err)
	}
	cancel()
	e.srv.Close() // wakes the bot's long poll
	bot.Wait()
	unsubscribe()
	seen.Wait()
	if got := len(e.srv.Chats()); got != users {
		t.Errorf("Chats() = %d; want %d", got, users)
	}
	e.assertClean(t)
}

func BenchmarkSendMessage(b *testing.B) {
	e := newEnv(b)
	e.srv.SendText(alice, "/start")
	cfg := tgbotapi.NewMessage(alice.ID, "<b>درس ۱</b>: سلام")
	cfg.ParseMode = tgbotapi.ModeHTML
	cfg.ReplyMarkup = inlineKeyboard("بعدی", "next:1", "قبلی", "prev:1")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.api.Send(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
