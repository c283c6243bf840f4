package bot_test

// "A week in an hour" (issue 18): the whole app through tgsim on the injected clock for 7 simulated
// days. Opt-in, without -race (it is a measurement):
//
//	TAVAN_SOAK=1 TAVAN_SOAK_LEARNERS=200000 go test ./bot -run TestSoakWeek -v -timeout 0
//
// Every simulated day: updates from a changing 10% of the learners (as many updates as learners; 200,000
// a day at the program's scale), each learner's daily lesson through the outbox (its gate on the
// simulated clock), two events with reminders, a few hundred consultations through the consultants'
// club (ask, take, a message relayed each way, end), on day 4 a /broadcast to everyone, /deleteme from
// 1% of the learners, and at 22:00 a crash: the day's last lessons queued and a burst of updates in
// flight, the database file is closed under the running bot (nothing graceful reaches the disk) and a new
// bot starts on it. The test checks that every update of the burst was answered and every job the crash
// left queued was delivered, then times the prunes on the next morning's clock. The store runs without
// fsync (apptest's NoSync: the crash is the process's, which the page cache survives).
//
// Figures per day: the database size (day 7 must be within 2% of day 6), the bot's heap (the live heap
// after GC with the bot at rest, minus the live heap once it crashed there, a crash of its own at 21:45:
// what remains is tgsim's and the test's; tgsim keeps only each chat's newest messages here,
// Options.KeepMessages), the process's RSS, the handled-id count, the prune durations and the wall time
// of each part of the day. At the end every deleted learner must be gone from every bucket and every
// export. TAVAN_SOAK_DAYS runs fewer days (for profiling; the levelling check needs all 7).
//
// Run 2026-12-07 at 200,000 learners on the shared 2-core machine: 41 minutes; the file 352 MB on day 1,
// 478 MB from day 4 to day 7; handled ids level at ≈ 400,000; the bot's heap 5–6 MB (the process's RSS,
// up to 6.2 GB, is tgsim's); nothing lost at any of the seven crashes; no trace of the 14,000 deleted
// learners. Every figure is in the README's row "a week in an hour".

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	bolt "go.etcd.io/bbolt"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

const soakOpsToken = "soak-ops-token-0123456789"

// soakKeepMessages is how many of each chat's newest messages tgsim keeps: more than any button the
// test presses or message the bot edits needs (tgsim reports a forgotten one as a misuse), far less than
// a week of history.
const soakKeepMessages = 5

