package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event statuses.
const (
	EventScheduled = "scheduled"
	EventChanged   = "changed" // time or place changed after it was announced
	EventCancelled = "cancelled"
)

// RSVP statuses. Going and Offered hold a seat; Waitlist waits for one; the rest hold nothing.
const (
	RSVPGoing     = "going"
	RSVPWaitlist  = "waitlist"
	RSVPOffered   = "offered"   // a freed seat is held for this waitlisted learner until OfferExpires
	RSVPCancelled = "cancelled" // the learner cancelled
	RSVPDeclined  = "declined"  // the learner turned a seat offer down
	RSVPExpired   = "expired"   // the learner let a seat offer lapse
)

// Place is where an event happens: a venue (name, address, optional coordinates) or an online link.
type Place struct {
	Name    string  `json:"name,omitempty"`
	Address string  `json:"addr,omitempty"`
	Lat     float64 `json:"lat,omitempty"`
	Lon     float64 `json:"lon,omitempty"`
	HasGeo  bool    `json:"geo,omitempty"`
	Online  string  `json:"url,omitempty"`
}

// Event is a seminar, workshop, startup weekend or exhibition learners can reserve a seat at.
type Event struct {
	ID            int64     `json:"id"`
	Key           string    `json:"key,omitempty"` // the bulk-import key, unique when set
	Title         string    `json:"title"`
	TitleEn       string    `json:"title_en,omitempty"`
	Description   string    `json:"desc,omitempty"`
	DescriptionEn string    `json:"desc_en,omitempty"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Place         Place     `json:"place"`
	Capacity      int       `json:"cap,omitempty"` // 0 = unlimited
	Tracks        []string  `json:"tracks,omitempty"`
	Organizer     string    `json:"org,omitempty"`
	Status        string    `json:"status"`
	Seq           int       `json:"seq,omitempty"`     // bumped by every change: the .ics SEQUENCE, part of reminder keys
	Cover         string    `json:"cover,omitempty"`   // photo file_id
	Reminders     []int     `json:"remind,omitempty"`  // minutes before the start; nil = the defaults
	OfferHours    int       `json:"offer_h,omitempty"` // how long a freed seat is held for a waitlisted learner; 0 = default
	Token         string    `json:"token"`             // the door code (check-in deep link)
	CreatedBy     int64     `json:"by,omitempty"`      // the admin who created it
	Created       time.Time `json:"created"`
	Updated       time.Time `json:"updated,omitzero"`
	Imported      bool      `json:"imported,omitempty"` // came from a bulk import
	Cancelled     time.Time `json:"cancelled,omitzero"`
	Changed       time.Time `json:"changed_at,omitzero"` // the last change of time or place
	DoorQR        bool      `json:"door_qr,omitempty"`   // the printable door code checks learners in (off: only staff scan tickets)
	DoorStaff     []int64   `json:"staff,omitempty"`     // who may scan tickets besides the admins
	Announcing    bool      `json:"ann,omitempty"`       // its announcement to the learners of its tracks is under way
	AnnouncedTo   int64     `json:"ann_to,omitempty"`    // the announcement reached the learners up to this id
}

// Duration is how long the event lasts.
func (e *Event) Duration() time.Duration { return e.End.Sub(e.Start) }

// RSVP is one learner's reservation at one event.
type RSVP struct {
	EventID      int64     `json:"e"`
	UserID       int64     `json:"u"`
	Status       string    `json:"s"`
	At           time.Time `json:"at"`           // the latest reservation (going or waitlist)
	Queued       time.Time `json:"q,omitzero"`   // when the learner joined the waitlist: its order
	OfferExpires time.Time `json:"ox,omitzero"`  // Offered: the seat is held until then
	CheckedIn    time.Time `json:"ci,omitzero"`  // marked present (a ticket scanned by staff, or the door code)
	CheckedBy    int64     `json:"cb,omitempty"` // the staff member who scanned the ticket; 0: the learner at the door code
	Credited     int       `json:"cm,omitempty"` // learning minutes the check-in credited
	Updated      time.Time `json:"upd,omitzero"`
}

// HoldsSeat reports whether the reservation counts against the capacity.
func (r *RSVP) HoldsSeat() bool { return r.Status == RSVPGoing || r.Status == RSVPOffered }

var (
	bucketEvents      = bucket("events")       // event id (8) → Event
	bucketEventStarts = bucket("event_starts") // start unix nanos (8) + event id (8): events in time order
	bucketEventTokens = bucket("event_tokens") // door token → event id (8)
	bucketEventKeys   = bucket("event_keys")   // import key → event id (8)
	bucketRSVPs       = bucket("event_rsvps")  // event id (8) + user id (8) → RSVP
	bucketUserRSVPs   = userBucket("user_rsvps")
	bucketEventDrafts = userBucket("event_drafts") // admin id (8) → the /newevent wizard's draft (the bot's JSON)
)

// ErrDuplicateKey means an event with the same import key exists.
var ErrDuplicateKey = errors.New("event key already used")

func startKey(t time.Time, id int64) []byte { return append(itob(t.UnixNano()), itob(id)...) }

func rsvpKey(eventID, userID int64) []byte { return append(itob(eventID), itob(userID)...) }

// CreateEvent stores a new event, giving it an id; e.Token must be set and unique.
func (tx *Tx) CreateEvent(e *Event) error {
	if e.Token == "" {
		return errors.New("create event: no door token")
	}
	if tx.tx.Bucket(bucketEventTokens).Get([]byte(e.Token)) != nil {
		return errors.New("create event: door token in use")
	}
	if e.Key != "" && tx.tx.Bucket(bucketEventKeys).Get([]byte(e.Key)) != nil {
		return fmt.Errorf("create event %q: %w", e.Key, ErrDuplicateKey)
	}
	seq, err := tx.tx.Bucket(bucketEvents).NextSequence()
	if err != nil {
		return err
	}
	e.ID = int64(seq)
	e.Created = tx.now
	if e.Status == "" {
		e.Status = EventScheduled
	}
	if err := tx.tx.Bucket(bucketEventTokens).Put([]byte(e.Token), itob(e.ID)); err != nil {
		return err
	}
	if e.Key != "" {
		if err := tx.tx.Bucket(bucketEventKeys).Put([]byte(e.Key), itob(e.ID)); err != nil {
			return err
		}
	}
	return tx.putEvent(e, nil)
}

// PutEvent saves a changed event and keeps the time index in step.
func (tx *Tx) PutEvent(e *Event) error {
	old, err := tx.Event(e.ID)
	if err != nil {
		return err
	}
	e.Updated = tx.now
	return tx.putEvent(e, old)
}

func (tx *Tx) putEvent(e *Event, old *Event) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event %d: %w", e.ID, err)
	}
	if err := tx.tx.Bucket(bucketEvents).Put(itob(e.ID), v); err != nil {
		return err
	}
	idx := tx.tx.Bucket(bucketEventStarts)
	if old != nil && !old.Start.Equal(e.Start) {
		if err := idx.Delete(startKey(old.Start, e.ID)); err != nil {
			return err
		}
	}
	return idx.Put(startKey(e.Start, e.ID), nil)
}

// Event loads an event; ErrNotFound if there is none.
func (tx *Tx) Event(id int64) (*Event, error) {
	v := tx.tx.Bucket(bucketEvents).Get(itob(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var e Event
	if err := json.Unmarshal(v, &e); err != nil {
		return nil, fmt.Errorf("decode event %d: %w", id, err)
	}
	return &e, nil
}

// EventByToken finds the event whose door code is token.
func (tx *Tx) EventByToken(token string) (*Event, error) {
	if token == "" {
		return nil, ErrNotFound
	}
	v := tx.tx.Bucket(bucketEventTokens).Get([]byte(token))
	if v == nil {
		return nil, ErrNotFound
	}
	return tx.Event(btoi(v))
}

// EventKeyUsed reports whether an imported event already has this key.
func (tx *Tx) EventKeyUsed(key string) bool {
	return key != "" && tx.tx.Bucket(bucketEventKeys).Get([]byte(key)) != nil
}

// EventsFrom calls fn for every event starting at or after from, in start order, until fn returns false.
func (tx *Tx) EventsFrom(from time.Time, fn func(*Event) bool) error {
	c := tx.tx.Bucket(bucketEventStarts).Cursor()
	for k, _ := c.Seek(itob(from.UnixNano())); k != nil; k, _ = c.Next() {
		e, err := tx.Event(btoi(k[8:]))
		if err != nil {
			return err
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
}

// EventsNewestFirst calls fn for every event, the latest start first, until fn returns false.
func (tx *Tx) EventsNewestFirst(fn func(*Event) bool) error {
	c := tx.tx.Bucket(bucketEventStarts).Cursor()
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		e, err := tx.Event(btoi(k[8:]))
		if err != nil {
			return err
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
}

// RSVP loads userID's reservation at eventID; nil (and no error) if they never made one.
func (tx *Tx) RSVP(eventID, userID int64) (*RSVP, error) {
	v := tx.tx.Bucket(bucketRSVPs).Get(rsvpKey(eventID, userID))
	if v == nil {
		return nil, nil
	}
	var r RSVP
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("decode rsvp %d/%d: %w", eventID, userID, err)
	}
	return &r, nil
}

// PutRSVP saves a reservation and indexes it under the user (so /deleteme finds it).
func (tx *Tx) PutRSVP(r *RSVP) error {
	r.Updated = tx.now
	old, err := tx.RSVP(r.EventID, r.UserID)
	if err != nil {
		return err
	}
	if err := tx.recountRSVPs(r.EventID, old, r); err != nil {
		return err
	}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := tx.tx.Bucket(bucketRSVPs).Put(rsvpKey(r.EventID, r.UserID), v); err != nil {
		return err
	}
	return tx.tx.Bucket(bucketUserRSVPs).Put(rsvpKey(r.UserID, r.EventID), nil)
}

// EventRSVPs lists every reservation at an event, in user id order.
func (tx *Tx) EventRSVPs(eventID int64) ([]RSVP, error) {
	var out []RSVP
	prefix := itob(eventID)
	c := tx.tx.Bucket(bucketRSVPs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r RSVP
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("decode rsvp %x: %w", k, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Waitlist orders the waitlisted reservations of rs: who joined first is asked first.
func Waitlist(rs []RSVP) []RSVP {
	var w []RSVP
	for _, r := range rs {
		if r.Status == RSVPWaitlist {
			w = append(w, r)
		}
	}
	slices.SortStableFunc(w, func(a, b RSVP) int {
		if c := a.Queued.Compare(b.Queued); c != 0 {
			return c
		}
		return cmp.Compare(a.UserID, b.UserID)
	})
	return w
}

// EventAttendees lists the users holding a confirmed seat at an event (checked in or not), for other
// features such as broadcasts to "an event's attendees".
func (tx *Tx) EventAttendees(eventID int64) ([]int64, error) {
	rs, err := tx.EventRSVPs(eventID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range rs {
		if r.Status == RSVPGoing {
			ids = append(ids, r.UserID)
		}
	}
	return ids, nil
}

// UserRSVPs lists a user's reservations, in event id order.
func (tx *Tx) UserRSVPs(userID int64) ([]RSVP, error) {
	var out []RSVP
	prefix := itob(userID)
	c := tx.tx.Bucket(bucketUserRSVPs).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		r, err := tx.RSVP(btoi(k[8:]), userID)
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// EventsAttended counts the events a user checked in at.
func (tx *Tx) EventsAttended(userID int64) (int, error) {
	rs, err := tx.UserRSVPs(userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		if !r.CheckedIn.IsZero() {
			n++
		}
	}
	return n, nil
}

// deleteUserEvents removes a user's reservations from the events (the /deleteme promise); the user-keyed
// index itself is cleared with the other per-user buckets. A seat freed this way is offered to the
// waitlist by the bot's next events tick.
func (tx *Tx) deleteUserEvents(userID int64) error {
	prefix := itob(userID)
	c := tx.tx.Bucket(bucketUserRSVPs).Cursor()
	var keys [][]byte
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, rsvpKey(btoi(k[8:]), userID))
	}
	for _, k := range keys {
		eventID := btoi(k[:8])
		old, err := tx.RSVP(eventID, userID)
		if err != nil {
			return err
		}
		if err := tx.recountRSVPs(eventID, old, nil); err != nil {
			return err
		}
		if err := tx.tx.Bucket(bucketRSVPs).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// EventDraft is the raw draft of an admin's event wizard, nil if none.
func (tx *Tx) EventDraft(adminID int64) []byte {
	v := tx.tx.Bucket(bucketEventDrafts).Get(itob(adminID))
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// PutEventDraft saves the wizard's draft; nil deletes it.
func (tx *Tx) PutEventDraft(adminID int64, draft []byte) error {
	if draft == nil {
		return tx.tx.Bucket(bucketEventDrafts).Delete(itob(adminID))
	}
	return tx.tx.Bucket(bucketEventDrafts).Put(itob(adminID), draft)
}

// DropPendingJobs removes chatID's outbox jobs that are still waiting and whose dedupe key starts with
// prefix, and forgets their keys (they were never sent, so the same key may be scheduled again). It
// returns how many it removed. This is how a feature takes back scheduled messages that became wrong,
// e.g. reminders of an event whose time changed. Cost: the chat's pending jobs.
func (tx *Tx) DropPendingJobs(chatID int64, prefix string) (int, error) {
	if prefix == "" {
		return 0, errors.New("drop pending jobs: empty prefix")
	}
	chatPrefix := itob(chatID)
	outbox := tx.tx.Bucket(bucketOutbox)
	c := tx.tx.Bucket(bucketOutboxChats).Cursor()
	type hit struct {
		chatKey, jobKey []byte
		dedupe          string
	}
	var hits []hit
	for k, _ := c.Seek(chatPrefix); k != nil && bytes.HasPrefix(k, chatPrefix); k, _ = c.Next() {
		v := outbox.Get(k[8:])
		if v == nil {
			continue
		}
		var j Job
		if err := json.Unmarshal(v, &j); err != nil {
			return 0, fmt.Errorf("decode job %x: %w", k[8:], err)
		}
		if strings.HasPrefix(j.Dedupe, prefix) {
			hits = append(hits, hit{append([]byte(nil), k...), append([]byte(nil), k[8:]...), j.Dedupe})
		}
	}
	for _, h := range hits {
		if err := outbox.Delete(h.jobKey); err != nil {
			return 0, err
		}
		if err := tx.tx.Bucket(bucketOutboxChats).Delete(h.chatKey); err != nil {
			return 0, err
		}
		if err := tx.tx.Bucket(bucketOutboxKeys).Delete([]byte(h.dedupe)); err != nil {
			return 0, err
		}
	}
	return len(hits), nil
}
