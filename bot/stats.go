package bot

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// /stats: the program's figures for its staff, read in one transaction from running totals kept by the
// store (O(tracks + days), not O(learners): see store/figures.go), plus a 30-day chart.

// EventFigures are the event lines of /stats; the events feature provides them (ops.go, eventFigures).
type EventFigures struct {
	Upcoming int // scheduled events that have not started
	RSVPs    int // seats taken in upcoming events
	Waitlist int // learners waiting for a seat in upcoming events
	Held     int // events that took place
	Attended int // check-ins at the door, all events
}

// ConsultFigures are the consultation lines of /stats; the consultations feature provides them (ops.go,
// consultFigures). Open is also the tavan_consultation_sessions_open metric.
type ConsultFigures struct {
	Queue     int           // requests waiting for a consultant
	Open      int           // sessions in progress
	Sessions  int           // sessions ever started
	AvgWait   time.Duration // from the request to a consultant taking it
	AvgRating float64       // 1 to 5; meaningful when Ratings > 0
	Ratings   int
}

// programFigures is everything /stats shows.
type programFigures struct {
	totals            store.Totals
	active7, active30 int64
	days              store.DayStats // all days added up
	onStreak, streak7 int            // learners whose streak is alive; of them, at 7 days or more
	longestStreak     int
	events            *EventFigures   // nil until the events feature reports
	consult           *ConsultFigures // nil until the consultations feature reports
	chart             []chartDay
}

const chartDays = 30

func (b *Bot) statsRoutes(r *Router) {
	r.AdminCommand("stats", b.handleStats)
}

// figures reads the program's figures at now, in one read transaction.
func (b *Bot) figures(now time.Time) (programFigures, error) {
	var f programFigures
	err := b.Store.View(func(tx *store.Tx) error {
		f.totals = tx.Totals()
		f.active7 = tx.ActiveSince(now.AddDate(0, 0, -6))
		f.active30 = tx.ActiveSince(now.AddDate(0, 0, -29))
		f.days = tx.SumDays()
		// A streak can only be alive if its last day is at most two days ago (one freeze a week).
		tx.StreaksSince(dayString(now.AddDate(0, 0, -2)), func(e store.StreakEntry) {
			n := currentStreak(&store.User{Streak: e.Streak, StreakDay: e.Day, FreezeWeek: e.FreezeWeek}, now)
			if n <= 0 {
				return
			}
			f.onStreak++
			if n >= 7 {
				f.streak7++
			}
			f.longestStreak = max(f.longestStreak, n)
		})
		for i := chartDays - 1; i >= 0; i-- {
			day := now.AddDate(0, 0, -i)
			d := tx.Day(day)
			_, m, dd := persian.ToJalali(day)
			f.chart = append(f.chart, chartDay{Label: fmt.Sprintf("%02d/%02d", m, dd), Active: d.Active, Hours: float64(d.Minutes) / 60})
		}
		if b.ops.eventFigures != nil {
			ev, err := b.ops.eventFigures(tx, now)
			if err != nil {
				return fmt.Errorf("event figures: %w", err)
			}
			f.events = &ev
		}
		if b.ops.consultFigures != nil {
			cf, err := b.ops.consultFigures(tx, now)
			if err != nil {
				return fmt.Errorf("consultation figures: %w", err)
			}
			f.consult = &cf
		}
		return nil
	})
	return f, err
}

func (b *Bot) handleStats(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	now := b.now()
	f, err := b.figures(now)
	if err != nil {
		return err
	}
	if _, err := c.Reply(ctx, b.statsText(c, f, now), nil); err != nil {
		return err
	}
	img, err := drawChart(
		"Tavan: daily active learners and learning hours, last 30 days",
		fmt.Sprintf("Generated %s %s (%s). Dates are Jalali month/day.", jalaliLatin(now), now.Format("15:04"), b.Location),
		f.chart)
	if err != nil {
		return err
	}
	photo := tgbotapi.NewPhoto(c.ChatID, tgbotapi.FileBytes{Name: "tavan-stats.png", Bytes: img})
	photo.Caption = c.T("StatsChartCaption")
	_, err = b.send(ctx, photo)
	return err
}

// jalaliLatin is a Jalali date in ASCII digits ("1405/09/06") for the chart, which cannot draw Persian.
func jalaliLatin(t time.Time) string {
	y, m, d := persian.ToJalali(t)
	return fmt.Sprintf("%04d/%02d/%02d", y, m, d)
}

