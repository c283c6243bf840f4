// Package outbox drains the bot's durable outbox: one sender loop per lane, within Telegram's flood limits
// (Gate), with retries, dead letters and quiet hours. It knows nothing of handlers or message formats: the
// bot gives it a Deliver function, and the store gives it the jobs.
//
// A job is marked as sending (committed) before its send starts and removed after it succeeded, in group
// commits. A crash between the two leaves the mark: the job is sent again after the restart and counted as
// a possible repeat. So every job is sent at least once and at most twice across a crash.
package outbox

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// Store is the durable outbox the engine drains; *store.DB implements it.
type Store interface {
	JobsAfter(lane string, after uint64, limit int) ([]store.Job, error)
	GetJob(lane string, id uint64) (store.Job, error)
	// CommitJobs removes finished jobs (tallying them) and marks the next ones as sending, in one
	// transaction; it returns the jobs of sending that still exist.
	CommitJobs(done []store.Finished, sending []*store.Job) ([]*store.Job, error)
	ReleaseJobs(jobs []*store.Job) error
	RetryJob(j *store.Job, at time.Time, reason string) error
	DeadLetter(j *store.Job, reason string) error
	DropChatJobs(chatID int64, lane string) (int, error)
}

var _ Store = (*store.DB)(nil)

// Options configure an Engine. Store and Deliver are required.
type Options struct {
	Store Store
	// Deliver sends one job. It returns nil when sent, Skip(outcome) when the job is not to be sent, a
	// Permanent error for a job that can never be sent, or Telegram's error (*tgbotapi.Error, wrapped).
	Deliver func(ctx context.Context, j *store.Job) error
	Gate    *Gate // told about 429s, so that every sender backs off; may be nil

	// Now is the clock; After is a timer on it (tests fire it when they move the clock).
	Now   func() time.Time
	After func(d time.Duration) (<-chan time.Time, func() bool)
	Rand  func() float64 // jitter in [0,1); default math/rand

	// Quiet returns until when a bulk job must wait (quiet hours in the learner's zone), or zero.
	Quiet func(j *store.Job, now time.Time) time.Time
	// Gone is told that a chat can no longer receive messages (403 blocked, 400 chat not found): the bot
	// marks the learner inactive. The engine then drops the chat's pending bulk jobs itself.
	Gone func(chatID int64) error
	// OnFinish is told, after the commit, how each job ended (store.Outcome…); broadcasts count with it.
	OnFinish func(j *store.Job, outcome string)

	Logger        *slog.Logger
	NoticeWorkers int           // parallel sends in the notice lane; default 8
	BulkWorkers   int           // parallel sends in the bulk lane; default 64 (see below)
	MaxAttempts   int           // sends of a failing job before it is dead-lettered; default 6
	BackoffBase   time.Duration // first retry delay; doubles each attempt; default 2s
	BackoffMax    time.Duration // default 10m
	Poll          time.Duration // an idle lane looks for new jobs this often anyway; default 30s
	PageSize      int           // jobs read ahead per lane; default 256
}

// Stats are the engine's counters since it started.
type Stats struct {
	Sent, Skipped, Blocked, Failed int64 // jobs by outcome
	Expired                        int64 // jobs too late to send (store.OutcomeExpired), not counted in Skipped
	Retried                        int64 // transient failures that will be retried
	RateLimited                    int64 // 429 answers
	Dropped                        int64 // bulk jobs dropped because their chat is gone
	PossibleRepeats                int64 // jobs found marked as sending after a restart: sent again, maybe twice
}

// Engine runs the sender loops.
type Engine struct {
	o     Options
	log   *slog.Logger
	lanes []*lane

	mu      sync.Mutex
	gen     uint64        // wake generation
	changed chan struct{} // closed and replaced when a lane publishes its idle state

	sent, skipped, blocked, failed, retried, limited, dropped, repeats, expired atomic.Int64
}

