package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func mustOpen(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(filepath.Join(tb.TempDir(), "t.db"), Options{Now: func() time.Time { return testNow }})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestOpenTwiceIsInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Open(path, Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v; want ErrInUse", err)
	}
	if got := err.Error(); !bytes.Contains([]byte(got), []byte("database is in use by another tavanbot process")) {
		t.Errorf("error text %q lacks the operator's explanation", got)
	}
}

func TestSchemaVersionStored(t *testing.T) {
	db := mustOpen(t)
	v, err := db.Version()
	if err != nil || v != SchemaVersion() {
		t.Fatalf("Version() = %d, %v; want %d", v, err, SchemaVersion())
	}
}

func TestApplyRunsOncePerUpdate(t *testing.T) {
	db := mustOpen(t)
	add := func(tx *Tx) error {
		u, err := tx.User(7)
		if errors.Is(err, ErrNotFound) {
			u = &User{ID: 7, DailyMinute: NoDailyTime}
		} else if err != nil {
			return err
		}
		u.FirstName += "x"
		return tx.PutUser(u)
	}
	for i, want := range []bool{true, false, false} {
		applied, err := db.Apply(42, add)
		if err != nil || applied != want {
			t.Fatalf("Apply #%d = %v, %v; want %v", i, applied, err, want)
		}
	}
	u, _ := db.GetUser(7)
	if u.FirstName != "x" {
		t.Errorf("state applied %d times; want once", len(u.FirstName))
	}
	if ok, _ := db.Handled(42); !ok {
		t.Error("Handled(42) = false after Apply")
	}
}

func TestApplyErrorRecordsNothing(t *testing.T) {
	db := mustOpen(t)
	boom := errors.New("boom")
	if _, err := db.Apply(5, func(tx *Tx) error { tx.PutUser(&User{ID: 1}); return boom }); !errors.Is(err, boom) {
		t.Fatalf("Apply = %v; want boom", err)
	}
	if ok, _ := db.Handled(5); ok {
		t.Error("a failed update was marked handled; its redelivery would be lost")
	}
	if _, err := db.GetUser(1); !errors.Is(err, ErrNotFound) {
		t.Error("a failed update's state change was committed")
	}
}

func TestInboxSaveReplayAndApply(t *testing.T) {
	db := mustOpen(t)
	saved, err := db.SaveUpdates(map[int]json.RawMessage{10: []byte(`{"update_id":10}`), 11: []byte(`{"update_id":11}`)}, 12)
	if err != nil || len(saved) != 2 {
		t.Fatalf("SaveUpdates = %v, %v", saved, err)
	}
	if off, _ := db.Offset(); off != 12 {
		t.Errorf("Offset() = %d; want 12", off)
	}
	db.Apply(10, nil)
	if inbox, _ := db.Inbox(); len(inbox) != 2 {
		t.Errorf("Inbox() after Apply = %v; an applied update stays until its answers went out", inbox)
	}
	db.Done([]int{10})
	inbox, _ := db.Inbox()
	if len(inbox) != 1 || inbox[0].ID != 11 || string(inbox[0].Raw) != `{"update_id":11}` {
		t.Errorf("Inbox() = %v; want only update 11 left", inbox)
	}
	// A redelivered, already handled update is not saved again.
	saved, _ = db.SaveUpdates(map[int]json.RawMessage{10: []byte(`{"update_id":10}`)}, 0)
	if len(saved) != 0 {
		t.Errorf("a handled update was saved again: %v", saved)
	}
}

func TestPruneHandledKeepsRecentIDs(t *testing.T) {
	now := testNow
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id := 1; id <= 5; id++ {
		db.Apply(id, nil)
	}
	now = now.Add(72 * time.Hour)
	for id := 6; id <= 8; id++ {
		db.Apply(id, nil)
	}
	if n, _ := db.PruneHandled(); n != 5 {
		t.Errorf("PruneHandled() = %d; want the 5 ids older than the retention", n)
	}
	if ok, _ := db.Handled(7); !ok {
		t.Error("a recent id was pruned")
	}
}

