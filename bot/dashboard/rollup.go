package dashboard

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/tavan7/tavan/bot/store"
)

// The nightly rollup: what needs a scan of every learner's progress, every certificate and every
// consultation (funnels, per-question accuracy, medians) is computed once a night (and at start) and
// stored, so that a page view reads one record. Running totals and per-day tallies stay live.

// rollup is the stored result of one scan.
type rollup struct {
	At        time.Time                 `json:"at"`
	Lessons   map[string]*lessonTally   `json:"lessons,omitempty"`   // lesson id (as the catalog knows it now)
	Questions map[string]*questionTally `json:"questions,omitempty"` // question id "<lesson>/<n>"
	Courses   map[string]*courseTally   `json:"courses,omitempty"`
	// Learning minutes of stored learners by track ("" = none chosen); those of learners who left are
	// in the running totals only.
	MinutesByTrack map[string]int64 `json:"tracks,omitempty"`
	Consult        consultRoll      `json:"consult"`
}

type lessonTally struct {
	Started   int64 `json:"s,omitempty"` // learners who opened it
	Completed int64 `json:"c,omitempty"`
	Passed    int64 `json:"p,omitempty"` // quiz passed
}

type questionTally struct {
	Answered int64 `json:"a,omitempty"` // in each learner's last attempt
	Correct  int64 `json:"c,omitempty"`
}

type courseTally struct {
	Started      int64   `json:"s,omitempty"`  // learners who opened any of its lessons
	AllPassed    int64   `json:"p,omitempty"`  // learners who passed the quiz of every lesson that has one
	Certificates int64   `json:"c,omitempty"`  // certificates issued
	MedianDays   float64 `json:"md,omitempty"` // from the first lesson opened to the certificate; 0 = none yet
}

// consultRoll is the club's figures that need every consultation.
type consultRoll struct {
	Waits   []waitSample     `json:"waits,omitempty"` // one per claimed request, by claim day
	Ratings [6]int64         `json:"ratings"`         // index = stars (1–5)
	Topics  map[string]int64 `json:"topics,omitempty"`
}

type waitSample struct {
	Day     string `json:"d"` // yyyy-mm-dd of the claim, program zone
	Seconds int64  `json:"s"`
}

// rollupLoop is the nightly round (a core loop). The round every loop runs at start is skipped while
// the stored rollup is less than a day old: a restart does not rescan every learner.
func (f *Feature) rollupLoop(_ context.Context, now time.Time) error {
	if !f.rolledOnce.Swap(true) {
		var at time.Time
		_ = f.Store.View(func(tx *store.Tx) error { at = loadRollup(tx).At; return nil })
		if !at.IsZero() && now.Sub(at) < 24*time.Hour && !at.After(now) {
			return nil
		}
	}
	return f.rollupNow(now)
}

// rollupNow counts and stores a fresh rollup, and forgets expired sign-in links and sessions.
func (f *Feature) rollupNow(now time.Time) error {
	r, err := f.computeRollup(now)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return f.Store.Update(func(tx *store.Tx) error {
		if _, err := tx.PruneDashboardGrants(now); err != nil {
			return err
		}
		return tx.PutDashboardRollup(raw)
	})
}

// rollupChunk is how many learners one read transaction of the rollup covers.
const rollupChunk = 5000

