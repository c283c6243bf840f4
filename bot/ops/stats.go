package ops

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// /stats: the program's figures for its staff, read in one transaction from running totals kept by the
// store (O(tracks + days), not O(learners): see store/figures.go), plus a 30-day chart. Other features
// add their blocks (events, consultations) with StatsSection; they are read in the same transaction.

// programFigures is everything /stats shows.
type programFigures struct {
	totals            store.Totals
	active7, active30 int64
	days              store.DayStats // all days added up
	onStreak, streak7 int            // learners whose streak is alive; of them, at 7 days or more
	longestStreak     int
	sections          []string // the blocks other features contribute (StatsSection), in order
	chart             []chartDay
}

const chartDays = 30

// figures reads the program's figures at now, in one read transaction; the contributed blocks speak v.
func (f *Feature) figures(v bot.Voice, now time.Time) (programFigures, error) {
	var pf programFigures
	err := f.Store.View(func(tx *store.Tx) error {
		pf.totals = tx.Totals()
		pf.active7 = tx.ActiveSince(now.AddDate(0, 0, -6))
		pf.active30 = tx.ActiveSince(now.AddDate(0, 0, -29))
		pf.days = tx.SumDays()
		// A streak can only be alive if its last day is at most two days ago (one freeze a week).
		tx.StreaksSince(store.DayString(now.AddDate(0, 0, -2)), func(e store.StreakEntry) {
			n := (&store.User{Streak: e.Streak, StreakDay: e.Day, FreezeWeek: e.FreezeWeek}).CurrentStreak(now)
			if n <= 0 {
				return
			}
			pf.onStreak++
			if n >= 7 {
				pf.streak7++
			}
			pf.longestStreak = max(pf.longestStreak, n)
		})
		for i := chartDays - 1; i >= 0; i-- {
			day := now.AddDate(0, 0, -i)
			d := tx.Day(day)
			_, m, dd := persian.ToJalali(day)
			pf.chart = append(pf.chart, chartDay{Label: v.Num(m) + "/" + v.Num(dd), Active: d.Active, Hours: float64(d.Minutes) / 60})
		}
		var err error
		pf.sections, err = f.StatsSections(tx, v, now)
		return err
	})
	return pf, err
}

func (f *Feature) handleStats(ctx context.Context, c *bot.Ctx) error {
	now := f.LocalNow()
	pf, err := f.figures(c.Voice, now)
	if err != nil {
		return err
	}
	if _, err := c.Reply(ctx, f.statsText(c.Voice, pf, now), nil); err != nil {
		return err
	}
	chart, err := drawChart(f.chartWords(c.Voice, now), pf.chart)
	if err != nil {
		return err
	}
	img, err := chartPNG(chart)
	if err != nil {
		return err
	}
	photo := tgbotapi.NewPhoto(c.ChatID, tgbotapi.FileBytes{Name: "tavan-stats.png", Bytes: img})
	photo.Caption = c.T("StatsChartCaption")
	_, err = f.Send(ctx, photo)
	return err
}

// chartWords are the chart's title, legend and footer in the admin's language, its numbers in their digits.
func (f *Feature) chartWords(v bot.Voice, now time.Time) chartText {
	return chartText{
		Title:        v.T("StatsChartTitle"),
		ActiveLegend: v.T("StatsChartActive"),
		HoursLegend:  v.T("StatsChartHours"),
		Footer:       v.T("StatsChartFooter", "Date", v.Date(now), "Clock", v.Time(now)),
		RTL:          v.Lang != "en",
		Number: func(x float64) string {
			s := formatTick(x)
			if v.Lang == "en" {
				return s
			}
			if n, ok := strings.CutSuffix(s, "k"); ok {
				s = n + " هزار"
			} else if n, ok := strings.CutSuffix(s, "M"); ok {
				s = n + " میلیون"
			}
			return strings.ReplaceAll(persian.Digits(s), ".", "٫")
		},
	}
}

// statsText renders the figures in the admin's language; Persian digits throughout in Persian.
func (f *Feature) statsText(c bot.Voice, pf programFigures, now time.Time) string {
	n := func(v int64) string { return big(c, v) }
	t := pf.totals
	lines := []string{
		c.T("StatsTitle", "Date", c.Date(now)),
		"",
		c.T("StatsLearners", "Total", n(t.Users), "Onboarded", n(t.Onboarded)),
		c.T("StatsActive", "Active7", n(pf.active7), "Active30", n(pf.active30)),
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
					name = bot.Escape(id)
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
		c.T("StatsLessons", "Delivered", n(pf.days.LessonsDelivered), "Completed", n(pf.days.LessonsCompleted)))

	minutes := t.ProgramMinutes()
	goal := f.opts.GoalHours
	pct := float64(minutes) / 60 / float64(goal) * 100
	lines = append(lines, c.T("StatsHours",
		"Hours", n(minutes/60), "Goal", n(goal), "Percent", percent(c, pct), "Bar", goalBar(pct)))

	if pf.days.QuizAnswers > 0 {
		acc := float64(pf.days.QuizCorrect) / float64(pf.days.QuizAnswers) * 100
		lines = append(lines, c.T("StatsQuiz", "Percent", percent(c, acc), "Correct", n(pf.days.QuizCorrect), "Answers", n(pf.days.QuizAnswers)))
	} else {
		lines = append(lines, c.T("StatsQuizNone"))
	}
	lines = append(lines, c.T("StatsStreaks", "OnStreak", n(int64(pf.onStreak)), "Week", n(int64(pf.streak7)), "Longest", n(int64(pf.longestStreak))))

	lines = append(lines, "")
	lines = append(lines, pf.sections...) // events, consultations …
	if t.Deleted > 0 {
		lines = append(lines, "", c.T("StatsDeleted", "Count", n(t.Deleted)))
	}
	return strings.Join(lines, "\n")
}

// big formats a count in the reader's digits with thousands separators.
func big(c bot.Voice, v int64) string {
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

// decimal formats f with prec decimals in the reader's digits.
func decimal(c bot.Voice, f float64, prec int) string {
	if c.Lang == "fa" {
		return persian.Float(f, prec)
	}
	return strconv.FormatFloat(f, 'f', prec, 64)
}

// percent formats a percentage: two decimals, more when it is small but not zero (a young program is
// at 0.0012% of ten million hours, and "0%" would hide that it moves).
func percent(c bot.Voice, p float64) string {
	if p > 0 && p < 0.01 {
		return c.T("LessThanHundredthPercent") // not «۰٫۰۰۰۰٪», which reads as nothing at all
	}
	prec := 2
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
