package dashboard

import (
	"cmp"
	"context"
	"html/template"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/tavan7/tavan/bot/store"
)

// The pages. Each reads in one read transaction: running totals, the per-day tallies of its range, the
// latest rollup and the few live records a page needs (upcoming events, the queue, consultants) — never
// a scan of learners. The Questions page of the issue waits for typed questions (a later feature).

var pageOrder = []string{"overview", "learning", "events", "consult", "delivery"}

// rangedPages take a preset range.
var rangedPages = map[string]bool{"overview": true, "events": true, "consult": true}

type pageBuilder func(v fmtr, rg span, now time.Time) (*page, error)

func (f *Feature) pageBuilders() map[string]pageBuilder {
	return map[string]pageBuilder{
		"overview": f.overviewPage,
		"learning": f.learningPage,
		"events":   f.eventsPage,
		"consult":  f.consultPage,
		"delivery": f.deliveryPage,
	}
}

// overview figures that /stats shows as well: the test compares them.
type overview struct {
	totals            store.Totals
	active7, active30 int64
	paceMinutes       int64 // credited in the last 30 days
	days              []dayRow
	rollup            *rollup
}

type dayRow struct {
	day time.Time
	d   store.DayStats
}

func (f *Feature) readOverview(rg span, now time.Time) (overview, error) {
	var o overview
	err := f.Store.View(func(tx *store.Tx) error {
		o.totals = tx.Totals()
		o.active7 = tx.ActiveSince(now.AddDate(0, 0, -6))
		o.active30 = tx.ActiveSince(now.AddDate(0, 0, -29))
		tx.DaysBetween(store.DayString(now.AddDate(0, 0, -29)), store.DayString(now), func(_ string, d store.DayStats) {
			o.paceMinutes += d.Minutes
		})
		byDay := map[string]store.DayStats{}
		tx.DaysBetween(store.DayString(rg.first), store.DayString(rg.last), func(day string, d store.DayStats) { byDay[day] = d })
		for _, d := range rg.days() {
			o.days = append(o.days, dayRow{d, byDay[store.DayString(d)]})
		}
		o.rollup = loadRollup(tx)
		return nil
	})
	return o, err
}

