package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// bucketFeedback keeps what is needed to answer a learner's feedback: who sent it and which message.
// The words themselves are not kept: they reach the admins through the outbox and live in their chats.
var bucketFeedback = userBucket("feedback") // user id (8) + feedback id (8) → Feedback

// Feedback is one suggestion or problem report sent with /feedback.
type Feedback struct {
	ID        uint64    `json:"id"`
	UserID    int64     `json:"user"`
	MessageID int       `json:"msg"` // the learner's message in their chat
	At        time.Time `json:"at"`
	Replies   int       `json:"replies,omitempty"`
	LastReply time.Time `json:"replied,omitzero"`
}

func feedbackKey(userID int64, id uint64) []byte {
	return binary.BigEndian.AppendUint64(itob(userID), id)
}

// AddFeedback stores f, filling its ID and time.
func (tx *Tx) AddFeedback(f *Feedback) error {
	b := tx.tx.Bucket(bucketFeedback)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	f.ID, f.At = seq, tx.now
	return tx.PutFeedback(f)
}

// PutFeedback saves f.
func (tx *Tx) PutFeedback(f *Feedback) error {
	v, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode feedback %d: %w", f.ID, err)
	}
	return tx.tx.Bucket(bucketFeedback).Put(feedbackKey(f.UserID, f.ID), v)
}

// Feedback loads one feedback; ErrNotFound if it never existed or its sender deleted their data.
func (tx *Tx) Feedback(userID int64, id uint64) (*Feedback, error) {
	v := tx.tx.Bucket(bucketFeedback).Get(feedbackKey(userID, id))
	if v == nil {
		return nil, ErrNotFound
	}
	var f Feedback
	if err := json.Unmarshal(v, &f); err != nil {
		return nil, fmt.Errorf("decode feedback %d: %w", id, err)
	}
	return &f, nil
}
