package store

import (
	"time"
)

// The local sandbox's own settings. Only the sandbox (tavanbot sandbox) reads or writes them.
var bucketSandbox = bucket("sandbox")

var keyClockOffset = []byte("clock_offset")

// SandboxClockOffset is how far the sandbox's clock was moved ahead of the wall clock by time travel, so
// that a restarted sandbox does not run back in time; zero when it never travelled.
func (db *DB) SandboxClockOffset() (time.Duration, error) {
	var d time.Duration
	err := db.View(func(tx *Tx) error {
		if v := tx.tx.Bucket(bucketSandbox).Get(keyClockOffset); len(v) == 8 {
			d = time.Duration(btoi(v))
		}
		return nil
	})
	return d, err
}

// PutSandboxClockOffset records the sandbox clock's offset after a time jump.
func (db *DB) PutSandboxClockOffset(d time.Duration) error {
	return db.Update(func(tx *Tx) error {
		return tx.tx.Bucket(bucketSandbox).Put(keyClockOffset, itob(int64(d)))
	})
}
