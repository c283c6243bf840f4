package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// In webhook mode an update is written here before Telegram gets its 200, so a crash between the two
// loses nothing; the bot handles it from here and then deletes it. Entries live for milliseconds.
var bucketInbox = bucket("webhook_inbox") // update id (8) → the update's JSON

// InboxItem is an update received by webhook and not yet handled.
type InboxItem struct {
	UpdateID int
	Raw      []byte
}

// PutInbox durably records an update that arrived by webhook. An update already handled (Telegram
// redelivered it because our answer was lost) is not recorded again: stored is false.
func (db *DB) PutInbox(updateID int, raw []byte) (stored bool, err error) {
	// Batch: concurrent webhook requests share one fsync. The function is idempotent (a Put by id).
	err = db.bolt.Batch(func(tx *bolt.Tx) error {
		key := itob(int64(updateID))
		if tx.Bucket(bucketHandled).Get(key) != nil {
			stored = false
			return nil
		}
		stored = true
		return tx.Bucket(bucketInbox).Put(key, raw)
	})
	return stored, err
}

// Inbox lists up to limit waiting updates, oldest first.
func (db *DB) Inbox(limit int) ([]InboxItem, error) {
	var items []InboxItem
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketInbox).Cursor()
		for k, v := c.First(); k != nil && len(items) < limit; k, v = c.Next() {
			items = append(items, InboxItem{UpdateID: int(btoi(k)), Raw: append([]byte(nil), v...)})
		}
		return nil
	})
	return items, err
}

// DeleteInbox forgets handled updates.
func (db *DB) DeleteInbox(ids []int) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for _, id := range ids {
			if err := tx.Bucket(bucketInbox).Delete(itob(int64(id))); err != nil {
				return err
			}
		}
		return nil
	})
}

// InboxLen is the number of updates waiting.
func (db *DB) InboxLen() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketInbox).Stats().KeyN
		return nil
	})
	return n, err
}

// PruneHandled forgets handled update ids recorded before cutoff, at most limit of them. In polling mode
// SetOffset does this; a webhook has no offset, so ids are kept for a while (Telegram retries a webhook
// delivery for some hours) and then dropped. Ids grow with time, so the walk stops at the first recent one.
func (db *DB) PruneHandled(cutoff time.Time, limit int) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHandled)
		var old [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(old) < limit; k, v = c.Next() {
			if len(v) == 8 && btoi(v) >= cutoff.UnixNano() {
				break
			}
			old = append(old, append([]byte(nil), k...))
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