// statsText renders the figures in the admin's language; Persian digits throughout in Persian.
func (b *Bot) statsText(c *Ctx, f programFigures, now time.Time) string {
	n := func(v int64) string { return c.big(v) }
	t := f.totals
	lines := []string{
		c.T("StatsTitle", "Date", c.date(now)),
		"",
		c.T("StatsLearners", "Total", n(t.Users), "Onboarded", n(t.Onboarded)),
		c.T("StatsActive", "Active7", n(f.active7), "Active30", n(f.active30)),
	}
	if t.Blocked > 0 {
		lines = append(lines, c.T("StatsBlocked", "Count", n(t.Blocked)))
	}
	if len(t.ByTrack) > 0 {
		lines = append(lines, c.T("StatsTracksTitle"))
		type trackCount struct {
			name  string
			count int64
		}
		var rows []trackCount
		for id, count := range t.ByTrack {
			name := c.T("StatsNoTrack")
			if id != "" {
				name = c.T("Track_" + id)
				if name == "Track_"+id { // a track the locale files do not know (renamed since)
					name = htmlEscape(id)
				}
			}
			rows = append(rows, trackCount{name, count})
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].count != rows[j].count {
				return rows[i].count > rows[j].count
			}
			return rows[i].name < rows[j].name
		})
		for _, r := range rows {
			lines = append(lines, c.T("StatsTrackLine", "Track", r.name, "Count", n(r.count)))
		}
	}
	lines = append(lines, "",
		c.T("StatsLessons", "Delivered", n(f.days.LessonsDelivered), "Completed", n(f.days.LessonsCompleted)))

	minutes := t.ProgramMinutes()
	goal := b.Ops.GoalHours
	pct := float64(minutes) / 60 / float64(goal) * 100
	lines = append(lines, c.T("StatsHours",
		"Hours", n(minutes/60), "Goal", n(goal), "Percent", c.percent(pct), "Bar", goalBar(pct)))

	if f.days.QuizAnswers > 0 {
		acc := float64(f.days.QuizCorrect) / float64(f.days.QuizAnswers) * 100
		lines = append(lines, c.T("StatsQuiz", "Percent", c.percent(acc), "Correct", n(f.days.QuizCorrect), "Answers", n(f.days.QuizAnswers)))
	} else {
		lines = append(lines, c.T("StatsQuizNone"))
	}
	lines = append(lines, c.T("StatsStreaks", "OnStreak", n(int64(f.onStreak)), "Week", n(int64(f.streak7)), "Longest", n(int64(f.longestStreak))))

	lines = append(lines, "")
	if ev := f.events; ev != nil {
		lines = append(lines, c.T("StatsEvents", "Upcoming", n(int64(ev.Upcoming)), "RSVPs", n(int64(ev.RSVPs)),
			"Waitlist", n(int64(ev.Waitlist)), "Held", n(int64(ev.Held)), "Attended", n(int64(ev.Attended))))
	} else {
		lines = append(lines, c.T("StatsEventsNone"))
	}
	if cs := f.consult; cs != nil {
		rating := "—"
		if cs.Ratings > 0 {
			rating = c.T("StatsRating", "Rating", c.decimal(cs.AvgRating, 1), "Count", n(int64(cs.Ratings)))
		}
		lines = append(lines, c.T("StatsConsult", "Queue", n(int64(cs.Queue)), "Open", n(int64(cs.Open)),
			"Sessions", n(int64(cs.Sessions)), "Wait", c.duration(int(cs.AvgWait.Round(time.Minute)/time.Minute)), "Rating", rating))
	} else {
		lines = append(lines, c.T("StatsConsultNone"))
	}
	if t.Deleted > 0 {
		lines = append(lines, "", c.T("StatsDeleted", "Count", n(t.Deleted)))
	}
	return strings.Join(lines, "\n")
}

// big formats a count in the user's digits with thousands separators.
func (c *Ctx) big(v int64) string {
	if c.Lang == "fa" {
		return persian.Int(v)
	}
	s := strconv.FormatInt(v, 10)
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

// decimal formats f with prec decimals in the user's digits.
func (c *Ctx) decimal(f float64, prec int) string {
	if c.Lang == "fa" {
		return persian.Float(f, prec)
	}
	return strconv.FormatFloat(f, 'f', prec, 64)
}

// percent formats a percentage: two decimals, more when it is small but not zero (a young program is
// at 0.0012% of ten million hours, and "0%" would hide that it moves).
func (c *Ctx) percent(p float64) string {
	prec := 2
	if p > 0 && p < 0.01 {
		prec = 4
	}
	if p >= 100 || p == math.Trunc(p) {
		prec = 0
	}
	if c.Lang == "fa" {
		return persian.Float(p, prec) + "٪"
	}
	return strconv.FormatFloat(p, 'f', prec, 64) + "%"
}

// goalBar is ten cells, filled by tenths of the goal, with at least one cell once anything counts.
func goalBar(pct float64) string {
	filled := int(math.Min(pct, 100) / 10)
	if filled == 0 && pct > 0 {
		filled = 1
	}
	return strings.Repeat("▰", filled) + strings.Repeat("▱", 10-filled)
}
