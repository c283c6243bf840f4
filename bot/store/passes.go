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