// computeRollup reads every record it needs, in chunks.
func (f *Feature) computeRollup(now time.Time) (*rollup, error) {
	cat := f.Content()
	r := &rollup{
		At:             now,
		Lessons:        map[string]*lessonTally{},
		Questions:      map[string]*questionTally{},
		Courses:        map[string]*courseTally{},
		MinutesByTrack: map[string]int64{},
		Consult:        consultRoll{Topics: map[string]int64{}},
	}
	quizzes := map[string]int{} // course id → lessons with a quiz
	for _, c := range cat.Courses {
		r.Courses[c.ID] = &courseTally{}
		for _, l := range c.Lessons {
			r.Lessons[l.ID] = &lessonTally{}
			if len(l.Quiz) > 0 {
				quizzes[c.ID]++
			}
		}
	}
	// Each part reads in short transactions (chunks of learners), so that the scan never holds a read
	// transaction long enough to stall a writer that needs to grow the database file.
	for after, more := int64(0), true; more; {
		if err := f.Store.View(func(tx *store.Tx) (err error) {
			after, more, err = tx.UsersFrom(after, rollupChunk, func(u *store.User) error {
				r.MinutesByTrack[u.Track] += int64(u.MinutesLearned)
				return nil
			})
			return err
		}); err != nil {
			return nil, err
		}
	}
	issued := map[int64]map[string]time.Time{} // learner → course → certificate
	if err := f.Store.View(func(tx *store.Tx) error {
		return tx.EachCertificate(func(c *store.Certificate) error {
			if ct := r.Courses[c.CourseID]; ct != nil {
				ct.Certificates++
			}
			if issued[c.UserID] == nil {
				issued[c.UserID] = map[string]time.Time{}
			}
			issued[c.UserID][c.CourseID] = c.Issued
			return nil
		})
	}); err != nil {
		return nil, err
	}

	// Progress comes in learner order: one learner's courses are gathered, then counted.
	type mine struct {
		passed int
		first  time.Time
	}
	finish := map[string][]float64{}
	var current int64 = -1
	courses := map[string]*mine{}
	flush := func() {
		for id, m := range courses {
			ct := r.Courses[id]
			ct.Started++
			if quizzes[id] > 0 && m.passed >= quizzes[id] {
				ct.AllPassed++
			}
			if at, ok := issued[current][id]; ok && !m.first.IsZero() && at.After(m.first) {
				finish[id] = append(finish[id], at.Sub(m.first).Hours()/24)
			}
		}
		clear(courses)
	}
	count := func(userID int64, lessonID string, p store.LessonProgress) error {
		if userID != current {
			flush()
			current = userID
		}
		l := cat.Lesson(lessonID)
		if l == nil {
			return nil // a lesson no longer in the content
		}
		lt := r.Lessons[l.ID]
		lt.Started++
		if !p.Completed.IsZero() {
			lt.Completed++
		}
		m := courses[l.Course.ID]
		if m == nil {
			m = &mine{}
			courses[l.Course.ID] = m
		}
		if !p.Opened.IsZero() && (m.first.IsZero() || p.Opened.Before(m.first)) {
			m.first = p.Opened
		}
		if p.Passed {
			lt.Passed++
			if len(l.Quiz) > 0 {
				m.passed++
			}
		}
		for i, q := range l.Quiz {
			if i >= 32 || p.Answered&(1<<i) == 0 {
				continue
			}
			qt := r.Questions[q.ID]
			if qt == nil {
				qt = &questionTally{}
				r.Questions[q.ID] = qt
			}
			qt.Answered++
			if p.Correct&(1<<i) != 0 {
				qt.Correct++
			}
		}
		return nil
	}
	for after, more := int64(0), true; more; {
		if err := f.Store.View(func(tx *store.Tx) (err error) {
			after, more, err = tx.ProgressFrom(after, rollupChunk, count)
			return err
		}); err != nil {
			return nil, err
		}
	}
	flush()
	for id, days := range finish {
		r.Courses[id].MedianDays = median(days)
	}

	err := f.Store.View(func(tx *store.Tx) error {
		return tx.EachConsultation(func(c *store.Consultation) error {
			r.Consult.Topics[c.Topic]++
			if c.Rating >= 1 && c.Rating <= 5 {
				r.Consult.Ratings[c.Rating]++
			}
			if !c.Claimed.IsZero() {
				r.Consult.Waits = append(r.Consult.Waits, waitSample{
					Day:     store.DayString(c.Claimed.In(f.Location)),
					Seconds: int64(c.Claimed.Sub(c.Created) / time.Second),
				})
			}
			return nil
		})
	})
	slices.SortFunc(r.Consult.Waits, func(a, b waitSample) int {
		if a.Day != b.Day {
			if a.Day < b.Day {
				return -1
			}
			return 1
		}
		return int(a.Seconds - b.Seconds)
	})
	return r, err
}

// loadRollup reads the latest rollup; an empty one before the first.
func loadRollup(tx *store.Tx) *rollup {
	r := &rollup{}
	if raw := tx.DashboardRollup(); raw != nil {
		_ = json.Unmarshal(raw, r) // a damaged rollup reads as empty until the next night
	}
	return r
}

// median of values (sorted in place); 0 for none.
func median(values []float64) float64 { return quantile(values, 0.5) }

// quantile of values by the nearest-rank method (sorted in place); 0 for none.
func quantile(values []float64, q float64) float64 {
	if len(values) == 0 {
		return 0
	}
	slices.Sort(values)
	if q == 0.5 && len(values)%2 == 0 {
		return (values[len(values)/2-1] + values[len(values)/2]) / 2
	}
	i := int(float64(len(values))*q+0.999999) - 1
	return values[max(0, min(i, len(values)-1))]
}
