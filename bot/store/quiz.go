package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PollRecord ties a quiz poll Telegram knows by id to the learner and question it asks.
type PollRecord struct {
	UserID   int64  `json:"u"`
	LessonID string `json:"l"`
	Question int    `json:"q"`           // 0-based question index in the lesson
	Attempt  int    `json:"a,omitempty"` // lesson quiz attempt; 0 for a review question
	Answered bool   `json:"done,omitempty"`
	Message  int    `json:"m,omitempty"` // the poll's message id, to stop it
	Order    []int  `json:"o,omitempty"` // Order[shown] is the option's index in the content; nil: as in the content
}

// pollRetention is how long a quiz poll is remembered: long enough to ignore late or repeated answers.
const pollRetention = 14 * 24 * time.Hour

// Poll loads the record of pollID; ErrNotFound if the poll is not ours.
func (tx *Tx) Poll(pollID string) (*PollRecord, error) {
	v := tx.tx.Bucket(bucketPolls).Get([]byte(pollID))
	if v == nil {
		return nil, ErrNotFound
	}
	var p PollRecord
	if err := json.Unmarshal(v, &p); err != nil {
		return nil, fmt.Errorf("decode poll %s: %w", pollID, err)
	}
	return &p, nil
}

// PutPoll saves the record of pollID; a new poll is also indexed by time for pruning.
func (tx *Tx) PutPoll(pollID string, p *PollRecord) error {
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	b := tx.tx.Bucket(bucketPolls)
	if b.Get([]byte(pollID)) == nil {
		if err := tx.tx.Bucket(bucketPollTimes).Put(append(encodeTime(tx.now), pollID...), nil); err != nil {
			return err
		}
		if err := tx.tx.Bucket(bucketUserPolls).Put(append(itob(p.UserID), pollID...), nil); err != nil {
			return err
		}
	}
	return b.Put([]byte(pollID), v)
}

// PrunePolls forgets every quiz poll older than the retention, oldest first, in chunks; it returns how many.
func (db *DB) PrunePolls() (int, error) {
	return db.pruneInChunks(func(tx *Tx) (int, error) {
		cutoff := string(encodeTime(tx.now.Add(-pollRetention)))
		times := tx.tx.Bucket(bucketPollTimes)
		var keys [][]byte
		c := times.Cursor()
		for k, _ := c.First(); k != nil && string(k[:8]) < cutoff && len(keys) < pruneLimit; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if p, err := tx.Poll(string(k[8:])); err == nil {
				if err := tx.tx.Bucket(bucketUserPolls).Delete(append(itob(p.UserID), k[8:]...)); err != nil {
					return 0, err
				}
			}
			if err := tx.tx.Bucket(bucketPolls).Delete(k[8:]); err != nil {
				return 0, err
			}
		}
		return len(keys), deleteKeys(times, keys)
	})
}

// bucketUserPolls indexes quiz polls by learner, so that /deleteme erases their poll records (which name
// them) at once instead of leaving them to expire. The index itself is a per-user bucket.
var bucketUserPolls = userBucket("user_polls") // user id (8) + poll id

// deleteUserPolls erases the poll records of userID (the user deleted their data).
func (tx *Tx) deleteUserPolls(userID int64) error {
	prefix := itob(userID)
	c := tx.tx.Bucket(bucketUserPolls).Cursor()
	var ids [][]byte
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, append([]byte(nil), k[8:]...))
	}
	return deleteKeys(tx.tx.Bucket(bucketPolls), ids) // their poll_times entries go with the next prune
}

// migratePollUsers indexes the polls stored before the index existed.
func migratePollUsers(btx *bolt.Tx) error {
	idx, err := btx.CreateBucketIfNotExists(bucketUserPolls)
	if err != nil {
		return err
	}
	return btx.Bucket(bucketPolls).ForEach(func(k, v []byte) error {
		var p PollRecord
		if json.Unmarshal(v, &p) != nil {
			return nil
		}
		return idx.Put(append(itob(p.UserID), k...), nil)
	})
}

