package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Support for the delivery engine (bot/outbox) and the daily scheduler: batched job transitions, outcome
// tallies, chunked dedupe pruning, and the indexes the scheduler reads (zones in use, last activity day).

var (
	bucketTallies = bucket("outbox_tallies")  // group → Tally: outcomes of a group of jobs (a broadcast)
	bucketZones   = bucket("zones")           // IANA zone name → nil: the zones learners chose
	bucketIdle    = bucket("idle_days")       // yyyy-mm-dd (UTC) + user id (8): the day a learner without a daily time was last active
	bucketNudges  = userBucket("nudges")      // user id (8) → Nudge
	bucketSchedKV = bucket("scheduler_state") // name → value: the scheduler's bookkeeping
)

// Outcomes of a finished job, tallied per Job.Group.
const (
	OutcomeSent     = "sent"     // delivered
	OutcomeSkipped  = "skipped"  // not sent on purpose (the learner paused, left, or the broadcast was canceled)
	OutcomeBlocked  = "blocked"  // the chat is gone: the user blocked the bot or deleted their account
	OutcomeFailed   = "failed"   // dead-lettered after errors
	OutcomeCanceled = "canceled" // its broadcast was canceled before it went out
	OutcomeExpired  = "expired"  // too late to send (Notice.Expires passed: the sender was down or held up)

	outcomeRetried = "retried"
)

// Tally counts the outcomes of a group of jobs.
type Tally struct {
	Sent     int `json:"sent,omitempty"`
	Skipped  int `json:"skip,omitempty"`
	Blocked  int `json:"blocked,omitempty"`
	Failed   int `json:"failed,omitempty"`
	Canceled int `json:"cancel,omitempty"`
	Expired  int `json:"expired,omitempty"`
}

// Done is the number of finished jobs.
func (t Tally) Done() int { return t.Sent + t.Skipped + t.Blocked + t.Failed + t.Canceled + t.Expired }

func (t *Tally) add(outcome string) {
	switch outcome {
	case OutcomeSent:
		t.Sent++
	case OutcomeSkipped:
		t.Skipped++
	case OutcomeBlocked:
		t.Blocked++
	case OutcomeFailed:
		t.Failed++
	case OutcomeCanceled:
		t.Canceled++
	case OutcomeExpired:
		t.Expired++
	case outcomeRetried: // a dead letter went back into the outbox: it is no longer a failure
		t.Failed = max(0, t.Failed-1)
	}
}

func tally(tx *bolt.Tx, group, outcome string) error {
	if group == "" {
		return nil
	}
	b := tx.Bucket(bucketTallies)
	var t Tally
	if v := b.Get([]byte(group)); v != nil {
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decode tally %s: %w", group, err)
		}
	}
	t.add(outcome)
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return b.Put([]byte(group), v)
}

// Tally reads the outcomes counted for group so far.
func (db *DB) Tally(group string) (Tally, error) {
	var t Tally
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketTallies).Get([]byte(group)); v != nil {
			return json.Unmarshal(v, &t)
		}
		return nil
	})
	return t, err
}

// OnCommit runs fn after the transaction commits (never if it rolls back): the bot wakes the sender
// only once the jobs it enqueued are visible.
func (tx *Tx) OnCommit(fn func()) { tx.tx.OnCommit(fn) }

// JobsAfter lists up to limit jobs of a lane with ids above after, in id order, whatever their
// NotBefore: the sender pages through a lane with it.
func (db *DB) JobsAfter(lane string, after uint64, limit int) ([]Job, error) {
	var jobs []Job
	err := db.bolt.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(lane), 0)
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Seek(jobKey(lane, after+1)); k != nil && hasPrefix(k, prefix) && len(jobs) < limit; k, v = c.Next() {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("decode job %x: %w", k, err)
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	return jobs, err
}

// GetJob loads one pending job; ErrNotFound once it was delivered, dropped or dead-lettered.
func (db *DB) GetJob(lane string, id uint64) (Job, error) {
	var j Job
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOutbox).Get(jobKey(lane, id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &j)
	})
	return j, err
}

// MarkSendingJobs records, in one transaction, that sends of jobs are starting. It returns the jobs that
// still exist (others were dropped meanwhile, e.g. the user deleted their data).
func (db *DB) MarkSendingJobs(jobs []*Job) ([]*Job, error) { return db.CommitJobs(nil, jobs) }

