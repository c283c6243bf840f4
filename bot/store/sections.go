package store

import (
	"encoding/json"
	"fmt"
)

// bucketBrowse holds each learner's latest search or shared location in the browsable sections, so that
// the result pages can be turned with buttons whose data carries only a sequence number.
var bucketBrowse = userBucket("browse") // user id (8) → Browse

// Browse is a learner's latest search (Query) or "nearest centres" request (Near) in one section.
type Browse struct {
	Seq     uint32  `json:"seq"` // grows with every new search; result buttons carry it and go stale when it moves on
	Section string  `json:"sec"`
	Query   string  `json:"q,omitempty"`
	Near    bool    `json:"near,omitempty"`
	Lat     float64 `json:"lat,omitempty"` // rounded to about 10 m
	Lon     float64 `json:"lon,omitempty"`
}

// Browse reads userID's latest search; the zero value if there is none.
func (tx *Tx) Browse(userID int64) (Browse, error) {
	var b Browse
	v := tx.tx.Bucket(bucketBrowse).Get(itob(userID))
	if v == nil {
		return b, nil
	}
	if err := json.Unmarshal(v, &b); err != nil {
		return Browse{}, fmt.Errorf("decode browse %d: %w", userID, err)
	}
	return b, nil
}

// NewBrowse replaces userID's latest search with b and returns it with its new sequence number.
func (tx *Tx) NewBrowse(userID int64, b Browse) (Browse, error) {
	old, err := tx.Browse(userID)
	if err != nil {
		return Browse{}, err
	}
	b.Seq = old.Seq + 1
	if b.Seq == 0 { // 0 means "no search" in button data
		b.Seq = 1
	}
	v, err := json.Marshal(b)
	if err != nil {
		return Browse{}, fmt.Errorf("encode browse %d: %w", userID, err)
	}
	return b, tx.tx.Bucket(bucketBrowse).Put(itob(userID), v)
}