// ReviewCard is one question in a learner's Leitner schedule.
type ReviewCard struct {
	Box  int    `json:"b"` // 1..MaxBox; a card answered right in the last box retires
	Due  string `json:"d"` // yyyy-mm-dd in the program's zone
	Seen int    `json:"n,omitempty"`
}

// MaxBox is the last Leitner box.
const MaxBox = 5

func reviewKey(userID int64, questionID string) []byte { return append(itob(userID), questionID...) }

// ReviewCard loads a card; ok is false when the question is not scheduled.
func (tx *Tx) ReviewCard(userID int64, questionID string) (ReviewCard, bool) {
	var c ReviewCard
	v := tx.tx.Bucket(bucketReview).Get(reviewKey(userID, questionID))
	if v == nil || json.Unmarshal(v, &c) != nil {
		return c, false
	}
	return c, true
}

// PutReviewCard schedules a question.
func (tx *Tx) PutReviewCard(userID int64, questionID string, c ReviewCard) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketReview).Put(reviewKey(userID, questionID), v)
}

// DeleteReviewCard retires a question from the schedule.
func (tx *Tx) DeleteReviewCard(userID int64, questionID string) error {
	return tx.tx.Bucket(bucketReview).Delete(reviewKey(userID, questionID))
}

// DueReviews lists the question ids of userID due on or before day (yyyy-mm-dd), oldest due first.
func (tx *Tx) DueReviews(userID int64, day string) []string {
	type due struct{ id, day string }
	var list []due
	prefix := itob(userID)
	c := tx.tx.Bucket(bucketReview).Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var card ReviewCard
		if json.Unmarshal(v, &card) == nil && card.Due <= day {
			list = append(list, due{string(k[8:]), card.Due})
		}
	}
	// Stable order: oldest due first, then by id.
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && (list[j].day < list[j-1].day || (list[j].day == list[j-1].day && list[j].id < list[j-1].id)); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
	ids := make([]string, len(list))
	for i, d := range list {
		ids[i] = d.id
	}
	return ids
}

// Certificate proves a learner completed a course.
type Certificate struct {
	Code     string    `json:"code"`
	UserID   int64     `json:"u"`
	CourseID string    `json:"c"`
	Issued   time.Time `json:"t"`
	Name     string    `json:"name"` // the holder's name at issue time
}

// Certificate loads a certificate by code; ErrNotFound if no such code.
func (tx *Tx) Certificate(code string) (*Certificate, error) {
	v := tx.tx.Bucket(bucketCerts).Get([]byte(code))
	if v == nil {
		return nil, ErrNotFound
	}
	var c Certificate
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// UserCertificate is the code of userID's certificate for courseID, or "".
func (tx *Tx) UserCertificate(userID int64, courseID string) string {
	return string(tx.tx.Bucket(bucketUserCerts).Get(append(itob(userID), courseID...)))
}

// PutCertificate stores a certificate and indexes it under its holder.
func (tx *Tx) PutCertificate(c *Certificate) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := tx.tx.Bucket(bucketCerts).Put([]byte(c.Code), v); err != nil {
		return err
	}
	return tx.tx.Bucket(bucketUserCerts).Put(append(itob(c.UserID), c.CourseID...), []byte(c.Code))
}

// deleteUserCertificates removes the certificates of a user who deleted their data.
func (tx *Tx) deleteUserCertificates(userID int64) error {
	prefix := itob(userID)
	c := tx.tx.Bucket(bucketUserCerts).Cursor()
	var codes [][]byte
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		codes = append(codes, append([]byte(nil), v...))
	}
	for _, code := range codes {
		if err := tx.tx.Bucket(bucketCerts).Delete(code); err != nil {
			return err
		}
	}
	return nil
}
