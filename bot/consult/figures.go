package consult

import (
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// The club's figures for the admins' /stats, the "consultations" export and the open-sessions gauge
// (tavan_consultation_sessions_open). They read the club's records in the caller's transaction.

// figures are the consultation lines of /stats; Open is also the open-sessions metric.
type figures struct {
	Queue     int           // requests waiting for a consultant
	Open      int           // sessions in progress
	Sessions  int           // sessions ever started
	AvgWait   time.Duration // from the request to a consultant taking it
	AvgRating float64       // 1 to 5; meaningful when Ratings > 0
	Ratings   int
}

// readFigures reads the club's queue, open sessions and running totals; the average rating is over
// every rating consultants received.
func readFigures(tx *store.Tx) (figures, error) {
	var f figures
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

// statsSection is the consultations line of /stats.
func (f *Feature) statsSection(tx *store.Tx, v bot.Voice, _ time.Time) (string, error) {
	cs, err := readFigures(tx)
	if err != nil {
		return "", err
	}
	n := func(x int) string { return big(v, int64(x)) }
	rating := "—"
	if cs.Ratings > 0 {
		rating = v.T("StatsRating", "Rating", decimal(v, cs.AvgRating, 1), "Count", n(cs.Ratings))
	}
	return v.T("StatsConsult", "Queue", n(cs.Queue), "Open", n(cs.Open),
		"Sessions", n(cs.Sessions), "Wait", v.Duration(int(cs.AvgWait.Round(time.Minute)/time.Minute)), "Rating", rating), nil
}

// openConsultations is the source of the open-sessions gauge.
func (f *Feature) openConsultations() (int, bool) {
	var open int
	err := f.Store.View(func(tx *store.Tx) error {
		cs, err := readFigures(tx)
		open = cs.Open
		return err
	})
	return open, err == nil
}

// exportConsultations: one row per consultation. The learner appears by id only, the consultant by the
// display name learners see; what was said is never exported (transcripts stay in /transcript).
func (f *Feature) exportConsultations(tx *store.Tx, lang string, w bot.ExportWriter) error {
	v := f.Voice(lang)
	if err := w.Header(v.CSVHeader("CsvConsultationsHeader")); err != nil {
		return err
	}
	names := map[int64]string{}
	_ = tx.EachConsultant(func(k *store.Consultant) error { names[k.ID] = k.Name; return nil })
	return tx.EachConsultation(func(c *store.Consultation) error {
		wait := ""
		if !c.Claimed.IsZero() {
			wait = strconv.Itoa(int(c.Claimed.Sub(c.Created).Round(time.Minute) / time.Minute))
		}
		rating := ""
		if c.Rating > 0 {
			rating = strconv.Itoa(c.Rating)
		}
		return w.Row(c.LearnerID, []string{
			strconv.FormatUint(c.ID, 10), strconv.FormatInt(c.LearnerID, 10),
			v.T("ConsTopic_" + c.Topic), v.T("CsvConsultStatus_" + c.Status),
			v.CSVTime(c.Created), v.CSVTime(c.Claimed), wait, names[c.ConsultantID],
			strconv.Itoa(c.Relayed), v.CSVTime(c.Closed), c.ClosedBy, rating, c.Comment,
		})
	})
}

// big formats a count in the reader's digits with thousands separators (as the rest of /stats does).
func big(v bot.Voice, n int64) string {
	if v.Lang == "fa" {
		return persian.Int(n)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// decimal formats x with prec decimals in the reader's digits.
func decimal(v bot.Voice, x float64, prec int) string {
	if v.Lang == "fa" {
		return persian.Float(x, prec)
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}
