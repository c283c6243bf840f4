package store

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// An event's list entry shows its seats: counting them from every reservation cost a decode of each on
// every /events (4,000 reservations per event at the program's scale, read 20,000 times a day). The
// counts are kept beside the reservations instead, changed in the same transaction as they are.

var bucketRSVPCounts = bucket("event_rsvp_counts") // event id (8) → RSVPCounts

// RSVPCounts are an event's reservations by status, and how many checked in.
type RSVPCounts struct {
	Going     int `json:"g,omitempty"`
	Offered   int `json:"o,omitempty"`
	Waitlist  int `json:"w,omitempty"`
	CheckedIn int `json:"c,omitempty"`
}

// add counts r in (sign 1) or out (sign -1).
func (n *RSVPCounts) add(r *RSVP, sign int) {
	switch r.Status {
	case RSVPGoing:
		n.Going += sign
	case RSVPOffered:
		n.Offered += sign
	case RSVPWaitlist:
		n.Waitlist += sign
	}
	if !r.CheckedIn.IsZero() {
		n.CheckedIn += sign
	}
}

// EventCounts are eventID's reservation counts. An event whose reservations have not changed since the
// counts were introduced has none stored yet: its reservations are counted here (it gets them stored at
// its next change).
func (tx *Tx) EventCounts(eventID int64) (RSVPCounts, error) {
	if v := tx.tx.Bucket(bucketRSVPCounts).Get(itob(eventID)); v != nil {
		var n RSVPCounts
		if err := json.Unmarshal(v, &n); err != nil {
			return RSVPCounts{}, fmt.Errorf("decode rsvp counts %d: %w", eventID, err)
		}
		return n, nil
	}
	var n RSVPCounts
	prefix := itob(eventID)
	c := tx.tx.Bucket(bucketRSVPs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r RSVP
		if err := json.Unmarshal(v, &r); err != nil {
			return RSVPCounts{}, fmt.Errorf("decode rsvp %x: %w", k, err)
		}
		n.add(&r, 1)
	}
	return n, nil
}

// recountRSVPs changes eventID's counts as a reservation goes from old to new (either may be nil).
func (tx *Tx) recountRSVPs(eventID int64, old, new *RSVP) error {
	n, err := tx.EventCounts(eventID)
	if err != nil {
		return err
	}
	if old != nil {
		n.add(old, -1)
	}
	if new != nil {
		n.add(new, 1)
	}
	v, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketRSVPCounts).Put(itob(eventID), v)
}
