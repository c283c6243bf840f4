package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucketBroadcasts = bucket("broadcasts") // id (8) → Broadcast

// Broadcast statuses.
const (
	BroadcastDraft    = "draft"    // composed; the admin is choosing the audience
	BroadcastReady    = "ready"    // audience chosen; the preview waits for confirmation
	BroadcastSending  = "sending"  // confirmed; jobs are being enqueued (Cursor says how far)
	BroadcastQueued   = "queued"   // every job enqueued; the sender is delivering them
	BroadcastDone     = "done"     // every job finished
	BroadcastCanceled = "canceled" // stopped by an admin: jobs not sent yet are skipped
)

// Broadcast is an admin's message copied to an audience through the outbox.
type Broadcast struct {
	ID        uint64    `json:"id"`
	Admin     int64     `json:"admin"`         // who composed it; the preview and progress go to their chat
	FromChat  int64     `json:"from"`          // the message copied as-is (copyMessage)
	MessageID int       `json:"msg"`           //
	Audience  string    `json:"aud,omitempty"` // "all", "track:<id>", "course:<id>", "inactive", or "<source>:<arg>"
	Status    string    `json:"status"`
	Planned   int       `json:"planned,omitempty"`  // audience size when it was confirmed
	Enqueued  int       `json:"enq,omitempty"`      // jobs enqueued so far
	Cursor    int64     `json:"cursor,omitempty"`   // fan-out: every user id up to this one is done
	Progress  int       `json:"progress,omitempty"` // the admin's message that shows the progress
	Shown     uint64    `json:"shown,omitempty"`    // hash of what the progress message shows (no edit that changes nothing)
	Created   time.Time `json:"created"`
	Confirmed time.Time `json:"confirmed,omitzero"`
	Finished  time.Time `json:"finished,omitzero"`
}

// Open reports whether the broadcast is confirmed and not finished.
func (b *Broadcast) Open() bool { return b.Status == BroadcastSending || b.Status == BroadcastQueued }

// NewBroadcast stores b with a fresh id.
func (tx *Tx) NewBroadcast(b *Broadcast) error {
	bk := tx.tx.Bucket(bucketBroadcasts)
	id, err := bk.NextSequence()
	if err != nil {
		return err
	}
	b.ID, b.Created = id, tx.now
	return tx.PutBroadcast(b)
}

// Broadcast loads a broadcast; ErrNotFound if there is none with that id.
func (tx *Tx) Broadcast(id uint64) (*Broadcast, error) {
	v := tx.tx.Bucket(bucketBroadcasts).Get(binary.BigEndian.AppendUint64(nil, id))
	if v == nil {
		return nil, ErrNotFound
	}
	var b Broadcast
	if err := json.Unmarshal(v, &b); err != nil {
		return nil, fmt.Errorf("decode broadcast %d: %w", id, err)
	}
	return &b, nil
}

// PutBroadcast saves a broadcast.
func (tx *Tx) PutBroadcast(b *Broadcast) error {
	v, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketBroadcasts).Put(binary.BigEndian.AppendUint64(nil, b.ID), v)
}

// OpenBroadcasts lists the confirmed broadcasts that are not finished (to resume after a restart).
func (db *DB) OpenBroadcasts() ([]Broadcast, error) {
	var out []Broadcast
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBroadcasts).ForEach(func(_, v []byte) error {
			var b Broadcast
			if err := json.Unmarshal(v, &b); err != nil {
				return err
			}
			if b.Open() {
				out = append(out, b)
			}
			return nil
		})
	})
	return out, err
}
