// Package dashboardtest seeds a database with a program's worth of figures for the dashboard's tests,
// browser tests and benchmark: learners, a year of daily tallies, progress in the courses, certificates,
// events with reservations and the consultants club.
package dashboardtest

import (
	"fmt"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// Program is what Seed wrote, for the tests' expectations.
type Program struct {
	Learners int
	Days     int
}

// ConsultantNames are the seeded consultants' display names (the only names a dashboard page shows).
var ConsultantNames = []string{"دکتر نیلوفر صادقی", "مهندس کاوه رحیمی"}

// Seed writes learners (ids from 10,000) and days of tallies ending at now, in batches.
func Seed(db *store.DB, cat *lessons.Catalog, now time.Time, learners, days int) (Program, error) {
	tracks := lessons.Tracks()
	courses := cat.Courses[:min(3, len(cat.Courses))]
	const batch = 5000
	for start := 0; start < learners; start += batch {
		err := db.Update(func(tx *store.Tx) error {
			for i := start; i < min(start+batch, learners); i++ {
				id := int64(10_000 + i)
				joined := now.AddDate(0, 0, -(i*7)%max(days, 1))
				u := &store.User{ID: id, FirstName: fmt.Sprintf("یادگیرنده %d", i), Track: tracks[i%len(tracks)], DailyMinute: 480,
					Onboarded: i%9 != 0, Created: joined, LastActive: now.AddDate(0, 0, -(i % 45)).Add(-time.Hour)}
				// Learner i goes some way into one course: the deeper, the fewer.
				c := courses[i%len(courses)]
				reached := (i / len(courses)) % (len(c.Lessons) + 3)
				reached = min(reached, len(c.Lessons))
				opened := joined.Add(2 * time.Hour)
				for k := 0; k <= min(reached, len(c.Lessons)-1); k++ {
					l := c.Lessons[k]
					p := store.LessonProgress{Opened: opened.AddDate(0, 0, k)}
					if k < reached {
						p.Completed, p.Minutes = p.Opened.Add(10*time.Minute), l.Minutes
						p.Attempt = 1
						for q := range l.Quiz {
							p.Answered |= 1 << q
							// The last question of each lesson is the hard one.
							if q != len(l.Quiz)-1 || (i/3+q)%4 == 0 {
								p.Correct |= 1 << q
							}
						}
						p.Passed, p.Best = true, len(l.Quiz)
						u.LessonsCompleted++
						u.MinutesLearned += l.Minutes
					}
					if err := tx.PutProgress(id, l.ID, p); err != nil {
						return err
					}
				}
				if reached == len(c.Lessons) {
					if err := tx.PutCertificate(&store.Certificate{Code: fmt.Sprintf("C%011d", id), UserID: id, CourseID: c.ID,
						Issued: opened.AddDate(0, 0, len(c.Lessons)+i%5), Name: u.FirstName}); err != nil {
						return err
					}
				}
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return Program{}, err
		}
	}
	err := db.Update(func(tx *store.Tx) error {
		for d := range days {
			day := now.AddDate(0, 0, -d)
			if err := tx.AddDay(day, func(s *store.DayStats) {
				s.NewUsers += int64(20 + (d*13)%37)
				s.Active += int64(300 + (d*29)%250)
				s.LessonsCompleted += int64(150 + (d*17)%120)
				s.LessonsDelivered += int64(400 + (d*11)%90)
				s.Minutes += int64(700 + (d*31)%600)
				s.QuizAnswers += 500
				s.QuizCorrect += 390
			}); err != nil {
				return err
			}
		}
		return seedEvents(tx, now)
	})
	if err != nil {
		return Program{}, err
	}
	return Program{Learners: learners, Days: days}, db.Update(func(tx *store.Tx) error { return seedClub(tx, now, learners) })
}

func seedEvents(tx *store.Tx, now time.Time) error {
	type ev struct {
		title       string
		at          time.Duration
		hours, cap  int
		going, wait int
		came        int
	}
	list := []ev{
		{"کارگاه قیمت‌گذاری محصولات خانگی", 3 * 24 * time.Hour, 3, 40, 40, 6, 0},
		{"همایش کارآفرینی اجتماعی اصفهان", 9 * 24 * time.Hour, 4, 0, 85, 0, 0},
		{"آخر هفتهٔ استارتاپی نوجوانان", -5 * 24 * time.Hour, 8, 30, 30, 0, 24},
		{"نشست بازاریابی در شبکه‌های اجتماعی", -12 * 24 * time.Hour, 2, 50, 46, 0, 31},
	}
	for n, e := range list {
		start := now.Add(e.at).Truncate(time.Hour)
		event := &store.Event{Title: e.title, Start: start, End: start.Add(time.Duration(e.hours) * time.Hour), Capacity: e.cap,
			Token: fmt.Sprintf("seed-door-%d", n), Place: store.Place{Name: "خانهٔ کارآفرینی اصفهان"}}
		if err := tx.CreateEvent(event); err != nil {
			return err
		}
		for k := range e.going + e.wait {
			r := &store.RSVP{EventID: event.ID, UserID: int64(10_000 + k), Status: store.RSVPGoing, At: start.AddDate(0, 0, -7)}
			switch {
			case k >= e.going:
				r.Status, r.Queued = store.RSVPWaitlist, r.At
			case k == 0 && e.wait > 0:
				r.Status, r.OfferExpires = store.RSVPOffered, now.Add(6*time.Hour)
			}
			if k < e.came {
				r.CheckedIn = start.Add(10 * time.Minute)
			}
			if err := tx.PutRSVP(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func seedClub(tx *store.Tx, now time.Time, learners int) error {
	for n, name := range ConsultantNames {
		if err := tx.PutConsultant(&store.Consultant{ID: int64(500 + n), Name: name, Status: store.ConsultantActive, ProfileDone: true,
			Topics: []string{"marketing", "finance"}, Sessions: 12 - 5*n, RatingSum: 4*(12-5*n) + n, RatingCount: 12 - 5*n}); err != nil {
			return err
		}
	}
	topics := []string{"marketing", "finance", "legal", "marketing"}
	for k := range min(24, learners) {
		c := &store.Consultation{LearnerID: int64(10_000 + k), Topic: topics[k%len(topics)], Status: store.ConsultClosed}
		if err := tx.AddConsultation(c); err != nil {
			return err
		}
		c.Created = now.AddDate(0, 0, -k)
		switch {
		case k < 2:
			c.Status, c.Created = store.ConsultWaiting, now.Add(-time.Duration(k+1)*7*time.Minute)
		default:
			c.ConsultantID = int64(500 + k%2)
			c.Claimed = c.Created.Add(time.Duration(3+k*2) * time.Minute)
			c.Closed = c.Claimed.Add(30 * time.Minute)
			c.Rating = 3 + k%3
		}
		if err := tx.PutConsultation(c); err != nil {
			return err
		}
	}
	return nil
}