func (f *Feature) overviewPage(v fmtr, rg span, now time.Time) (*page, error) {
	o, err := f.readOverview(rg, now)
	if err != nil {
		return nil, err
	}
	t := o.totals
	hours := t.ProgramMinutes() / 60
	p := &page{}
	goalNote := v.T("DashGoalOf", "Goal", v.Num64(f.opts.GoalHours), "Percent", v.dec(float64(t.ProgramMinutes())/60/float64(f.opts.GoalHours)*100, 4)+v.percentSign())
	reach := v.T("DashGoalNoPace")
	if remaining := f.opts.GoalHours*60 - t.ProgramMinutes(); remaining <= 0 {
		reach = v.T("DashGoalReached")
	} else if o.paceMinutes > 0 {
		days := math.Ceil(float64(remaining) / (float64(o.paceMinutes) / 30))
		if days < 365*200 {
			reach = v.Date(now.AddDate(0, 0, int(days)))
		} else {
			reach = v.T("DashGoalFar")
		}
	}
	p.Cards = []card{
		{v.T("DashLearners"), v.Num64(t.Users), v.T("DashOnboarded", "Count", v.Num64(t.Onboarded))},
		{v.T("DashActive7"), v.Num64(o.active7), ""},
		{v.T("DashActive30"), v.Num64(o.active30), ""},
		{v.T("DashHours"), v.Num64(hours), goalNote},
		{v.T("DashGoalDate"), reach, v.T("DashGoalPace", "Hours", v.dec(float64(o.paceMinutes)/60/30, 1))},
		{v.T("DashLessonsDone"), v.Num64(t.ProgramLessons()), ""},
	}

	labels := make([]string, len(o.days))
	newUsers, lessons, hoursDay := make([]float64, len(o.days)), make([]float64, len(o.days)), make([]float64, len(o.days))
	daily := &table{ID: "daily", Head: []string{v.T("DashColDay"), v.T("DashColNew"), v.T("DashColActive"), v.T("DashColLessons"), v.T("DashColHours")}}
	for i, r := range o.days {
		labels[i] = v.shortDay(r.day)
		newUsers[i], lessons[i], hoursDay[i] = float64(r.d.NewUsers), float64(r.d.LessonsCompleted), float64(r.d.Minutes)/60
		daily.Rows = append(daily.Rows, []cell{v.day(r.day), v.int(r.d.NewUsers), v.int(r.d.Active), v.int(r.d.LessonsCompleted), v.float(float64(r.d.Minutes)/60, 1)})
	}
	slices.Reverse(daily.Rows) // the latest day first
	whole := func(x float64) string { return v.Num64(int64(math.Round(x))) }
	p.Sections = append(p.Sections,
		section{Title: v.T("DashNewPerDay"), Chart: columnChart(v.T("DashNewPerDay"), labels, newUsers, whole, v.Lang == "fa")},
		section{Title: v.T("DashLessonsPerDay"), Chart: columnChart(v.T("DashLessonsPerDay"), labels, lessons, whole, v.Lang == "fa")},
		section{Title: v.T("DashHoursPerDay"), Chart: columnChart(v.T("DashHoursPerDay"), labels, hoursDay, func(x float64) string { return v.dec(x, 1) }, v.Lang == "fa"), Table: daily},
	)

	tracks := &table{ID: "tracks", Head: []string{v.T("DashColTrack"), v.T("DashColLearners"), v.T("DashColHours")}}
	ids := make([]string, 0, len(t.ByTrack))
	for id := range t.ByTrack {
		ids = append(ids, id)
	}
	for id := range o.rollup.MinutesByTrack {
		if _, ok := t.ByTrack[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(t.ByTrack[b], t.ByTrack[a]) })
	var trackLabels []string
	var trackHours []float64
	for _, id := range ids {
		h := float64(o.rollup.MinutesByTrack[id]) / 60
		tracks.Rows = append(tracks.Rows, []cell{textCell(trackName(v, id)), v.int(t.ByTrack[id]), v.float(h, 1)})
		trackLabels, trackHours = append(trackLabels, trackName(v, id)), append(trackHours, h)
	}
	if t.RetiredMinutes > 0 {
		tracks.Rows = append(tracks.Rows, []cell{textCell(v.T("DashTrackLeft")), v.int(t.Deleted), v.float(float64(t.RetiredMinutes)/60, 1)})
	}
	p.Sections = append(p.Sections, section{
		Title: v.T("DashByTrack"), Note: f.rollupNote(v, o.rollup),
		Chart: barChart(v.T("DashByTrackChart"), trackLabels, trackHours, func(x float64) string { return v.dec(x, 1) }, v.Lang == "fa"),
		Table: tracks,
	})
	return p, nil
}

func trackName(v fmtr, id string) string {
	if id == "" {
		return v.T("StatsNoTrack")
	}
	if name := v.T("Track_" + id); name != "Track_"+id {
		return name
	}
	return id
}

func (f *Feature) rollupNote(v fmtr, r *rollup) string {
	if r.At.IsZero() {
		return v.T("DashRollupNone")
	}
	return v.T("DashRollupAt", "Date", v.Date(r.At), "Time", v.Time(r.At))
}

