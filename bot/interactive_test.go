package bot_test

// The interactive path under a crowd: replies are not bulk, no chat stalls another, a flood is bounded,
// and a button press is answered first — or, replayed after Telegram's window, counted, not answered.

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/tgsim"
)

// TestRepliesAreNotBulk: Telegram's bot-wide limit is for messaging people who are not talking to the
// bot. With tgsim enforcing one bulk message a second, five learners who write at the same instant all
// get their replies at once, and none draws a 429.
func TestRepliesAreNotBulk(t *testing.T) {
	var paced atomic.Int64 // waits the bot asked for: the gate sleeps to pace
	h := newHarness(t, func(c *app.Config) {
		c.SendRate = 1 // bulk at one a second: a reply paced like bulk would wait
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			if d > 0 {
				paced.Add(1)
			}
			return ctx.Err()
		}
	})
	var users []tgsim.User
	for i := range 5 {
		u := tgsim.User{ID: int64(300 + i), FirstName: fmt.Sprintf("یادگیرنده %d", i), LanguageCode: "fa"}
		users = append(users, u)
		h.Onboard(u, "fa", "home")
	}
	h.Sim.SetRateLimit(1, 1)
	paced.Store(0)
	for _, u := range users {
		h.Sim.SendText(u, "/help")
	}
	h.Settle()
	for _, u := range users {
		if got := h.Last(u).Plain; !strings.Contains(got, "راهنمای توان") {
			t.Errorf("%d got %q; want the help", u.ID, got)
		}
	}
	if n := h.Sim.Count429(); n != 0 {
		t.Errorf("replies drew %d 429s; a reply to someone talking to the bot is not bulk", n)
	}
	if n := paced.Load(); n != 0 {
		t.Errorf("the bot paced its replies %d times; replies wait behind no bulk gate", n)
	}
}

// TestOneChatCannotStallAnother: a chat whose update is stuck (a slow handler) with a long backlog
// behind it holds up nobody else, even a chat that the old hashed workers would have queued behind it.
func TestOneChatCannotStallAnother(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, func(c *app.Config) { c.Workers = 8 })
	h.Onboard(maryam, "fa", "home")
	other := tgsim.User{ID: maryam.ID + 8, FirstName: "ژاله", LanguageCode: "fa"} // same worker as maryam's, hashed by 8
	h.Onboard(other, "fa", "home")
	h.App.Routes().Command("slow", func(ctx context.Context, c *bot.Ctx) error {
		<-release
		_, err := c.Reply(ctx, "slow done", nil)
		return err
	})
	h.Sim.SendText(maryam, "/slow")
	for range 40 {
		h.Sim.SendText(maryam, "/help")
	}
	h.Sim.SendText(other, "/help")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.waitBotText(ctx, other, "راهنمای توان"); err != nil {
		t.Fatalf("the other chat got no answer while maryam's update was stuck: %v", err)
	}
	close(release)
	h.Settle()
	if got := h.CountContaining(maryam, "راهنمای توان"); got != 40 {
		t.Errorf("maryam got %d help replies; want all 40, in order after /slow", got)
	}
}

// TestFloodIsBoundedAndTold: a chat's backlog holds 300 updates; beyond it updates are dropped (marked
// handled, never replayed) and the sender is told once to slow down, while other chats go on.
func TestFloodIsBoundedAndTold(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.App.Routes().Command("slow", func(ctx context.Context, c *bot.Ctx) error {
		<-release
		return nil
	})
	h.Sim.SendText(maryam, "/slow")
	for i := range 350 {
		h.Sim.SendText(maryam, fmt.Sprintf("/verify X%d", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.waitBotText(ctx, maryam, "آهسته‌تر"); err != nil {
		t.Fatalf("no slow-down notice: %v", err)
	}
	// The notice goes out at the first drop; the rest of the flood may not be fetched yet. Confirmed
	// means dispatched (queued or dropped): only then may the backlog drain.
	if err := h.Sim.WaitAllConfirmed(ctx); err != nil {
		t.Fatal(err)
	}
	close(release)
	h.Settle()
	if n := h.CountContaining(maryam, "آهسته‌تر"); n != 1 {
		t.Errorf("%d slow-down notices; want one a minute", n)
	}
	answered := h.CountContaining(maryam, "پیدا نشد")
	if answered != 299 { // 300 in the backlog: /slow and 299 of the /verify
		t.Errorf("%d of the flood answered; want the 299 the backlog held", answered)
	}
	h.Restart()
	h.Settle()
	if got := h.CountContaining(maryam, "پیدا نشد"); got != answered {
		t.Errorf("after a restart %d answers; the dropped updates must not come back", got)
	}
}

// TestOldPressIsNotAnsweredButDone: a button press that waited past Telegram's answer window (a crash
// and a slow restart) is not answered (Telegram would refuse: "query is too old") and is counted; what
// it does is still done.
func TestOldPressIsNotAnsweredButDone(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.HTTPToken = testOpsToken })
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/settings")
	menu := h.Last(maryam)
	h.Stop()
	q := h.Sim.PressButton(maryam, menu.ChatID, menu.ID, cb("set", "lang"))
	h.crashAfter("saved")
	h.Clock.Advance(20 * time.Second)
	h.Start()
	h.Settle()
	if _, ok := h.Sim.CallbackAnswer(q); ok {
		t.Error("a press 20 s old was answered; Telegram refuses answers after about 15 s")
	}
	if got, _ := h.Sim.Message(menu.ChatID, menu.ID); got.Plain == menu.Plain {
		t.Error("the old press changed nothing; its edit must still be carried out")
	}
	if !strings.Contains(h.opsGet("/metrics", testOpsToken).Body.String(), "tavan_callback_answers_too_old_total 1") {
		t.Error("the unanswered press was not counted")
	}
}

// waitBotText waits until a bot message to u contains substr.
func (h *harness) waitBotText(ctx context.Context, u tgsim.User, substr string) error {
	events, stop := h.Sim.Subscribe()
	defer stop()
	for {
		if h.CountContaining(u, substr) > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-events:
		}
	}
}
