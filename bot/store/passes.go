package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// bucketPasses holds each learner's personal event pass: a random code in the QR they show door staff
// to be checked in at an event they did not register for (a walk-in).
var bucketPasses = userBucket("event_passes") // user id (8) → code (hex)

// EventPass is userID's pass code, made on first use.
func (tx *Tx) EventPass(userID int64) (string, error) {
	b := tx.tx.Bucket(bucketPasses)
	if v := b.Get(itob(userID)); v != nil {
		return string(v), nil
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("event pass %d: %w", userID, err)
	}
	code := hex.EncodeToString(raw[:])
	if err := b.Put(itob(userID), []byte(code)); err != nil {
		return "", fmt.Errorf("event pass %d: %w", userID, err)
	}
	return code, nil
}

// EventPassMatches reports whether code is userID's pass.
func (tx *Tx) EventPassMatches(userID int64, code string) bool {
	v := tx.tx.Bucket(bucketPasses).Get(itob(userID))
	return v != nil && code != "" && string(v) == code
}

// bucketEventNews holds each learner's choice about announcements of new events.
var bucketEventNews = userBucket("event_news") // user id (8) → "1" (on) or "0" (off)

// EventNews is userID's choice about new-event announcements; chosen is false while they have not chosen.
func (tx *Tx) EventNews(userID int64) (on, chosen bool) {
	v := tx.tx.Bucket(bucketEventNews).Get(itob(userID))
	return string(v) == "1", v != nil
}

// SetEventNews records userID's choice about new-event announcements.
func (tx *Tx) SetEventNews(userID int64, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	return tx.tx.Bucket(bucketEventNews).Put(itob(userID), []byte(v))
}
