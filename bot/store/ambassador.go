package store

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Ambassadors invite people with a personal link ?start=ref_<code>. The code is random, never derived
// from the user id (which would reveal it), made once and kept.
var (
	bucketAmbassadors = userBucket("ambassadors") // user id (8) → Ambassador
	bucketRefCodes    = bucket("ref_codes")       // code → user id (8)
	bucketReferrals   = userBucket("referrals")   // inviter id (8) + invitee id (8) → Referral
)

// Ambassador is a learner's invitation profile.
type Ambassador struct {
	Code   string    `json:"code"`
	Hidden bool      `json:"hidden,omitempty"` // not shown on the admins' leaderboard
	Since  time.Time `json:"since"`
}

// Referral records that the inviter brought the invitee in.
type Referral struct {
	At time.Time `json:"at"`
}

// RefCodeLen is the length of a referral code: 8 characters of a-z and 2-7 (40 random bits).
const RefCodeLen = 8

const refAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

func newRefCode() (string, error) {
	var b [RefCodeLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("referral code: %w", err)
	}
	for i := range b {
		b[i] = refAlphabet[int(b[i])%len(refAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b[:]), nil
}

// Ambassador reads userID's profile; ok is false if they never asked for their link.
func (tx *Tx) Ambassador(userID int64) (a Ambassador, ok bool, err error) {
	v := tx.tx.Bucket(bucketAmbassadors).Get(itob(userID))
	if v == nil {
		return Ambassador{}, false, nil
	}
	if err := json.Unmarshal(v, &a); err != nil {
		return Ambassador{}, false, fmt.Errorf("decode ambassador %d: %w", userID, err)
	}
	return a, true, nil
}

func (tx *Tx) putAmbassador(userID int64, a Ambassador) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketAmbassadors).Put(itob(userID), v)
}

// EnsureAmbassador returns userID's profile, creating it with a fresh unique code the first time.
func (tx *Tx) EnsureAmbassador(userID int64) (Ambassador, error) {
	a, ok, err := tx.Ambassador(userID)
	if err != nil || ok {
		return a, err
	}
	codes := tx.tx.Bucket(bucketRefCodes)
	for range 10 {
		code, err := newRefCode()
		if err != nil {
			return Ambassador{}, err
		}
		if codes.Get([]byte(code)) != nil {
			continue // taken (by someone, or by a deleted account's old link): draw again
		}
		if err := codes.Put([]byte(code), itob(userID)); err != nil {
			return Ambassador{}, err
		}
		a = Ambassador{Code: code, Since: tx.now}
		return a, tx.putAmbassador(userID, a)
	}
	return Ambassador{}, errors.New("referral code: no free code after 10 draws")
}

// SetLeaderboardHidden changes whether userID appears on the admins' leaderboard.
func (tx *Tx) SetLeaderboardHidden(userID int64, hidden bool) (Ambassador, error) {
	a, err := tx.EnsureAmbassador(userID)
	if err != nil {
		return a, err
	}
	a.Hidden = hidden
	return a, tx.putAmbassador(userID, a)
}

// InviterByCode finds the owner of a referral code; ok is false for an unknown code, or one whose owner
// deleted their data (the code then no longer matches their profile).
func (tx *Tx) InviterByCode(code string) (userID int64, ok bool, err error) {
	v := tx.tx.Bucket(bucketRefCodes).Get([]byte(code))
	if len(v) != 8 {
		return 0, false, nil
	}
	id := btoi(v)
	a, found, err := tx.Ambassador(id)
	if err != nil || !found || a.Code != code {
		return 0, false, err
	}
	if _, err := tx.User(id); errors.Is(err, ErrNotFound) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, err
	}
	return id, true, nil
}

func referralKey(inviter, invitee int64) []byte { return append(itob(inviter), itob(invitee)...) }

// AddReferral credits invitee to inviter. It reports false, changing nothing, for a self-invitation or a
// pair already credited.
func (tx *Tx) AddReferral(inviter, invitee int64) (bool, error) {
	if inviter == invitee {
		return false, nil
	}
	b := tx.tx.Bucket(bucketReferrals)
	key := referralKey(inviter, invitee)
	if b.Get(key) != nil {
		return false, nil
	}
	v, err := json.Marshal(Referral{At: tx.now})
	if err != nil {
		return false, err
	}
	return true, b.Put(key, v)
}

// Invitees lists the people inviter brought in, in id order.
func (tx *Tx) Invitees(inviter int64) []int64 {
	var ids []int64
	prefix := itob(inviter)
	c := tx.tx.Bucket(bucketReferrals).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) == 16 {
			ids = append(ids, btoi(k[8:]))
		}
	}
	return ids
}

// EachInviter calls fn for every user who brought someone in, with their invitees, in inviter id order.
func (tx *Tx) EachInviter(fn func(inviter int64, invitees []int64) error) error {
	c := tx.tx.Bucket(bucketReferrals).Cursor()
	var cur int64
	var list []int64
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) != 16 {
			continue
		}
		inviter, invitee := btoi(k[:8]), btoi(k[8:])
		if len(list) > 0 && inviter != cur {
			if err := fn(cur, list); err != nil {
				return err
			}
			list = nil
		}
		cur = inviter
		list = append(list, invitee)
	}
	if len(list) > 0 {
		return fn(cur, list)
	}
	return nil
}
