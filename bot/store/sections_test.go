package store

import (
	"errors"
	"regexp"
	"testing"
)

func TestBrowseSequence(t *testing.T) {
	db := mustOpen(t)
	err := db.Update(func(tx *Tx) error {
		if b, err := tx.Browse(1); err != nil || b.Seq != 0 {
			t.Errorf("Browse of nobody = %+v, %v", b, err)
		}
		a, err := tx.NewBrowse(1, Browse{Section: "lib", Query: "کسب‌وکار"})
		if err != nil || a.Seq != 1 {
			t.Fatalf("first NewBrowse = %+v, %v", a, err)
		}
		b, _ := tx.NewBrowse(1, Browse{Section: "cen", Near: true, Lat: 32.6575, Lon: 51.6777})
		if b.Seq != 2 {
			t.Errorf("second NewBrowse seq = %d; want 2", b.Seq)
		}
		got, _ := tx.Browse(1)
		if got != b {
			t.Errorf("Browse = %+v; want %+v", got, b)
		}
		if other, _ := tx.NewBrowse(2, Browse{Section: "lib"}); other.Seq != 1 {
			t.Errorf("another user's sequence = %d; want its own, 1", other.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var codeRE = regexp.MustCompile(`^[a-z2-7]{8}$`)

func TestAmbassadorCodes(t *testing.T) {
	db := mustOpen(t)
	seen := map[string]bool{}
	err := db.Update(func(tx *Tx) error {
		for id := int64(1); id <= 500; id++ {
			if err := tx.PutUser(&User{ID: id, DailyMinute: NoDailyTime}); err != nil {
				return err
			}
			a, err := tx.EnsureAmbassador(id)
			if err != nil {
				return err
			}
			if !codeRE.MatchString(a.Code) || seen[a.Code] {
				t.Fatalf("code %q for %d: want 8 fresh characters of a-z2-7", a.Code, id)
			}
			seen[a.Code] = true
			again, _ := tx.EnsureAmbassador(id)
			if again.Code != a.Code {
				t.Fatalf("EnsureAmbassador(%d) changed the code", id)
			}
			if owner, ok, err := tx.InviterByCode(a.Code); !ok || err != nil || owner != id {
				t.Fatalf("InviterByCode(%q) = %d, %v, %v; want %d", a.Code, owner, ok, err, id)
			}
		}
		h, err := tx.SetLeaderboardHidden(3, true)
		if err != nil || !h.Hidden {
			t.Errorf("SetLeaderboardHidden = %+v, %v", h, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeleteUserForgetsSectionsData(t *testing.T) {
	db := mustOpen(t)
	var code string
	err := db.Update(func(tx *Tx) error {
		for _, id := range []int64{1, 2, 3} {
			if err := tx.PutUser(&User{ID: id, DailyMinute: NoDailyTime}); err != nil {
				return err
			}
		}
		a, err := tx.EnsureAmbassador(1)
		code = a.Code
		if err != nil {
			return err
		}
		if _, err := tx.AddReferral(1, 2); err != nil {
			return err
		}
		if _, err := tx.AddReferral(3, 1); err != nil {
			return err
		}
		if _, err := tx.NewBrowse(1, Browse{Section: "lib", Query: "x"}); err != nil {
			return err
		}
		return tx.AddFeedback(&Feedback{UserID: 1, MessageID: 5})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.DeleteUser(1) }); err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		if _, ok, _ := tx.Ambassador(1); ok {
			t.Errorf("the ambassador profile survived /deleteme")
		}
		if _, ok, _ := tx.InviterByCode(code); ok {
			t.Errorf("the deleted user's code still credits them")
		}
		if n := len(tx.Invitees(1)); n != 0 {
			t.Errorf("the deleted user's referrals survived: %d", n)
		}
		if b, _ := tx.Browse(1); b.Query != "" {
			t.Errorf("the deleted user's search survived: %+v", b)
		}
		if _, err := tx.Feedback(1, 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("the deleted user's feedback survived: %v", err)
		}
		if got := tx.Invitees(3); len(got) != 1 {
			t.Errorf("the inviter of the deleted user lost the credit: %v", got)
		}
		return nil
	})
}

func TestEachInviterGroups(t *testing.T) {
	db := mustOpen(t)
	_ = db.Update(func(tx *Tx) error {
		for _, p := range [][2]int64{{5, 6}, {5, 7}, {2, 9}, {5, 8}} {
			if _, err := tx.AddReferral(p[0], p[1]); err != nil {
				return err
			}
		}
		return nil
	})
	got := map[int64][]int64{}
	var order []int64
	_ = db.View(func(tx *Tx) error {
		return tx.EachInviter(func(inviter int64, invitees []int64) error {
			order = append(order, inviter)
			got[inviter] = invitees
			return nil
		})
	})
	if len(order) != 2 || order[0] != 2 || order[1] != 5 || len(got[5]) != 3 || len(got[2]) != 1 {
		t.Errorf("EachInviter: order %v, groups %v", order, got)
	}
}
