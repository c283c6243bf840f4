package bot

import (
	"encoding/json"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// drain waits until the outbox sender has nothing to do before some future time: every job that can go
// now went. Tests assert on what was (not) delivered after it.
func (h *harness) drain() {
	h.t.Helper()
	ctx := h.ctx()
	deadline := time.Now().Add(5 * time.Second)
	for h.bot.dl.sender.Load() == nil { // Run has just been started
		if time.Now().After(deadline) {
			h.t.Fatal("the sender never started")
		}
		runtime.Gosched()
	}
	if err := h.bot.dl.sender.Load().WaitIdle(ctx); err != nil {
		h.t.Fatalf("the sender did not finish: %v", err)
	}
}

// at sets the clock, runs the scheduler's tick for that minute (as cron would) and drains the sender.
func (h *harness) at(t time.Time) {
	h.t.Helper()
	h.clock.Set(t)
	if err := h.bot.ScheduleTick(h.ctx(), t); err != nil {
		h.t.Fatalf("ScheduleTick(%v): %v", t, err)
	}
	h.drain()
}

// advance moves the clock by d and lets the sender do what became due.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.clock.Advance(d)
	h.drain()
}

// notify enqueues a notice as a feature would, in its own transaction, and drains the sender.
func (h *harness) notify(n Notice) {
	h.t.Helper()
	if err := h.db.Update(func(tx *store.Tx) error { return h.bot.enqueue(tx, n) }); err != nil {
		h.t.Fatal(err)
	}
	h.drain()
}

// botTexts are the plain texts of the bot's messages in u's chat.
func (h *harness) botTexts(u tgsim.User) []string {
	var out []string
	for _, m := range h.sim.BotMessages(u.ID) {
		out = append(out, m.Plain)
	}
	return out
}

// countContaining counts the bot's messages to u that contain substr.
func (h *harness) countContaining(u tgsim.User, substr string) int {
	n := 0
	for _, t := range h.botTexts(u) {
		if strings.Contains(t, substr) {
			n++
		}
	}
	return n
}

// tehranTime is a wall-clock time in Tehran.
func tehranTime(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, tehran)
}

// addLearners makes n learners who have a chat with the bot and an onboarded record, without going
// through onboarding (for tests that need many recipients): the bot is stopped meanwhile, their first
// messages are confirmed away, and their records are written directly. mod adjusts each record.
func (h *harness) addLearners(firstID int64, n int, mod func(*store.User)) []tgsim.User {
	h.t.Helper()
	h.stop()
	users := make([]tgsim.User, n)
	for i := range users {
		users[i] = tgsim.User{ID: firstID + int64(i), FirstName: fmt.Sprintf("فراگیر %d", i+1), LanguageCode: "fa"}
		h.sim.SendText(users[i], "سلام")
	}
	h.confirmAllUpdates()
	db, err := store.Open(h.dbPath, store.Options{Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	now := h.clock.Now()
	err = db.Update(func(tx *store.Tx) error {
		for _, tu := range users {
			u := &store.User{ID: tu.ID, FirstName: tu.FirstName, LanguageCode: "fa", Lang: "fa", Track: "home",
				DailyMinute: 8 * 60, Onboarded: true, Created: now, LastActive: now}
			if mod != nil {
				mod(u)
			}
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		h.t.Fatal(err)
	}
	h.start()
	return users
}

// confirmAllUpdates tells tgsim that every queued update was handled, as a getUpdates with a later
// offset does; the bot never sees them.
func (h *harness) confirmAllUpdates() {
	h.t.Helper()
	form := url.Values{"offset": {fmt.Sprint(h.sim.LastUpdateID() + 1)}, "timeout": {"0"}}
	resp, err := h.ts.Client().PostForm(h.ts.URL+"/bot"+testToken+"/getUpdates", form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct{ OK bool }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || !r.OK {
		h.t.Fatalf("confirm updates: %v %v", r, err)
	}
}

// pendingNotices decodes the jobs waiting in a lane.
func (h *harness) pendingNotices(lane string) []Notice {
	h.t.Helper()
	jobs, err := h.db.PendingJobs(lane, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []Notice
	for _, j := range jobs {
		var n Notice
		if err := json.Unmarshal(j.Payload, &n); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}
