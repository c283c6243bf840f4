package consult

import (
	"context"
	"errors"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// The club's timeouts run in a sweep over the live consultations only (waiting and open ones: O(live), not
// O(history)), from stored timestamps and the injected clock, so they survive restarts and tests call
// Sweep directly after moving the clock. The "consult" loop (register.go) runs it at start (catching up on
// downtime) and every SweepEvery.

// SweepReport says what one sweep did.
type SweepReport struct {
	Widened    int // requests offered to every available consultant after the offer timeout
	Offered    int // offline tickets offered to a consultant who is back, and pending offers sent again
	Offline    int // widened requests that found nobody available: now waiting for the first one back
	IdleClosed int // sessions closed after the idle timeout
	Pruned     int // transcript lines and invites deleted
}

// Sweep applies the club's timeouts once: unclaimed requests are offered more widely, offline
// tickets go to a consultant who is back, offers lost in a crash are sent again, idle sessions close, and
// hourly, transcripts past their retention and expired invites are deleted. State changes and the
// outbox notices commit in one transaction; offer cards are sent after it. Tests call it directly.
func (f *Feature) Sweep(ctx context.Context) (SweepReport, error) {
	f.sweepMu.Lock()
	defer f.sweepMu.Unlock()
	var (
		rep    SweepReport
		toSend []uint64
	)
	err := f.Store.Update(func(tx *store.Tx) error {
		rep, toSend = SweepReport{}, nil
		now := tx.Now()
		available := availableCount(tx)
		for _, id := range tx.LiveConsultations() {
			rec, err := tx.Consultation(id)
			if errors.Is(err, store.ErrNotFound) { // the learner deleted their data
				if err := tx.DropLive(id); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return err
			}
			switch rec.Status {
			case store.ConsultWaiting:
				send, err := f.sweepWaiting(tx, rec, now, available, &rep)
				if err != nil {
					return err
				}
				if send {
					toSend = append(toSend, id)
				}
			case store.ConsultOpen:
				if now.Sub(rec.LastActive) >= f.idleTimeout() {
					if err := f.closeIdle(tx, rec); err != nil {
						return err
					}
					rep.IdleClosed++
				}
			}
		}
		return f.pruneClub(tx, now, &rep)
	})
	if err != nil {
		return rep, err
	}
	for _, id := range toSend {
		if err := f.sendOffers(ctx, id); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// sweepWaiting handles one waiting request; send says its pending offers should be sent now.
func (f *Feature) sweepWaiting(tx *store.Tx, rec *store.Consultation, now time.Time, available int, rep *SweepReport) (send bool, err error) {
	stale := false // offers decided but never confirmed sent: the process stopped in between
	for _, o := range rec.Offers {
		stale = stale || (o.Pending && now.Sub(rec.OfferedAt) >= time.Minute)
	}
	if stale {
		rep.Offered++
	}
	notify := func(id string) error {
		lc := f.Voice(langOf(tx, rec.LearnerID))
		return f.Enqueue(tx, bot.Notice{ChatID: rec.LearnerID, Text: lc.T(id, "Session", sessionNum(lc, rec.ID))})
	}
	switch {
	case rec.Offline:
		if available == 0 {
			return false, nil
		}
		ids, _ := f.offerRecipients(tx, rec, 1)
		if len(ids) == 0 {
			return stale, nil
		}
		rec.Level = 1
		if err := f.offer(tx, rec, ids); err != nil {
			return false, err
		}
		rep.Offered++
		return true, notify("ConsBackNotice")
	case rec.Level == 0 && now.Sub(rec.OfferedAt) >= f.offerTimeout():
		rec.Level = 1
		ids, _ := f.offerRecipients(tx, rec, 1)
		if err := f.offer(tx, rec, ids); err != nil {
			return false, err
		}
		if len(ids) > 0 {
			rep.Widened++
			return true, notify("ConsWidenedNotice")
		}
		if available == 0 {
			// Those it was offered to have all gone away: the first consultant back gets it.
			rec.Offline = true
			if err := tx.PutConsultation(rec); err != nil {
				return false, err
			}
			rep.Offline++
			return stale, notify("ConsNobodyNotice")
		}
	}
	return stale, nil
}

// closeIdle closes a silent session; both sides hear it through the outbox (nobody is waiting on it),
// the learner with the rating buttons, the consultant with the summary button.
func (f *Feature) closeIdle(tx *store.Tx, rec *store.Consultation) error {
	if err := f.closeConsultation(tx, rec, "idle"); err != nil {
		return err
	}
	lc := f.Voice(langOf(tx, rec.LearnerID))
	if err := f.Enqueue(tx, bot.Notice{ChatID: rec.LearnerID, Keyboard: ratingKeyboard(lc, rec.ID),
		Text: lc.T("ConsIdleClosedLearner", "Session", sessionNum(lc, rec.ID)) + "\n\n" + lc.T("ConsRatePrompt")}); err != nil {
		return err
	}
	if _, err := tx.Consultant(rec.ConsultantID); err != nil {
		return nil
	}
	kc := f.Voice(langOf(tx, rec.ConsultantID))
	return f.Enqueue(tx, bot.Notice{ChatID: rec.ConsultantID, Keyboard: afterSessionKeyboard(kc, rec.ID),
		Text: kc.T("ConsIdleClosedConsultant", "Session", sessionNum(kc, rec.ID), "Name", bot.Escape(firstNameOf(tx, rec.LearnerID)))})
}

// pruneClub deletes, at most hourly, transcript lines past their retention (all of them while transcripts
// are off) and invites past their expiry.
func (f *Feature) pruneClub(tx *store.Tx, now time.Time, rep *SweepReport) error {
	if now.Sub(tx.ClubPruned()) < time.Hour {
		return nil
	}
	cutoff := now.Add(1)
	if days := tx.ClubSettings().TranscriptDays; days > 0 {
		cutoff = now.AddDate(0, 0, -days)
	}
	lines, err := tx.PruneTranscripts(cutoff)
	if err != nil {
		return err
	}
	invites, err := tx.PruneInvites(now)
	if err != nil {
		return err
	}
	rep.Pruned = lines + invites
	return tx.PutClubPruned(now)
}
