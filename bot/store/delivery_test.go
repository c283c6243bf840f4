package store

import (
	"fmt"
	"testing"
	"time"
)

func TestIdleIndexFollowsLearnersWithoutADailyTime(t *testing.T) {
	db := mustOpen(t)
	put := func(u *User) {
		t.Helper()
		if err := db.Update(func(tx *Tx) error { return tx.PutUser(u) }); err != nil {
			t.Fatal(err)
		}
	}
	candidates := func() []int64 {
		var ids []int64
		db.View(func(tx *Tx) error {
			return tx.LastActiveBetween("2026-11-01", "2026-11-30", func(id int64) error { ids = append(ids, id); return nil })
		})
		return ids
	}
	active := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	put(&User{ID: 1, Onboarded: true, DailyMinute: NoDailyTime, LastActive: active})
	put(&User{ID: 2, Onboarded: true, DailyMinute: 480, LastActive: active})          // nudged at the slot
	put(&User{ID: 3, Onboarded: false, DailyMinute: NoDailyTime, LastActive: active}) // never finished onboarding
	if got := fmt.Sprint(candidates()); got != "[1]" {
		t.Fatalf("candidates = %s; want [1]", got)
	}
	// Active again later: the old day is gone from the index.
	put(&User{ID: 1, Onboarded: true, DailyMinute: NoDailyTime, LastActive: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)})
	if got := candidates(); len(got) != 0 {
		t.Errorf("candidates after activity in December = %v; want none in November", got)
	}
	// Choosing a daily time takes them out; deleting the user removes the entry.
	put(&User{ID: 4, Onboarded: true, DailyMinute: NoDailyTime, LastActive: active})
	put(&User{ID: 4, Onboarded: true, DailyMinute: 600, LastActive: active})
	put(&User{ID: 5, Onboarded: true, DailyMinute: NoDailyTime, LastActive: active})
	db.Update(func(tx *Tx) error { return tx.DeleteUser(5) })
	if got := candidates(); len(got) != 0 {
		t.Errorf("candidates = %v; want none", got)
	}
}

func TestZonesInUse(t *testing.T) {
	db := mustOpen(t)
	db.Update(func(tx *Tx) error {
		tx.PutUser(&User{ID: 1, TZ: "Europe/Berlin"})
		tx.PutUser(&User{ID: 2, TZ: "Europe/Berlin"})
		tx.PutUser(&User{ID: 3})
		return tx.PutUser(&User{ID: 4, TZ: "Asia/Kabul"})
	})
	var zones []string
	db.View(func(tx *Tx) error { zones = tx.Zones(); return nil })
	if got := fmt.Sprint(zones); got != "[Asia/Kabul Europe/Berlin]" {
		t.Errorf("Zones() = %s", got)
	}
}

func TestCommitJobsFinishesTalliesAndMarks(t *testing.T) {
	db := mustOpen(t)
	var jobs []*Job
	db.Update(func(tx *Tx) error {
		for i := range 3 {
			j := &Job{Lane: LaneBulk, ChatID: int64(10 + i), Group: "bc:7", Payload: []byte(`{}`)}
			if _, err := tx.Enqueue(j); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	kept, err := db.CommitJobs(nil, jobs[:2])
	if err != nil || len(kept) != 2 {
		t.Fatalf("CommitJobs mark = %v, %v", kept, err)
	}
	pending, _ := db.JobsAfter(LaneBulk, 0, 10)
	if !pending[0].Sending || !pending[1].Sending || pending[2].Sending {
		t.Errorf("sending marks = %v %v %v; want the first two", pending[0].Sending, pending[1].Sending, pending[2].Sending)
	}
	if _, err := db.CommitJobs([]Finished{{jobs[0], OutcomeSent}, {jobs[1], OutcomeBlocked}}, []*Job{jobs[2]}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeadLetter(jobs[2], "500"); err != nil {
		t.Fatal(err)
	}
	tally, _ := db.Tally("bc:7")
	if tally != (Tally{Sent: 1, Blocked: 1, Failed: 1}) || tally.Done() != 3 {
		t.Errorf("tally = %+v", tally)
	}
	if err := db.RetryDeadLetter(jobs[2].ID); err != nil {
		t.Fatal(err)
	}
	if tally, _ := db.Tally("bc:7"); tally.Failed != 0 {
		t.Errorf("a retried dead letter still counts as failed: %+v", tally)
	}
	if n, _ := db.CountJobs(LaneBulk); n != 1 {
		t.Errorf("%d jobs pending; want the retried one", n)
	}
	// A job removed meanwhile is not marked, and not returned.
	db.DropChatJobs(12, LaneBulk)
	if kept, _ := db.CommitJobs(nil, []*Job{jobs[2]}); len(kept) != 0 {
		t.Errorf("a dropped job was marked")
	}
}

func TestPruneDedupeChunks(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	clock := now
	db, err := Open(t.TempDir()+"/p.db", Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	enqueue := func(key string) {
		db.Update(func(tx *Tx) error {
			_, err := tx.Enqueue(&Job{Lane: LaneNotice, ChatID: 1, Dedupe: key, Payload: []byte(`{}`)})
			return err
		})
	}
	for i := range 25 {
		enqueue(fmt.Sprintf("daily:%d:2026-11-27", i))
		enqueue(fmt.Sprintf("remind24:ev:%d", i))
	}
	// 27 hours later: the daily keys (26 h) are expired, the others (8 days) are not.
	later := now.Add(27 * time.Hour)
	var next []byte
	total := 0
	for passes := 0; passes == 0 || next != nil; passes++ {
		var n int
		next, n, err = db.PruneDedupeChunk(next, later, 7)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if passes > 20 {
			t.Fatal("pruning never reached the end")
		}
	}
	if total != 25 {
		t.Errorf("pruned %d keys; want the 25 daily ones", total)
	}
	clock = later
	enqueue("daily:3:2026-11-27") // forgotten: accepted again
	enqueue("remind24:ev:3")      // remembered: refused
	if n, _ := db.CountJobs(LaneNotice); n != 51 {
		t.Errorf("%d jobs; want 51 (only the pruned key enqueued again)", n)
	}
}
