package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// WriteBackup writes a consistent snapshot of the running database to path without a moment where path
// holds half a file: a temporary file in the same directory, fsynced, then renamed over path.
func (db *DB) WriteBackup(path string) (int64, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	n, err := db.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	return n, nil
}

// SnapshotInfo describes a verified snapshot.
type SnapshotInfo struct {
	Size    int64
	Version int    // schema version
	Users   int    // learners stored
	Digest  string // sha256 over every bucket, key and value (see Digest)
}

// ErrBadSnapshot means a file is not a usable Tavan database.
var ErrBadSnapshot = errors.New("not a valid Tavan snapshot")

// VerifySnapshot opens a snapshot read-only and checks it: a layout whose pages all lie inside the file
// (checkBoltLayout), every page readable (the digest's walk), bbolt's page consistency check (tx.Check), the
// buckets every Tavan database has, and a schema version this binary can read. A damaged file is an
// ErrBadSnapshot, never a crash.
func VerifySnapshot(path string) (info SnapshotInfo, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return info, fmt.Errorf("verify %s: %w", path, err)
	}
	info.Size = st.Size()
	if err := checkBoltLayout(path); err != nil {
		return info, fmt.Errorf("verify %s: %w: %v", path, ErrBadSnapshot, err)
	}
	defer func() {
		// bbolt trusts the file it maps; a damaged one can make it panic rather than fail.
		if p := recover(); p != nil {
			err = fmt.Errorf("verify %s: %w: %v", path, ErrBadSnapshot, p)
		}
	}()
	b, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return info, fmt.Errorf("verify %s: %w", path, ErrInUse)
		}
		return info, fmt.Errorf("verify %s: %w: %v", path, ErrBadSnapshot, err)
	}
	defer b.Close()
	err = b.View(func(tx *bolt.Tx) error {
		// The digest reads every key and value: here, before tx.Check reads them in a goroutine of its
		// own, with faults turned into panics (recovered above), a damaged page is an error, not a crash.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		var err error
		if info.Digest, err = digest(tx); err != nil {
			return fmt.Errorf("%w: %w", ErrBadSnapshot, err)
		}
		var problems []error
		for e := range tx.Check() {
			if len(problems) < 5 {
				problems = append(problems, e)
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("%w: consistency check: %w", ErrBadSnapshot, errors.Join(problems...))
		}
		for _, name := range [][]byte{bucketMeta, bucketUsers, bucketHandled} {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("%w: no %q bucket", ErrBadSnapshot, name)
			}
		}
		v := tx.Bucket(bucketMeta).Get([]byte(keySchemaVersion))
		if len(v) != 8 {
			return fmt.Errorf("%w: no schema version", ErrBadSnapshot)
		}
		info.Version = int(btoi(v))
		if info.Version < 1 || info.Version > SchemaVersion() {
			return fmt.Errorf("%w: schema version %d; this tavanbot reads 1 to %d", ErrBadSnapshot, info.Version, SchemaVersion())
		}
		info.Users = tx.Bucket(bucketUsers).Stats().KeyN
		return nil
	})
	if err != nil {
		return info, fmt.Errorf("verify %s: %w", path, err)
	}
	return info, nil
}

// Restore installs snapshot as the database at dbPath. The bot must be stopped: a database file that
// another process holds is refused with ErrInUse. The snapshot is copied next to dbPath and verified
// there (what is verified is what is installed), the current file is kept as dbPath+".bak", and the copy
// is renamed into place, so at every instant dbPath is either the old database or the new one.
func Restore(dbPath, snapshot string) (SnapshotInfo, error) {
	if a, err := os.Stat(dbPath); err == nil {
		if b, err := os.Stat(snapshot); err == nil && os.SameFile(a, b) {
			return SnapshotInfo{}, fmt.Errorf("restore: %s is the database itself", snapshot)
		}
		unlock, err := lockFile(dbPath)
		if err != nil {
			return SnapshotInfo{}, fmt.Errorf("restore %s: %w", dbPath, err)
		}
		defer unlock()
	}
	dir := filepath.Dir(dbPath)
	tmp := dbPath + ".restore-tmp"
	if err := copyFile(snapshot, tmp); err != nil {
		return SnapshotInfo{}, fmt.Errorf("restore: copy %s: %w", snapshot, err)
	}
	defer os.Remove(tmp) // a no-op after the rename
	info, err := VerifySnapshot(tmp)
	if err != nil {
		return info, fmt.Errorf("restore %s: %w", snapshot, err)
	}
	if _, err := os.Stat(dbPath); err == nil {
		bak := dbPath + ".bak"
		if err := os.Remove(bak); err != nil && !os.IsNotExist(err) {
			return info, fmt.Errorf("restore: %w", err)
		}
		if err := os.Link(dbPath, bak); err != nil {
			// A file system without hard links: a copy is as good, just slower.
			if err := copyFile(dbPath, bak); err != nil {
				return info, fmt.Errorf("restore: keep the current database as %s: %w", bak, err)
			}
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	return info, syncDir(dir)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// Digest is a sha256 over every bucket name, key and value, in order: two databases with the same digest
// hold the same data. The health-check key, which /healthz rewrites, is left out.
func (db *DB) Digest() (string, error) {
	var d string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		d, err = digest(tx)
		return err
	})
	return d, err
}

func digest(tx *bolt.Tx) (string, error) {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(itob(int64(len(b))))
		h.Write(b)
	}
	var walk func(name []byte, b *bolt.Bucket) error
	walk = func(name []byte, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if bytes.Equal(name, bucketMeta) && string(k) == "health" {
				return nil
			}
			field(k)
			field(v)
			if v == nil { // a nested bucket: its contents too
				if nested := b.Bucket(k); nested != nil {
					return walk(k, nested)
				}
			}
			return nil
		})
	}
	err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		field(name)
		return walk(name, b)
	})
	return hex.EncodeToString(h.Sum(nil)), err
}