func TestDailyIndexFollowsUser(t *testing.T) {
	db := mustOpen(t)
	put := func(u *User) {
		t.Helper()
		if err := db.Update(func(tx *Tx) error { return tx.PutUser(u) }); err != nil {
			t.Fatal(err)
		}
	}
	due := func(m int) []int64 {
		var ids []int64
		db.View(func(tx *Tx) error { ids = tx.DueAt(m); return nil })
		return ids
	}
	u := &User{ID: 3, DailyMinute: 8 * 60, Onboarded: true}
	put(u)
	if got := due(480); len(got) != 1 || got[0] != 3 {
		t.Fatalf("DueAt(480) = %v; want [3]", got)
	}
	u.DailyMinute = 9 * 60
	put(u)
	if got := due(480); len(got) != 0 {
		t.Errorf("DueAt(480) after moving = %v; want none", got)
	}
	if got := due(540); len(got) != 1 {
		t.Errorf("DueAt(540) = %v; want [3]", got)
	}
	u.Blocked = true
	put(u)
	if got := due(540); len(got) != 0 {
		t.Errorf("blocked user still due: %v", got)
	}
}

func TestDeleteUserRemovesEverything(t *testing.T) {
	db := mustOpen(t)
	db.Update(func(tx *Tx) error {
		tx.PutUser(&User{ID: 9, FirstName: "مریم", DailyMinute: 60, Onboarded: true})
		return tx.tx.Bucket(bucketProgress).Put(append(itob(9), "lesson-1"...), []byte("{}"))
	})
	if err := db.Update(func(tx *Tx) error { return tx.DeleteUser(9) }); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		if _, err := tx.User(9); !errors.Is(err, ErrNotFound) {
			t.Error("user still stored")
		}
		if k, _ := tx.tx.Bucket(bucketProgress).Cursor().First(); k != nil {
			t.Errorf("progress left behind: %q", k)
		}
		if ids := tx.DueAt(60); len(ids) != 0 {
			t.Errorf("schedule left behind: %v", ids)
		}
		return nil
	})
}

func TestBackupRoundTrip(t *testing.T) {
	db := mustOpen(t)
	db.Update(func(tx *Tx) error { return tx.PutUser(&User{ID: 1, FirstName: "علی"}) })
	var buf bytes.Buffer
	if _, err := db.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "restored.db")
	if err := writeFile(path, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	restored, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	u, err := restored.GetUser(1)
	if err != nil || u.FirstName != "علی" {
		t.Errorf("restored user = %+v, %v", u, err)
	}
}

func BenchmarkApply(b *testing.B) {
	db := mustOpen(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Apply(i, func(tx *Tx) error { return tx.PutUser(&User{ID: int64(i % 100), DailyMinute: NoDailyTime}) })
	}
}

func TestPrunePolls(t *testing.T) {
	now := testNow
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *Tx) error { return tx.PutPoll("old", &PollRecord{UserID: 1}) })
	now = now.Add(20 * 24 * time.Hour)
	db.Update(func(tx *Tx) error { return tx.PutPoll("new", &PollRecord{UserID: 1}) })
	if n, _ := db.PrunePolls(); n != 1 {
		t.Errorf("PrunePolls() = %d; want 1", n)
	}
	db.View(func(tx *Tx) error {
		if _, err := tx.Poll("old"); err != ErrNotFound {
			t.Error("an old poll survived pruning")
		}
		if _, err := tx.Poll("new"); err != nil {
			t.Error("a recent poll was pruned")
		}
		return nil
	})
}

func TestBucketNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range append(append([][]byte{}, allBuckets...), registered...) {
		if seen[string(b)] {
			t.Errorf("bucket %q is declared twice: two features would share (and corrupt) it", b)
		}
		seen[string(b)] = true
	}
}

func TestRehearseChangesNothing(t *testing.T) {
	db := mustOpen(t)
	if err := db.Rehearse(func(tx *Tx) error { return tx.PutUser(&User{ID: 9, FirstName: "x"}) }); err != nil {
		t.Fatalf("Rehearse = %v", err)
	}
	if _, err := db.GetUser(9); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetUser after a rehearsal = %v; want nothing stored", err)
	}
	boom := errors.New("boom")
	if err := db.Rehearse(func(*Tx) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Rehearse = %v; want fn's error", err)
	}
}
