package bot

import (
	"strconv"
	"time"

	"github.com/tavan7/tavan/bot/store"
)

// The figures and exports of the events (events*.go) and the consultants club (consult*.go), for /stats,
// /export and the metrics. They read those features' store records directly, in the caller's transaction.

// wireFeatureFigures plugs the events and consultations figures into /stats, /export and /metrics.
func (b *Bot) wireFeatureFigures() {
	b.ops.eventFigures = b.eventFigures
	b.ops.consultFigures = b.consultFigures
	b.ops.exports[exportEvents] = b.exportEventRows
	b.ops.exports[exportConsultations] = b.exportConsultationRows
}

// eventFigures counts events and seats: O(events + reservations), a few thousand rows.
func (b *Bot) eventFigures(tx *store.Tx, now time.Time) (EventFigures, error) {
	var f EventFigures
	var err error
	walkErr := tx.EventsNewestFirst(func(e *store.Event) bool {
		if e.Status == store.EventCancelled {
			return true
		}
		var rs []store.RSVP
		if rs, err = tx.EventRSVPs(e.ID); err != nil {
			return false
		}
		upcoming := e.Start.After(now)
		if upcoming {
			f.Upcoming++
		} else {
			f.Held++
		}
		for _, r := range rs {
			switch {
			case upcoming && r.HoldsSeat():
				f.RSVPs++
			case upcoming && r.Status == store.RSVPWaitlist:
				f.Waitlist++
			}
			if !r.CheckedIn.IsZero() {
				f.Attended++
			}
		}
		return true
	})
	if walkErr != nil {
		return f, walkErr
	}
	return f, err
}

// consultFigures reads the club's queue, open sessions and running totals; the average rating is over
// every rating consultants received.
func (b *Bot) consultFigures(tx *store.Tx, _ time.Time) (ConsultFigures, error) {
	var f ConsultFigures
	for _, id := range tx.LiveConsultations() {
		c, err := tx.Consultation(id)
		if err != nil {
			continue // its learner deleted their data meanwhile
		}
		switch c.Status {
		case store.ConsultWaiting:
			f.Queue++
		case store.ConsultOpen:
			f.Open++
		}
	}
	stats := tx.ClubStats()
	f.Sessions = stats.Claims
	f.AvgWait = stats.AverageWait()
	var sum, n int
	err := tx.EachConsultant(func(k *store.Consultant) error {
		sum += k.RatingSum
		n += k.RatingCount
		return nil
	})
	if n > 0 {
		f.AvgRating = float64(sum) / float64(n)
	}
	f.Ratings = n
	return f, err
}

// exportEventRows: one row per reservation, newest event first. Learners appear by id and first name.
func (b *Bot) exportEventRows(tx *store.Tx, lang string) (csvTable, error) {
	t := csvTable{Header: b.exportHeader(lang, "CsvEventsHeader")}
	var err error
	walkErr := tx.EventsNewestFirst(func(e *store.Event) bool {
		var rs []store.RSVP
		if rs, err = tx.EventRSVPs(e.ID); err != nil {
			return false
		}
		title := e.Title
		if lang == "en" && e.TitleEn != "" {
			title = e.TitleEn
		}
		place := e.Place.Name
		if place == "" {
			place = e.Place.Online
		}
		for _, r := range rs {
			name := ""
			if u, err := tx.User(r.UserID); err == nil {
				name = u.FirstName
			}
			t.Rows = append(t.Rows, []string{
				strconv.FormatInt(e.ID, 10), title, b.exportTime(e.Start), b.exportJalali(e.Start, lang), place,
				b.Texts.T(lang, "CsvEventStatus_"+e.Status),
				strconv.FormatInt(r.UserID, 10), name, b.Texts.T(lang, "EvRSVP_"+r.Status),
				b.exportTime(r.At), b.exportTime(r.CheckedIn),
			})
			t.UserIDs = append(t.UserIDs, r.UserID)
		}
		return true
	})
	if walkErr != nil {
		return t, walkErr
	}
	return t, err
}

// exportConsultationRows: one row per consultation. The learner appears by id only, the consultant by the
// display name learners see; what was said is never exported (transcripts stay in /transcript).
func (b *Bot) exportConsultationRows(tx *store.Tx, lang string) (csvTable, error) {
	t := csvTable{Header: b.exportHeader(lang, "CsvConsultationsHeader")}
	names := map[int64]string{}
	_ = tx.EachConsultant(func(k *store.Consultant) error { names[k.ID] = k.Name; return nil })
	err := tx.EachConsultation(func(c *store.Consultation) error {
		wait := ""
		if !c.Claimed.IsZero() {
			wait = strconv.Itoa(int(c.Claimed.Sub(c.Created).Round(time.Minute) / time.Minute))
		}
		rating := ""
		if c.Rating > 0 {
			rating = strconv.Itoa(c.Rating)
		}
		t.Rows = append(t.Rows, []string{
			strconv.FormatUint(c.ID, 10), strconv.FormatInt(c.LearnerID, 10),
			b.Texts.T(lang, "ConsTopic_"+c.Topic), b.Texts.T(lang, "CsvConsultStatus_"+c.Status),
			b.exportTime(c.Created), b.exportTime(c.Claimed), wait, names[c.ConsultantID],
			strconv.Itoa(c.Relayed), b.exportTime(c.Closed), c.ClosedBy, rating, c.Comment,
		})
		t.UserIDs = append(t.UserIDs, c.LearnerID)
		return nil
	})
	return t, err
}
