package store

import (
	"bytes"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestFloodCountersOutliveDeletionAndTheirDay(t *testing.T) {
	db := mustOpen(t)
	add := func(kind, day string, id int64) int {
		t.Helper()
		var n int
		if err := db.Update(func(tx *Tx) error { var err error; n, err = tx.AddFlood(kind, day, id); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	count := func(kind, day string, id int64) (n int) {
		db.View(func(tx *Tx) error { n = tx.FloodCount(kind, day, id); return nil })
		return n
	}
	add("consult", "2026-12-07", 4)
	add("consult", "2026-12-07", 4)
	add("feedback", "2026-12-07", 4)
	if n := add("consult", "2026-12-07", 4); n != 3 {
		t.Errorf("AddFlood third time = %d; want 3", n)
	}
	if n := count("consult", "2026-12-07", 5); n != 0 {
		t.Errorf("another user's count = %d; want 0", n)
	}
	if err := db.Update(func(tx *Tx) error { return tx.DeleteUser(4) }); err != nil {
		t.Fatal(err)
	}
	if n := count("consult", "2026-12-07", 4); n != 3 {
		t.Errorf("consult count after DeleteUser = %d; want 3 (deletion must not reset the limit)", n)
	}
	if n := count("feedback", "2026-12-07", 4); n != 1 {
		t.Errorf("feedback count after DeleteUser = %d; want 1", n)
	}
	// The keys name no user: neither the id nor its bytes appear.
	db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFlood).ForEach(func(k, _ []byte) error {
			if bytes.Contains(k, itob(4)) {
				t.Errorf("flood key %x contains the user id", k)
			}
			return nil
		})
	})
	// The next day starts from zero and discards the previous day's key and counters.
	if n := add("consult", "2026-12-08", 4); n != 1 {
		t.Errorf("first request of the next day = %d; want 1", n)
	}
	db.bolt.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bucketFloodKeys).Stats().KeyN; n != 1 {
			t.Errorf("%d day keys kept; want only today's", n)
		}
		if n := tx.Bucket(bucketFlood).Stats().KeyN; n != 1 {
			t.Errorf("%d counters kept; want only today's one", n)
		}
		return nil
	})
}
