package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Bucket names. Every bucket is created in Open so that read transactions never find one missing.
var (
	bucketMeta      = []byte("meta")
	bucketUsers     = []byte("users")
	bucketHandled   = []byte("handled_updates")
	bucketInbox     = []byte("inbox")      // update id → raw update, saved before confirming, until handled
	bucketProgress  = []byte("progress")   // user id (8) + lesson id → Progress
	bucketDaily     = []byte("daily")      // yyyy-mm-dd → DayStats
	bucketDayUsers  = []byte("day_users")  // yyyy-mm-dd + user id → present when the user was active that day
	bucketFiles     = []byte("file_ids")   // content hash → Telegram file_id
	bucketSchedule  = []byte("schedule")   // minute of day (2) + user id (8): who gets a daily lesson when
	bucketPolls     = []byte("polls")      // poll id → PollRecord
	bucketPollTimes = []byte("poll_times") // sent time (8) + poll id: prune order
	bucketReview    = []byte("review")     // user id (8) + question id → ReviewCard
	bucketCerts     = []byte("certs")      // certificate code → Certificate
	bucketUserCerts = []byte("user_certs") // user id (8) + course id → certificate code

	bucketOutbox      = []byte("outbox")       // lane + 0 + id (8) → Job
	bucketOutboxChats = []byte("outbox_chats") // chat id (8) + lane + 0 + id (8): a chat's pending jobs
	bucketOutboxKeys  = []byte("outbox_keys")  // dedupe key → enqueue time
	bucketDeadLetters = []byte("dead_letters") // id (8) → Job that could not be delivered
)

var allBuckets = [][]byte{bucketMeta, bucketUsers, bucketHandled, bucketInbox, bucketProgress, bucketDaily, bucketDayUsers, bucketFiles, bucketSchedule,
	bucketPolls, bucketPollTimes, bucketReview, bucketCerts, bucketUserCerts,
	bucketOutbox, bucketOutboxChats, bucketOutboxKeys, bucketDeadLetters}

// Feature files declare their buckets with bucket or userBucket (keys starting with an 8-byte user id,
// cleared by DeleteUser), so that adding a feature does not touch this file. Open creates them all.
var registered, registeredPerUser [][]byte

func bucket(name string) []byte {
	b := []byte(name)
	registered = append(registered, b)
	return b
}

func userBucket(name string) []byte {
	b := bucket(name)
	registeredPerUser = append(registeredPerUser, b)
	return b
}

const keySchemaVersion = "schema_version"

// migrations[i] moves a database from version i to i+1. Append only.
var migrations = []func(*bolt.Tx) error{
	func(*bolt.Tx) error { return nil }, // 0 → 1: initial buckets, created below
	rebuildFigures,                      // 1 → 2: running totals and activity indexes for /stats (figures.go)
	migrateDeliveryIndexes,              // 2 → 3: zones in use and the last-activity index (delivery.go)
	// 3 → 4: the carried_lessons bucket (created above). Carrying progress over a content split needs the
	// catalog's replacement map, which the store cannot read: the learning feature runs
	// DB.CarryOverSplits with it at every start, and it carries each replaced lesson once (splits.go).
	func(*bolt.Tx) error { return nil },
	revokeFailedQuizCompletions, // 4 → 5: a failed quiz no longer finishes a lesson (migrate_failed_quizzes.go)
	migrateErasureIndexes,       // 5 → 6: dead letters by chat and time, polls by user (deadletters.go, quiz.go)
}

// SchemaVersion is the version a database has after Open.
func SchemaVersion() int { return len(migrations) }

func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range append(append([][]byte{}, allBuckets...), registered...) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := 0
		if b := meta.Get([]byte(keySchemaVersion)); b != nil {
			v = int(btoi(b))
		}
		if v > len(migrations) {
			return fmt.Errorf("database schema %d is newer than this tavanbot (%d): upgrade the binary", v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate schema %d → %d: %w", v, v+1, err)
			}
		}
		return meta.Put([]byte(keySchemaVersion), itob(int64(v)))
	})
}

// Version reads the stored schema version.
func (db *DB) Version() (int, error) {
	var v int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta).Get([]byte(keySchemaVersion)); b != nil {
			v = int(btoi(b))
		}
		return nil
	})
	return v, err
}
