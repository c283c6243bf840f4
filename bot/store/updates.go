package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

const keyOffset = "updates_offset"

// Apply runs fn and records updateID as handled in the same transaction, so a state change and the fact
// that it happened commit together. If updateID was handled before (the update was redelivered after a
// crash), fn does not run and applied is false. fn may run more than once (Batch), so it must only
// change state through tx.
func (db *DB) Apply(updateID int, fn func(*Tx) error) (applied bool, err error) {
	err = db.bolt.Batch(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx, now: db.now()}
		handled := btx.Bucket(bucketHandled)
		key := itob(int64(updateID))
		if handled.Get(key) != nil {
			applied = false
			return nil
		}
		if err := fn(tx); err != nil {
			return err
		}
		applied = true
		return handled.Put(key, encodeTime(tx.now))
	})
	if err != nil {
		return false, fmt.Errorf("apply update %d: %w", updateID, err)
	}
	return applied, nil
}

// Handled reports whether updateID's state change was already committed.
func (db *DB) Handled(updateID int) (bool, error) {
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketHandled).Get(itob(int64(updateID))) != nil
		return nil
	})
	return ok, err
}

// Offset is the next update id to ask Telegram for (0 before the first batch).
func (db *DB) Offset() (int, error) {
	var off int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta).Get([]byte(keyOffset)); b != nil {
			off = int(btoi(b))
		}
		return nil
	})
	return off, err
}

// pruneLimit bounds the work one SetOffset does, so a backlog of old ids is cleared over several calls.
const pruneLimit = 2000

// SetOffset persists the confirmed offset and forgets handled ids below it: Telegram never redelivers an
// update once getUpdates was called with a higher offset.
func (db *DB) SetOffset(offset int) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put([]byte(keyOffset), itob(int64(offset))); err != nil {
			return err
		}
		b := tx.Bucket(bucketHandled)
		limit := string(itob(int64(offset)))
		var old [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && string(k) < limit && len(old) < pruneLimit; k, _ = c.Next() {
			old = append(old, append([]byte(nil), k...))
		}
		// Deleting while a cursor walks can skip keys, so delete after the walk.
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// HandledCount is how many update ids are remembered (for tests and metrics).
func (db *DB) HandledCount() (int, error) {
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketHandled).Stats().KeyN
		return nil
	})
	return n, err
}