// CommitJobs is the sender's group commit: in one transaction it removes the finished jobs (tallying
// their outcomes) and marks the next jobs as sending. It returns the jobs of sending that still exist.
func (db *DB) CommitJobs(done []Finished, sending []*Job) ([]*Job, error) {
	var kept []*Job
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := finishJobs(tx, done); err != nil {
			return err
		}
		kept = kept[:0]
		b := tx.Bucket(bucketOutbox)
		for _, j := range sending {
			key := jobKey(j.Lane, j.ID)
			if b.Get(key) == nil {
				continue
			}
			cp := *j
			cp.Sending = true
			v, err := json.Marshal(&cp)
			if err != nil {
				return err
			}
			if err := b.Put(key, v); err != nil {
				return err
			}
			kept = append(kept, j)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, j := range kept {
		j.Sending = true
	}
	return kept, nil
}

// ReleaseJobs clears the sending mark of jobs that were not sent after all (a 429, a shutdown while
// waiting for the rate limiter), without counting an attempt.
func (db *DB) ReleaseJobs(jobs []*Job) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		for _, j := range jobs {
			key := jobKey(j.Lane, j.ID)
			if b.Get(key) == nil {
				continue
			}
			cp := *j
			cp.Sending = false
			v, err := json.Marshal(&cp)
			if err != nil {
				return err
			}
			if err := b.Put(key, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Finished is a job that left the outbox, and how.
type Finished struct {
	Job     *Job
	Outcome string // OutcomeSent, OutcomeSkipped, OutcomeBlocked, OutcomeCanceled
}

// FinishJobs removes finished jobs and tallies their outcomes, in one transaction (the sender's group
// commit: one fsync for many deliveries).
func (db *DB) FinishJobs(done []Finished) error {
	return db.bolt.Update(func(tx *bolt.Tx) error { return finishJobs(tx, done) })
}

func finishJobs(tx *bolt.Tx, done []Finished) error {
	for _, d := range done {
		if tx.Bucket(bucketOutbox).Get(jobKey(d.Job.Lane, d.Job.ID)) == nil {
			continue // dropped meanwhile; counted by whoever dropped it
		}
		if err := deleteJob(tx, d.Job); err != nil {
			return err
		}
		if err := tally(tx, d.Job.Group, d.Outcome); err != nil {
			return err
		}
	}
	return nil
}

// dailyDedupeRetention is how long "daily:…" keys are kept. The learner's local date is part of the
// key and a slot is only ever scheduled on its own local day (catch-up included), so a key only has to
// outlive that day: at most 24 hours after it was written, plus a margin for clock changes.
const dailyDedupeRetention = 26 * time.Hour

// PruneDedupeChunk forgets expired dedupe keys among up to limit keys after the key after (nil: from the
// start). It returns where to continue (nil when the end was reached) and how many it pruned. Pruning in
// chunks keeps each write transaction short however many keys there are.
func (db *DB) PruneDedupeChunk(after []byte, now time.Time, limit int) (next []byte, pruned int, err error) {
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutboxKeys)
		c := b.Cursor()
		var k, v []byte
		if after == nil {
			k, v = c.First()
		} else {
			k, v = c.Seek(after)
			if k != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		var old [][]byte
		seen := 0
		for ; k != nil && seen < limit; k, v = c.Next() {
			seen++
			next = append(next[:0], k...)
			retention := dedupeRetention
			if strings.HasPrefix(string(k), "daily:") {
				retention = dailyDedupeRetention
			}
			if len(v) == 8 && btoi(v) < now.Add(-retention).UnixNano() {
				old = append(old, append([]byte(nil), k...))
			}
		}
		if k == nil {
			next = nil
		} else {
			next = append([]byte(nil), next...)
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		pruned = len(old)
		return nil
	})
	return next, pruned, err
}

// CountDeadLetters is how many jobs wait in the dead-letter list.
func (db *DB) CountDeadLetters() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucketDeadLetters).Stats().KeyN; return nil })
	return n, err
}

// DeadLetterByID loads one dead letter.
func (db *DB) DeadLetterByID(id uint64) (Job, error) {
	var j Job
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDeadLetters).Get(binary.BigEndian.AppendUint64(nil, id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &j)
	})
	return j, err
}

