package outbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// rig is an engine on a real store with a scripted Telegram and a fake clock.
type rig struct {
	t     *testing.T
	clock *fakeClock
	db    *store.DB
	path  string
	tg    *scriptedTelegram
	eng   *Engine
	opts  func(*Options)

	cancel context.CancelFunc
	done   chan error
	gone   []int64
	mu     sync.Mutex
}

// scriptedTelegram records deliveries and answers with scripted errors per chat.
type scriptedTelegram struct {
	mu       sync.Mutex
	sent     []sentJob
	failures map[int64][]error // next answers for a chat; nil = success
	inFlight map[int64]int
	overlap  bool // two sends to one chat at once
}

type sentJob struct {
	id   uint64
	chat int64
	at   time.Time
	lane string
}

func (s *scriptedTelegram) deliver(clock *fakeClock) func(context.Context, *store.Job) error {
	return func(ctx context.Context, j *store.Job) error {
		s.mu.Lock()
		s.inFlight[j.ChatID]++
		if s.inFlight[j.ChatID] > 1 {
			s.overlap = true
		}
		var err error
		if q := s.failures[j.ChatID]; len(q) > 0 {
			err, s.failures[j.ChatID] = q[0], q[1:]
		}
		if err == nil {
			s.sent = append(s.sent, sentJob{j.ID, j.ChatID, clock.Now(), j.Lane})
		}
		s.inFlight[j.ChatID]--
		s.mu.Unlock()
		return err
	}
}

func (s *scriptedTelegram) fail(chat int64, errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[chat] = append(s.failures[chat], errs...)
}

func (s *scriptedTelegram) deliveries() []sentJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentJob(nil), s.sent...)
}

func (s *scriptedTelegram) countChat(chat int64) int {
	n := 0
	for _, d := range s.deliveries() {
		if d.chat == chat {
			n++
		}
	}
	return n
}

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func newRig(t *testing.T, opts func(*Options)) *rig {
	t.Helper()
	r := &rig{t: t, clock: newFakeClock(t0), path: filepath.Join(t.TempDir(), "o.db"), opts: opts,
		tg: &scriptedTelegram{failures: map[int64][]error{}, inFlight: map[int64]int{}}}
	r.open()
	t.Cleanup(func() {
		r.stop()
		r.db.Close()
	})
	return r
}

func (r *rig) open() {
	db, err := store.Open(r.path, store.Options{Now: r.clock.Now})
	if err != nil {
		r.t.Fatal(err)
	}
	r.db = db
}

func (r *rig) options() Options {
	o := Options{
		Store: r.db, Deliver: r.tg.deliver(r.clock), Now: r.clock.Now, After: r.clock.After,
		Rand: func() float64 { return 0.5 },
		Gone: func(chat int64) error { r.mu.Lock(); r.gone = append(r.gone, chat); r.mu.Unlock(); return nil },
	}
	if r.opts != nil {
		r.opts(&o)
	}
	return o
}

func (r *rig) start() {
	r.startWith(r.options())
}

func (r *rig) startWith(o Options) {
	r.eng = New(o)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.eng.Run(ctx) }()
}

func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	if err := <-r.done; err != nil {
		r.t.Errorf("engine.Run: %v", err)
	}
	r.cancel = nil
}

func (r *rig) idle() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.eng.WaitIdle(ctx); err != nil {
		r.t.Fatalf("engine never went idle: %v", err)
	}
}

// advance moves the clock and waits until the engine did what became due.
func (r *rig) advance(d time.Duration) {
	r.t.Helper()
	r.clock.Advance(d)
	r.idle()
}

