package store

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A day's backlog larger than one chunk is pruned in one call (issue 18: pruning at most 5,000 an hour let
// the handled ids grow by 80,000 a day at 200,000 updates a day).
func TestPruneClearsBacklogsLargerThanAChunk(t *testing.T) {
	now := testNow
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{Now: func() time.Time { return now }, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const old = 3*pruneLimit + 17
	err = db.Update(func(tx *Tx) error {
		for i := 0; i < old; i++ {
			if err := tx.tx.Bucket(bucketHandled).Put(itob(int64(i+1)), encodeTime(tx.now)); err != nil {
				return err
			}
			if err := tx.PutPoll("p"+strconv.Itoa(i), &PollRecord{UserID: 1}); err != nil {
				return err
			}
			if err := tx.TouchDay(int64(i+1), tx.now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(90 * 24 * time.Hour)
	db.Apply(old+1, nil) // a recent id stays
	for name, prune := range map[string]func() (int, error){
		"PruneHandled": db.PruneHandled, "PrunePolls": db.PrunePolls, "PruneDayUsers": db.PruneDayUsers,
	} {
		if n, err := prune(); n != old || err != nil {
			t.Errorf("%s() = %d, %v; want %d, nil", name, n, err, old)
		}
	}
	db.bolt.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketPolls, bucketPollTimes, bucketDayUsers} {
			if n := tx.Bucket(b).Stats().KeyN; n != 0 {
				t.Errorf("bucket %s keeps %d keys after pruning; want 0", b, n)
			}
		}
		return nil
	})
	if n, _ := db.HandledCount(); n != 1 {
		t.Errorf("HandledCount() = %d after pruning; want the 1 recent id", n)
	}
}

// /deleteme erases the learner's quiz poll records (found by the soak test: they named the learner until
// they expired 14 days later).
func TestDeleteUserErasesPollRecords(t *testing.T) {
	db := mustOpen(t)
	db.Update(func(tx *Tx) error {
		tx.PutPoll("mine", &PollRecord{UserID: 4})
		return tx.PutPoll("theirs", &PollRecord{UserID: 5})
	})
	if err := db.Update(func(tx *Tx) error { return tx.DeleteUser(4) }); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		if _, err := tx.Poll("mine"); err != ErrNotFound {
			t.Errorf("a deleted learner's poll record = %v; want it gone", err)
		}
		if _, err := tx.Poll("theirs"); err != nil {
			t.Errorf("another learner's poll record: %v", err)
		}
		return nil
	})
	if _, err := db.PrunePolls(); err != nil {
		t.Fatal(err)
	}
}
