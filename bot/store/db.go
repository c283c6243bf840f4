// Package store keeps Tavan's durable state in one embedded bbolt file: learners, their progress, the
// handled-update bookkeeping that makes update handling exactly-once, and the counters behind the figures.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrInUse means another process holds the database file.
var ErrInUse = errors.New("database is in use by another tavanbot process")

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// DB is the bbolt database. Every exported method is one transaction.
type DB struct {
	bolt  *bolt.DB
	now   func() time.Time
	group groupCommit
}

// Options tune Open; the zero value is fine for production.
type Options struct {
	Now     func() time.Time // the clock stamped on records; default time.Now
	Timeout time.Duration    // how long to wait for the file lock; default 1s
	NoSync  bool             // skip fsync (benchmarks only)
}

// Open opens or creates the database at path, creates every bucket and migrates the schema.
func Open(path string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w", path, ErrInUse)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: b, now: opts.Now}
	if err := db.migrate(); err != nil {
		b.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the database file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// Tx is one transaction; the aggregate methods (users, progress, …) hang off it so that a handler's whole
// state change, and the mark that its update was handled, commit together.
type Tx struct {
	tx  *bolt.Tx
	now time.Time
}

// Now is the time the transaction started, from the injected clock.
func (tx *Tx) Now() time.Time { return tx.now }

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(*Tx) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, now: db.now()}) })
}

// Update runs fn in a read-write transaction.
func (db *DB) Update(fn func(*Tx) error) error {
	return db.bolt.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, now: db.now()}) })
}

// Batch runs fn in a read-write transaction that may be shared with concurrent callers; fn may run more
// than once, so it must be idempotent within its transaction.
func (db *DB) Batch(fn func(*Tx) error) error {
	return db.bolt.Batch(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, now: db.now()}) })
}

// Backup writes a consistent snapshot of the whole database to w while the bot keeps running.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// Size is the size of the snapshot Backup would write.
func (db *DB) Size() (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}

// BucketUsage is one bucket's share of the file, for measurements that break a size down.
type BucketUsage struct {
	Name  string
	Keys  int
	Bytes int // in use on its pages (keys, values and page headers)
	Alloc int // its pages' size
}

// Usage lists every bucket's use of the file, in name order.
func (db *DB) Usage() ([]BucketUsage, error) {
	var out []BucketUsage
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			st := b.Stats()
			out = append(out, BucketUsage{Name: string(name), Keys: st.KeyN,
				Bytes: st.LeafInuse + st.BranchInuse + st.InlineBucketInuse,
				Alloc: st.LeafAlloc + st.BranchAlloc + st.InlineBucketInuse})
			return nil
		})
	})
	return out, err
}

// Writable checks that a write transaction commits, for health checks.
func (db *DB) Writable() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte("health"), encodeTime(db.now()))
	})
}

func itob(v int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(v))
	return b
}

func btoi(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }

func encodeTime(t time.Time) []byte { return itob(t.UnixNano()) }
