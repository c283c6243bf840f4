package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Webhook mode shares the update inbox of updates.go: an update Telegram POSTs is saved there before
// the 200, and leaves it once its answers went out (Done), exactly as a polled one.

// SaveWebhookUpdate stores one update received by webhook in the inbox. An update already handled or
// already waiting (Telegram resent it because our answer was lost) is not stored again: stored is false.
// Concurrent webhook requests share one commit (Batch; the function is idempotent).
func (db *DB) SaveWebhookUpdate(updateID int, raw []byte) (stored bool, err error) {
	err = db.bolt.Batch(func(tx *bolt.Tx) error {
		key := itob(int64(updateID))
		inbox := tx.Bucket(bucketInbox)
		if tx.Bucket(bucketHandled).Get(key) != nil || inbox.Get(key) != nil {
			stored = false
			return nil
		}
		stored = true
		return inbox.Put(key, inboxValue(db.now(), raw))
	})
	if err != nil {
		return false, fmt.Errorf("save webhook update %d: %w", updateID, err)
	}
	return stored, nil
}

// InboxLen is the number of updates saved and not yet handled (a metric).
func (db *DB) InboxLen() (int, error) {
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketInbox).Stats().KeyN
		return nil
	})
	return n, err
}