// New builds an engine for the notice and bulk lanes.
func New(o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		}
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.NoticeWorkers <= 0 {
		o.NoticeWorkers = 8
	}
	if o.BulkWorkers <= 0 {
		// Sends in flight are sends the server may receive at once if the network or the server stalls
		// for a moment and then catches up: keep them below any burst Telegram would tolerate. 64 fill
		// 1000/s at 64 ms a round trip. (256 in flight raised 429s from tgsim's burst of 100 when the
		// machine was overloaded.)
		o.BulkWorkers = 64
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 2 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 10 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 30 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 256
	}
	e := &Engine{o: o, log: o.Logger, changed: make(chan struct{})}
	e.lanes = []*lane{e.newLane(store.LaneNotice, o.NoticeWorkers), e.newLane(store.LaneBulk, o.BulkWorkers)}
	return e
}

// Stats reads the counters.
func (e *Engine) Stats() Stats {
	return Stats{Sent: e.sent.Load(), Skipped: e.skipped.Load(), Blocked: e.blocked.Load(), Failed: e.failed.Load(), Expired: e.expired.Load(),
		Retried: e.retried.Load(), RateLimited: e.limited.Load(), Dropped: e.dropped.Load(), PossibleRepeats: e.repeats.Load()}
}

// Run drains the outbox until ctx ends, then lets in-flight sends finish (at most Options.Grace) and
// commits what they did.
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(e.lanes))
	for i, l := range e.lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.run(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Wake tells the lanes that jobs were enqueued. It returns the wake generation (for WaitIdle).
func (e *Engine) Wake() uint64 {
	e.mu.Lock()
	e.gen++
	g := e.gen
	for _, l := range e.lanes {
		l.dirty = true
	}
	e.mu.Unlock()
	for _, l := range e.lanes {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	return g
}

// Rescan makes the lanes read the whole outbox again, for jobs put back with an old id (a dead letter
// an admin retried).
func (e *Engine) Rescan() {
	e.mu.Lock()
	for _, l := range e.lanes {
		l.rescan = true
	}
	e.mu.Unlock()
	e.Wake()
}

// WaitIdle wakes the lanes and returns once each has nothing to do before some future time: no send in
// flight, nothing due now. Tests use it to assert what was (not) sent without sleeping.
func (e *Engine) WaitIdle(ctx context.Context) error {
	g := e.Wake()
	for {
		e.mu.Lock()
		ch := e.changed
		ok := true
		for _, l := range e.lanes {
			if l.idleGen < g {
				ok = false
			}
		}
		e.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Skip is what Deliver returns for a job that is not to be sent (the learner paused or left, the
// broadcast was canceled); outcome is the store.Outcome… it is counted as.
func Skip(outcome string) error { return &skipError{outcome} }

type skipError struct{ outcome string }

func (e *skipError) Error() string { return "not sent: " + e.outcome }

// ErrPartial is what Deliver returns when it was interrupted (shutdown) after part of a job went out:
// the job keeps its sending mark, so after the restart it goes again and counts as a possible repeat.
var ErrPartial = errors.New("outbox: interrupted after part of the job was sent")

// Permanent marks an error that no retry can fix (a payload that does not decode, a message Telegram
// refuses): the job is dead-lettered at once.
func Permanent(err error) error { return &permanentError{err} }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

type verdict int

const (
	vSent verdict = iota
	vSkip
	vRateLimited
	vGone
	vPermanent
	vTransient
	vInterrupted
	vPartial
)

// classify reads what a send's error means for the job.
func classify(err error) (verdict, time.Duration, string) {
	if err == nil {
		return vSent, 0, ""
	}
	var skip *skipError
	if errors.As(err, &skip) {
		return vSkip, 0, skip.outcome
	}
	if errors.Is(err, ErrPartial) {
		return vPartial, 0, ""
	}
	if errors.Is(err, context.Canceled) {
		return vInterrupted, 0, "" // shutdown while waiting for the rate limiter: nothing was sent
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return vPermanent, 0, err.Error()
	}
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.Code == 429:
			return vRateLimited, time.Duration(max(apiErr.RetryAfter, 1)) * time.Second, apiErr.Message
		case apiErr.Code == 403, apiErr.Code == 400 && isGoneMessage(apiErr.Message):
			return vGone, 0, apiErr.Message
		case apiErr.Code == 400:
			return vPermanent, 0, apiErr.Message
		}
		return vTransient, 0, fmt.Sprintf("%d %s", apiErr.Code, apiErr.Message)
	}
	return vTransient, 0, err.Error()
}

func isGoneMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "chat not found") || strings.Contains(m, "user is deactivated") ||
		strings.Contains(m, "peer_id_invalid") || strings.Contains(m, "bot was kicked")
}

// lane is one sender loop. All its fields except dirty, rescan and idleGen (under Engine.mu) belong to
// the loop's goroutine.
type lane struct {
	e       *Engine
	name    string
	bulk    bool
	workers int
	log     *slog.Logger

	wake    chan struct{}
	results chan result

	// Under Engine.mu.
	dirty   bool
	rescan  bool
	idleGen uint64

	cursor    uint64                 // the highest job id read from the store
	exhausted bool                   // the last read found no job after the cursor
	fresh     []*store.Job           // read ahead, not yet looked at
	ready     []*store.Job           // looked at before and ready: released after their chat's send, or after a 429
	due       []uint64               // timed jobs whose time came, to be loaded again
	timed     timedHeap              // jobs waiting for a time: NotBefore, quiet hours, a retry
	known     map[uint64]bool        // every job the loop holds anywhere, in flight or waiting
	busy      map[int64]bool         // chats with a send in flight (one at a time keeps a chat in order)
	held      map[int64][]*store.Job // jobs waiting for their chat's send in flight
	running   int
	paused    time.Time // after a 429: nothing is sent before
	finished  []store.Finished
	release   []*store.Job // interrupted by shutdown before they were sent

	flushFailed bool // the last FinishJobs failed: try again in a second
}

type result struct {
	job *store.Job
	err error
}

func (e *Engine) newLane(name string, workers int) *lane {
	return &lane{
		e: e, name: name, bulk: name == store.LaneBulk, workers: workers,
		log:     e.log.With("lane", name),
		wake:    make(chan struct{}, 1),
		results: make(chan result, workers),
		dirty:   true,
		known:   map[uint64]bool{}, busy: map[int64]bool{}, held: map[int64][]*store.Job{},
	}
}

func (l *lane) run(ctx context.Context) error {
	var stopTimer func() bool
	defer func() {
		if stopTimer != nil {
			stopTimer()
		}
	}()
	for {
		l.e.mu.Lock()
		gen := l.e.gen
		if l.dirty {
			l.dirty, l.exhausted = false, false
		}
		if l.rescan {
			l.rescan, l.cursor, l.exhausted = false, 0, false
		}
		l.e.mu.Unlock()

		now := l.e.o.Now()
		l.promote(now)
		batch := l.pick(now)
		if len(batch) > 0 || len(l.finished) > 0 {
			l.commit(ctx, now, batch)
		}
		idle := l.running == 0 && (len(l.finished) == 0 || l.flushFailed) && (now.Before(l.paused) ||
			len(l.ready) == 0 && len(l.due) == 0 && len(l.fresh) == 0 && l.exhausted)
		if idle {
			l.publishIdle(gen)
		}

		if stopTimer != nil {
			stopTimer()
			stopTimer = nil
		}
		var timer <-chan time.Time
		if at := l.nextWake(now); !at.IsZero() {
			timer, stopTimer = l.e.o.After(max(0, at.Sub(now)))
		}
		select {
		case <-ctx.Done():
			return l.shutdown()
		case r := <-l.results:
			l.handle(r)
			for len(l.results) > 0 { // take every send that ended meanwhile: one commit for all
				l.handle(<-l.results)
			}
		case <-l.wake:
		case <-timer:
			l.exhausted = false // whatever the timer was for, look for new jobs too (the idle poll)
		}
	}
}

func (l *lane) publishIdle(gen uint64) {
	l.e.mu.Lock()
	defer l.e.mu.Unlock()
	if l.idleGen < gen {
		l.idleGen = gen
		close(l.e.changed)
		l.e.changed = make(chan struct{})
	}
}

// nextWake is when the loop must look again without being woken: the first timed job, the end of a
// 429 pause, or the idle poll.
func (l *lane) nextWake(now time.Time) time.Time {
	var at time.Time
	earlier := func(t time.Time) {
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	if len(l.timed) > 0 {
		earlier(l.timed[0].at)
	}
	if now.Before(l.paused) && (len(l.ready) > 0 || len(l.due) > 0 || len(l.fresh) > 0 || !l.exhausted) {
		earlier(l.paused)
	}
	if l.exhausted && l.running == 0 {
		earlier(now.Add(l.e.o.Poll))
	}
	if l.flushFailed {
		earlier(now.Add(time.Second))
	}
	return at
}

// promote moves timed jobs whose time came to the due list.
func (l *lane) promote(now time.Time) {
	for len(l.timed) > 0 && !l.timed[0].at.After(now) {
		t := heap.Pop(&l.timed).(timedJob)
		l.due = append(l.due, t.id)
	}
}

// pick chooses the jobs to send now, while workers are free. With sends in flight it waits until an
// eighth of the workers are free, so that each commit marks a batch rather than a single job.
func (l *lane) pick(now time.Time) []*store.Job {
	free := l.workers - l.running
	if now.Before(l.paused) || free <= 0 || (l.running > 0 && free < max(1, l.workers/8)) {
		return nil
	}
	var batch []*store.Job
	for len(batch) < free {
		j := l.next()
		if j == nil {
			break
		}
		switch {
		case l.busy[j.ChatID]:
			l.held[j.ChatID] = append(l.held[j.ChatID], j)
		case j.NotBefore.After(now):
			l.wait(j, j.NotBefore)
		default:
			if until := l.quietUntil(j, now); until.After(now) {
				l.wait(j, until)
				continue
			}
			l.busy[j.ChatID] = true
			batch = append(batch, j)
		}
	}
	return batch
}

// commit records the finished jobs and marks batch as sending in one transaction, then starts the
// sends that are still wanted.
func (l *lane) commit(ctx context.Context, now time.Time, batch []*store.Job) {
	kept, err := l.e.o.Store.CommitJobs(l.finished, batch)
	if err != nil {
		l.log.Error("commit outbox jobs", "finished", len(l.finished), "sending", len(batch), "err", err)
		l.flushFailed = true // the next loop tries again (nextWake)
		for _, j := range batch {
			delete(l.busy, j.ChatID)
		}
		l.ready = append(batch, l.ready...)
		if len(batch) > 0 {
			l.paused = now.Add(time.Second) // the store is in trouble: try again shortly
		}
		return
	}
	l.flushFailed = false
	l.reportFinished()
	if len(kept) == len(batch) {
		for _, j := range batch {
			l.start(ctx, j)
		}
		return
	}
	keep := make(map[uint64]bool, len(kept))
	for _, j := range kept {
		keep[j.ID] = true
	}
	for _, j := range batch {
		if !keep[j.ID] {
			delete(l.known, j.ID) // removed meanwhile (the user deleted their data)
			delete(l.busy, j.ChatID)
			l.releaseHeld(j.ChatID)
			continue
		}
		l.start(ctx, j)
	}
}

func (l *lane) start(ctx context.Context, j *store.Job) {
	l.running++
	go func() {
		err := l.e.o.Deliver(ctx, j)
		l.results <- result{j, err}
	}()
}

// quietUntil is the end of the quiet hours a bulk job waits for, or zero.
func (l *lane) quietUntil(j *store.Job, now time.Time) time.Time {
	if !l.bulk || l.e.o.Quiet == nil {
		return time.Time{}
	}
	return l.e.o.Quiet(j, now)
}

// next is the next job to look at: released ones first, then those whose time came, then fresh reads.
func (l *lane) next() *store.Job {
	if len(l.ready) > 0 {
		j := l.ready[0]
		l.ready = l.ready[1:]
		return j
	}
	for len(l.due) > 0 {
		id := l.due[0]
		j, err := l.e.o.Store.GetJob(l.name, id)
		if errors.Is(err, store.ErrNotFound) {
			l.due = l.due[1:]
			delete(l.known, id) // delivered, dropped or dead-lettered meanwhile
			continue
		}
		if err != nil {
			l.log.Error("load job", "id", id, "err", err)
			return nil
		}
		l.due = l.due[1:]
		return &j
	}
	if len(l.fresh) == 0 && !l.exhausted {
		l.refill()
	}
	if len(l.fresh) > 0 {
		j := l.fresh[0]
		l.fresh[0] = nil
		l.fresh = l.fresh[1:]
		return j
	}
	return nil
}

// refill reads the next page of the lane after the cursor.
func (l *lane) refill() {
	jobs, err := l.e.o.Store.JobsAfter(l.name, l.cursor, l.e.o.PageSize)
	if err != nil {
		l.log.Error("read outbox", "err", err)
		l.exhausted = true // the idle poll tries again
		return
	}
	if len(jobs) < l.e.o.PageSize {
		l.exhausted = true
	}
	l.fresh = l.fresh[:0]
	for i := range jobs {
		j := &jobs[i]
		l.cursor = j.ID
		if l.known[j.ID] {
			continue
		}
		l.known[j.ID] = true
		if j.Sending {
			// Marked before a send whose end was never recorded: the process stopped in between.
			// The user may have it already; it goes again, and is counted.
			l.e.repeats.Add(1)
			l.log.Warn("job was being sent when the bot stopped; sending it again", "job", j.ID, "chat", j.ChatID)
		}
		l.fresh = append(l.fresh, j)
	}
}

// wait parks a job until at; only its id stays in memory.
func (l *lane) wait(j *store.Job, at time.Time) {
	heap.Push(&l.timed, timedJob{at: at, id: j.ID})
}

// handle records how a send ended.
func (l *lane) handle(r result) {
	l.running--
	j := r.job
	delete(l.busy, j.ChatID)
	now := l.e.o.Now()
	v, retryAfter, reason := classify(r.err)
	switch v {
	case vSent:
		l.finished = append(l.finished, store.Finished{Job: j, Outcome: store.OutcomeSent})
	case vSkip:
		l.finished = append(l.finished, store.Finished{Job: j, Outcome: reason})
	case vInterrupted:
		l.release = append(l.release, j)
	case vPartial:
		delete(l.known, j.ID) // stays marked as sending: a possible repeat after the restart
	case vRateLimited:
		l.e.limited.Add(1)
		if until := now.Add(retryAfter); until.After(l.paused) {
			l.paused = until
		}
		if g := l.e.o.Gate; g != nil {
			g.RateLimited(j.ChatID, retryAfter) // the chat's scope, the bot's when chats draw 429s together
		}
		l.log.Warn("rate limited by Telegram; the lane waits", "retry_after", retryAfter)
		if err := l.e.o.Store.ReleaseJobs([]*store.Job{j}); err != nil {
			l.log.Error("release job", "job", j.ID, "err", err)
		}
		j.Sending = false
		l.ready = append(l.ready, j)
	case vGone:
		l.gone(j, reason)
	case vPermanent:
		l.dead(j, reason)
	case vTransient:
		if j.Attempts+1 >= l.e.o.MaxAttempts {
			l.dead(j, fmt.Sprintf("%s (after %d attempts)", reason, j.Attempts+1))
			break
		}
		at := now.Add(l.backoff(j.Attempts + 1))
		if err := l.e.o.Store.RetryJob(j, at, reason); err != nil && !errors.Is(err, store.ErrNotFound) {
			l.log.Error("schedule retry", "job", j.ID, "err", err)
		}
		l.e.retried.Add(1)
		l.log.Warn("send failed; will retry", "job", j.ID, "attempt", j.Attempts, "at", at, "err", reason)
		l.wait(j, at)
	}
	l.releaseHeld(j.ChatID)
}

// backoff is the delay before attempt n+1: exponential, capped, with jitter (half to full).
func (l *lane) backoff(n int) time.Duration {
	d := l.e.o.BackoffBase << min(n-1, 30)
	if d <= 0 || d > l.e.o.BackoffMax {
		d = l.e.o.BackoffMax
	}
	return d/2 + time.Duration(l.e.o.Rand()*float64(d/2))
}

// releaseHeld lets the next job of a chat go after the chat's send ended.
func (l *lane) releaseHeld(chatID int64) {
	q := l.held[chatID]
	if len(q) == 0 {
		return
	}
	l.ready = append(l.ready, q[0])
	if len(q) == 1 {
		delete(l.held, chatID)
	} else {
		l.held[chatID] = q[1:]
	}
}

// gone handles a chat that cannot receive: the learner is marked inactive and their bulk jobs dropped.
func (l *lane) gone(j *store.Job, reason string) {
	if l.e.o.Gone != nil {
		if err := l.e.o.Gone(j.ChatID); err != nil {
			l.log.Error("mark chat inactive", "chat", j.ChatID, "err", err)
		}
	}
	if l.bulk {
		l.finished = append(l.finished, store.Finished{Job: j, Outcome: store.OutcomeBlocked})
		l.flush() // count this job before the drop below removes it
	} else {
		l.dead(j, reason)
	}
	n, err := l.e.o.Store.DropChatJobs(j.ChatID, store.LaneBulk)
	if err != nil {
		l.log.Error("drop jobs of a gone chat", "chat", j.ChatID, "err", err)
	}
	l.e.dropped.Add(int64(n))
	if l.bulk {
		for _, h := range l.held[j.ChatID] {
			delete(l.known, h.ID)
		}
		delete(l.held, j.ChatID)
		l.fresh = l.dropChat(l.fresh, j.ChatID)
		l.ready = l.dropChat(l.ready, j.ChatID)
	}
	l.log.Info("chat is gone; its bulk jobs were dropped", "chat", j.ChatID, "dropped", n, "reason", reason)
}

func (l *lane) dropChat(jobs []*store.Job, chatID int64) []*store.Job {
	kept := jobs[:0]
	for _, j := range jobs {
		if j.ChatID == chatID {
			delete(l.known, j.ID)
			continue
		}
		kept = append(kept, j)
	}
	return kept
}

func (l *lane) dead(j *store.Job, reason string) {
	if err := l.e.o.Store.DeadLetter(j, reason); err != nil && !errors.Is(err, store.ErrNotFound) {
		l.log.Error("dead-letter job", "job", j.ID, "err", err)
		return
	}
	delete(l.known, j.ID)
	l.e.failed.Add(1)
	l.log.Warn("job dead-lettered", "job", j.ID, "chat", j.ChatID, "reason", reason)
	if f := l.e.o.OnFinish; f != nil {
		f(j, store.OutcomeFailed)
	}
}

// flush commits the finished jobs now.
func (l *lane) flush() {
	if len(l.finished) > 0 {
		l.commit(context.Background(), l.e.o.Now(), nil)
	}
}

// reportFinished counts the committed finished jobs and tells OnFinish.
func (l *lane) reportFinished() {
	for _, f := range l.finished {
		delete(l.known, f.Job.ID)
		switch f.Outcome {
		case store.OutcomeSent:
			l.e.sent.Add(1)
		case store.OutcomeBlocked:
			l.e.blocked.Add(1)
		case store.OutcomeExpired:
			l.e.expired.Add(1)
		default:
			l.e.skipped.Add(1)
		}
		if cb := l.e.o.OnFinish; cb != nil {
			cb(f.Job, f.Outcome)
		}
	}
	clear(l.finished)
	l.finished = l.finished[:0]
}

// shutdown stops dispatching, waits for the sends in flight — a send already on the wire finishes, one
// waiting for the rate limiter gives up at once — and commits their outcomes. Jobs that never reached
// Telegram lose their sending mark.
func (l *lane) shutdown() error {
	for l.running > 0 {
		l.handle(<-l.results)
	}
	l.flush()
	if len(l.release) > 0 {
		if err := l.e.o.Store.ReleaseJobs(l.release); err != nil {
			return fmt.Errorf("outbox %s: release interrupted jobs: %w", l.name, err)
		}
	}
	return nil
}

type timedJob struct {
	at time.Time
	id uint64
}

type timedHeap []timedJob

func (h timedHeap) Len() int { return len(h) }
func (h timedHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].id < h[j].id
	}
	return h[i].at.Before(h[j].at)
}
func (h timedHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timedHeap) Push(x any)   { *h = append(*h, x.(timedJob)) }
func (h *timedHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
