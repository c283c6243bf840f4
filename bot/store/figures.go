package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The program's figures (/stats) are kept as running totals, changed in the same transaction as the
// learner record they count (PutUser, DeleteUser), so reading them costs O(tracks + days), not O(learners):
// BenchmarkFigures* in figures_test.go measure both ways at 200,000 learners.
var (
	// UTC yyyy-mm-dd → 8-byte count of learners whose last activity was on that day. "Active in the last
	// 7 days" is the sum of seven counters.
	bucketActiveDays = bucket("active_days")
	// StreakDay (yyyy-mm-dd) + user id (8) → streak (8) + freeze week: the learners whose streak may still
	// be alive are the few days at the end of this index.
	bucketStreakDays = bucket("streak_days")
)

const keyTotals = "figures_totals"

// Totals are the program-wide counts over the stored learners.
type Totals struct {
	Users     int64            `json:"users"`
	Onboarded int64            `json:"onboarded,omitempty"`
	Blocked   int64            `json:"blocked,omitempty"`
	ByTrack   map[string]int64 `json:"tracks,omitempty"`  // "" = no track chosen
	Minutes   int64            `json:"minutes,omitempty"` // credited learning minutes of stored learners
	Lessons   int64            `json:"lessons,omitempty"` // completed lessons of stored learners

	// Learners who deleted their data leave nothing behind but these numbers: the program's learning
	// hours keep what they learned, anonymously.
	Deleted        int64 `json:"deleted,omitempty"`
	RetiredMinutes int64 `json:"rmin,omitempty"`
	RetiredLessons int64 `json:"rles,omitempty"`
}

// ProgramMinutes is every learning minute ever credited, including those of learners who left.
func (t Totals) ProgramMinutes() int64 { return t.Minutes + t.RetiredMinutes }

// ProgramLessons is every lesson ever completed, including those of learners who left.
func (t Totals) ProgramLessons() int64 { return t.Lessons + t.RetiredLessons }

func (t *Totals) count(u *User, sign int64) {
	t.Users += sign
	if u.Onboarded {
		t.Onboarded += sign
	}
	if u.Blocked {
		t.Blocked += sign
	}
	if t.ByTrack == nil {
		t.ByTrack = map[string]int64{}
	}
	t.ByTrack[u.Track] += sign
	if t.ByTrack[u.Track] == 0 {
		delete(t.ByTrack, u.Track)
	}
	t.Minutes += sign * int64(u.MinutesLearned)
	t.Lessons += sign * int64(u.LessonsCompleted)
}

// counted is what of a user the totals depend on; a save that changes none of it writes no totals.
type counted struct {
	onboarded, blocked bool
	track              string
	minutes, lessons   int
}

func countedOf(u *User) counted {
	return counted{u.Onboarded, u.Blocked, u.Track, u.MinutesLearned, u.LessonsCompleted}
}

// Totals reads the running totals.
func (tx *Tx) Totals() Totals { return readTotals(tx.tx) }

func readTotals(btx *bolt.Tx) Totals {
	var t Totals
	if v := btx.Bucket(bucketMeta).Get([]byte(keyTotals)); v != nil {
		_ = json.Unmarshal(v, &t) // a damaged record reads as zero; RebuildFigures repairs it
	}
	return t
}

func writeTotals(btx *bolt.Tx, t Totals) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return btx.Bucket(bucketMeta).Put([]byte(keyTotals), v)
}

// recount moves old's contribution to the figures over to u (old is nil for a new user).
func (tx *Tx) recount(old, u *User) error {
	if old == nil || countedOf(old) != countedOf(u) {
		t := tx.Totals()
		if old != nil {
			t.count(old, -1)
		}
		t.count(u, +1)
		if err := writeTotals(tx.tx, t); err != nil {
			return err
		}
	}
	oldDay := ""
	if old != nil {
		oldDay = activeDay(old)
	}
	if newDay := activeDay(u); newDay != oldDay {
		if err := addCounter(tx.tx.Bucket(bucketActiveDays), oldDay, -1); err != nil {
			return err
		}
		if err := addCounter(tx.tx.Bucket(bucketActiveDays), newDay, +1); err != nil {
			return err
		}
	}
	if old == nil || old.StreakDay != u.StreakDay || old.Streak != u.Streak || old.FreezeWeek != u.FreezeWeek {
		b := tx.tx.Bucket(bucketStreakDays)
		if old != nil && old.StreakDay != "" {
			if err := b.Delete(streakKey(old)); err != nil {
				return err
			}
		}
		if u.StreakDay != "" {
			if err := b.Put(streakKey(u), streakValue(u)); err != nil {
				return err
			}
		}
	}
	return nil
}

