package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The update pipeline is durable: a fetched batch is written to the inbox together with the next
// offset before Telegram is told (by the next getUpdates) that it arrived. An update's state change
// commits together with its "handled" mark (Apply); the update stays in the inbox until its replies went
// out (Done, committed in groups). A crash at any instant therefore loses nothing — unconfirmed updates
// are redelivered, saved ones are replayed, and a replayed update that was already applied answers again
// without applying twice (Rehearse) — and applies nothing twice (a handled id is never applied again,
// even if Telegram or a webhook resends it).

const keyOffset = "updates_offset"

// handledRetention is how long handled ids are remembered: Telegram keeps unconfirmed updates for 24
// hours, and a webhook may be retried within that time.
const handledRetention = 48 * time.Hour

// SaveUpdates stores a batch of raw updates (by update id) in the inbox and, if offset > 0, the offset
// to ask for next, in one transaction. Updates already handled are skipped. It returns the ids stored.
func (db *DB) SaveUpdates(updates map[int]json.RawMessage, offset int) ([]int, error) {
	var saved []int
	err := db.commit(func(tx *bolt.Tx) error {
		saved = saved[:0]
		inbox, handled := tx.Bucket(bucketInbox), tx.Bucket(bucketHandled)
		now := db.now()
		for id, raw := range updates {
			key := itob(int64(id))
			if handled.Get(key) != nil || inbox.Get(key) != nil {
				continue
			}
			if err := inbox.Put(key, inboxValue(now, raw)); err != nil {
				return err
			}
			saved = append(saved, id)
		}
		if offset > 0 {
			return tx.Bucket(bucketMeta).Put([]byte(keyOffset), itob(int64(offset)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save updates: %w", err)
	}
	return saved, nil
}

// inboxMark starts an inbox value that carries when the update arrived; older values are the raw JSON.
const inboxMark = 0x01

func inboxValue(received time.Time, raw []byte) []byte {
	v := make([]byte, 0, 9+len(raw))
	v = append(v, inboxMark)
	v = append(v, itob(received.UnixNano())...)
	return append(v, raw...)
}

// InboxUpdate is an update saved in the inbox and not yet done.
type InboxUpdate struct {
	ID       int
	Raw      json.RawMessage
	Received time.Time // zero for updates saved by an older release
}

// Inbox lists the saved updates not yet done, oldest first (replayed at start).
func (db *DB) Inbox() ([]InboxUpdate, error) {
	var out []InboxUpdate
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInbox).ForEach(func(k, v []byte) error {
			u := InboxUpdate{ID: int(btoi(k))}
			if len(v) > 9 && v[0] == inboxMark {
				u.Received = time.Unix(0, int64(btoi(v[1:9])))
				v = v[9:]
			}
			u.Raw = append(json.RawMessage(nil), v...)
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// Apply runs fn and records updateID as handled in the same transaction, so a state change and the
// fact that it happened commit together; the update stays in the inbox until Done. If updateID was
// handled before, fn does not run and applied is false. fn may run more than once (group commit), so it must
// only change state through tx. fn may be nil: the update is just marked handled.
func (db *DB) Apply(updateID int, fn func(*Tx) error) (applied bool, err error) {
	err = db.commit(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx, now: db.now()}
		key := itob(int64(updateID))
		if btx.Bucket(bucketHandled).Get(key) != nil {
			applied = false
			return nil
		}
		if fn != nil {
			if err := fn(tx); err != nil {
				return err
			}
		}
		applied = true
		return btx.Bucket(bucketHandled).Put(key, encodeTime(tx.now))
	})
	if err != nil {
		return false, fmt.Errorf("apply update %d: %w", updateID, err)
	}
	return applied, nil
}

// errRehearsal rolls a rehearsal back.
var errRehearsal = errors.New("rehearsal")

// Rehearse runs fn in a write transaction and rolls it back: a replayed update whose change was applied
// before a crash runs its handler again, to answer, without changing anything twice. It returns fn's error.
func (db *DB) Rehearse(fn func(*Tx) error) error {
	var fnErr error
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		fnErr = fn(&Tx{tx: btx, now: db.now()})
		return errRehearsal
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil && !errors.Is(err, errRehearsal) {
		return err
	}
	return nil
}

// Done takes updates whose answers went out from the inbox, marking them handled (if their handler
// changed nothing) in the same transaction. The bot commits them in groups, off the reply's path.
func (db *DB) Done(updateIDs []int) error {
	if len(updateIDs) == 0 {
		return nil
	}
	err := db.commit(func(btx *bolt.Tx) error {
		inbox, handled := btx.Bucket(bucketInbox), btx.Bucket(bucketHandled)
		now := encodeTime(db.now())
		for _, id := range updateIDs {
			key := itob(int64(id))
			if err := inbox.Delete(key); err != nil {
				return err
			}
			if handled.Get(key) == nil {
				if err := handled.Put(key, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("updates done: %w", err)
	}
	return nil
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

// pruneLimit bounds the work of one prune transaction, so a backlog never holds the write lock for long:
// a prune runs chunk after chunk, each its own short transaction, until nothing old is left.
const pruneLimit = 5000

// pruneInChunks runs chunk (one write transaction deleting at most pruneLimit keys) until a chunk deletes
// fewer than pruneLimit, and returns the total. Other writers get the lock between chunks.
func (db *DB) pruneInChunks(chunk func(*Tx) (int, error)) (int, error) {
	total := 0
	for {
		n := 0
		err := db.Update(func(tx *Tx) error {
			var err error
			n, err = chunk(tx)
			return err
		})
		total += n
		if err != nil || n < pruneLimit {
			return total, err
		}
	}
}

// PruneHandled forgets every handled id older than the retention; ids grow with time, so the oldest
// come first.
func (db *DB) PruneHandled() (int, error) {
	return db.pruneInChunks(func(tx *Tx) (int, error) {
		b := tx.tx.Bucket(bucketHandled)
		cutoff := tx.now.Add(-handledRetention).UnixNano()
		var old [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(old) < pruneLimit; k, v = c.Next() {
			if len(v) == 8 && btoi(v) >= cutoff {
				break
			}
			old = append(old, append([]byte(nil), k...))
		}
		// Deleting while a cursor walks can skip keys, so delete after the walk.
		return len(old), deleteKeys(b, old)
	})
}

func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
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