func (r *rig) enqueue(lane string, chat int64, key string, mod ...func(*store.Job)) {
	r.t.Helper()
	err := r.db.Update(func(tx *store.Tx) error {
		j := &store.Job{Lane: lane, ChatID: chat, Dedupe: key, Payload: []byte(`{}`)}
		for _, m := range mod {
			m(j)
		}
		_, err := tx.Enqueue(j)
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) pending(lane string) int {
	n, err := r.db.CountJobs(lane)
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

func apiErr(code int, msg string, retryAfter int) error {
	return fmt.Errorf("sendMessage: %w", &tgbotapi.Error{Code: code, Message: msg, ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: retryAfter}})
}

func TestEngineDeliversEveryJobOnce(t *testing.T) {
	r := newRig(t, nil)
	for i := range 40 {
		r.enqueue(store.LaneBulk, int64(100+i), "")
	}
	r.enqueue(store.LaneNotice, 7, "")
	r.start()
	r.idle()
	got := r.tg.deliveries()
	if len(got) != 41 {
		t.Fatalf("delivered %d jobs; want 41", len(got))
	}
	seen := map[uint64]bool{}
	for _, d := range got {
		if seen[d.id] {
			t.Errorf("job %d delivered twice", d.id)
		}
		seen[d.id] = true
	}
	if n := r.pending(store.LaneBulk) + r.pending(store.LaneNotice); n != 0 {
		t.Errorf("%d jobs left in the outbox after delivery", n)
	}
	if s := r.eng.Stats(); s.Sent != 41 || s.PossibleRepeats != 0 {
		t.Errorf("stats = %+v; want 41 sent, no repeats", s)
	}
}

func TestEngineKeepsOneChatInOrder(t *testing.T) {
	r := newRig(t, nil)
	for range 5 {
		r.enqueue(store.LaneBulk, 42, "")
	}
	r.start()
	r.idle()
	var ids []uint64
	for _, d := range r.tg.deliveries() {
		ids = append(ids, d.id)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] < ids[i-1] {
			t.Fatalf("jobs of one chat went out of order: %v", ids)
		}
	}
	if len(ids) != 5 || r.tg.overlap {
		t.Errorf("delivered %v (overlap %v); want 5 jobs one at a time", ids, r.tg.overlap)
	}
}

func TestEngineWakesForNewJobs(t *testing.T) {
	r := newRig(t, nil)
	r.start()
	r.idle()
	r.enqueue(store.LaneNotice, 5, "")
	r.idle() // WaitIdle wakes the lanes, as the bot does after each commit
	if n := r.tg.countChat(5); n != 1 {
		t.Fatalf("a job enqueued while the engine ran was delivered %d times; want 1", n)
	}
}

func TestEngineHonoursNotBefore(t *testing.T) {
	r := newRig(t, nil)
	r.enqueue(store.LaneNotice, 5, "", func(j *store.Job) { j.NotBefore = t0.Add(time.Hour) })
	r.start()
	r.idle()
	if n := r.tg.countChat(5); n != 0 {
		t.Fatalf("a job for in an hour went out at once")
	}
	r.advance(59 * time.Minute)
	if n := r.tg.countChat(5); n != 0 {
		t.Fatalf("a job for in an hour went out after 59 minutes")
	}
	r.advance(time.Minute)
	if n := r.tg.countChat(5); n != 1 {
		t.Fatalf("after an hour the job was delivered %d times; want 1", n)
	}
}

func TestEngine429PausesTheLane(t *testing.T) {
	r := newRig(t, nil)
	r.tg.fail(1, apiErr(429, "Too Many Requests: retry after 5", 5))
	r.enqueue(store.LaneBulk, 1, "")
	r.start()
	r.idle()
	r.enqueue(store.LaneBulk, 2, "")
	r.idle()
	if n := len(r.tg.deliveries()); n != 0 {
		t.Fatalf("%d jobs went out during the 429 pause; want none", n)
	}
	r.advance(4 * time.Second)
	if n := len(r.tg.deliveries()); n != 0 {
		t.Fatalf("%d jobs went out before retry_after passed", n)
	}
	r.advance(time.Second)
	if r.tg.countChat(1) != 1 || r.tg.countChat(2) != 1 {
		t.Fatalf("after the pause: %+v; want both jobs once", r.tg.deliveries())
	}
	if s := r.eng.Stats(); s.RateLimited != 1 || s.Failed != 0 || s.Retried != 0 {
		t.Errorf("stats = %+v; a 429 is neither a failure nor an attempt", s)
	}
}

func TestEngineBacksOffThenDeadLetters(t *testing.T) {
	r := newRig(t, func(o *Options) { o.MaxAttempts = 4; o.BackoffBase = 2 * time.Second })
	for range 10 {
		r.tg.fail(9, apiErr(502, "Bad Gateway", 0))
	}
	r.enqueue(store.LaneNotice, 9, "")
	r.start()
	r.idle()
	// With Rand = 0.5 the delays are 3/4 of 2s, 4s, 8s: 1.5s, 3s, 6s.
	for i, d := range []time.Duration{1500 * time.Millisecond, 3 * time.Second, 6 * time.Second} {
		r.advance(d - time.Millisecond)
		dead, _ := r.db.DeadLetters(10)
		if len(dead) != 0 {
			t.Fatalf("dead-lettered after %d attempts; want 4", i+1)
		}
		r.advance(time.Millisecond)
	}
	dead, err := r.db.DeadLetters(10)
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead letters = %v, %v; want the job", dead, err)
	}
	if !strings.Contains(dead[0].LastError, "502") || !strings.Contains(dead[0].LastError, "4 attempts") {
		t.Errorf("dead letter reason %q; want the error and the attempts", dead[0].LastError)
	}
	if s := r.eng.Stats(); s.Failed != 1 || s.Retried != 3 {
		t.Errorf("stats = %+v; want 3 retries then 1 failure", s)
	}
	// An admin retries it: it goes again, and succeeds.
	r.tg.mu.Lock()
	r.tg.failures[9] = nil
	r.tg.mu.Unlock()
	if err := r.db.RetryDeadLetter(dead[0].ID); err != nil {
		t.Fatal(err)
	}
	r.eng.Rescan()
	r.idle()
	if n := r.tg.countChat(9); n != 1 {
		t.Errorf("a retried dead letter was delivered %d times; want 1", n)
	}
}

