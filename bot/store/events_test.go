package store

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

func mustCreateEvent(t *testing.T, db *DB, e *Event) *Event {
	t.Helper()
	if err := db.Update(func(tx *Tx) error { return tx.CreateEvent(e) }); err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	return e
}

func TestEventsCreateIndexAndReschedule(t *testing.T) {
	db := mustOpen(t)
	a := mustCreateEvent(t, db, &Event{Title: "a", Token: "tok-a", Key: "k-a", Start: testNow.Add(48 * time.Hour), End: testNow.Add(50 * time.Hour)})
	b := mustCreateEvent(t, db, &Event{Title: "b", Token: "tok-b", Start: testNow.Add(24 * time.Hour), End: testNow.Add(26 * time.Hour)})
	if a.ID == 0 || b.ID == a.ID || a.Status != EventScheduled || !a.Created.Equal(testNow) {
		t.Fatalf("created %+v, %+v", a, b)
	}
	order := func(from time.Time) []string {
		var out []string
		if err := db.View(func(tx *Tx) error {
			return tx.EventsFrom(from, func(e *Event) bool { out = append(out, e.Title); return true })
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := order(testNow); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("EventsFrom = %v; want start order b, a", got)
	}
	// Moving a's start moves it in the index (and the old entry goes).
	if err := db.Update(func(tx *Tx) error {
		e, err := tx.Event(a.ID)
		if err != nil {
			return err
		}
		e.Start = testNow.Add(time.Hour)
		return tx.PutEvent(e)
	}); err != nil {
		t.Fatal(err)
	}
	if got := order(testNow); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("after rescheduling, EventsFrom = %v; want a, b", got)
	}
	if got := order(testNow.Add(2 * time.Hour)); !slices.Equal(got, []string{"b"}) {
		t.Errorf("EventsFrom(later) = %v", got)
	}
	err := db.View(func(tx *Tx) error {
		if e, err := tx.EventByToken("tok-b"); err != nil || e.ID != b.ID {
			t.Errorf("EventByToken = %v, %v", e, err)
		}
		if _, err := tx.EventByToken("nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		if !tx.EventKeyUsed("k-a") || tx.EventKeyUsed("k-b") {
			t.Error("EventKeyUsed wrong")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dup := &Event{Title: "c", Token: "tok-c", Key: "k-a", Start: testNow, End: testNow}
	if err := db.Update(func(tx *Tx) error { return tx.CreateEvent(dup) }); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("duplicate key: %v", err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.CreateEvent(&Event{Token: "tok-a"}) }); err == nil {
		t.Error("a reused door token was accepted")
	}
}

func TestRSVPsAttendeesWaitlistAndDeleteUser(t *testing.T) {
	db := mustOpen(t)
	e := mustCreateEvent(t, db, &Event{Title: "e", Token: "t", Start: testNow.Add(time.Hour), End: testNow.Add(2 * time.Hour)})
	rs := []RSVP{
		{EventID: e.ID, UserID: 5, Status: RSVPGoing},
		{EventID: e.ID, UserID: 6, Status: RSVPWaitlist, Queued: testNow.Add(2 * time.Minute)},
		{EventID: e.ID, UserID: 7, Status: RSVPWaitlist, Queued: testNow.Add(time.Minute)},
		{EventID: e.ID, UserID: 8, Status: RSVPGoing, CheckedIn: testNow},
		{EventID: e.ID, UserID: 9, Status: RSVPCancelled},
	}
	if err := db.Update(func(tx *Tx) error {
		for i := range rs {
			if err := tx.PutUser(&User{ID: rs[i].UserID, DailyMinute: NoDailyTime}); err != nil {
				return err
			}
			if err := tx.PutRSVP(&rs[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := db.View(func(tx *Tx) error {
		ids, err := tx.EventAttendees(e.ID)
		if err != nil || !slices.Equal(ids, []int64{5, 8}) {
			t.Errorf("EventAttendees = %v, %v; want [5 8]", ids, err)
		}
		all, _ := tx.EventRSVPs(e.ID)
		var order []int64
		for _, r := range Waitlist(all) {
			order = append(order, r.UserID)
		}
		if !slices.Equal(order, []int64{7, 6}) {
			t.Errorf("Waitlist order %v; want who queued first: [7 6]", order)
		}
		if n, _ := tx.EventsAttended(8); n != 1 {
			t.Errorf("EventsAttended(8) = %d", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.DeleteUser(8) }); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		if r, _ := tx.RSVP(e.ID, 8); r != nil {
			t.Errorf("RSVP kept after DeleteUser: %+v", r)
		}
		if rs, _ := tx.UserRSVPs(8); len(rs) != 0 {
			t.Errorf("user index kept after DeleteUser: %+v", rs)
		}
		if ids, _ := tx.EventAttendees(e.ID); !slices.Equal(ids, []int64{5}) {
			t.Errorf("attendees after DeleteUser = %v", ids)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDropPendingJobs(t *testing.T) {
	db := mustOpen(t)
	enqueue := func(chat int64, key string) {
		t.Helper()
		if err := db.Update(func(tx *Tx) error {
			ok, err := tx.Enqueue(&Job{Lane: LaneNotice, ChatID: chat, Dedupe: key, Payload: []byte(`{}`)})
			if !ok && err == nil {
				t.Errorf("Enqueue(%s) skipped", key)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	enqueue(1, "ev:1:r1440:1:0")
	enqueue(1, "ev:1:r60:1:0")
	enqueue(1, "ev:12:r60:1:0") // another event whose id starts with 1
	enqueue(1, "lesson:1")
	enqueue(2, "ev:1:r60:2:0") // another chat
	var n int
	if err := db.Update(func(tx *Tx) error {
		var err error
		n, err = tx.DropPendingJobs(1, "ev:1:r")
		return err
	}); err != nil || n != 2 {
		t.Fatalf("DropPendingJobs = %d, %v; want 2", n, err)
	}
	jobs, _ := db.PendingJobs(LaneNotice, testNow.Add(time.Hour), 100)
	var left []string
	for _, j := range jobs {
		left = append(left, j.Dedupe)
	}
	if want := []string{"ev:12:r60:1:0", "lesson:1", "ev:1:r60:2:0"}; !slices.Equal(left, want) {
		t.Errorf("left %v; want %v", left, want)
	}
	enqueue(1, "ev:1:r60:1:0") // its key was forgotten, so it can be scheduled again
	if err := db.Update(func(tx *Tx) error { _, err := tx.DropPendingJobs(1, ""); return err }); err == nil {
		t.Error("an empty prefix would drop everything; want an error")
	}
}

func TestEventDraft(t *testing.T) {
	db := mustOpen(t)
	err := db.Update(func(tx *Tx) error {
		if tx.EventDraft(9) != nil {
			t.Error("draft before any")
		}
		if err := tx.PutEventDraft(9, []byte(`{"title":"x"}`)); err != nil {
			return err
		}
		if string(tx.EventDraft(9)) != `{"title":"x"}` {
			t.Errorf("draft = %s", tx.EventDraft(9))
		}
		if err := tx.PutUser(&User{ID: 9, DailyMinute: NoDailyTime}); err != nil {
			return err
		}
		return tx.DeleteUser(9) // drafts are per-user data too
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		if tx.EventDraft(9) != nil {
			t.Error("draft kept after DeleteUser")
		}
		return nil
	})
}

// TestEventCountsFollowReservations: the kept counts match the reservations through new ones, status
// changes, a check-in and /deleteme; an event whose reservations were stored without counts (before
// they existed) is counted from them, and gets counts at its next change.
func TestEventCountsFollowReservations(t *testing.T) {
	db := mustOpen(t)
	e := &Event{Title: "w", Start: testNow.Add(time.Hour), End: testNow.Add(2 * time.Hour), Token: "count-door"}
	put := func(rs ...RSVP) {
		t.Helper()
		if err := db.Update(func(tx *Tx) error {
			for i := range rs {
				if err := tx.PutRSVP(&rs[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(want RSVPCounts) {
		t.Helper()
		var got RSVPCounts
		if err := db.View(func(tx *Tx) (err error) { got, err = tx.EventCounts(e.ID); return err }); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("counts = %+v; want %+v", got, want)
		}
	}
	if err := db.Update(func(tx *Tx) error { return tx.CreateEvent(e) }); err != nil {
		t.Fatal(err)
	}
	// Reservations from before the counts: written without them.
	if err := db.Update(func(tx *Tx) error {
		for _, r := range []RSVP{{EventID: e.ID, UserID: 5, Status: RSVPGoing}, {EventID: e.ID, UserID: 6, Status: RSVPWaitlist}} {
			v, _ := json.Marshal(r)
			if err := tx.tx.Bucket(bucketRSVPs).Put(rsvpKey(r.EventID, r.UserID), v); err != nil {
				return err
			}
			if err := tx.tx.Bucket(bucketUserRSVPs).Put(rsvpKey(r.UserID, r.EventID), nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check(RSVPCounts{Going: 1, Waitlist: 1})
	put(RSVP{EventID: e.ID, UserID: 7, Status: RSVPGoing})
	check(RSVPCounts{Going: 2, Waitlist: 1})
	put(RSVP{EventID: e.ID, UserID: 6, Status: RSVPOffered}, RSVP{EventID: e.ID, UserID: 5, Status: RSVPGoing, CheckedIn: testNow})
	check(RSVPCounts{Going: 2, Offered: 1, CheckedIn: 1})
	put(RSVP{EventID: e.ID, UserID: 7, Status: RSVPCancelled})
	check(RSVPCounts{Going: 1, Offered: 1, CheckedIn: 1})
	if err := db.Update(func(tx *Tx) error { return tx.DeleteUser(5) }); err != nil {
		t.Fatal(err)
	}
	check(RSVPCounts{Offered: 1})
}
