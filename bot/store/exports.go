package store

import (
	"encoding/json"
	"fmt"
)

// EachProgress calls fn for every lesson state of every learner, in user id then lesson id order.
func (tx *Tx) EachProgress(fn func(userID int64, lessonID string, p LessonProgress) error) error {
	return tx.tx.Bucket(bucketProgress).ForEach(func(k, v []byte) error {
		if len(k) < 8 {
			return nil
		}
		var p LessonProgress
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode progress %x: %w", k, err)
		}
		return fn(btoi(k[:8]), string(k[8:]), p)
	})
}

// HasUser reports whether a learner is stored (exports drop rows of learners who deleted their data).
func (tx *Tx) HasUser(id int64) bool { return tx.tx.Bucket(bucketUsers).Get(itob(id)) != nil }

// EachConsultation calls fn for every stored consultation, by learner then number. A learner who
// deleted their data took theirs along (the bucket is per user).
func (tx *Tx) EachConsultation(fn func(*Consultation) error) error {
	return tx.tx.Bucket(bucketConsultations).ForEach(func(k, v []byte) error {
		var c Consultation
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode consultation %x: %w", k, err)
		}
		return fn(&c)
	})
}
