package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Lanes of the outbox. Bulk traffic (daily lessons, nudges, broadcasts) obeys the global rate and quiet
// hours; notices (reminders, seat offers, consultation notices) are time-sensitive and go first.
const (
	LaneNotice = "notice"
	LaneBulk   = "bulk"
)

// Job is one message waiting in the durable outbox. It is written in the same transaction as the state
// change that caused it, so a crash can neither lose it nor send it without the change.
type Job struct {
	ID        uint64          `json:"id"`
	Lane      string          `json:"lane"`
	ChatID    int64           `json:"chat"`
	Dedupe    string          `json:"key,omitempty"` // unique; enqueueing an existing key does nothing
	NotBefore time.Time       `json:"nb,omitzero"`
	Payload   json.RawMessage `json:"p"` // what to send, in the bot's own format
	Created   time.Time       `json:"t"`
	Attempts  int             `json:"n,omitempty"`
	LastError string          `json:"err,omitempty"`
	Sending   bool            `json:"s,omitempty"`   // a send began: after a crash this job may be a repeat
	Group     string          `json:"g,omitempty"`   // outcomes are tallied under this name (e.g. "bc:12", a broadcast)
	Dead      time.Time       `json:"dead,omitzero"` // when it was dead-lettered
}

// dedupeRetention is how long a delivered job's dedupe key is remembered.
const dedupeRetention = 8 * 24 * time.Hour

// Enqueue adds j to the outbox unless a job with the same dedupe key was enqueued in the last days.
// It fills j.ID and j.Created.
func (tx *Tx) Enqueue(j *Job) (bool, error) {
	if j.Lane != LaneNotice && j.Lane != LaneBulk {
		return false, fmt.Errorf("enqueue: unknown lane %q", j.Lane)
	}
	if j.Dedupe != "" {
		if v := tx.tx.Bucket(bucketOutboxKeys).Get([]byte(j.Dedupe)); v != nil {
			return false, nil
		}
	}
	b := tx.tx.Bucket(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return false, err
	}
	j.ID = seq
	j.Created = tx.now
	v, err := json.Marshal(j)
	if err != nil {
		return false, err
	}
	if err := b.Put(jobKey(j.Lane, seq), v); err != nil {
		return false, err
	}
	if err := tx.tx.Bucket(bucketOutboxChats).Put(chatJobKey(j.ChatID, j.Lane, seq), nil); err != nil {
		return false, err
	}
	if j.Dedupe != "" {
		if err := tx.tx.Bucket(bucketOutboxKeys).Put([]byte(j.Dedupe), encodeTime(tx.now)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// jobKey orders jobs by lane, then by id (FIFO within a lane).
func jobKey(lane string, id uint64) []byte {
	k := make([]byte, 0, len(lane)+9)
	k = append(k, lane...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, id)
}

func chatJobKey(chatID int64, lane string, id uint64) []byte {
	return append(itob(chatID), jobKey(lane, id)...)
}

// PendingJobs lists up to limit jobs of a lane that may be sent at now, oldest first.
func (db *DB) PendingJobs(lane string, now time.Time, limit int) ([]Job, error) {
	var jobs []Job
	err := db.bolt.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(lane), 0)
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix) && len(jobs) < limit; k, v = c.Next() {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("decode job %x: %w", k, err)
			}
			if j.NotBefore.After(now) {
				continue
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	return jobs, err
}

// CountJobs is the number of jobs waiting in a lane (the outbox depth).
func (db *DB) CountJobs(lane string) (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(lane), 0)
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// MarkSending records that a send of the job is starting; after a crash, a job with Sending set may have
// reached the user already and its retry counts as a possible repeat.
func (db *DB) MarkSending(j *Job) error {
	j.Sending = true
	return db.putJob(j)
}

// RetryJob puts a failed job back with its next attempt time.
func (db *DB) RetryJob(j *Job, at time.Time, reason string) error {
	j.Attempts++
	j.NotBefore = at
	j.LastError = reason
	j.Sending = false
	return db.putJob(j)
}

func (db *DB) putJob(j *Job) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		key := jobKey(j.Lane, j.ID)
		if tx.Bucket(bucketOutbox).Get(key) == nil {
			return ErrNotFound // delivered or dropped meanwhile
		}
		v, err := json.Marshal(j)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketOutbox).Put(key, v)
	})
}