func (f *Feature) learningPage(v fmtr, _ span, _ time.Time) (*page, error) {
	var r *rollup
	if err := f.Store.View(func(tx *store.Tx) error { r = loadRollup(tx); return nil }); err != nil {
		return nil, err
	}
	cat := f.Content()
	p := &page{Note: f.rollupNote(v, r)}
	courses := &table{ID: "courses", Head: []string{v.T("DashColCourse"), v.T("DashColStarted"), v.T("DashColAllPassed"), v.T("DashColCertificates"), v.T("DashColMedianDays"), v.T("DashColDropLesson")}}
	var funnels []section
	var started, certs int64
	for _, c := range cat.Courses {
		ct := r.Courses[c.ID]
		if ct == nil {
			ct = &courseTally{}
		}
		title := c.Title.In(v.Lang)
		ft := &table{ID: "funnel-" + c.ID, Head: []string{v.T("DashColStep"), v.T("DashColLearners"), v.T("DashColOfStarted")}}
		var labels []string
		var values []float64
		add := func(label string, n int64) {
			ft.Rows = append(ft.Rows, []cell{textCell(label), v.int(n), v.pct(n, ct.Started)})
			labels, values = append(labels, label), append(values, float64(n))
		}
		add(v.T("DashStepStarted"), ct.Started)
		prev, drop, dropAt := ct.Started, int64(-1), ""
		for _, l := range c.Lessons {
			lt := r.Lessons[l.ID]
			n := int64(0)
			if lt != nil {
				n = lt.Completed
			}
			add(v.T("DashStepLesson", "N", v.Num(l.Index+1), "Title", l.Title.In(v.Lang)), n)
			if prev-n > drop {
				drop, dropAt = prev-n, v.T("DashStepLesson", "N", v.Num(l.Index+1), "Title", l.Title.In(v.Lang))
			}
			prev = n
		}
		add(v.T("DashStepPassed"), ct.AllPassed)
		add(v.T("DashStepCertificate"), ct.Certificates)
		if drop <= 0 {
			dropAt = "—"
		}
		median := cell{Text: "—", Num: true}
		if ct.MedianDays > 0 {
			median = v.float(ct.MedianDays, 1)
		}
		courses.Rows = append(courses.Rows, []cell{textCell(title), v.int(ct.Started), v.int(ct.AllPassed), v.int(ct.Certificates), median, textCell(dropAt)})
		started += ct.Started
		certs += ct.Certificates
		note := v.T("DashDropNote", "Lesson", dropAt)
		funnels = append(funnels, section{Title: v.T("DashFunnel", "Course", title), Note: note,
			Chart: barChart(v.T("DashFunnel", "Course", title), labels, values, func(x float64) string { return v.Num64(int64(x)) }, v.Lang == "fa"),
			Table: ft})
	}
	p.Cards = []card{
		{v.T("DashCoursesStarted"), v.Num64(started), v.T("DashCoursesStartedNote")},
		{v.T("DashColCertificates"), v.Num64(certs), ""},
	}

	type hard struct {
		id                string
		answered, correct int64
	}
	var qs []hard
	for id, q := range r.Questions {
		if q.Answered > 0 {
			qs = append(qs, hard{id, q.Answered, q.Correct})
		}
	}
	slices.SortFunc(qs, func(a, b hard) int {
		// Lowest accuracy first; among equals the most answered (the surest figure), then by id.
		if c := cmp.Compare(a.correct*b.answered, b.correct*a.answered); c != 0 {
			return c
		}
		if c := cmp.Compare(b.answered, a.answered); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	hardest := &table{ID: "hardest", Head: []string{v.T("DashColQuestion"), v.T("DashColLesson"), v.T("DashColAnswered"), v.T("DashColAccuracy")}, Empty: v.T("DashNoAnswers")}
	for _, q := range qs {
		if len(hardest.Rows) == 10 {
			break
		}
		l, question := cat.Question(q.id)
		if question == nil {
			continue
		}
		hardest.Rows = append(hardest.Rows, []cell{textCell(question.Question.In(v.Lang)), textCell(l.Title.In(v.Lang)), v.int(q.answered), v.pct(q.correct, q.answered)})
	}
	p.Sections = append(p.Sections, section{Title: v.T("DashCourses"), Table: courses},
		section{Title: v.T("DashHardest"), Note: v.T("DashHardestNote"), Table: hardest})
	p.Sections = append(p.Sections, funnels...)
	return p, nil
}

func (f *Feature) eventsPage(v fmtr, rg span, now time.Time) (*page, error) {
	p := &page{}
	upcoming := &table{ID: "upcoming", Head: []string{v.T("DashColEvent"), v.T("DashColDate"), v.T("DashColCapacity"), v.T("DashColGoing"), v.T("DashColWaitlist"), v.T("DashColOffers")}, Empty: v.T("DashNoUpcoming")}
	past := &table{ID: "past", Head: []string{v.T("DashColEvent"), v.T("DashColDate"), v.T("DashColGoing"), v.T("DashColCheckedIn"), v.T("DashColAttendance"), v.T("DashColHours")}, Empty: v.T("DashNoPast")}
	var seats, going, checked, minutes int64
	var upLabels []string
	var upGoing []float64
	err := f.Store.View(func(tx *store.Tx) error {
		if err := tx.EventsFrom(now, func(e *store.Event) bool {
			if e.Status == store.EventCancelled {
				return true
			}
			rs, err := tx.EventRSVPs(e.ID)
			if err != nil {
				return true
			}
			var g, w, o int64
			for _, r := range rs {
				switch r.Status {
				case store.RSVPGoing:
					g++
				case store.RSVPWaitlist:
					w++
				case store.RSVPOffered:
					o++
				}
			}
			capacity := textCell(v.T("DashUnlimited"))
			if e.Capacity > 0 {
				capacity = v.int(int64(e.Capacity))
				seats += int64(e.Capacity)
			}
			upcoming.Rows = append(upcoming.Rows, []cell{textCell(eventTitle(v, e)), v.day(e.Start), capacity, v.int(g), v.int(w), v.int(o)})
			upLabels, upGoing = append(upLabels, eventTitle(v, e)), append(upGoing, float64(g+o))
			return len(upcoming.Rows) < 200
		}); err != nil {
			return err
		}
		end := rg.last.AddDate(0, 0, 1)
		return tx.EventsNewestFirst(func(e *store.Event) bool {
			if e.Start.Before(rg.first) {
				return false
			}
			if e.Status == store.EventCancelled || e.End.After(now) || !e.Start.Before(end) {
				return true
			}
			rs, err := tx.EventRSVPs(e.ID)
			if err != nil {
				return true
			}
			var g, c int64
			for _, r := range rs {
				if r.Status == store.RSVPGoing || r.Status == store.RSVPOffered {
					g++
				}
				if !r.CheckedIn.IsZero() {
					c++
				}
			}
			mins := c * int64(e.Duration()/time.Minute)
			going, checked, minutes = going+g, checked+c, minutes+mins
			past.Rows = append(past.Rows, []cell{textCell(eventTitle(v, e)), v.day(e.Start), v.int(g), v.int(c), v.pct(c, g), v.float(float64(mins)/60, 1)})
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	rate := v.pct(checked, going)
	p.Cards = []card{
		{v.T("DashUpcomingCount"), v.Num(len(upcoming.Rows)), v.T("DashSeats", "Seats", v.Num64(seats))},
		{v.T("DashPastCount"), v.Num(len(past.Rows)), ""},
		{v.T("DashAttendanceRate"), rate.Text, v.T("DashAttendanceNote", "Checked", v.Num64(checked), "Going", v.Num64(going))},
		{v.T("DashEventHours"), v.dec(float64(minutes)/60, 1), ""},
	}
	var chart template.HTML
	if len(upLabels) > 0 {
		chart = barChart(v.T("DashUpcomingChart"), upLabels, upGoing, func(x float64) string { return v.Num64(int64(x)) }, v.Lang == "fa")
	}
	p.Sections = []section{{Title: v.T("DashUpcoming"), Chart: chart, Table: upcoming}, {Title: v.T("DashPast"), Table: past}}
	return p, nil
}

func eventTitle(v fmtr, e *store.Event) string {
	if v.Lang != "fa" && e.TitleEn != "" {
		return e.TitleEn
	}
	return e.Title
}

func (f *Feature) consultPage(v fmtr, rg span, _ time.Time) (*page, error) {
	p := &page{}
	var queue, open int
	var r *rollup
	consultants := &table{ID: "consultants", Head: []string{v.T("DashColConsultant"), v.T("DashColStatus"), v.T("DashColSessions"), v.T("DashColRatings"), v.T("DashColRating")}, Empty: v.T("DashNoConsultants")}
	err := f.Store.View(func(tx *store.Tx) error {
		for _, id := range tx.LiveConsultations() {
			c, err := tx.Consultation(id)
			if err != nil {
				continue
			}
			switch c.Status {
			case store.ConsultWaiting:
				queue++
			case store.ConsultOpen:
				open++
			}
		}
		r = loadRollup(tx)
		var rows [][]cell
		err := tx.EachConsultant(func(k *store.Consultant) error {
			avg := cell{Text: "—", Num: true}
			if k.RatingCount > 0 {
				avg = v.float(float64(k.RatingSum)/float64(k.RatingCount), 1)
			}
			rows = append(rows, []cell{textCell(k.Name), textCell(v.T("DashConsultant_" + k.Status)), v.int(int64(k.Sessions)), v.int(int64(k.RatingCount)), avg})
			return nil
		})
		slices.SortFunc(rows, func(a, b []cell) int { return cmp.Compare(atoi(b[2].Raw), atoi(a[2].Raw)) })
		consultants.Rows = rows
		return err
	})
	if err != nil {
		return nil, err
	}
	first, last := store.DayString(rg.first), store.DayString(rg.last)
	var waits []float64
	for _, w := range r.Consult.Waits {
		if w.Day >= first && w.Day <= last {
			waits = append(waits, float64(w.Seconds)/60)
		}
	}
	waitText := func(q float64) string {
		if len(waits) == 0 {
			return "—"
		}
		return v.Duration(int(math.Round(quantile(slices.Clone(waits), q))))
	}
	p.Note = f.rollupNote(v, r)
	p.Cards = []card{
		{v.T("DashQueue"), v.Num(queue), v.T("DashOpenNow", "Count", v.Num(open))},
		{v.T("DashMedianWait"), waitText(0.5), v.T("DashWaitNote", "Count", v.Num(len(waits)))},
		{v.T("DashP90Wait"), waitText(0.9), ""},
	}
	ratings := &table{ID: "ratings", Head: []string{v.T("DashColStars"), v.T("DashColCount")}}
	var rl []string
	var rv []float64
	for s := 5; s >= 1; s-- {
		label := v.T("DashStars", "N", v.Num(s))
		ratings.Rows = append(ratings.Rows, []cell{textCell(label), v.int(r.Consult.Ratings[s])})
		rl, rv = append(rl, label), append(rv, float64(r.Consult.Ratings[s]))
	}
	topics := &table{ID: "topics", Head: []string{v.T("DashColTopic"), v.T("DashColCount")}, Empty: v.T("DashNoRequests")}
	ids := make([]string, 0, len(r.Consult.Topics))
	for id := range r.Consult.Topics {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(r.Consult.Topics[b], r.Consult.Topics[a]), cmp.Compare(a, b))
	})
	for _, id := range ids {
		topics.Rows = append(topics.Rows, []cell{textCell(v.T("ConsTopic_" + id)), v.int(r.Consult.Topics[id])})
	}
	whole := func(x float64) string { return v.Num64(int64(x)) }
	p.Sections = []section{
		{Title: v.T("DashConsultants"), Table: consultants},
		{Title: v.T("DashRatings"), Chart: barChart(v.T("DashRatings"), rl, rv, whole, v.Lang == "fa"), Table: ratings},
		{Title: v.T("DashTopics"), Table: topics},
	}
	return p, nil
}

func (f *Feature) deliveryPage(v fmtr, _ span, _ time.Time) (*page, error) {
	p := &page{}
	lanes := &table{ID: "lanes", Head: []string{v.T("DashColLane"), v.T("DashColDepth")}}
	for _, lane := range []string{store.LaneNotice, store.LaneBulk} {
		n, err := f.Store.CountJobs(lane)
		if err != nil {
			return nil, err
		}
		lanes.Rows = append(lanes.Rows, []cell{textCell(v.T("DashLane_" + lane)), v.int(int64(n))})
	}
	dead, err := f.Store.CountDeadLetters()
	if err != nil {
		return nil, err
	}
	perMinute, r429 := f.sends.rate()
	m := f.readMetrics()
	lag := "—"
	if m.lagKnown {
		lag = v.T("DashSeconds", "N", v.dec(m.lag, 1))
	}
	p.Cards = []card{
		{v.T("DashSendsPerMinute"), v.dec(perMinute, 0), v.T("DashSendsTotal", "Count", v.Num64(int64(m.sends)))},
		{v.T("Dash429"), v.Num64(int64(m.r429)), v.T("Dash429Minute", "Count", v.dec(r429, 0))},
		{v.T("DashDeadLetters"), v.Num(dead), v.T("DashDeadLettersNote")},
		{v.T("DashSchedulerLag"), lag, ""},
	}
	results := &table{ID: "sends", Head: []string{v.T("DashColLane"), v.T("DashColResult"), v.T("DashColCount")}, Empty: v.T("DashNoSends")}
	for _, s := range m.byLane {
		results.Rows = append(results.Rows, []cell{textCell(v.T("DashLane_" + s.lane)), textCell(s.result), v.int(int64(s.n))})
	}
	p.Sections = []section{{Title: v.T("DashOutbox"), Table: lanes}, {Title: v.T("DashSendsSinceStart"), Table: results}}
	return p, nil
}

// metricsView is what the delivery page reads of the Prometheus series (they live since the start).
type metricsView struct {
	sends, r429 float64
	lag         float64
	lagKnown    bool
	byLane      []laneResult
}

type laneResult struct {
	lane, result string
	n            float64
}

func (f *Feature) readMetrics() metricsView {
	var m metricsView
	families, err := f.Metrics.Registry().Gather()
	if err != nil && len(families) == 0 {
		return m
	}
	for _, fam := range families {
		switch fam.GetName() {
		case "tavan_telegram_sends_total":
			for _, s := range fam.GetMetric() {
				labels := map[string]string{}
				for _, l := range s.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				n := s.GetCounter().GetValue()
				m.sends += n
				if labels["result"] == "429" {
					m.r429 += n
				}
				m.byLane = append(m.byLane, laneResult{labels["lane"], labels["result"], n})
			}
		case "tavan_scheduler_lag_seconds":
			if ms := fam.GetMetric(); len(ms) > 0 {
				m.lag, m.lagKnown = ms[0].GetGauge().GetValue(), true
			}
		}
	}
	slices.SortFunc(m.byLane, func(a, b laneResult) int { return cmp.Or(cmp.Compare(a.lane, b.lane), cmp.Compare(a.result, b.result)) })
	return m
}

// sampleSends keeps the last two per-minute samples of the sends counter (a core loop each minute).
func (f *Feature) sampleSends(_ context.Context, now time.Time) error {
	m := f.readMetrics()
	f.sends.mu.Lock()
	defer f.sends.mu.Unlock()
	f.sends.prev, f.sends.last = f.sends.last, sendSample{at: now, total: m.sends, r429: m.r429}
	return nil
}

// rate is sends and 429s per minute between the last two samples.
func (s *sendMeter) rate() (sends, r429 float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prev.at.IsZero() || !s.last.at.After(s.prev.at) {
		return 0, 0
	}
	minutes := s.last.at.Sub(s.prev.at).Minutes()
	return (s.last.total - s.prev.total) / minutes, (s.last.r429 - s.prev.r429) / minutes
}

func atoi(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
