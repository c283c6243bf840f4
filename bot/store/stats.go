package store

import (
	"encoding/json"
	"time"
)

// DayStats are the program-wide counters of one calendar day in the program's zone.
type DayStats struct {
	Active           int64 `json:"active,omitempty"`    // distinct users who did anything
	NewUsers         int64 `json:"new,omitempty"`       // users who started the bot
	LessonsDelivered int64 `json:"delivered,omitempty"` // lessons sent (opened or pushed)
	LessonsCompleted int64 `json:"completed,omitempty"` // lessons read to the end
	Minutes          int64 `json:"minutes,omitempty"`   // learning minutes credited
	QuizAnswers      int64 `json:"answers,omitempty"`
	QuizCorrect      int64 `json:"correct,omitempty"`
}

func dayKey(t time.Time) []byte { return []byte(t.Format("2006-01-02")) }

// Day reads the counters of t's calendar day (in t's location).
func (tx *Tx) Day(t time.Time) DayStats {
	var d DayStats
	if v := tx.tx.Bucket(bucketDaily).Get(dayKey(t)); v != nil {
		_ = json.Unmarshal(v, &d) // a damaged counter reads as zero rather than failing the caller
	}
	return d
}

// AddDay changes the counters of t's day.
func (tx *Tx) AddDay(t time.Time, change func(*DayStats)) error {
	d := tx.Day(t)
	change(&d)
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketDaily).Put(dayKey(t), v)
}

// TouchDay records that userID was active on t's day, counting them once per day.
func (tx *Tx) TouchDay(userID int64, t time.Time) error {
	key := append(dayKey(t), itob(userID)...)
	b := tx.tx.Bucket(bucketDayUsers)
	if b.Get(key) != nil {
		return nil
	}
	if err := b.Put(key, nil); err != nil {
		return err
	}
	return tx.AddDay(t, func(d *DayStats) { d.Active++ })
}

// dayUsersRetention is how long per-day activity marks are kept (the admin figures look back 30 days).
const dayUsersRetention = 62 * 24 * time.Hour

// PruneDayUsers forgets every per-day activity mark older than the retention, in chunks; the day
// counters stay.
func (db *DB) PruneDayUsers() (int, error) {
	return db.pruneInChunks(func(tx *Tx) (int, error) {
		cutoff := string(dayKey(tx.now.Add(-dayUsersRetention)))
		b := tx.tx.Bucket(bucketDayUsers)
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && string(k[:10]) < cutoff && len(keys) < pruneLimit; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		return len(keys), deleteKeys(b, keys)
	})
}
