package store

import (
	"testing"
	"time"
)

// TestCarryOverSplitsRules: a completed old lesson completes its replacements (minutes recorded once, the
// learner's totals untouched), a replacement the learner already finished keeps its own record, an
// unfinished old lesson moves the pointer to its first replacement, and a second run changes nothing.
func TestCarryOverSplitsRules(t *testing.T) {
	db := mustOpen(t)
	done := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	own := done.Add(48 * time.Hour)
	err := db.Update(func(tx *Tx) error {
		for _, u := range []*User{
			{ID: 1, CurrentLesson: "c-02", MinutesLearned: 7, LessonsCompleted: 1},
			{ID: 2, CurrentLesson: "c-01", MinutesLearned: 4, LessonsCompleted: 1},
		} {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		puts := []struct {
			user   int64
			lesson string
			p      LessonProgress
		}{
			{1, "c-01", LessonProgress{Opened: done, Completed: done, Minutes: 4, Attempt: 1, Best: 3, Passed: true}},
			{1, "c-01b", LessonProgress{Opened: own, Completed: own, Minutes: 2, Attempt: 2, Best: 2, Passed: true}},
			{1, "c-02", LessonProgress{Opened: done, Attempt: 1, Answered: 1}},
			{2, "c-01", LessonProgress{Opened: done, Completed: done, Minutes: 4, Attempt: 1, Best: 2, Passed: true}},
			{3, "c-01", LessonProgress{Opened: done, Completed: done, Minutes: 4}}, // a learner who deleted their data
		}
		for _, p := range puts {
			if err := tx.PutProgress(p.user, p.lesson, p.p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	splits := map[string][]string{"c-01": {"c-01a", "c-01b", "c-01c"}, "c-02": {"c-02a", "c-02b"}}
	res, err := db.CarryOverSplits(splits)
	if err != nil {
		t.Fatal(err)
	}
	if res != (CarryResult{Lessons: 2, Learners: 3, Marked: 2 + 3 + 3}) {
		t.Errorf("CarryOverSplits = %+v; want 2 lessons, 3 learners, 8 records marked", res)
	}
	err = db.View(func(tx *Tx) error {
		got := func(user int64, lesson string) LessonProgress {
			p, err := tx.Progress(user, lesson)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		if p := got(1, "c-01a"); !p.Completed.Equal(done) || !p.Passed || p.Minutes != 4 || p.Attempt != 0 || p.Best != 0 {
			t.Errorf("first replacement = %+v; want completed at the old time, passed, the old 4 minutes, no attempt", p)
		}
		if p := got(1, "c-01c"); !p.Completed.Equal(done) || p.Minutes != 0 {
			t.Errorf("later replacement = %+v; want completed with no minutes (credited once)", p)
		}
		if p := got(1, "c-01b"); !p.Completed.Equal(own) || p.Best != 2 || p.Minutes != 2 {
			t.Errorf("a replacement finished before the carry = %+v; want the learner's own record", p)
		}
		if p := got(1, "c-02a"); !p.Completed.IsZero() || p.Attempt != 0 {
			t.Errorf("replacement of an unfinished lesson = %+v; want untouched", p)
		}
		if p := got(1, "c-01"); p.Minutes != 4 || !p.Completed.Equal(done) {
			t.Errorf("the old record = %+v; want it kept", p)
		}
		u1, _ := tx.User(1)
		u2, _ := tx.User(2)
		if u1.CurrentLesson != "c-02a" || u1.MinutesLearned != 7 || u1.LessonsCompleted != 1 {
			t.Errorf("user 1 = cur %q, %d min, %d lessons; want c-02a, 7, 1", u1.CurrentLesson, u1.MinutesLearned, u1.LessonsCompleted)
		}
		if u2.CurrentLesson != "c-01c" || u2.MinutesLearned != 4 {
			t.Errorf("user 2 = cur %q, %d min; want the last replacement c-01c (all done), 4", u2.CurrentLesson, u2.MinutesLearned)
		}
		if _, err := tx.User(3); err != ErrNotFound {
			t.Errorf("a deleted learner was recreated: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if at, _ := db.CarriedAt("c-01"); at.IsZero() {
		t.Error("CarriedAt(c-01) is zero after the carry")
	}
	// Learner 1 opens c-02a meanwhile; a second carry changes nothing.
	if err := db.Update(func(tx *Tx) error {
		p, _ := tx.Progress(1, "c-02a")
		p.Opened = own
		return tx.PutProgress(1, "c-02a", p)
	}); err != nil {
		t.Fatal(err)
	}
	if res, err := db.CarryOverSplits(splits); err != nil || res != (CarryResult{}) {
		t.Errorf("second CarryOverSplits = %+v, %v; want nothing done", res, err)
	}
	if res, err := db.CarryOverSplits(nil); err != nil || res != (CarryResult{}) {
		t.Errorf("CarryOverSplits(nil) = %+v, %v", res, err)
	}
}
