package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/store"
)

// addBump registers a test-only /bump whose state change is easy to count: each handled /bump adds a minute.

func (h *harness) addBump() {
	h.bot.router.Command("bump", func(ctx context.Context, c *Ctx) error {
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.MinutesLearned++; return nil }); err != nil {
			return err
		}
		_, err := c.Reply(ctx, "bumped", nil)
		return err
	})
}

func TestPanickingHandlerIsRecovered(t *testing.T) {
	h := newHarness(t, nil)
	h.bot.router.Command("boom", func(context.Context, *Ctx) error { panic("handler bug") })
	h.send(maryam, "/boom")
	if got := h.last(maryam).Plain; !strings.Contains(got, "مشکلی پیش آمد") {
		t.Errorf("after a panic the user got %q; want the localized apology", got)
	}
	h.send(maryam, "/help")
	if got := h.last(maryam).Plain; !strings.Contains(got, "راهنمای توان") {
		t.Errorf("the bot stopped answering after a panic: %q", got)
	}
	if !strings.Contains(h.logs.String(), "handler bug") {
		t.Error("the panic was not logged")
	}
	if h.bot.panics.Load() != 1 {
		t.Errorf("panics = %d; want 1", h.bot.panics.Load())
	}
}

func TestPanickingButtonIsAnswered(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.bot.router.Callback("boom", func(context.Context, *Ctx) error { panic("button bug") })
	if got := h.pressDataForged(maryam, h.last(maryam), cb("boom")); !strings.Contains(got, "مشکلی پیش آمد") {
		t.Errorf("a panicking button answered %q; want the apology as the callback answer", got)
	}
}

// crashAfter runs a second bot on the same database that fetches the pending updates and goes as far as
// stage before "crashing" (closing the store without a clean stop): "fetched" (not saved), "saved" (in
// the inbox and offset stored, not handled) or "handled" (handled, but Telegram never got the next
// getUpdates that confirms the batch).
func (h *harness) crashAfter(stage string) {
	h.t.Helper()
	db, err := store.Open(h.dbPath, store.Options{Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	d := h.bot.Deps
	d.Store = db
	crashed, err := New(d)
	if err != nil {
		h.t.Fatal(err)
	}
	crashed.router.commands["bump"] = h.bot.router.commands["bump"]
	offset, _ := db.Offset()
	updates, raws, err := crashed.getUpdates(h.ctx(), offset)
	if err != nil || len(updates) == 0 {
		h.t.Fatalf("crashing bot fetched %d updates: %v", len(updates), err)
	}
	if stage != "fetched" {
		batch := map[int]json.RawMessage{}
		for i, u := range updates {
			batch[u.UpdateID] = raws[i]
		}
		if _, err := db.SaveUpdates(batch, updates[len(updates)-1].UpdateID+1); err != nil {
			h.t.Fatal(err)
		}
	}
	if stage == "handled" {
		disp := newDispatcher(crashed)
		for _, u := range updates {
			disp.dispatch(context.Background(), u)
		}
		disp.stop()
	}
	db.Close()
}

// TestCrashAtAnyStageLosesNothingAndDoublesNothing: wherever the process dies between fetching an update
// and confirming it, the update's state change happens exactly once.
func TestCrashAtAnyStageLosesNothingAndDoublesNothing(t *testing.T) {
	for _, stage := range []string{"fetched", "saved", "handled"} {
		t.Run(stage, func(t *testing.T) {
			h := newHarness(t, nil)
			h.addBump()
			h.send(maryam, "/bump")
			h.stop()
			h.sim.SendText(maryam, "/bump")
			h.sim.SendText(maryam, "/bump")
			h.crashAfter(stage)
			h.start()
			h.addBump()
			h.settle()
			if got := h.user(maryam).MinutesLearned; got != 3 {
				t.Errorf("crash after %s: counter = %d; want 3 (each /bump exactly once)", stage, got)
			}
			bumped := 0
			for _, m := range h.sim.BotMessages(maryam.ID) {
				if m.Plain == "bumped" {
					bumped++
				}
			}
			if bumped != 3 {
				t.Errorf("crash after %s: the user saw %d replies; want 3, one per /bump", stage, bumped)
			}
		})
	}
}

func TestBlockAndUnblock(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.sim.BlockBot(maryam)
	h.settle()
	if !h.user(maryam).Blocked {
		t.Fatal("blocking the bot did not mark the user blocked")
	}
	var due []int64
	h.db.View(func(tx *store.Tx) error { due = tx.DueAt(480); return nil })
	if len(due) != 0 {
		t.Errorf("a blocked user is still scheduled for daily lessons: %v", due)
	}
	h.sim.UnblockBot(maryam)
	h.settle()
	if h.user(maryam).Blocked {
		t.Error("unblocking did not make the user active again")
	}
}
