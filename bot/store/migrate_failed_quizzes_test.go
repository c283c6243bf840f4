package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestMigrationRevokesFailedQuizCompletions seeds a database the way the bot before schema 4 wrote it —
// learners who passed, learners whose failed quiz still finished the lesson, lessons without a quiz,
// event minutes — and checks that the step reopens exactly the failed lessons: learners' minutes, lesson
// counts and streaks, the day counters and the program totals.
func TestMigrationRevokesFailedQuizCompletions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const learners, lessonMinutes, eventMinutes = 1000, 4, 90
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var wantMinutes, wantLessons, failedMinutes, failedLessons int64
	// kind of lesson j for learner i: 0 passed, 1 failed but credited (the old bug), 2 no quiz, 3 failed
	// then passed on a later day.
	kind := func(i, j int) int { return (i*7 + j*3) % 4 }
	lessonsOf := func(i int) int { return 1 + i%5 }
	if err := db.Update(func(tx *Tx) error {
		for i := 1; i <= learners; i++ {
			u := &User{ID: int64(i), FirstName: "یادگیرنده", Onboarded: true, DailyMinute: 480, Track: "home",
				Created: start.AddDate(0, 0, -10), LastActive: start}
			for j := range lessonsOf(i) {
				day := start.AddDate(0, 0, j) // one lesson a day: the old streak counts them all
				p := LessonProgress{Opened: day, Completed: day, Minutes: lessonMinutes}
				switch kind(i, j) {
				case 0:
					p.Attempt, p.Passed, p.Best, p.Answered, p.Correct = 1, true, 3, 7, 7
				case 1:
					p.Attempt, p.Best, p.Answered, p.Correct = 1, 0, 7, 0
					failedMinutes += lessonMinutes
					failedLessons++
				case 3:
					p.Attempt, p.Passed, p.Best, p.Answered, p.Correct = 2, true, 2, 7, 3
				}
				if err := tx.PutProgress(u.ID, fmt.Sprintf("c-%02d", j), p); err != nil {
					return err
				}
				if err := tx.AddDay(day, func(d *DayStats) { d.LessonsCompleted++; d.Minutes += lessonMinutes }); err != nil {
					return err
				}
				u.MinutesLearned += lessonMinutes
				u.LessonsCompleted++
				u.BumpStreak(day)
			}
			if i%10 == 0 {
				u.MinutesLearned += eventMinutes // an event check-in: not a lesson, kept
			}
			wantMinutes += int64(u.MinutesLearned)
			wantLessons += int64(u.LessonsCompleted)
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return tx.tx.Bucket(bucketMeta).Put([]byte(keySchemaVersion), itob(3))
	}); err != nil {
		t.Fatal(err)
	}
	var before Totals
	var beforeDays DayStats
	db.View(func(tx *Tx) error { before, beforeDays = tx.Totals(), tx.SumDays(); return nil })
	if before.Minutes != wantMinutes || before.Lessons != wantLessons {
		t.Fatalf("seeded totals %d minutes, %d lessons; want %d, %d", before.Minutes, before.Lessons, wantMinutes, wantLessons)
	}
	db.Close()

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.Version(); v != SchemaVersion() {
		t.Fatalf("schema %d after Open; want %d", v, SchemaVersion())
	}
	var after Totals
	var afterDays DayStats
	db.View(func(tx *Tx) error { after, afterDays = tx.Totals(), tx.SumDays(); return nil })
	t.Logf("seeded %d learners: before %d lessons, %d minutes (%.1f h); after %d lessons, %d minutes (%.1f h); %d failed lessons (%d minutes) reopened",
		learners, before.Lessons, before.Minutes, float64(before.Minutes)/60, after.Lessons, after.Minutes, float64(after.Minutes)/60, failedLessons, failedMinutes)
	if after.Minutes != before.Minutes-failedMinutes || after.Lessons != before.Lessons-failedLessons {
		t.Errorf("after: %d minutes, %d lessons; want %d, %d", after.Minutes, after.Lessons, before.Minutes-failedMinutes, before.Lessons-failedLessons)
	}
	if afterDays.Minutes != beforeDays.Minutes-failedMinutes || afterDays.LessonsCompleted != beforeDays.LessonsCompleted-failedLessons {
		t.Errorf("day counters after: %+v; want %d fewer minutes and %d fewer lessons than %+v", afterDays, failedMinutes, failedLessons, beforeDays)
	}
	mustConsistent(t, db)

	// Each learner: a failed lesson is open again, the rest stays, and the streak counts finished days.
	db.View(func(tx *Tx) error {
		for i := 1; i <= learners; i++ {
			u, err := tx.User(int64(i))
			if err != nil {
				t.Fatal(err)
			}
			lessons, minutes, streak := 0, 0, 0
			for j := range lessonsOf(i) {
				p, _ := tx.Progress(u.ID, fmt.Sprintf("c-%02d", j))
				if kind(i, j) == 1 {
					if !p.Completed.IsZero() || p.Minutes != 0 || p.Attempt != 1 {
						t.Errorf("learner %d lesson %d (failed): %+v; want it open again with its attempt kept", i, j, p)
					}
					streak = 0
					continue
				}
				lessons++
				minutes += lessonMinutes
				streak++
			}
			if i%10 == 0 {
				minutes += eventMinutes
			}
			if u.LessonsCompleted != lessons || u.MinutesLearned != minutes {
				t.Errorf("learner %d: %d lessons, %d minutes; want %d, %d", i, u.LessonsCompleted, u.MinutesLearned, lessons, minutes)
			}
			if streak > 0 && u.Streak < streak || u.Streak > lessons {
				t.Errorf("learner %d: streak %d; want between %d and %d", i, u.Streak, streak, lessons)
			}
		}
		return nil
	})
}
