package store

import "testing"

// TestDeleteUserLeavesNoConsultationTrace: after /deleteme nothing keyed by consultation number still names
// the learner: not the number → learner index, nor the live list, nor the relay links of an open session.
func TestDeleteUserLeavesNoConsultationTrace(t *testing.T) {
	db := mustOpen(t)
	c := mustAddConsultation(t, db, 7)
	other := mustAddConsultation(t, db, 8)
	err := db.Update(func(tx *Tx) error {
		if err := tx.PutUser(&User{ID: 7, DailyMinute: NoDailyTime}); err != nil {
			return err
		}
		if _, err := tx.ClaimConsultation(c.ID, 3); err != nil {
			return err
		}
		if err := tx.PutRelayLink(c.ID, SideLearner, 10, 20); err != nil {
			return err
		}
		return tx.DeleteUser(7)
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		if v := tx.tx.Bucket(bucketConsultIndex).Get(idKey(c.ID)); v != nil {
			t.Errorf("consultation index still maps session %d to learner %d", c.ID, btoi(v))
		}
		if ids := tx.LiveConsultations(); len(ids) != 1 || ids[0] != other.ID {
			t.Errorf("live consultations = %v; want only the other learner's %d", ids, other.ID)
		}
		if p := tx.RelayLink(c.ID, SideLearner, 10); p != 0 {
			t.Errorf("relay link of the deleted learner's session kept: %d", p)
		}
		if _, err := tx.Consultation(other.ID); err != nil {
			t.Errorf("another learner's consultation: %v", err)
		}
		return nil
	})
}