// CompleteJob removes a delivered job.
func (db *DB) CompleteJob(j *Job) error {
	return db.bolt.Update(func(tx *bolt.Tx) error { return deleteJob(tx, j) })
}

func deleteJob(tx *bolt.Tx, j *Job) error {
	if err := tx.Bucket(bucketOutbox).Delete(jobKey(j.Lane, j.ID)); err != nil {
		return err
	}
	return tx.Bucket(bucketOutboxChats).Delete(chatJobKey(j.ChatID, j.Lane, j.ID))
}

// DeadLetter moves a job that cannot be delivered aside, with the reason, for admins to see and retry.
// A job no longer in the outbox (its user deleted their data meanwhile) is not set aside: ErrNotFound.
func (db *DB) DeadLetter(j *Job, reason string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketOutbox).Get(jobKey(j.Lane, j.ID)) == nil {
			return ErrNotFound
		}
		j.LastError = reason
		j.Sending = false
		j.Dead = db.now()
		v, err := json.Marshal(j)
		if err != nil {
			return err
		}
		if err := deleteJob(tx, j); err != nil {
			return err
		}
		if err := tally(tx, j.Group, OutcomeFailed); err != nil {
			return err
		}
		if err := indexDeadLetter(tx, j); err != nil {
			return err
		}
		return tx.Bucket(bucketDeadLetters).Put(deadLetterKey(j.ID), v)
	})
}

// DeadLetters lists up to limit dead jobs, newest first.
func (db *DB) DeadLetters(limit int) ([]Job, error) {
	var jobs []Job
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDeadLetters).Cursor()
		for k, v := c.Last(); k != nil && len(jobs) < limit; k, v = c.Prev() {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	return jobs, err
}

// RetryDeadLetter puts a dead job back into its lane.
func (db *DB) RetryDeadLetter(id uint64) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		dead, err := loadDeadLetter(tx, deadLetterKey(id))
		if err != nil {
			return err
		}
		if err := removeDeadLetter(tx, dead); err != nil {
			return err
		}
		j := *dead
		j.Attempts, j.NotBefore, j.LastError, j.Dead = 0, time.Time{}, "", time.Time{}
		nv, err := json.Marshal(&j)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketOutbox).Put(jobKey(j.Lane, j.ID), nv); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOutboxChats).Put(chatJobKey(j.ChatID, j.Lane, j.ID), nil); err != nil {
			return err
		}
		return tally(tx, j.Group, outcomeRetried)
	})
}

// DropChatJobs removes a chat's pending jobs of a lane (the user blocked the bot); it returns how many.
func (db *DB) DropChatJobs(chatID int64, lane string) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		prefix := append(itob(chatID), append([]byte(lane), 0)...)
		c := tx.Bucket(bucketOutboxChats).Cursor()
		var keys [][]byte
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if err := tx.Bucket(bucketOutbox).Delete(k[8:]); err != nil {
				return err
			}
			if err := tx.Bucket(bucketOutboxChats).Delete(k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// PruneDedupeKeys forgets dedupe keys older than the retention; it returns how many.
func (db *DB) PruneDedupeKeys(now time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutboxKeys)
		var old [][]byte
		cutoff := now.Add(-dedupeRetention).UnixNano()
		if err := b.ForEach(func(k, v []byte) error {
			if len(v) == 8 && btoi(v) < cutoff {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}

// dropOutbox removes every pending job to chatID (the user deleted their data).
func (tx *Tx) dropOutbox(chatID int64) error {
	prefix := itob(chatID)
	c := tx.tx.Bucket(bucketOutboxChats).Cursor()
	var keys [][]byte
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := tx.tx.Bucket(bucketOutbox).Delete(k[8:]); err != nil {
			return err
		}
		if err := tx.tx.Bucket(bucketOutboxChats).Delete(k); err != nil {
			return err
		}
	}
	return nil
}
