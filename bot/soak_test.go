package bot_test

// "A week in an hour" (issue 18): the whole app through tgsim on the injected clock for 7 simulated
// days. Opt-in:
//
//	TAVAN_SOAK=1 TAVAN_SOAK_LEARNERS=200000 go test ./bot -run TestSoakWeek -v -timeout 0
//
// Every simulated day: updates from a changing 10% of the learners (as many updates as learners; 200,000
// a day at the program's scale), each learner's daily lesson through the outbox (its gate on the
// simulated clock), two events with reminders, /deleteme from 1% of the learners, an hourly prune timed
// at the end of the day, and a restart on the same database (Stop and Start: the bot, its store and its
// sender come up again, replaying what was saved). It reports the database size, heap and RSS and the
// prune durations per day, and checks that every deleted learner is gone from every bucket and export.

import (
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

const soakOpsToken = "soak-ops-token-0123456789"

func TestSoakWeek(t *testing.T) {
	if os.Getenv("TAVAN_SOAK") == "" {
		t.Skip("soak test: set TAVAN_SOAK=1 (and TAVAN_SOAK_LEARNERS, default 200000)")
	}
	learners := 200_000
	if v := os.Getenv("TAVAN_SOAK_LEARNERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			t.Fatalf("TAVAN_SOAK_LEARNERS=%q: want a number ≥ 100", v)
		}
		learners = n
	}
	const days = 7
	const firstID = 10_000_000
	h := apptest.New(t, func(c *app.Config) {
		c.HTTPToken = soakOpsToken
		c.Logger = slog.New(slog.DiscardHandler) // the harness's debug log would hold every update of the week
	})
	h.Stop()
	start := h.Clock.Now()
	// Lessons at whole hours from 11:00 to 22:00, outside the quiet hours and after the harness's 10:00
	// start (the scheduler's first round runs at start, before the learners' chats exist in tgsim).
	writeLearners(t, h.DBPath, firstID, learners, start, func(i int) int { return 11*60 + i%12*60 }, false)
	h.Start()
	user := func(i int) tgsim.User {
		return tgsim.User{ID: int64(firstID + i), FirstName: firstNames[i%len(firstNames)], LanguageCode: "fa"}
	}
	// Each learner's chat exists in tgsim as in Telegram: they once pressed Start.
	for i := range learners {
		h.Sim.SendText(user(i), "/start")
		if i%200 == 199 {
			h.Settle()
		}
	}
	h.Settle()

	// Two events, a week and three days away, with reservations from 2% of the learners each.
	if err := h.DB.Update(func(tx *store.Tx) error {
		for k, in := range []time.Duration{7 * 24 * time.Hour, 3 * 24 * time.Hour} {
			e := &store.Event{Title: "کارگاه " + strconv.Itoa(k+1), Start: start.Add(in), End: start.Add(in + 2*time.Hour),
				Place: store.Place{Name: "سالن"}, Token: "soak-door-" + strconv.Itoa(k), Reminders: []int{1440, 60}}
			if err := tx.CreateEvent(e); err != nil {
				return err
			}
			for i := k; i < learners; i += 50 {
				if err := tx.PutRSVP(&store.RSVP{EventID: e.ID, UserID: int64(firstID + i), Status: store.RSVPGoing, At: tx.Now()}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// drain waits for the outbox as Harness.Drain does, without its 10 s bound: an hour's lessons at
	// the program's scale take longer.
	drain := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		if err := h.Bot.Sender().WaitIdle(ctx); err != nil {
			t.Fatalf("the sender did not finish: %v", err)
		}
	}
	deleted := map[int64]bool{}
	commands := []string{"/me", "/help", "/review", "/events", "/settings", "/library", "/me", "/help", "/stats", "/me"}
	t.Logf("%d learners, %d updates a day from %d of them, %d days", learners, learners, learners/10, days)
	t.Logf("day | updates | sends | deleted | db MB | handled ids | heap MB | RSS | prune handled/polls/day marks | wall")
	for day := 1; day <= days; day++ {
		began := time.Now()
		dayStart := start.Truncate(24 * time.Hour).Add(time.Duration(day-1) * 24 * time.Hour) // 03:30 Tehran
		sentBefore := botSends(h.Sim)
		// Morning: updates from a changing tenth of the learners, 10 each, in batches.
		h.Clock.Set(dayStart.Add(5*time.Hour + 30*time.Minute)) // 09:00 Tehran
		updates := 0
		active := learners / 10
		offset := (day - 1) * active
		for j := 0; j < active; j++ {
			i := (offset + j) % learners
			if deleted[int64(firstID+i)] {
				continue
			}
			for k := range 10 {
				h.Sim.SendText(user(i), commands[(k+day)%len(commands)])
				updates++
			}
			if j%20 == 19 { // 200 updates at a time, well within the harness's 10 s wait
				h.Settle()
			}
		}
		h.Settle()
		// The day's lessons, hour by hour (the scheduler's rounds at the learners' minutes), and the events'
		// reminders.
		for hour := 11; hour <= 22; hour++ {
			at := time.Date(dayStart.In(apptest.Tehran).Year(), dayStart.In(apptest.Tehran).Month(), dayStart.In(apptest.Tehran).Day(), hour, 0, 0, 0, apptest.Tehran)
			h.Clock.Set(at)
			for _, loop := range []string{"schedule", "events"} {
				if err := h.Bot.Tick(h.Ctx(), loop, at); err != nil {
					t.Fatal(err)
				}
			}
			drain()
		}
		// Evening: 1% of the learners delete their data.
		h.Clock.Set(dayStart.Add(19*time.Hour + 15*time.Minute)) // 22:45 Tehran
		for j := 0; j < learners/100; j++ {
			i := (day*7919 + j*101) % learners
			id := int64(firstID + i)
			if deleted[id] {
				continue
			}
			deleted[id] = true
			h.Sim.SendText(user(i), "/deleteme")
			h.Settle()
			h.Press(user(i), h.Last(user(i)), "همه را پاک کن")
		}
		drain()
		// The hour's prune, timed, on the next morning's clock.
		h.Clock.Set(dayStart.Add(24*time.Hour - time.Minute))
		var prune [3]time.Duration
		for k, fn := range []func() (int, error){h.DB.PruneHandled, h.DB.PrunePolls, h.DB.PruneDayUsers} {
			t0 := time.Now()
			if _, err := fn(); err != nil {
				t.Fatal(err)
			}
			prune[k] = time.Since(t0)
		}
		handled, _ := h.DB.HandledCount()
		// The crash and restart of the day.
		h.Restart()
		fi, err := os.Stat(h.DBPath)
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		t.Logf("%d | %d | %d | %d | %.1f | %d | %.1f | %s | %v / %v / %v | %v", day, updates, botSends(h.Sim)-sentBefore, len(deleted),
			float64(fi.Size())/(1<<20), handled, float64(ms.HeapAlloc)/(1<<20), procStatus(),
			prune[0].Round(time.Millisecond), prune[1].Round(time.Millisecond), prune[2].Round(time.Millisecond), time.Since(began).Round(time.Second))
	}

	// Every deleted learner is gone from every bucket (no key starts with their id, no value names it)
	// and from every export.
	snap := filepath.Join(t.TempDir(), "snap.db")
	var buf bytes.Buffer
	if _, err := h.DB.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(snap, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	bdb, err := bolt.Open(snap, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	traces := 0
	_ = bdb.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if len(k) >= 8 {
					if id := int64(uint64(k[0])<<56 | uint64(k[1])<<48 | uint64(k[2])<<40 | uint64(k[3])<<32 | uint64(k[4])<<24 | uint64(k[5])<<16 | uint64(k[6])<<8 | uint64(k[7])); deleted[id] {
						traces++
						if traces < 5 {
							t.Errorf("bucket %s keeps key %x of a deleted learner", name, k)
						}
					}
				}
				if v != nil && bytes.Contains(v, []byte(`"`)) {
					for _, f := range bytes.FieldsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) {
						if len(f) == 8 {
							if id, _ := strconv.ParseInt(string(f), 10, 64); deleted[id] {
								traces++
								if traces < 5 {
									t.Errorf("bucket %s key %q names deleted learner %d", name, k, id)
								}
							}
						}
					}
				}
				return nil
			})
		})
	})
	for _, kind := range h.App.Exports() {
		req := httptest.NewRequest(http.MethodGet, "/export/"+kind, nil)
		req.Header.Set("Authorization", "Bearer "+soakOpsToken)
		rec := httptest.NewRecorder()
		h.App.OpsHandler().ServeHTTP(rec, req)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if rec.Code != 200 || err != nil {
			t.Fatalf("export %s: %d %v", kind, rec.Code, err)
		}
		for _, row := range rows[1:] {
			for _, cell := range row {
				if id, err := strconv.ParseInt(cell, 10, 64); err == nil && deleted[id] {
					traces++
					t.Errorf("export %s names deleted learner %d: %q", kind, id, row)
					break
				}
			}
		}
		t.Logf("export %s: %d rows, %.1f MB", kind, len(rows)-1, float64(rec.Body.Len())/(1<<20))
	}
	t.Logf("%d deleted learners; traces left in buckets and exports: %d", len(deleted), traces)
}

// botSends counts the messages the bot sent (every kind a lesson, a quiz or a notice uses).
func botSends(sim *tgsim.Server) int {
	n := 0
	for _, m := range []string{"sendMessage", "sendPoll", "sendPhoto", "sendDocument", "sendAudio", "sendVideo", "copyMessage"} {
		n += sim.Calls(m)
	}
	return n
}