func TestEngineBadRequestIsPermanent(t *testing.T) {
	r := newRig(t, nil)
	r.tg.fail(3, apiErr(400, "Bad Request: can't parse entities", 0))
	r.enqueue(store.LaneBulk, 3, "")
	r.start()
	r.idle()
	dead, _ := r.db.DeadLetters(10)
	if len(dead) != 1 || !strings.Contains(dead[0].LastError, "parse entities") {
		t.Fatalf("dead letters = %+v; want the refused job at once", dead)
	}
}

func TestEngineBlockedChatDropsBulkJobs(t *testing.T) {
	r := newRig(t, nil)
	r.tg.fail(8, apiErr(403, "Forbidden: bot was blocked by the user", 0))
	for range 3 {
		r.enqueue(store.LaneBulk, 8, "", func(j *store.Job) { j.Group = "bc:1" })
	}
	r.enqueue(store.LaneBulk, 11, "", func(j *store.Job) { j.Group = "bc:1" })
	r.start()
	r.idle()
	if n := r.tg.countChat(8); n != 0 {
		t.Fatalf("%d messages reached a chat that blocked the bot", n)
	}
	if n := r.tg.countChat(11); n != 1 {
		t.Errorf("another learner got %d messages; want 1", n)
	}
	r.mu.Lock()
	gone := fmt.Sprint(r.gone)
	r.mu.Unlock()
	if gone != "[8]" {
		t.Errorf("Gone was told %s; want [8]", gone)
	}
	if n := r.pending(store.LaneBulk); n != 0 {
		t.Errorf("%d bulk jobs left for the blocked chat", n)
	}
	tally, _ := r.db.Tally("bc:1")
	if tally.Blocked != 1 || tally.Sent != 1 {
		t.Errorf("tally = %+v; want 1 blocked, 1 sent", tally)
	}
	if s := r.eng.Stats(); s.Blocked != 1 || s.Dropped != 2 {
		t.Errorf("stats = %+v; want 1 blocked, 2 dropped", s)
	}
}

