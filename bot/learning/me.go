package learning

import (
	"context"
	"strconv"
	"strings"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// handleMe shows a learner's own figures: lessons, time learned, streak, courses and certificates.
func (f *Feature) handleMe(ctx context.Context, c *bot.Ctx) error {
	progress, err := f.loadProgress(c.User.ID)
	if err != nil {
		return err
	}
	u := c.User
	lines := []string{
		c.T("MeTitle", "Name", bot.Escape(u.FirstName)),
		c.T("MeLessons", "Count", c.Num(u.LessonsCompleted)),
		c.T("MeTime", "Duration", c.Duration(u.MinutesLearned)),
		c.T("MeStreak", "Days", c.Num(u.CurrentStreak(f.LocalNow()))),
	}
	lines = append(lines, f.MeLines(c)...) // what other features add (events: the next event)
	var courses, certs []string
	for _, co := range coursesFor(f.Content(), u.Track) {
		done := courseDone(co, progress)
		started := done > 0
		for _, l := range co.Lessons {
			started = started || !progress[l.ID].Opened.IsZero()
		}
		if !started {
			continue
		}
		line := "• <b>" + bot.Escape(c.Content(co.Title)) + "</b> " + c.ProgressBar(done, len(co.Lessons))
		if correct, total := courseScore(co, progress); total > 0 {
			line += " — " + c.T("CourseScore", "Correct", c.Num(correct), "Total", c.Num(total))
		}
		courses = append(courses, line)
	}
	_ = f.Store.View(func(tx *store.Tx) error {
		for _, co := range f.Content().Courses {
			if code := tx.UserCertificate(u.ID, co.ID); code != "" {
				certs = append(certs, "🎓 "+bot.Escape(c.Content(co.Title))+": <code>"+code+"</code>")
			}
		}
		return nil
	})
	if len(courses) > 0 {
		lines = append(lines, "", c.T("MeCourses"))
		lines = append(lines, courses...)
	} else {
		lines = append(lines, "", c.T("MeNoCourses"))
	}
	if len(certs) > 0 {
		lines = append(lines, "", c.T("MeCertificates"))
		lines = append(lines, certs...)
	}
	// Staff who make someone an admin ask for this number; no other bot is needed
	// (and none is the same on every messenger).
	lines = append(lines, "", c.T("MeID", "ID", strconv.FormatInt(u.ID, 10)))
	_, err = c.Reply(ctx, strings.Join(lines, "\n"), nil)
	return err
}