// retire removes a user who deletes their data from the figures, keeping their learning anonymously.
func (tx *Tx) retire(u *User) error {
	t := tx.Totals()
	t.count(u, -1)
	t.Deleted++
	t.RetiredMinutes += int64(u.MinutesLearned)
	t.RetiredLessons += int64(u.LessonsCompleted)
	if err := writeTotals(tx.tx, t); err != nil {
		return err
	}
	if err := addCounter(tx.tx.Bucket(bucketActiveDays), activeDay(u), -1); err != nil {
		return err
	}
	if u.StreakDay != "" {
		return tx.tx.Bucket(bucketStreakDays).Delete(streakKey(u))
	}
	return nil
}

// activeDay is the UTC day of the user's last activity, "" if none. UTC rather than the program's zone
// because the store does not know the zone; for 7- and 30-day windows the difference is a few hours.
func activeDay(u *User) string {
	if u.LastActive.IsZero() {
		return ""
	}
	return u.LastActive.UTC().Format(time.DateOnly)
}

func addCounter(b *bolt.Bucket, key string, delta int64) error {
	if key == "" {
		return nil
	}
	var n int64
	if v := b.Get([]byte(key)); len(v) == 8 {
		n = btoi(v)
	}
	n += delta
	if n <= 0 {
		return b.Delete([]byte(key))
	}
	return b.Put([]byte(key), itob(n))
}

func streakKey(u *User) []byte { return append([]byte(u.StreakDay), itob(u.ID)...) }

func streakValue(u *User) []byte { return append(itob(int64(u.Streak)), u.FreezeWeek...) }

// ActiveSince counts the learners whose last activity was on or after since's UTC day.
func (tx *Tx) ActiveSince(since time.Time) int64 {
	var n int64
	c := tx.tx.Bucket(bucketActiveDays).Cursor()
	for k, v := c.Seek([]byte(since.UTC().Format(time.DateOnly))); k != nil; k, v = c.Next() {
		if len(v) == 8 {
			n += btoi(v)
		}
	}
	return n
}

// StreakEntry is a learner's streak as last counted.
type StreakEntry struct {
	UserID     int64
	Day        string // yyyy-mm-dd of the last day that counted
	Streak     int
	FreezeWeek string
}

// StreaksSince lists the streaks whose last counted day is on or after day (yyyy-mm-dd): O(those learners).
func (tx *Tx) StreaksSince(day string, fn func(StreakEntry)) {
	c := tx.tx.Bucket(bucketStreakDays).Cursor()
	for k, v := c.Seek([]byte(day)); k != nil; k, v = c.Next() {
		if len(k) < 8 || len(v) < 8 {
			continue
		}
		fn(StreakEntry{
			UserID:     btoi(k[len(k)-8:]),
			Day:        string(k[:len(k)-8]),
			Streak:     int(btoi(v[:8])),
			FreezeWeek: string(v[8:]),
		})
	}
}

// SumDays adds up the daily counters of every day (O(days)).
func (tx *Tx) SumDays() DayStats {
	var sum DayStats
	_ = tx.tx.Bucket(bucketDaily).ForEach(func(_, v []byte) error {
		var d DayStats
		if json.Unmarshal(v, &d) == nil {
			sum.Active += d.Active
			sum.NewUsers += d.NewUsers
			sum.LessonsDelivered += d.LessonsDelivered
			sum.LessonsCompleted += d.LessonsCompleted
			sum.Minutes += d.Minutes
			sum.QuizAnswers += d.QuizAnswers
			sum.QuizCorrect += d.QuizCorrect
		}
		return nil
	})
	return sum
}

