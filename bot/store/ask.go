package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// The questions learners type to Ask Tavan (bot/ask), kept at most 90 days so that staff see what the
// content does not answer. Each is stored with its learner (DeleteUser erases them) and already masked:
// phone numbers, usernames, links and e-mail addresses never reach the store.
var bucketAskQuestions = userBucket("ask_questions") // user id (8) + question id (8) → AskedQuestion

// AskedQuestion is one question and how it was answered.
type AskedQuestion struct {
	ID        uint64    `json:"id"`
	UserID    int64     `json:"user"`
	MessageID int       `json:"msg"`            // the question's message in the learner's chat
	Length    int       `json:"len"`            // its length in characters, as typed
	Text      string    `json:"text"`           // masked
	Norm      string    `json:"norm"`           // its normalised words: questions asked alike share it
	Lang      string    `json:"lang,omitempty"` // the learner's language when asking
	At        time.Time `json:"at"`
	Answered  bool      `json:"ok,omitempty"`    // a confident answer was shown
	Source    string    `json:"src,omitempty"`   // the answer's "<kind>:<id>"
	Topic     string    `json:"topic,omitempty"` // the consultants' topic guessed from the matches
	Feedback  int       `json:"fb,omitempty"`    // 1 helpful, -1 not this
}

func askKey(userID int64, id uint64) []byte { return binary.BigEndian.AppendUint64(itob(userID), id) }

// AddAskedQuestion stores q, filling its ID and time.
func (tx *Tx) AddAskedQuestion(q *AskedQuestion) error {
	seq, err := tx.tx.Bucket(bucketAskQuestions).NextSequence()
	if err != nil {
		return err
	}
	q.ID, q.At = seq, tx.now
	return tx.PutAskedQuestion(q)
}

// PutAskedQuestion saves q.
func (tx *Tx) PutAskedQuestion(q *AskedQuestion) error {
	v, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("encode asked question %d: %w", q.ID, err)
	}
	return tx.tx.Bucket(bucketAskQuestions).Put(askKey(q.UserID, q.ID), v)
}

// AskedQuestion loads one of a learner's questions; ErrNotFound if it is gone (pruned or erased).
func (tx *Tx) AskedQuestion(userID int64, id uint64) (*AskedQuestion, error) {
	v := tx.tx.Bucket(bucketAskQuestions).Get(askKey(userID, id))
	if v == nil {
		return nil, ErrNotFound
	}
	var q AskedQuestion
	if err := json.Unmarshal(v, &q); err != nil {
		return nil, fmt.Errorf("decode asked question %d: %w", id, err)
	}
	return &q, nil
}

// AskedQuestions calls fn for every stored question, by learner, until fn returns false.
func (tx *Tx) AskedQuestions(fn func(*AskedQuestion) bool) error {
	c := tx.tx.Bucket(bucketAskQuestions).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var q AskedQuestion
		if err := json.Unmarshal(v, &q); err != nil {
			return fmt.Errorf("decode asked question %x: %w", k, err)
		}
		if !fn(&q) {
			return nil
		}
	}
	return nil
}

// CountAskedQuestions is how many questions are stored.
func (tx *Tx) CountAskedQuestions() int { return tx.tx.Bucket(bucketAskQuestions).Stats().KeyN }

// PruneAskedQuestions erases the questions asked before cutoff, reading the bucket in chunks of pruneLimit
// keys, one write transaction each, so that other writers get the lock between them. It returns how
// many it erased.
func (db *DB) PruneAskedQuestions(cutoff time.Time) (int, error) {
	total := 0
	var after []byte
	for {
		var next []byte
		err := db.Update(func(tx *Tx) error {
			b := tx.tx.Bucket(bucketAskQuestions)
			c := b.Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			var old [][]byte
			for n := 0; k != nil && n < pruneLimit; k, v = c.Next() {
				n++
				next = append(next[:0], k...)
				var q AskedQuestion
				if err := json.Unmarshal(v, &q); err != nil || q.At.Before(cutoff) {
					old = append(old, append([]byte(nil), k...))
				}
			}
			if k == nil {
				next = nil
			}
			for _, key := range old {
				if err := b.Delete(key); err != nil {
					return err
				}
			}
			total += len(old)
			return nil
		})
		if err != nil || next == nil {
			return total, err
		}
		after = next
	}
}
