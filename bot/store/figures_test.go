package store

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func mustConsistent(t *testing.T, db *DB) {
	t.Helper()
	if err := db.bolt.View(func(btx *bolt.Tx) error {
		if ok, why := figuresConsistent(btx); !ok {
			t.Errorf("running figures differ from a scan: %s", why)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestFiguresFollowEveryChange drives random saves and deletions and checks after each step that the
// running totals and indexes equal a fresh scan of every learner.
func TestFiguresFollowEveryChange(t *testing.T) {
	db := mustOpen(t)
	rng := rand.New(rand.NewPCG(1, 2))
	tracks := []string{"", "home", "youth", "social"}
	day0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	retiredMinutes := int64(0)
	for step := 0; step < 600; step++ {
		id := int64(rng.IntN(40) + 1)
		err := db.Update(func(tx *Tx) error {
			u, err := tx.User(id)
			if err == ErrNotFound {
				u = &User{ID: id, DailyMinute: NoDailyTime}
			} else if err != nil {
				return err
			}
			switch rng.IntN(8) {
			case 0:
				if err == nil {
					retiredMinutes += int64(u.MinutesLearned)
					return tx.DeleteUser(id)
				}
			case 1:
				u.Track = tracks[rng.IntN(len(tracks))]
				u.Onboarded = true
			case 2:
				u.Blocked = !u.Blocked
			case 3:
				u.MinutesLearned += rng.IntN(20)
				u.LessonsCompleted++
			case 4:
				u.StreakDay = day0.AddDate(0, 0, rng.IntN(10)).Format(time.DateOnly)
				u.Streak = rng.IntN(9) + 1
			case 5:
				u.FreezeWeek = day0.AddDate(0, 0, rng.IntN(3)*7).Format(time.DateOnly)
			default:
				u.LastActive = day0.Add(time.Duration(rng.IntN(30*24)) * time.Hour)
			}
			return tx.PutUser(u)
		})
		if err != nil {
			t.Fatal(err)
		}
		mustConsistent(t, db)
		if t.Failed() {
			t.Fatalf("after step %d", step)
		}
	}
	var tot Totals
	db.View(func(tx *Tx) error { tot = tx.Totals(); return nil })
	if tot.RetiredMinutes != retiredMinutes {
		t.Errorf("RetiredMinutes = %d; want %d", tot.RetiredMinutes, retiredMinutes)
	}
	if tot.Deleted == 0 {
		t.Error("no deletion was counted")
	}
}

func TestActiveSinceAndStreaks(t *testing.T) {
	db := mustOpen(t)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	put := func(id int64, daysAgo int, streakDay string, streak int) {
		t.Helper()
		u := &User{ID: id, DailyMinute: NoDailyTime, LastActive: now.AddDate(0, 0, -daysAgo), StreakDay: streakDay, Streak: streak}
		if err := db.Update(func(tx *Tx) error { return tx.PutUser(u) }); err != nil {
			t.Fatal(err)
		}
	}
	put(1, 0, "2026-11-26", 5)
	put(2, 3, "2026-11-23", 2)
	put(3, 10, "", 0)
	put(4, 40, "", 0)
	put(1, 0, "2026-11-26", 6) // the same day again: counted once
	db.View(func(tx *Tx) error {
		for _, tt := range []struct {
			days int
			want int64
		}{{1, 1}, {7, 2}, {30, 3}, {60, 4}} {
			if got := tx.ActiveSince(now.AddDate(0, 0, -(tt.days - 1))); got != tt.want {
				t.Errorf("ActiveSince(%d days) = %d; want %d", tt.days, got, tt.want)
			}
		}
		var got []StreakEntry
		tx.StreaksSince("2026-11-24", func(e StreakEntry) { got = append(got, e) })
		if len(got) != 1 || got[0].UserID != 1 || got[0].Streak != 6 {
			t.Errorf("StreaksSince = %+v; want user 1 with 6", got)
		}
		return nil
	})
}

func TestMigrationBuildsFiguresForExistingLearners(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Learners written by a version before the running totals existed: no counters, schema 1.
	db.bolt.Update(func(btx *bolt.Tx) error {
		for i := int64(1); i <= 5; i++ {
			v := fmt.Sprintf(`{"id":%d,"dm":-1,"track":"home","mins":30,"lessons":2,"active":"2026-11-20T10:00:00Z","created":"2026-11-01T10:00:00Z"}`, i)
			btx.Bucket(bucketUsers).Put(itob(i), []byte(v))
		}
		btx.Bucket(bucketMeta).Delete([]byte(keyTotals))
		return btx.Bucket(bucketMeta).Put([]byte(keySchemaVersion), itob(1))
	})
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tot Totals
	db.View(func(tx *Tx) error { tot = tx.Totals(); return nil })
	if tot.Users != 5 || tot.Minutes != 150 || tot.ByTrack["home"] != 5 {
		t.Errorf("after migration Totals = %+v; want 5 users, 150 minutes, all home", tot)
	}
	mustConsistent(t, db)
}

// seedLearners stores n learners the way the bot does, in batches.
func seedLearners(tb testing.TB, db *DB, n int) {
	tb.Helper()
	tracks := []string{"general", "home", "parents", "youth", "social"}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 5000 {
		if err := db.Update(func(tx *Tx) error {
			for i := start; i < min(start+5000, n); i++ {
				u := &User{
					ID: int64(i + 1), FirstName: "یادگیرنده", LanguageCode: "fa", Lang: "fa", Track: tracks[i%5],
					DailyMinute: 480 + i%120, Onboarded: true, Created: now.AddDate(0, 0, -i%90),
					LastActive: now.AddDate(0, 0, -i%45), MinutesLearned: i % 300, LessonsCompleted: i % 40,
					Streak: i % 12, StreakDay: now.AddDate(0, 0, -i%20).Format(time.DateOnly),
				}
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
}

func benchDB(b *testing.B, n int) *DB {
	db, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	seedLearners(b, db, n)
	return db
}

// BenchmarkFiguresScan200k computes /stats' learner figures by reading all 200,000 learners.
func BenchmarkFiguresScan200k(b *testing.B) {
	db := benchDB(b, 200_000)
	since := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := db.ScanTotals(since); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFiguresRunning200k reads the same figures from the running totals and indexes.
func BenchmarkFiguresRunning200k(b *testing.B) {
	db := benchDB(b, 200_000)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for b.Loop() {
		db.View(func(tx *Tx) error {
			_ = tx.Totals()
			_ = tx.ActiveSince(now.AddDate(0, 0, -6))
			_ = tx.ActiveSince(now.AddDate(0, 0, -29))
			n := 0
			tx.StreaksSince(now.AddDate(0, 0, -2).Format(time.DateOnly), func(StreakEntry) { n++ })
			_ = tx.SumDays()
			return nil
		})
	}
}

// BenchmarkPutUserActivity is the cost the running totals add to the commonest save: a learner's
// activity on a new day (the totals stay, the active-day counters move).
func BenchmarkPutUserActivity(b *testing.B) {
	db := benchDB(b, 10_000)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		db.Update(func(tx *Tx) error {
			u, _ := tx.User(int64(i%10_000 + 1))
			u.LastActive = now.AddDate(0, 0, i/10_000)
			i++
			return tx.PutUser(u)
		})
	}
}

// BenchmarkPutUserLesson is a save that changes the totals (a completed lesson).
func BenchmarkPutUserLesson(b *testing.B) {
	db := benchDB(b, 10_000)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		db.Update(func(tx *Tx) error {
			u, _ := tx.User(int64(i%10_000 + 1))
			u.MinutesLearned += 5
			u.LessonsCompleted++
			i++
			return tx.PutUser(u)
		})
	}
}

// BenchmarkIsAdmin is the store half of Bot.IsAdmin, checked on every admin request.
func BenchmarkIsAdmin(b *testing.B) {
	db := benchDB(b, 1000)
	db.Update(func(tx *Tx) error { _, err := tx.AddAdmin(500, 1); return err })
	for b.Loop() {
		db.IsAdmin(77)
	}
}