// soakConsultants: one per topic, so that each request is offered to exactly one of them.
var soakConsultants = []struct {
	user        tgsim.User
	name, topic string
}{
	{tgsim.User{ID: 801, FirstName: "امیر", LanguageCode: "fa"}, "دکتر امیر", "marketing"},
	{tgsim.User{ID: 802, FirstName: "سارا", LanguageCode: "fa"}, "سارا رحیمی", "finance"},
}

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
	days := 7
	if v := os.Getenv("TAVAN_SOAK_DAYS"); v != "" { // fewer, for profiling the driver
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 7 {
			t.Fatalf("TAVAN_SOAK_DAYS=%q: want 1 to 7", v)
		}
		days = n
	}
	const firstID = 10_000_000
	const burst = 500 // updates in flight at each crash
	consultsPerDay := min(264, learners/20)
	var client *http.Client
	h := apptest.NewWithSim(t, func(o *tgsim.Options) { o.KeepMessages = soakKeepMessages }, func(c *app.Config) {
		c.HTTPToken = soakOpsToken
		c.Logger = slog.New(slog.DiscardHandler) // the harness's debug log would hold every update of the week
		// Idle connections for every worker, as cmd/tavanbot keeps: with net/http's default of two per
		// host the bot dialled a new connection for most calls (a tenth of the soak's CPU). One client for
		// every start, as one process would have.
		if client == nil {
			transport := c.HTTP.Transport.(*http.Transport).Clone()
			transport.MaxIdleConnsPerHost = 256
			client = &http.Client{Transport: transport}
		}
		c.HTTP = client
		api, err := tgbotapi.NewBotAPIWithClient(apptest.Token, c.APIURL+"/bot%s/%s", c.HTTP)
		if err != nil {
			t.Fatal(err)
		}
		c.API = api
	})
	h.NoSync = true // from the next start on (below, once the learners are written)
	// What the sender delivered after each crash, by job id (the harness would keep every notice).
	var deliveredMu sync.Mutex
	var delivered map[uint64]bool // nil: not watching
	h.OnDelivered = func(j store.Job, _ bot.Notice) {
		deliveredMu.Lock()
		if delivered != nil {
			delivered[j.ID] = true
		}
		deliveredMu.Unlock()
	}
	for _, k := range soakConsultants {
		h.MakeConsultant(k.user, k.name, k.topic)
	}
	h.Stop()
	start := h.Clock.Now()
	user := func(i int) tgsim.User {
		return tgsim.User{ID: int64(firstID + i), FirstName: firstNames[i%len(firstNames)], LanguageCode: "fa"}
	}
	// Each learner's chat exists in tgsim as in Telegram: they once pressed Start. The bot, stopped, never
	// sees those updates; their records are written directly.
	for i := range learners {
		h.Sim.SendText(user(i), "/start")
	}
	h.ConfirmAllUpdates()
	// Lessons at whole hours from 11:00 to 22:00, outside the quiet hours and after the harness's 10:00
	// start (the scheduler's first round runs at start, before the learners' chats exist in tgsim).
	writeLearners(t, h.DBPath, firstID, learners, start, func(i int) int { return 11*60 + i%12*60 }, false)
	h.Start()

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

	// settle and drain wait as the harness's Settle and Drain do, with room for the program's scale.
	settle := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := h.Sim.WaitAllConfirmed(ctx); err != nil {
			t.Fatalf("the bot did not fetch the updates: %v", err)
		}
		if err := h.Bot.WaitIdle(ctx); err != nil {
			t.Fatalf("the bot did not finish handling the updates: %v", err)
		}
	}
	drain := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		for h.Bot.Sender() == nil { // the bot has just been started
			if ctx.Err() != nil {
				t.Fatal("the sender never started")
			}
			runtime.Gosched()
		}
		if err := h.Bot.Sender().WaitIdle(ctx); err != nil {
			t.Fatalf("the sender did not finish: %v", err)
		}
	}
	// misuse fails the run at once when tgsim saw a Bot API violation or a misuse (a message its
	// retention forgot), rather than after the week.
	misuse := func(when string) {
		t.Helper()
		if v := h.Sim.Violations(); len(v) > 0 {
			t.Fatalf("%s: %d Bot API violations, the first: %v", when, len(v), v[0])
		}
		if e := h.Sim.Errors(); len(e) > 0 {
			t.Fatalf("%s: %d tgsim misuses, the first: %v", when, len(e), e[0])
		}
	}
	tehran := func(day, hour, minute int) time.Time {
		d := start.In(apptest.Tehran).AddDate(0, 0, day-1)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, apptest.Tehran)
	}
	deleted := map[int64]bool{}
	// consult takes learner i through a consultation with consultant k: asked, offered, taken, a message
	// relayed each way, ended by the learner.
	consult := func(i, k int) {
		t.Helper()
		u, c := user(i), soakConsultants[k%len(soakConsultants)]
		id := h.Session(u, c.user, c.topic)
		q := h.Sim.SendText(u, "قیمت محصولم را چطور تعیین کنم؟")
		settle()
		drain()
		if m := h.Last(c.user); m.CopyOf == nil || m.CopyOf.MessageID != q.ID {
			t.Fatalf("session %d: the learner's message did not reach the consultant; their last is %q", id, m.Plain)
		}
		const answer = "هزینه‌ها را بنویسید و سود را رویش بگذارید."
		h.Sim.SendText(c.user, answer)
		settle()
		drain()
		if m := h.Last(u); !strings.Contains(m.Plain, answer) {
			t.Fatalf("session %d: the consultant's answer did not reach the learner; their last is %q", id, m.Plain)
		}
		h.Send(u, "/end")
		drain()
		if rec := h.Consultation(id); rec.Status != store.ConsultClosed {
			t.Fatalf("session %d after /end: %s", id, rec.Status)
		}
	}

	commands := []string{"/me", "/help", "/review", "/events", "/settings", "/library", "/me", "/help", "/stats", "/me"}
	t.Logf("%d learners, %d updates a day from %d of them, %d consultations a day, %d days", learners, learners, learners/10, consultsPerDay, days)
	t.Logf("day | updates | sends | consultations | deleted | db MB | handled ids | bot heap MB (live at rest − after a crash there) | tgsim+test heap MB | RSS | crash: updates in flight / queued jobs, all delivered | prune handled/polls/day marks | wall")
	var sizes []int64
	consulted := 0
	for day := 1; day <= days; day++ {
		began := time.Now()
		var phases []string // wall time of each part of the day
		lap := func(name string) {
			phases = append(phases, fmt.Sprintf("%s %v", name, time.Since(began).Round(time.Second)))
		}
		sentBefore := botSends(h.Sim)
		// Morning: updates from a changing tenth of the learners, 10 each, in batches.
		h.Clock.Set(tehran(day, 9, 0))
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
			if j%100 == 99 {
				settle()
			}
		}
		settle()
		lap("morning")
		misuse(fmt.Sprintf("day %d, morning", day))
		// Day 4: a broadcast to everyone at 10:00.
		if day == 4 {
			h.Clock.Set(tehran(day, 10, 0))
			h.Send(apptest.Admin, "/broadcast")
			h.Sim.SendText(apptest.Admin, "نمایشگاه مشاغل خانگی، جمعه ساعت ۱۰ در سالن همایش‌ها")
			settle()
			h.Press(apptest.Admin, h.Last(apptest.Admin), "همهٔ کاربران")
			h.Press(apptest.Admin, h.Last(apptest.Admin), "بفرست")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			_, err := h.Sim.WaitText(ctx, apptest.Admin.ID, "فرستاده شد")
			cancel()
			if err != nil {
				t.Fatalf("the broadcast did not finish: %v", err)
			}
			drain()
			tally, err := h.DB.Tally("bc:1")
			if err != nil {
				t.Fatal(err)
			}
			if want := learners - len(deleted); tally.Sent < want || tally.Sent != tally.Done() {
				t.Fatalf("broadcast tally %+v; want all of ≥ %d sent", tally, want)
			}
			t.Logf("day 4, 10:00: /broadcast to everyone: %d sent", tally.Sent)
			lap("broadcast")
			misuse("the broadcast")
		}
		// The day's lessons, hour by hour (the scheduler's rounds at the learners' minutes), the events'
		// reminders, and the hour's consultations.
		perHour := (consultsPerDay + 10) / 11
		for hour := 11; hour <= 21; hour++ {
			at := tehran(day, hour, 0)
			h.Clock.Set(at)
			for _, loop := range []string{"schedule", "events"} {
				if err := h.Bot.Tick(h.Ctx(), loop, at); err != nil {
					t.Fatal(err)
				}
			}
			drain()
			for k := 0; k < perHour && consulted < day*consultsPerDay; k++ {
				h.Clock.Set(at.Add(time.Duration(2*k+1) * time.Minute)) // the relay's flood limit is per minute
				i := (day*104729 + consulted*997) % learners
				for deleted[int64(firstID+i)] {
					i = (i + 1) % learners
				}
				consult(i, consulted)
				consulted++
			}
		}
		lap("lessons+consultations")
		misuse(fmt.Sprintf("day %d, lessons and consultations", day))
		// Evening: 1% of the learners delete their data.
		h.Clock.Set(tehran(day, 21, 45))
		for j := 0; j < learners/100; j++ {
			i := (day*7919 + j*101) % learners
			id := int64(firstID + i)
			if deleted[id] {
				continue
			}
			deleted[id] = true
			h.Sim.SendText(user(i), "/deleteme")
			settle()
			h.Press(user(i), h.Last(user(i)), "همه را پاک کن")
		}
		drain()
		lap("deletions")
		misuse(fmt.Sprintf("day %d, deletions", day))

		// The bot's heap: the live heap after GC with the bot at rest, less the live heap once it crashed
		// there (what tgsim and the test hold). Its own crash, so that nothing else changes in between.
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heapBefore := ms.HeapAlloc
		h.Crash()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heapAfter := ms.HeapAlloc
		h.Start()
		settle()
		drain()

		// 22:00: the last round of lessons is queued and a burst of updates arrives; the bot crashes
		// mid-way.
		at := tehran(day, 22, 0)
		h.Clock.Set(at)
		for _, loop := range []string{"schedule", "events"} {
			if err := h.Bot.Tick(h.Ctx(), loop, at); err != nil {
				t.Fatal(err)
			}
		}
		asked := map[int]int{}
		for j := 0; len(asked) < burst; j++ {
			i := (day*31337 + j*389) % learners
			if !deleted[int64(firstID+i)] {
				asked[i] = h.Sim.SendText(user(i), "/me").ID
			}
		}
		h.Crash()
		// What the crash left queued, as the file has it.
		queued := map[uint64]bool{}
		db, err := store.Open(h.DBPath, store.Options{Now: h.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		for _, lane := range []string{store.LaneNotice, store.LaneBulk} {
			jobs, err := db.PendingJobs(lane, at, learners+burst) // due by the crash; later ones are not yet owed
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range jobs {
				queued[j.ID] = true
			}
		}
		db.Close()
		deliveredMu.Lock()
		delivered = map[uint64]bool{}
		deliveredMu.Unlock()
		h.Start()
		h.WaitReplayed()
		settle()
		drain()
		// Every update of the burst answered, every job left queued delivered.
		for i, id := range asked {
			answered := false
			for _, m := range h.Sim.BotMessages(user(i).ID) {
				answered = answered || m.ID > id && strings.Contains(m.Plain, "📊 پیشرفت")
			}
			if !answered {
				t.Fatalf("day %d: learner %d's /me of the crash was never answered", day, i)
			}
		}
		deliveredMu.Lock()
		lost := 0
		for id := range queued {
			if !delivered[id] {
				lost++
			}
		}
		delivered = nil
		deliveredMu.Unlock()
		if lost > 0 {
			t.Fatalf("day %d: %d of the %d jobs queued at the crash were not delivered after it", day, lost, len(queued))
		}
		lap("crash+recovery")
		misuse(fmt.Sprintf("day %d, after the crash", day))

		// The hour's prune, timed, on the next morning's clock.
		h.Clock.Set(tehran(day+1, 3, 29))
		var prune [3]time.Duration
		for k, fn := range []func() (int, error){h.DB.PruneHandled, h.DB.PrunePolls, h.DB.PruneDayUsers} {
			t0 := time.Now()
			if _, err := fn(); err != nil {
				t.Fatal(err)
			}
			prune[k] = time.Since(t0)
		}
		handled, _ := h.DB.HandledCount()
		fi, err := os.Stat(h.DBPath)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, fi.Size())
		t.Logf("%d | %d | %d | %d | %d | %.1f | %d | %.1f | %.1f | %s | %d / %d, yes | %v / %v / %v | %v", day, updates, botSends(h.Sim)-sentBefore,
			consulted-(day-1)*consultsPerDay, len(deleted), float64(fi.Size())/(1<<20), handled,
			float64(int64(heapBefore)-int64(heapAfter))/(1<<20), float64(heapAfter)/(1<<20), procStatus(), len(asked), len(queued),
			prune[0].Round(time.Millisecond), prune[1].Round(time.Millisecond), prune[2].Round(time.Millisecond), time.Since(began).Round(time.Second))
		t.Logf("day %d, wall time at the end of each part: %s", day, strings.Join(phases, ", "))
	}
	if days == 7 {
		if d6, d7 := float64(sizes[5]), float64(sizes[6]); d7 > d6*1.02 || d7 < d6*0.98 {
			t.Errorf("the database did not level off: day 6 %.1f MB, day 7 %.1f MB (more than 2%% apart)", d6/(1<<20), d7/(1<<20))
		}
	}

	// Every deleted learner is gone from every bucket (no key starts with their id, no JSON value names it,
	// no 8-byte value is it) and from every export.
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
	trace := func(format string, args ...any) {
		traces++
		if traces < 5 {
			t.Errorf(format, args...)
		}
	}
	_ = bdb.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if len(k) >= 8 && deleted[int64(binary.BigEndian.Uint64(k))] {
					trace("bucket %s keeps key %x of a deleted learner", name, k)
				}
				if len(v) == 8 && deleted[int64(binary.BigEndian.Uint64(v))] {
					trace("bucket %s key %x holds the id of a deleted learner", name, k)
				}
				if v != nil && bytes.Contains(v, []byte(`"`)) {
					for _, f := range bytes.FieldsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) {
						if len(f) == 8 {
							if id, _ := strconv.ParseInt(string(f), 10, 64); deleted[id] {
								trace("bucket %s key %q names deleted learner %d", name, k, id)
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
					trace("export %s names deleted learner %d: %q", kind, id, row)
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