// scanned is the figures computed from scratch by reading every learner.
type scanned struct {
	totals  Totals
	active  map[string]int64
	streaks map[string][]byte
}

func scanUsers(btx *bolt.Tx) (scanned, error) {
	s := scanned{active: map[string]int64{}, streaks: map[string][]byte{}}
	err := btx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("decode user %x: %w", k, err)
		}
		s.totals.count(&u, +1)
		if d := activeDay(&u); d != "" {
			s.active[d]++
		}
		if u.StreakDay != "" {
			s.streaks[string(streakKey(&u))] = streakValue(&u)
		}
		return nil
	})
	return s, err
}

// ScanTotals computes the totals by reading every learner, without the running counters: O(learners).
// It is the reference the running totals are tested against.
func (db *DB) ScanTotals(since time.Time) (Totals, int64, error) {
	var t Totals
	var active int64
	err := db.bolt.View(func(btx *bolt.Tx) error {
		s, err := scanUsers(btx)
		if err != nil {
			return err
		}
		t = s.totals
		from := since.UTC().Format(time.DateOnly)
		for day, n := range s.active {
			if day >= from {
				active += n
			}
		}
		return nil
	})
	return t, active, err
}

// RebuildFigures recomputes the running totals and indexes from the learner records (the schema
// migration that introduced them runs it; an operator may run it after a repair). The anonymous numbers
// of deleted learners cannot be recomputed and are kept.
func (db *DB) RebuildFigures() error { return db.bolt.Update(rebuildFigures) }

func rebuildFigures(btx *bolt.Tx) error {
	s, err := scanUsers(btx)
	if err != nil {
		return err
	}
	old := readTotals(btx)
	s.totals.Deleted, s.totals.RetiredMinutes, s.totals.RetiredLessons = old.Deleted, old.RetiredMinutes, old.RetiredLessons
	if err := writeTotals(btx, s.totals); err != nil {
		return err
	}
	for _, name := range [][]byte{bucketActiveDays, bucketStreakDays} {
		if err := btx.DeleteBucket(name); err != nil {
			return err
		}
		if _, err := btx.CreateBucket(name); err != nil {
			return err
		}
	}
	for day, n := range s.active {
		if err := btx.Bucket(bucketActiveDays).Put([]byte(day), itob(n)); err != nil {
			return err
		}
	}
	for k, v := range s.streaks {
		if err := btx.Bucket(bucketStreakDays).Put([]byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

// figuresConsistent reports whether the running totals and indexes equal a fresh scan (tests).
func figuresConsistent(btx *bolt.Tx) (bool, string) {
	s, err := scanUsers(btx)
	if err != nil {
		return false, err.Error()
	}
	t := readTotals(btx)
	t.Deleted, t.RetiredMinutes, t.RetiredLessons = 0, 0, 0
	if len(t.ByTrack) == 0 {
		t.ByTrack = nil
	}
	if len(s.totals.ByTrack) == 0 {
		s.totals.ByTrack = nil
	}
	a, _ := json.Marshal(t)
	b, _ := json.Marshal(s.totals)
	if !bytes.Equal(a, b) {
		return false, fmt.Sprintf("totals %s; scan %s", a, b)
	}
	n := 0
	if err := btx.Bucket(bucketActiveDays).ForEach(func(k, v []byte) error {
		n++
		if s.active[string(k)] != btoi(v) {
			return fmt.Errorf("active %s = %d; scan %d", k, btoi(v), s.active[string(k)])
		}
		return nil
	}); err != nil {
		return false, err.Error()
	}
	if n != len(s.active) {
		return false, fmt.Sprintf("%d active days; scan %d", n, len(s.active))
	}
	n = 0
	if err := btx.Bucket(bucketStreakDays).ForEach(func(k, v []byte) error {
		n++
		if !bytes.Equal(s.streaks[string(k)], v) {
			return fmt.Errorf("streak %x = %x; scan %x", k, v, s.streaks[string(k)])
		}
		return nil
	}); err != nil {
		return false, err.Error()
	}
	if n != len(s.streaks) {
		return false, fmt.Sprintf("%d streak entries; scan %d", n, len(s.streaks))
	}
	return true, ""
}
