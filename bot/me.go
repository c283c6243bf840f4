package bot

import (
	"context"
	"strings"

	"github.com/tavan7/tavan/bot/store"
)

// handleMe shows a learner's own figures: lessons, time learned, streak, courses and certificates.
func (b *Bot) handleMe(ctx context.Context, c *Ctx) error {
	progress, err := b.loadProgress(c.User.ID)
	if err != nil {
		return err
	}
	u := c.User
	lines := []string{
		c.T("MeTitle", "Name", htmlEscape(u.FirstName)),
		c.T("MeLessons", "Count", c.num(u.LessonsCompleted)),
		c.T("MeTime", "Duration", c.duration(u.MinutesLearned)),
		c.T("MeStreak", "Days", c.num(currentStreak(u, b.now()))),
	}
	if line := b.meEventsLine(c); line != "" {
		lines = append(lines, line)
	}
	var courses, certs []string
	for _, co := range coursesFor(b.catalog(), u.Track) {
		done := courseDone(co, progress)
		started := done > 0
		for _, l := range co.Lessons {
			started = started || !progress[l.ID].Opened.IsZero()
		}
		if !started {
			continue
		}
		line := "• <b>" + htmlEscape(co.Title.In(c.Lang)) + "</b> " + c.progressBar(done, len(co.Lessons))
		if correct, total := courseScore(co, progress); total > 0 {
			line += " — " + c.T("CourseScore", "Correct", c.num(correct), "Total", c.num(total))
		}
		courses = append(courses, line)
	}
	_ = b.Store.View(func(tx *store.Tx) error {
		for _, co := range b.catalog().Courses {
			if code := tx.UserCertificate(u.ID, co.ID); code != "" {
				certs = append(certs, "🎓 "+htmlEscape(co.Title.In(c.Lang))+": <code>"+code+"</code>")
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
	_, err = c.Reply(ctx, strings.Join(lines, "\n"), nil)
	return err
}
