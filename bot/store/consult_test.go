package store

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func mustAddConsultation(t *testing.T, db *DB, learner int64) *Consultation {
	t.Helper()
	c := &Consultation{LearnerID: learner, Topic: "marketing", QuestionMsg: 5, Status: ConsultWaiting}
	if err := db.Update(func(tx *Tx) error { return tx.AddConsultation(c) }); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClaimConsultationExactlyOnce claims one request from many goroutines at once, through Apply (bbolt
// Batch, which coalesces concurrent writers into one transaction) as the bot does: exactly one wins.
func TestClaimConsultationExactlyOnce(t *testing.T) {
	db := mustOpen(t)
	for round := range 5 {
		c := mustAddConsultation(t, db, 7)
		const n = 32
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []int64
			taken   int
		)
		for i := range n {
			wg.Add(1)
			go func(consultant int64) {
				defer wg.Done()
				won, lost := false, false
				_, err := db.Apply(round*1000+int(consultant), func(tx *Tx) error {
					won, lost = false, false
					_, err := tx.ClaimConsultation(c.ID, consultant)
					switch {
					case errors.Is(err, ErrTaken):
						lost = true
						return nil
					case err != nil:
						return err
					}
					won = true
					return nil
				})
				if err != nil {
					t.Errorf("claim: %v", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if won {
					winners = append(winners, consultant)
				}
				if lost {
					taken++
				}
			}(int64(100 + i))
		}
		wg.Wait()
		if len(winners) != 1 || taken != n-1 {
			t.Fatalf("round %d: %d winners %v, %d told taken; want exactly one winner", round, len(winners), winners, taken)
		}
		var got *Consultation
		_ = db.View(func(tx *Tx) error { got, _ = tx.Consultation(c.ID); return nil })
		if got.Status != ConsultOpen || got.ConsultantID != winners[0] {
			t.Errorf("round %d: stored %+v; want open with %d", round, got, winners[0])
		}
	}
}

func TestConsultationIndexesFollowStatus(t *testing.T) {
	db := mustOpen(t)
	c := mustAddConsultation(t, db, 7)
	err := db.Update(func(tx *Tx) error {
		if ids := tx.LiveConsultations(); len(ids) != 1 || ids[0] != c.ID {
			t.Errorf("live = %v", ids)
		}
		if _, err := tx.ClaimConsultation(c.ID, 50); err != nil {
			return err
		}
		if ids := tx.ConsultantSessions(50); len(ids) != 1 {
			t.Errorf("consultant sessions = %v", ids)
		}
		if err := tx.PutRelayLink(c.ID, SideLearner, 10, 20); err != nil {
			return err
		}
		if got := tx.RelayLink(c.ID, SideLearner, 10); got != 20 {
			t.Errorf("RelayLink = %d", got)
		}
		if got := tx.RelayLink(c.ID, SideConsultant, 10); got != 0 {
			t.Errorf("the other side's link = %d; want none", got)
		}
		rec, _ := tx.Consultation(c.ID)
		rec.Status = ConsultClosed
		if err := tx.PutConsultation(rec); err != nil {
			return err
		}
		if ids := tx.LiveConsultations(); len(ids) != 0 {
			t.Errorf("live after close = %v", ids)
		}
		if ids := tx.ConsultantSessions(50); len(ids) != 0 {
			t.Errorf("consultant sessions after close = %v", ids)
		}
		if got := tx.RelayLink(c.ID, SideLearner, 10); got != 0 {
			t.Errorf("relay link survived the close: %d", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInviteIsSingleUseAndExpires(t *testing.T) {
	db := mustOpen(t)
	_ = db.Update(func(tx *Tx) error {
		if err := tx.PutInvite(&Invite{Token: "tok-A", Created: testNow, Expires: testNow.Add(time.Hour)}); err != nil {
			return err
		}
		return tx.PutInvite(&Invite{Token: "tok-old", Created: testNow.Add(-2 * time.Hour), Expires: testNow.Add(-time.Hour)})
	})
	tests := []struct {
		token string
		user  int64
		want  error
	}{
		{"tok-A", 1, nil},
		{"tok-A", 2, ErrInviteInvalid}, // used
		{"tok-old", 3, ErrInviteInvalid},
		{"nope", 4, ErrInviteInvalid},
	}
	for _, tt := range tests {
		err := db.Update(func(tx *Tx) error { _, err := tx.RedeemInvite(tt.token, tt.user); return err })
		if !errors.Is(err, tt.want) && err != tt.want {
			t.Errorf("RedeemInvite(%q, %d) = %v; want %v", tt.token, tt.user, err, tt.want)
		}
	}
	_ = db.Update(func(tx *Tx) error {
		if n, _ := tx.PruneInvites(testNow); n != 1 {
			t.Errorf("PruneInvites removed %d; want the expired one", n)
		}
		return nil
	})
}

func TestDeleteUserTakesConsultationsButKeepsBar(t *testing.T) {
	db := mustOpen(t)
	c := mustAddConsultation(t, db, 7)
	err := db.Update(func(tx *Tx) error {
		if err := tx.PutUser(&User{ID: 7, DailyMinute: NoDailyTime}); err != nil {
			return err
		}
		if err := tx.PutClubLearner(7, ClubLearner{Current: c.ID}); err != nil {
			return err
		}
		if err := tx.AddTranscriptLine(c, TranscriptLine{At: testNow, From: SideLearner, Kind: "text", Text: "x"}); err != nil {
			return err
		}
		if err := tx.PutBar(7, Bar{By: 1, At: testNow}); err != nil {
			return err
		}
		return tx.DeleteUser(7)
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		if _, err := tx.Consultation(c.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("consultation after DeleteUser: %v", err)
		}
		if l := tx.ClubLearner(7); l.Current != 0 {
			t.Errorf("club record after DeleteUser: %+v", l)
		}
		if lines := tx.Transcript(c); len(lines) != 0 {
			t.Errorf("transcript after DeleteUser: %v", lines)
		}
		if !tx.Barred(7) {
			t.Error("a bar was shed by deleting one's data")
		}
		return nil
	})
}

func TestPruneTranscripts(t *testing.T) {
	db := mustOpen(t)
	c := mustAddConsultation(t, db, 7)
	_ = db.Update(func(tx *Tx) error {
		for i := range 5 {
			at := testNow.AddDate(0, 0, -i*10)
			if err := tx.AddTranscriptLine(c, TranscriptLine{At: at, Kind: "text", Text: "x"}); err != nil {
				return err
			}
		}
		n, err := tx.PruneTranscripts(testNow.AddDate(0, 0, -25))
		if err != nil || n != 2 {
			t.Errorf("PruneTranscripts = %d, %v; want the 2 lines older than 25 days", n, err)
		}
		if lines := tx.Transcript(c); len(lines) != 3 {
			t.Errorf("%d lines kept; want 3", len(lines))
		}
		return nil
	})
}

// BenchmarkClaimConsultation is a request added and claimed, one transaction each (without fsync).
func BenchmarkClaimConsultation(b *testing.B) {
	db, err := Open(b.TempDir()+"/b.db", Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for b.Loop() {
		c := &Consultation{LearnerID: 7, Topic: "marketing", Status: ConsultWaiting}
		if err := db.Update(func(tx *Tx) error { return tx.AddConsultation(c) }); err != nil {
			b.Fatal(err)
		}
		if err := db.Update(func(tx *Tx) error { _, err := tx.ClaimConsultation(c.ID, 9); return err }); err != nil {
			b.Fatal(err)
		}
	}
}
