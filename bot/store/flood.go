package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Flood counters (how many consultation requests or feedback messages someone sent today) must outlive
// /deleteme, or deleting one's account resets the limits. So they live outside the per-user buckets, and
// their keys reveal nothing: an HMAC of the user id under a random key made for the day. When the next
// day's key is made, every earlier key is discarded together with its counters, after which nobody can
// tell whose counters they were.
var (
	bucketFlood     = bucket("flood")      // day (10) + HMAC(day key, kind, user id)[:16] → count (8)
	bucketFloodKeys = bucket("flood_keys") // day (10) → random key (32)
)

// FloodCount is how many times userID did kind on day (yyyy-mm-dd in the program's zone).
func (tx *Tx) FloodCount(kind, day string, userID int64) int {
	key := tx.tx.Bucket(bucketFloodKeys).Get([]byte(day))
	if key == nil {
		return 0
	}
	if v := tx.tx.Bucket(bucketFlood).Get(floodKey(key, kind, day, userID)); len(v) == 8 {
		return int(btoi(v))
	}
	return 0
}

// AddFlood counts one more kind by userID on day and returns the new count. The first count of a day
// makes the day's key and discards every earlier day's key and counters.
func (tx *Tx) AddFlood(kind, day string, userID int64) (int, error) {
	key, err := tx.floodDayKey(day)
	if err != nil {
		return 0, err
	}
	b := tx.tx.Bucket(bucketFlood)
	k := floodKey(key, kind, day, userID)
	n := int64(1)
	if v := b.Get(k); len(v) == 8 {
		n = btoi(v) + 1
	}
	return int(n), b.Put(k, itob(n))
}

func (tx *Tx) floodDayKey(day string) ([]byte, error) {
	keys := tx.tx.Bucket(bucketFloodKeys)
	if k := keys.Get([]byte(day)); k != nil {
		return append([]byte(nil), k...), nil
	}
	for _, b := range []*bolt.Bucket{keys, tx.tx.Bucket(bucketFlood)} {
		var old [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && string(k[:min(len(k), len(day))]) < day; k, _ = c.Next() {
			old = append(old, append([]byte(nil), k...))
		}
		if err := deleteKeys(b, old); err != nil {
			return nil, err
		}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("flood key: %w", err)
	}
	return key, keys.Put([]byte(day), key)
}

func floodKey(dayKey []byte, kind, day string, userID int64) []byte {
	mac := hmac.New(sha256.New, dayKey)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(userID))
	mac.Write([]byte(kind))
	mac.Write([]byte{0})
	mac.Write(id[:])
	return append([]byte(day), mac.Sum(nil)[:16]...)
}
