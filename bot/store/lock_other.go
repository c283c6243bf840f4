//go:build !unix

package store

import (
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// lockFile checks that no other process holds the database by opening it briefly.
func lockFile(path string) (unlock func(), err error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 500 * time.Millisecond})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, ErrInUse
	}
	if err != nil {
		return func() {}, nil // a damaged file: nothing to protect it from
	}
	return func() { b.Close() }, nil
}
