package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/store"
)

// bump is a test-only /bump whose state change is easy to count: each handled /bump adds a minute.
func bump(ctx context.Context, c *bot.Ctx) error {
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.MinutesLearned++; return nil }); err != nil {
		return err
	}
	_, err := c.Reply(ctx, "bumped", nil)
	return err
}

func (h *harness) addBump() { h.App.Routes().Command("bump", bump) }

func TestPanickingHandlerIsRecovered(t *testing.T) {
	h := newHarness(t, nil)
	h.App.Routes().Command("boom", func(context.Context, *bot.Ctx) error { panic("handler bug") })
	h.Send(maryam, "/boom")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "مشکلی پیش آمد") {
		t.Errorf("after a panic the user got %q; want the localized apology", got)
	}
	h.Send(maryam, "/help")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "راهنمای توان") {
		t.Errorf("the bot stopped answering after a panic: %q", got)
	}
	if !strings.Contains(h.Logs.String(), "handler bug") {
		t.Error("the panic was not logged")
	}
	if n := h.panics(t); n != 1 {
		t.Errorf("panics = %v; want 1", n)
	}
}

func TestPanickingButtonIsAnswered(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.App.Routes().Callback("boom", func(context.Context, *bot.Ctx) error { panic("button bug") })
	if got := h.PressForged(maryam, h.Last(maryam), cb("boom")); !strings.Contains(got, "مشکلی پیش آمد") {
		t.Errorf("a panicking button answered %q; want the apology as the callback answer", got)
	}
}

// crashAfter runs a second bot on the same database that fetches the pending updates and goes as far as
// stage before "crashing" (closing the store without a clean stop): "fetched" (not saved), "saved" (in
// the inbox and offset stored, not handled), "applied" (each update's state change committed, the
// process dead before any reply went out) or "handled" (handled and answered, but Telegram never got
// the next getUpdates that confirms the batch).
func (h *harness) crashAfter(stage string) {
	h.T.Helper()
	db, err := store.Open(h.DBPath, store.Options{Now: h.Clock.Now})
	if err != nil {
		h.T.Fatal(err)
	}
	d := h.App.Deps
	d.Store = db
	crashed, err := bot.New(d)
	if err != nil {
		h.T.Fatal(err)
	}
	crashed.Routes().Command("bump", bump)
	offset, _ := db.Offset()
	updates, raws, err := crashed.GetUpdates(h.Ctx(), offset)
	if err != nil || len(updates) == 0 {
		h.T.Fatalf("crashing bot fetched %d updates: %v", len(updates), err)
	}
	if stage != "fetched" {
		batch := map[int]json.RawMessage{}
		for i, u := range updates {
			batch[u.UpdateID] = raws[i]
		}
		if _, err := db.SaveUpdates(batch, updates[len(updates)-1].UpdateID+1); err != nil {
			h.T.Fatal(err)
		}
	}
	switch stage {
	case "applied":
		for _, u := range updates {
			if _, err := db.Apply(u.UpdateID, func(tx *store.Tx) error {
				rec, err := tx.User(maryam.ID)
				if err != nil {
					return err
				}
				rec.MinutesLearned++
				return tx.PutUser(rec)
			}); err != nil {
				h.T.Fatal(err)
			}
		}
	case "handled":
		crashed.DispatchAll(context.Background(), updates)
	}
	db.Close()
}

// TestCrashAtAnyStageLosesNothingAndDoublesNothing: wherever the process dies between fetching an update
// and confirming it, the update's state change happens exactly once and the user gets an answer — also
// when it died between committing the change and replying ("applied": the replay answers, changing
// nothing).
func TestCrashAtAnyStageLosesNothingAndDoublesNothing(t *testing.T) {
	for _, stage := range []string{"fetched", "saved", "applied", "handled"} {
		t.Run(stage, func(t *testing.T) {
			h := newHarness(t, nil)
			h.addBump()
			h.Send(maryam, "/bump")
			h.Stop()
			h.Sim.SendText(maryam, "/bump")
			h.Sim.SendText(maryam, "/bump")
			h.crashAfter(stage)
			h.Setup = func(a *app.App) { a.Routes().Command("bump", bump) }
			h.Start()
			h.Settle()
			if got := h.User(maryam).MinutesLearned; got != 3 {
				t.Errorf("crash after %s: counter = %d; want 3 (each /bump exactly once)", stage, got)
			}
			bumped := 0
			for _, m := range h.Sim.BotMessages(maryam.ID) {
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
	h.Onboard(maryam, "fa", "home")
	h.Sim.BlockBot(maryam)
	h.Settle()
	if !h.User(maryam).Blocked {
		t.Fatal("blocking the bot did not mark the user blocked")
	}
	var due []int64
	h.DB.View(func(tx *store.Tx) error { due = tx.DueAt(480); return nil })
	if len(due) != 0 {
		t.Errorf("a blocked user is still scheduled for daily lessons: %v", due)
	}
	h.Sim.UnblockBot(maryam)
	h.Settle()
	if h.User(maryam).Blocked {
		t.Error("unblocking did not make the user active again")
	}
}
