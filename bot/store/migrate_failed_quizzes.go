package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// revokeFailedQuizCompletions is the schema step that makes existing learning hours true: until this
// version a quiz finished with too few right answers still finished the lesson (minutes credited, a
// lesson counted, the streak moved on). Now only a passed quiz does, so every lesson whose quiz was taken
// (Attempt > 0) and never passed is reopened: its minutes and its count leave the learner, the day's
// counters and the program's totals, and the learner's streak is replayed from the days of the lessons
// that stay finished. A lesson without a quiz (Attempt 0) stays finished: it was read to its end.
//
// What the store cannot know stays as it was: days that counted only through a review answer are not
// stored, so a replayed streak counts lesson days only (it can only go down, never up), and a day is the
// calendar day of the stored completion time. Certificates already issued stay valid: issuing one always
// required every quiz of the course passed.
//
// The step is separate from other schema steps (append only: see migrations in schema.go).
func revokeFailedQuizCompletions(btx *bolt.Tx) error {
	type change struct {
		minutes, lessons int
		keptDays         []string // completion days of the lessons that stay finished
		revoked          bool
	}
	changes := map[int64]*change{}
	type put struct{ key, value []byte }
	var puts []put
	dayDelta := map[string]*DayStats{}
	progress := btx.Bucket(bucketProgress)
	err := progress.ForEach(func(k, v []byte) error {
		if len(k) < 8 {
			return nil
		}
		var p LessonProgress
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode progress %x: %w", k, err)
		}
		if p.Completed.IsZero() {
			return nil
		}
		id := btoi(k[:8])
		c := changes[id]
		if c == nil {
			c = &change{}
			changes[id] = c
		}
		day := DayString(p.Completed)
		if p.Attempt == 0 || p.Passed {
			c.keptDays = append(c.keptDays, day)
			return nil
		}
		c.revoked = true
		c.minutes += p.Minutes
		c.lessons++
		d := dayDelta[day]
		if d == nil {
			d = &DayStats{}
			dayDelta[day] = d
		}
		d.LessonsCompleted++
		d.Minutes += int64(p.Minutes)
		p.Completed, p.Minutes = time.Time{}, 0
		nv, err := json.Marshal(p)
		if err != nil {
			return err
		}
		puts = append(puts, put{append([]byte(nil), k...), nv})
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range puts { // not inside ForEach: bbolt forbids changing a bucket while iterating it
		if err := progress.Put(p.key, p.value); err != nil {
			return err
		}
	}
	tx := &Tx{tx: btx, now: time.Now()}
	for day, d := range dayDelta {
		t, err := time.Parse(time.DateOnly, day)
		if err != nil {
			continue
		}
		if err := tx.AddDay(t, func(s *DayStats) {
			s.LessonsCompleted = max(0, s.LessonsCompleted-d.LessonsCompleted)
			s.Minutes = max(0, s.Minutes-d.Minutes)
		}); err != nil {
			return err
		}
	}
	for id, c := range changes {
		if !c.revoked {
			continue
		}
		u, err := tx.User(id)
		if err == ErrNotFound {
			continue // progress of a learner who deleted their data: nothing left to correct
		}
		if err != nil {
			return err
		}
		u.MinutesLearned = max(0, u.MinutesLearned-c.minutes)
		u.LessonsCompleted = max(0, u.LessonsCompleted-c.lessons)
		replayStreak(u, c.keptDays)
		if err := tx.PutUser(u); err != nil { // keeps the totals and the streak index in step
			return err
		}
	}
	return nil
}

// replayStreak recounts u's streak over the given days of learning, in calendar order.
func replayStreak(u *User, days []string) {
	u.Streak, u.StreakDay, u.FreezeWeek = 0, "", ""
	slices.Sort(days)
	for _, day := range slices.Compact(days) {
		if t, err := time.Parse(time.DateOnly, day); err == nil {
			u.BumpStreak(t)
		}
	}
}