func TestEngineQuietHoursHoldBulkOnly(t *testing.T) {
	// Quiet until 07:00 for chat 1 (its clock says it is night); chat 2 is awake.
	quietEnd := t0.Add(3 * time.Hour)
	r := newRig(t, func(o *Options) {
		o.Quiet = func(j *store.Job, now time.Time) time.Time {
			if j.ChatID == 1 && now.Before(quietEnd) {
				return quietEnd
			}
			return time.Time{}
		}
	})
	r.enqueue(store.LaneBulk, 1, "")
	r.enqueue(store.LaneBulk, 2, "")
	r.enqueue(store.LaneNotice, 1, "")
	r.start()
	r.idle()
	if r.tg.countChat(1) != 1 || r.tg.countChat(2) != 1 {
		t.Fatalf("deliveries %+v; want the notice to 1 and the bulk job to 2 only", r.tg.deliveries())
	}
	r.advance(3*time.Hour - time.Minute)
	if r.tg.countChat(1) != 1 {
		t.Fatal("a bulk job went out in quiet hours")
	}
	r.advance(time.Minute)
	if r.tg.countChat(1) != 2 {
		t.Fatal("the held bulk job did not go when quiet hours ended")
	}
}

// TestEngineCrashBetweenSendAndCommit: the send succeeds but the process dies before the commit that
// removes the job. After the restart the job goes again — at most twice in all — and is counted.
func TestEngineCrashBetweenSendAndCommit(t *testing.T) {
	r := newRig(t, nil)
	r.enqueue(store.LaneBulk, 77, "daily:77:2026-11-26")
	o := r.options()
	o.Store = crashingStore{r.db}
	r.startWith(o)
	r.idle()
	r.stop() // the "crash": the finish was never committed
	if r.pending(store.LaneBulk) != 1 {
		t.Fatal("the job should still be in the outbox after the crash")
	}
	r.start()
	r.idle()
	if n := r.tg.countChat(77); n != 2 {
		t.Fatalf("delivered %d times across the crash; want exactly 2 (sent, crash, sent again)", n)
	}
	if s := r.eng.Stats(); s.PossibleRepeats != 1 {
		t.Errorf("PossibleRepeats = %d; want 1", s.PossibleRepeats)
	}
	if r.pending(store.LaneBulk) != 0 {
		t.Error("the job is still pending after the second delivery")
	}
}

// crashingStore never records a finished job, like a process killed after its sends and before the
// commit that would have removed them.
type crashingStore struct{ *store.DB }

func (c crashingStore) CommitJobs(_ []store.Finished, sending []*store.Job) ([]*store.Job, error) {
	return c.DB.CommitJobs(nil, sending)
}

// TestEngineStopBeforeSendIsNoRepeat: a job enqueued and never sent is sent once after a restart.
func TestEngineStopBeforeSendIsNoRepeat(t *testing.T) {
	r := newRig(t, nil)
	r.start()
	r.idle()
	r.stop()
	r.enqueue(store.LaneBulk, 5, "k1")
	r.enqueue(store.LaneBulk, 5, "k1") // the same key: one job
	r.start()
	r.idle()
	if n := r.tg.countChat(5); n != 1 {
		t.Fatalf("delivered %d times; want 1", n)
	}
	if s := r.eng.Stats(); s.PossibleRepeats != 0 {
		t.Errorf("PossibleRepeats = %d; want 0", s.PossibleRepeats)
	}
}

func TestEngineSkip(t *testing.T) {
	r := newRig(t, nil)
	r.tg.fail(4, Skip(store.OutcomeCanceled))
	r.enqueue(store.LaneBulk, 4, "", func(j *store.Job) { j.Group = "bc:9" })
	r.start()
	r.idle()
	tally, _ := r.db.Tally("bc:9")
	if tally.Canceled != 1 || r.pending(store.LaneBulk) != 0 {
		t.Errorf("tally %+v, pending %d; want one canceled and nothing left", tally, r.pending(store.LaneBulk))
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want verdict
	}{
		{nil, vSent},
		{apiErr(429, "Too Many Requests", 3), vRateLimited},
		{apiErr(403, "Forbidden: bot was blocked by the user", 0), vGone},
		{apiErr(400, "Bad Request: chat not found", 0), vGone},
		{apiErr(400, "Bad Request: message is too long", 0), vPermanent},
		{apiErr(500, "Internal Server Error", 0), vTransient},
		{errors.New("dial tcp: connection refused"), vTransient},
		{fmt.Errorf("wait: %w", context.Canceled), vInterrupted},
		{Permanent(errors.New("decode payload")), vPermanent},
		{Skip(store.OutcomeSkipped), vSkip},
	} {
		if got, _, _ := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %v; want %v", tc.err, got, tc.want)
		}
	}
}
