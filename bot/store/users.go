package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// NoDailyTime marks a learner who does not want a daily lesson.
const NoDailyTime = -1

// User is one person who talked to the bot: a learner, a consultant or an admin.
type User struct {
	ID           int64     `json:"id"`
	FirstName    string    `json:"fn,omitempty"`
	LastName     string    `json:"ln,omitempty"`
	Username     string    `json:"un,omitempty"`
	LanguageCode string    `json:"lc,omitempty"`   // what Telegram says
	Lang         string    `json:"lang,omitempty"` // what the user chose: "fa" or "en"; "" until chosen
	Track        string    `json:"track,omitempty"`
	DailyMinute  int       `json:"dm"`             // minute of the day for the daily lesson, or NoDailyTime
	Days         uint8     `json:"days,omitempty"` // bit d set = lessons on time.Weekday d; 0 means every day
	TZ           string    `json:"tz,omitempty"`   // IANA zone; "" = the bot's default
	Created      time.Time `json:"created"`
	LastActive   time.Time `json:"active"`
	Blocked      bool      `json:"blocked,omitempty"` // the user blocked the bot
	PausedUntil  time.Time `json:"paused,omitzero"`
	StartPayload string    `json:"start,omitempty"` // the first deep-link payload, kept for referrals and check-in
	Onboarded    bool      `json:"onb,omitempty"`
	Step         string    `json:"step,omitempty"`  // the conversation step waiting for typed input
	StepData     string    `json:"stepd,omitempty"` // the step's argument
	MenuMessage  int       `json:"menu,omitempty"`  // the message that menus edit in place

	// Learning.
	CurrentLesson    string `json:"cur,omitempty"`  // the lesson opened last
	MinutesLearned   int    `json:"mins,omitempty"` // credited learning minutes (lessons and events)
	LessonsCompleted int    `json:"lessons,omitempty"`
	Streak           int    `json:"streak,omitempty"` // consecutive days with a completed lesson or review
	StreakDay        string `json:"sday,omitempty"`   // yyyy-mm-dd of the last day that counted
	FreezeWeek       string `json:"freeze,omitempty"` // the Saturday (yyyy-mm-dd) of the week whose freeze was used
	HideName         bool   `json:"hide,omitempty"`   // certificates show "hidden" instead of the name
}

// Active reports whether bulk messages may be sent to the user.
func (u *User) Active(now time.Time) bool {
	return !u.Blocked && !now.Before(u.PausedUntil)
}

// Paused reports whether the user paused daily lessons at now.
func (u *User) Paused(now time.Time) bool { return now.Before(u.PausedUntil) }

// User loads a user; ErrNotFound if the id never talked to the bot (or deleted their data).
func (tx *Tx) User(id int64) (*User, error) {
	v := tx.tx.Bucket(bucketUsers).Get(itob(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var u User
	if err := json.Unmarshal(v, &u); err != nil {
		return nil, fmt.Errorf("decode user %d: %w", id, err)
	}
	return &u, nil
}

// PutUser saves u and keeps the daily-time index in step with it.
func (tx *Tx) PutUser(u *User) error {
	key := itob(u.ID)
	users := tx.tx.Bucket(bucketUsers)
	oldSlot := -1
	var prev *User
	if v := users.Get(key); v != nil {
		var old User
		if err := json.Unmarshal(v, &old); err == nil {
			oldSlot = scheduleSlot(&old)
			prev = &old
		}
	}
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encode user %d: %w", u.ID, err)
	}
	if err := users.Put(key, data); err != nil {
		return err
	}
	if newSlot := scheduleSlot(u); newSlot != oldSlot {
		idx := tx.tx.Bucket(bucketSchedule)
		if oldSlot >= 0 {
			if err := idx.Delete(slotKey(oldSlot, u.ID)); err != nil {
				return err
			}
		}
		if newSlot >= 0 {
			if err := idx.Put(slotKey(newSlot, u.ID), nil); err != nil {
				return err
			}
		}
	}
	if err := tx.recount(prev, u); err != nil { // the program's running totals (figures.go)
		return err
	}
	return tx.indexDelivery(prev, u)
}

// scheduleSlot is the minute-of-day index slot of a user, or -1 when they get no daily lesson.
func scheduleSlot(u *User) int {
	if u.DailyMinute < 0 || u.Blocked || !u.Onboarded {
		return -1
	}
	return u.DailyMinute
}

func slotKey(minute int, userID int64) []byte {
	k := make([]byte, 10)
	binary.BigEndian.PutUint16(k, uint16(minute))
	binary.BigEndian.PutUint64(k[2:], uint64(userID))
	return k
}

// DueAt lists the users whose daily lesson is at minute of the day: O(due users), not O(all users).
func (tx *Tx) DueAt(minute int) []int64 {
	var ids []int64
	prefix := make([]byte, 2)
	binary.BigEndian.PutUint16(prefix, uint16(minute))
	c := tx.tx.Bucket(bucketSchedule).Cursor()
	for k, _ := c.Seek(prefix); k != nil && k[0] == prefix[0] && k[1] == prefix[1]; k, _ = c.Next() {
		ids = append(ids, int64(binary.BigEndian.Uint64(k[2:])))
	}
	return ids
}

// GetUser loads a user in its own transaction.
func (db *DB) GetUser(id int64) (*User, error) {
	var u *User
	err := db.View(func(tx *Tx) error {
		var err error
		u, err = tx.User(id)
		return err
	})
	return u, err
}

// EachUser calls fn for every user in id order, stopping at the first error.
func (tx *Tx) EachUser(fn func(*User) error) error {
	return tx.tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return err
		}
		return fn(&u)
	})
}

// CountUsers is the number of stored users.
func (tx *Tx) CountUsers() int { return tx.tx.Bucket(bucketUsers).Stats().KeyN }

// userBuckets lists buckets whose keys start with an 8-byte user id; DeleteUser clears them all.
// Add every new per-user bucket here.
var userBuckets = [][]byte{bucketProgress, bucketReview, bucketUserCerts}

// DeleteUser removes the user and every record keyed by them (the /deleteme promise).
func (tx *Tx) DeleteUser(id int64) error {
	u, err := tx.User(id)
	if err != nil && err != ErrNotFound {
		return err
	}
	if u != nil {
		if err := tx.retire(u); err != nil { // figures.go: the totals forget them, their hours stay anonymous
			return err
		}
		if slot := scheduleSlot(u); slot >= 0 {
			if err := tx.tx.Bucket(bucketSchedule).Delete(slotKey(slot, id)); err != nil {
				return err
			}
		}
		if err := tx.unindexDelivery(u); err != nil {
			return err
		}
	}
	if err := tx.tx.Bucket(bucketUsers).Delete(itob(id)); err != nil {
		return err
	}
	if err := tx.deleteUserCertificates(id); err != nil {
		return err
	}
	if err := tx.deleteUserEvents(id); err != nil {
		return err
	}
	if err := tx.deleteUserConsultations(id); err != nil {
		return err
	}
	if err := tx.dropOutbox(id); err != nil {
		return err
	}
	if err := tx.dropDeadLetters(id); err != nil {
		return err
	}
	if err := tx.deleteUserPolls(id); err != nil {
		return err
	}
	prefix := itob(id)
	for _, name := range append(append([][]byte{}, userBuckets...), registeredPerUser...) {
		if err := deletePrefix(tx.tx.Bucket(name), prefix); err != nil {
			return fmt.Errorf("delete user %d from %s: %w", id, name, err)
		}
	}
	return nil
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func hasPrefix(k, prefix []byte) bool {
	return len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix)
}
