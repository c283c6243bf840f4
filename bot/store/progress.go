package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// LessonProgress is one learner's state in one lesson.
type LessonProgress struct {
	Opened    time.Time `json:"opened,omitzero"`
	Completed time.Time `json:"done,omitzero"` // zero until the learner finished the lesson (and its quiz)
	Minutes   int       `json:"min,omitempty"` // learning minutes credited, once

	Attempt  int    `json:"att,omitempty"`  // the quiz attempt in progress or last finished, from 1
	Answered uint32 `json:"ans,omitempty"`  // bit i: question i answered in this attempt
	Correct  uint32 `json:"ok,omitempty"`   // bit i: question i answered correctly in this attempt
	Best     int    `json:"best,omitempty"` // most correct answers in one finished attempt
	Passed   bool   `json:"pass,omitempty"`

	Reminded int `json:"rem,omitempty"` // daily messages that found the learner in the middle of this lesson
}

func progressKey(userID int64, lessonID string) []byte {
	return append(itob(userID), lessonID...)
}

// Progress is userID's state in lessonID (the zero value if they never opened it).
func (tx *Tx) Progress(userID int64, lessonID string) (LessonProgress, error) {
	var p LessonProgress
	v := tx.tx.Bucket(bucketProgress).Get(progressKey(userID, lessonID))
	if v == nil {
		return p, nil
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return p, fmt.Errorf("decode progress %d/%s: %w", userID, lessonID, err)
	}
	return p, nil
}

// PutProgress saves userID's state in lessonID.
func (tx *Tx) PutProgress(userID int64, lessonID string, p LessonProgress) error {
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketProgress).Put(progressKey(userID, lessonID), v)
}

// AllProgress is every lesson state of userID, by lesson id.
func (tx *Tx) AllProgress(userID int64) (map[string]LessonProgress, error) {
	out := map[string]LessonProgress{}
	prefix := itob(userID)
	c := tx.tx.Bucket(bucketProgress).Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var p LessonProgress
		if err := json.Unmarshal(v, &p); err != nil {
			return nil, fmt.Errorf("decode progress %d/%s: %w", userID, k[8:], err)
		}
		out[string(k[8:])] = p
	}
	return out, nil
}

// FileID is the Telegram file_id cached for content with this hash, or "".
func (tx *Tx) FileID(hash string) string {
	return string(tx.tx.Bucket(bucketFiles).Get([]byte(hash)))
}

// PutFileID caches the file_id Telegram gave an upload, so the file is uploaded once.
func (tx *Tx) PutFileID(hash, fileID string) error {
	return tx.tx.Bucket(bucketFiles).Put([]byte(hash), []byte(fileID))
}