// indexDelivery keeps the scheduler's indexes in step with a user record: the zones in use and the day
// of last activity. old is nil for a new user.
func (tx *Tx) indexDelivery(old, u *User) error {
	if u.TZ != "" {
		zones := tx.tx.Bucket(bucketZones)
		if zones.Get([]byte(u.TZ)) == nil {
			if err := zones.Put([]byte(u.TZ), nil); err != nil {
				return err
			}
		}
	}
	var oldKey, newKey []byte
	if old != nil && idleIndexed(old) {
		oldKey = idleKey(old.LastActive, old.ID)
	}
	if idleIndexed(u) {
		newKey = idleKey(u.LastActive, u.ID)
	}
	if bytes.Equal(oldKey, newKey) {
		return nil
	}
	b := tx.tx.Bucket(bucketIdle)
	if oldKey != nil {
		if err := b.Delete(oldKey); err != nil {
			return err
		}
	}
	if newKey == nil {
		return nil
	}
	return b.Put(newKey, nil)
}

// idleIndexed says whose last activity is indexed: onboarded learners without a daily time, the only
// ones the nudge sweep looks for (the others are nudged at their daily slot).
func idleIndexed(u *User) bool { return u.Onboarded && u.DailyMinute == NoDailyTime }

func idleKey(lastActive time.Time, id int64) []byte {
	return append([]byte(lastActive.UTC().Format("2006-01-02")), itob(id)...)
}

func (tx *Tx) unindexDelivery(u *User) error {
	if !idleIndexed(u) {
		return nil
	}
	return tx.tx.Bucket(bucketIdle).Delete(idleKey(u.LastActive, u.ID))
}

// Zones lists the time zones learners chose (the default zone is not stored: users with TZ "" use it).
func (tx *Tx) Zones() []string {
	var out []string
	_ = tx.tx.Bucket(bucketZones).ForEach(func(k, _ []byte) error { out = append(out, string(k)); return nil })
	return out
}

// LastActiveBetween calls fn with the ids of onboarded learners without a daily time whose last
// activity fell on a UTC day from first to last (yyyy-mm-dd, inclusive): the candidates for a nudge,
// without walking every user.
func (tx *Tx) LastActiveBetween(first, last string, fn func(id int64) error) error {
	c := tx.tx.Bucket(bucketIdle).Cursor()
	for k, _ := c.Seek([]byte(first)); k != nil && len(k) == 18 && string(k[:10]) <= last; k, _ = c.Next() {
		if err := fn(btoi(k[10:])); err != nil {
			return err
		}
	}
	return nil
}

// Nudge is what a learner who went quiet was sent.
type Nudge struct {
	Count int       `json:"n"`
	Last  time.Time `json:"t"`
}

// Nudge reads the user's nudge state (zero if never nudged).
func (tx *Tx) Nudge(userID int64) Nudge {
	var n Nudge
	if v := tx.tx.Bucket(bucketNudges).Get(itob(userID)); v != nil {
		_ = json.Unmarshal(v, &n) // a damaged record reads as "never nudged"
	}
	return n
}

// PutNudge saves the user's nudge state.
func (tx *Tx) PutNudge(userID int64, n Nudge) error {
	v, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketNudges).Put(itob(userID), v)
}

// SchedulerTime reads a time the scheduler keeps under name (zero if never set).
func (tx *Tx) SchedulerTime(name string) time.Time {
	v := tx.tx.Bucket(bucketSchedKV).Get([]byte(name))
	if len(v) != 8 {
		return time.Time{}
	}
	return time.Unix(0, btoi(v))
}

// PutSchedulerTime stores a time of the scheduler's under name.
func (tx *Tx) PutSchedulerTime(name string, t time.Time) error {
	return tx.tx.Bucket(bucketSchedKV).Put([]byte(name), encodeTime(t))
}

// UsersFrom calls fn for up to limit users with ids above after, in id order; more reports whether users
// remain. Fan-outs walk every user in short read transactions with it.
func (tx *Tx) UsersFrom(after int64, limit int, fn func(*User) error) (last int64, more bool, err error) {
	c := tx.tx.Bucket(bucketUsers).Cursor()
	n := 0
	last = after
	for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
		if n == limit {
			return last, true, nil
		}
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return last, false, fmt.Errorf("decode user %d: %w", btoi(k), err)
		}
		if err := fn(&u); err != nil {
			return last, false, err
		}
		last = u.ID
		n++
	}
	return last, false, nil
}

// migrateDeliveryIndexes builds the zone set and the last-activity index for users stored before them.
func migrateDeliveryIndexes(btx *bolt.Tx) error {
	tx := &Tx{tx: btx}
	return btx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		return tx.indexDelivery(nil, &u)
	})
}
