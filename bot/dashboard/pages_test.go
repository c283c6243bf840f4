package dashboard_test

import (
	"bytes"
	"encoding/csv"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/dashboard/dashboardtest"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

func (h *harness) seed(learners, days int) {
	h.T.Helper()
	if _, err := dashboardtest.Seed(h.DB, h.App.Content(), h.now(), learners, days); err != nil {
		h.T.Fatal(err)
	}
	h.rollup()
}

// card is the value of the card labelled label on a page.
func card(t *testing.T, page, label string) string {
	t.Helper()
	m := regexp.MustCompile(`<div class="label">` + regexp.QuoteMeta(html.EscapeString(label)) + `</div><div class="value">([^<]*)</div>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no card %q on the page", label)
	}
	return html.UnescapeString(m[1])
}

// csvOf downloads a page's table as CSV and checks the byte-order mark.
func (h *harness) csvOf(path string) [][]string {
	h.T.Helper()
	rec := h.do(request{path: path, token: testToken})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		h.T.Fatalf("GET %s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.Bytes()
	if !bytes.HasPrefix(body, []byte("\uFEFF")) {
		h.T.Fatalf("GET %s: no byte-order mark", path)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		h.T.Fatal(err)
	}
	return rows
}

func sumColumn(t *testing.T, rows [][]string, col int) float64 {
	t.Helper()
	var sum float64
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[col], 64)
		if err != nil {
			t.Fatalf("cell %q: %v", r[col], err)
		}
		sum += v
	}
	return sum
}

// The overview's figures are /stats' figures, and the exports add up to them.
func TestOverviewEqualsStatsAndExports(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.seed(300, 60)

	h.Send(admin, "/stats") // first, so that the admin is a stored user in both
	page := h.page("/dashboard")
	var totals store.Totals
	_ = h.DB.View(func(tx *store.Tx) error { totals = tx.Totals(); return nil })
	learners, active7, active30, hours := card(t, page, h.fa("DashLearners")), card(t, page, h.fa("DashActive7")), card(t, page, h.fa("DashActive30")), card(t, page, h.fa("DashHours"))

	h.Send(admin, "/stats")
	var stats string
	for _, s := range h.BotTexts(admin) {
		if strings.Contains(s, "یادگیرندگان:") {
			stats = s
		}
	}
	for _, want := range []string{
		h.fa("StatsLearners", "Total", learners, "Onboarded", persian.Int(totals.Onboarded)),
		h.fa("StatsActive", "Active7", active7, "Active30", active30),
		"ساعت یادگیری: " + hours + " ساعت",
	} {
		want = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(want, "") // the chat shows text, not tags
		if !strings.Contains(stats, want) {
			t.Errorf("/stats does not show the dashboard's %q:\n%s", want, stats)
		}
	}

	// The learners export: one row per learner, its minutes add up to the hours.
	export := h.csvOf("/export/learners")
	if got := persian.Int(int64(len(export) - 1)); got != learners {
		t.Errorf("learners export has %s rows; the dashboard shows %s learners", got, learners)
	}
	if got := persian.Int(int64(sumColumn(t, export, 8)) / 60); got != hours {
		t.Errorf("learners export minutes make %s hours; the dashboard shows %s", got, hours)
	}
	// The dashboard's own tracks table adds up to the same learners.
	tracks := h.csvOf("/dashboard?csv=tracks")
	if got := persian.Int(int64(sumColumn(t, tracks, 1))); got != learners {
		t.Errorf("tracks table adds up to %s learners; want %s", got, learners)
	}
	daily := h.csvOf("/dashboard?csv=daily&r=7")
	if len(daily) != 8 || !strings.Contains(daily[0][0], "روز") {
		t.Errorf("7-day daily table: %d rows, header %v; want 7 days and a header", len(daily)-1, daily[0])
	}
}

// The learning page's funnel is the progress export counted: lessons completed per lesson.
func TestLearningFunnelEqualsProgressExport(t *testing.T) {
	h := newHarness(t, nil)
	h.seed(120, 10)
	course := h.App.Content().Courses[0]
	funnel := h.csvOf("/dashboard/learning?csv=funnel-" + course.ID)
	progress := h.csvOf("/export/progress")
	completed := map[string]int{}
	started := map[string]bool{}
	for _, r := range progress[1:] {
		if r[1] == course.ID {
			started[r[0]] = true
			if r[6] != "" {
				completed[r[3]]++
			}
		}
	}
	if funnel[1][1] != strconv.Itoa(len(started)) {
		t.Errorf("funnel starts with %s learners; the export has %d", funnel[1][1], len(started))
	}
	for i, l := range course.Lessons {
		if got := funnel[2+i][1]; got != strconv.Itoa(completed[l.ID]) {
			t.Errorf("lesson %s: funnel %s completed; export %d", l.ID, got, completed[l.ID])
		}
	}
	page := h.page("/dashboard/learning")
	// The hardest questions are the seeded hard ones (each lesson's last), with their text; no names.
	hard := map[string]bool{}
	for _, c := range h.App.Content().Courses {
		for _, l := range c.Lessons {
			if len(l.Quiz) > 0 {
				hard[l.Quiz[len(l.Quiz)-1].Question.In("fa")] = true
			}
		}
	}
	hardest := h.csvOf("/dashboard/learning?csv=hardest")
	if len(hardest) != 11 {
		t.Fatalf("hardest questions: %d rows; want 10", len(hardest)-1)
	}
	for _, r := range hardest[1:] {
		if !hard[r[0]] || !strings.Contains(page, html.EscapeString(r[0])) {
			t.Errorf("hardest question %q is not a seeded hard one, or not on the page", r[0])
		}
	}
	if strings.Contains(page, "یادگیرنده ۱") || strings.Contains(page, "یادگیرنده 1") {
		t.Error("a learner's name is on the learning page")
	}
	for _, want := range []string{"<svg", `role="img"`, h.fa("DashHardest"), h.fa("DashFunnel", "Course", course.Title.In("fa"))} {
		if !strings.Contains(page, html.EscapeString(want)) && !strings.Contains(page, want) {
			t.Errorf("learning page lacks %q", want)
		}
	}
}

func TestEventsConsultDeliveryPages(t *testing.T) {
	h := newHarness(t, nil)
	h.seed(100, 30)

	events := h.page("/dashboard/events")
	if got := card(t, events, h.fa("DashUpcomingCount")); got != "۲" {
		t.Errorf("upcoming events %q; want ۲", got)
	}
	// Past: 24 of 30 and 31 of 46 came: 55 of 76.
	if got := card(t, events, h.fa("DashAttendanceRate")); got != "۷۲٫۴٪" {
		t.Errorf("attendance rate %q; want ۷۲٫۴٪ (55 of 76)", got)
	}
	upcoming := h.csvOf("/dashboard/events?csv=upcoming")
	if len(upcoming) != 3 || upcoming[1][2] != "40" || upcoming[1][3] != "39" || upcoming[1][4] != "6" || upcoming[1][5] != "1" {
		t.Errorf("upcoming table %v; want the workshop with capacity 40, 39 going, 6 waiting, 1 offer", upcoming)
	}
	past := h.csvOf("/dashboard/events?csv=past")
	if len(past) != 3 || past[1][5] != "192.0" {
		t.Errorf("past table %v; want 2 events, the latest crediting 24 × 8 h = 192 h", past)
	}

	consult := h.page("/dashboard/consult")
	if got := card(t, consult, h.fa("DashQueue")); got != "۲" {
		t.Errorf("queue %q; want ۲", got)
	}
	for _, name := range dashboardtest.ConsultantNames {
		if !strings.Contains(consult, name) {
			t.Errorf("consultant %q missing", name)
		}
	}
	// Waits 3+2k minutes for k = 2…23 claimed in the last 30 days: median of 7…49 is 28.
	if got := card(t, consult, h.fa("DashMedianWait")); got != "۲۸ دقیقه" {
		t.Errorf("median wait %q; want ۲۸ دقیقه", got)
	}
	topics := h.csvOf("/dashboard/consult?csv=topics")
	if topics[1][1] != "12" {
		t.Errorf("topics %v; want marketing first with 12", topics)
	}

	delivery := h.page("/dashboard/delivery")
	for _, want := range []string{h.fa("DashSendsPerMinute"), h.fa("DashDeadLetters"), h.fa("DashLane_bulk")} {
		if !strings.Contains(delivery, want) {
			t.Errorf("delivery page lacks %q", want)
		}
	}

	// Ranges are links on the ranged pages, with Jalali months.
	if !strings.Contains(events, `href="/dashboard/events?r=90"`) || !strings.Contains(events, ">آذر ۱۴۰۵<") {
		t.Errorf("events page lacks the preset ranges")
	}
}
