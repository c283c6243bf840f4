package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The staff dashboard's records: one-time sign-in links, sessions, and the nightly rollup of the figures
// that need a scan. Links and sessions are keyed by the SHA-256 of their secret, so a copy of the
// database opens no dashboard.
var (
	bucketDashLinks    = bucket("dashboard_links")    // sha256(link token) → DashboardGrant
	bucketDashSessions = bucket("dashboard_sessions") // sha256(session id) → DashboardGrant
	bucketDashRollup   = bucket("dashboard_rollup")   // "latest" → the rollup, in the dashboard's own format
)

// DashboardGrant is a sign-in link or a session: whose, until when, and (links) whether it was used.
type DashboardGrant struct {
	Admin   int64     `json:"a"`
	Expires time.Time `json:"x"`
	Used    bool      `json:"u,omitempty"`
}

func putGrant(b *bolt.Bucket, key []byte, g DashboardGrant) error {
	v, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

func getGrant(b *bolt.Bucket, key []byte) (DashboardGrant, bool) {
	var g DashboardGrant
	v := b.Get(key)
	if v == nil || json.Unmarshal(v, &g) != nil {
		return g, false
	}
	return g, true
}

// PutDashboardLink saves a sign-in link under the hash of its token.
func (tx *Tx) PutDashboardLink(hash []byte, g DashboardGrant) error {
	return putGrant(tx.tx.Bucket(bucketDashLinks), hash, g)
}

// DashboardLink reads a sign-in link by the hash of its token.
func (tx *Tx) DashboardLink(hash []byte) (DashboardGrant, bool) {
	return getGrant(tx.tx.Bucket(bucketDashLinks), hash)
}

// PutDashboardSession saves a session under the hash of its id.
func (tx *Tx) PutDashboardSession(hash []byte, g DashboardGrant) error {
	return putGrant(tx.tx.Bucket(bucketDashSessions), hash, g)
}

// DashboardSession reads a session by the hash of its id.
func (tx *Tx) DashboardSession(hash []byte) (DashboardGrant, bool) {
	return getGrant(tx.tx.Bucket(bucketDashSessions), hash)
}

// DeleteDashboardSession ends a session.
func (tx *Tx) DeleteDashboardSession(hash []byte) error {
	return tx.tx.Bucket(bucketDashSessions).Delete(hash)
}

// PruneDashboardGrants forgets links and sessions that expired before now.
func (tx *Tx) PruneDashboardGrants(now time.Time) (int, error) {
	n := 0
	for _, name := range [][]byte{bucketDashLinks, bucketDashSessions} {
		b := tx.tx.Bucket(name)
		var old [][]byte
		_ = b.ForEach(func(k, _ []byte) error {
			if g, ok := getGrant(b, k); !ok || g.Expires.Before(now) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return n, err
			}
		}
		n += len(old)
	}
	return n, nil
}

// PutDashboardRollup saves the latest rollup (opaque to the store).
func (tx *Tx) PutDashboardRollup(v []byte) error {
	return tx.tx.Bucket(bucketDashRollup).Put([]byte("latest"), v)
}

// DashboardRollup is the latest rollup, nil before the first; the caller decodes it within tx.
func (tx *Tx) DashboardRollup() []byte { return tx.tx.Bucket(bucketDashRollup).Get([]byte("latest")) }

// DaysBetween calls fn for each day with counters from first to last (yyyy-mm-dd, both included), in
// order: O(days in the range).
func (tx *Tx) DaysBetween(first, last string, fn func(day string, d DayStats)) {
	c := tx.tx.Bucket(bucketDaily).Cursor()
	for k, v := c.Seek([]byte(first)); k != nil && string(k) <= last; k, v = c.Next() {
		var d DayStats
		if json.Unmarshal(v, &d) == nil {
			fn(string(k), d)
		}
	}
}

// EachCertificate calls fn with every certificate issued.
func (tx *Tx) EachCertificate(fn func(*Certificate) error) error {
	return tx.tx.Bucket(bucketCerts).ForEach(func(_, v []byte) error {
		var c Certificate
		if json.Unmarshal(v, &c) != nil {
			return nil
		}
		return fn(&c)
	})
}

// ProgressFrom calls fn with the lesson states of up to limit learners with ids above after, in id
// order; more reports whether learners remain. The dashboard's rollup walks every learner's progress in
// short read transactions with it, so that no reader holds the database for the whole scan.
func (tx *Tx) ProgressFrom(after int64, limit int, fn func(userID int64, lessonID string, p LessonProgress) error) (last int64, more bool, err error) {
	c := tx.tx.Bucket(bucketProgress).Cursor()
	n := 0
	last = after
	for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
		if len(k) < 8 {
			continue
		}
		id := btoi(k[:8])
		if id != last || n == 0 {
			if n == limit {
				return last, true, nil
			}
			n++
		}
		last = id
		var p LessonProgress
		if json.Unmarshal(v, &p) != nil {
			continue // a damaged record is left out of the figures rather than stopping them
		}
		if err := fn(id, string(k[8:]), p); err != nil {
			return last, false, err
		}
	}
	return last, false, nil
}
