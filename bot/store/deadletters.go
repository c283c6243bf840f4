package store

import (
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Dead letters carry what was to be sent and to whom, so they follow the rules of personal data: a
// learner's are erased with the learner (DeleteUser), and every one expires deadLetterRetention after it
// was set aside. Two indexes find them without reading the whole list.
var (
	bucketDeadLetterChats = bucket("dead_letter_chats") // chat id (8) + job id (8)
	bucketDeadLetterTimes = bucket("dead_letter_times") // dead-lettered at (8) + job id (8)
)

// deadLetterRetention is how long admins can see and retry a dead letter.
const deadLetterRetention = 30 * 24 * time.Hour

func deadLetterKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

func indexDeadLetter(tx *bolt.Tx, j *Job) error {
	if err := tx.Bucket(bucketDeadLetterChats).Put(append(itob(j.ChatID), deadLetterKey(j.ID)...), nil); err != nil {
		return err
	}
	return tx.Bucket(bucketDeadLetterTimes).Put(append(encodeTime(j.Dead), deadLetterKey(j.ID)...), nil)
}

// removeDeadLetter deletes dead letter j and its index entries.
func removeDeadLetter(tx *bolt.Tx, j *Job) error {
	if err := tx.Bucket(bucketDeadLetterChats).Delete(append(itob(j.ChatID), deadLetterKey(j.ID)...)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketDeadLetterTimes).Delete(append(encodeTime(j.Dead), deadLetterKey(j.ID)...)); err != nil {
		return err
	}
	return tx.Bucket(bucketDeadLetters).Delete(deadLetterKey(j.ID))
}

func loadDeadLetter(tx *bolt.Tx, key []byte) (*Job, error) {
	v := tx.Bucket(bucketDeadLetters).Get(key)
	if v == nil {
		return nil, ErrNotFound
	}
	var j Job
	if err := json.Unmarshal(v, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// dropDeadLetters erases every dead letter to chatID (the user deleted their data).
func (tx *Tx) dropDeadLetters(chatID int64) error {
	prefix := itob(chatID)
	var keys [][]byte
	c := tx.tx.Bucket(bucketDeadLetterChats).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k[8:]...))
	}
	for _, k := range keys {
		j, err := loadDeadLetter(tx.tx, k)
		if err == ErrNotFound {
			continue
		} else if err != nil {
			return err
		}
		if err := removeDeadLetter(tx.tx, j); err != nil {
			return err
		}
	}
	return nil
}

// PruneDeadLetters erases every dead letter older than the retention, in chunks; it returns how many.
func (db *DB) PruneDeadLetters() (int, error) {
	return db.pruneInChunks(func(tx *Tx) (int, error) {
		cutoff := string(encodeTime(tx.now.Add(-deadLetterRetention)))
		var keys [][]byte
		c := tx.tx.Bucket(bucketDeadLetterTimes).Cursor()
		for k, _ := c.First(); k != nil && string(k[:8]) < cutoff && len(keys) < pruneLimit; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			j, err := loadDeadLetter(tx.tx, k[8:])
			if err == ErrNotFound { // an index entry left without its letter
				if err := tx.tx.Bucket(bucketDeadLetterTimes).Delete(k); err != nil {
					return 0, err
				}
				continue
			} else if err != nil {
				return 0, err
			}
			if err := removeDeadLetter(tx.tx, j); err != nil {
				return 0, err
			}
		}
		return len(keys), nil
	})
}

// migrateErasureIndexes builds the indexes that let DeleteUser and the expiry find a user's dead letters
// and quiz polls.
func migrateErasureIndexes(tx *bolt.Tx) error {
	if err := migrateDeadLetterIndexes(tx); err != nil {
		return err
	}
	return migratePollUsers(tx)
}

// migrateDeadLetterIndexes indexes the dead letters stored before the indexes existed; their time is
// taken as their job's creation.
func migrateDeadLetterIndexes(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketDeadLetterChats, bucketDeadLetterTimes} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	var jobs []*Job
	if err := tx.Bucket(bucketDeadLetters).ForEach(func(_, v []byte) error {
		var j Job
		if err := json.Unmarshal(v, &j); err != nil {
			return err
		}
		jobs = append(jobs, &j)
		return nil
	}); err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Dead.IsZero() {
			j.Dead = j.Created
			v, err := json.Marshal(j)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketDeadLetters).Put(deadLetterKey(j.ID), v); err != nil {
				return err
			}
		}
		if err := indexDeadLetter(tx, j); err != nil {
			return err
		}
	}
	return nil
}
