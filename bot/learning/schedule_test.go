package learning_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/learning"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// homeLesson is how the daily lesson of a home-business learner shows itself: its footer names the course.
const homeLesson = "📘 راه‌اندازی کسب‌وکار خانگی — درس"

func TestDailyLessonAtTheChosenMinute(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home") // 08:00, every day
	before := h.Count(maryam)

	h.At(tehranTime(2026, 11, 27, 7, 59))
	if h.Count(maryam) != before {
		t.Fatalf("a message came before 08:00: %q", h.BotTexts(maryam)[before:])
	}
	h.At(tehranTime(2026, 11, 27, 8, 0))
	if n := dailyMessages(h, maryam); n != 1 {
		t.Fatalf("at 08:00 Maryam got %d lessons; want 1. Messages: %q", n, h.BotTexts(maryam)[before:])
	}
	// The same minute again (cron and a restart may both tick it): still one lesson.
	if err := h.App.Learning.ScheduleTick(h.Ctx(), tehranTime(2026, 11, 27, 8, 0)); err != nil {
		t.Fatal(err)
	}
	h.Drain()
	if n := dailyMessages(h, maryam); n != 1 {
		t.Errorf("ticking 08:00 twice sent %d lessons; want 1", n)
	}
	var d store.DayStats
	h.DB.View(func(tx *store.Tx) error { d = tx.Day(tehranTime(2026, 11, 27, 8, 0)); return nil })
	if d.LessonsDelivered != 1 {
		t.Errorf("LessonsDelivered = %d; want 1", d.LessonsDelivered)
	}
}

// TestDailyLessonFridaysAndMidnight: skipping Fridays through /settings, a slot just after midnight
// (inside quiet hours, but the learner chose it) and a learner in another time zone.
func TestDailyLessonFridaysAndMidnight(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "home")
	h.Onboard(john, "en", "home")
	h.setUser(reza, func(u *store.User) { u.DailyMinute = 5 }) // 00:05
	h.setUser(john, func(u *store.User) { u.TZ = "Europe/London" })

	// Maryam skips Fridays, through the settings menu.
	h.Send(maryam, "/settings")
	h.Press(maryam, h.Last(maryam), "روزهای درس")
	h.Press(maryam, h.Last(maryam), "جز جمعه")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "همهٔ روزها جز جمعه") {
		t.Fatalf("days menu after choosing = %q", got)
	}
	if d, noFridays := h.User(maryam).Days, uint8(1<<7-1)&^(1<<time.Friday); d != noFridays {
		t.Fatalf("Days = %07b; want every day but Friday", d)
	}

	// Friday 27 November 2026, 00:05: Reza's lesson, dated Friday.
	h.At(tehranTime(2026, 11, 27, 0, 4))
	if n := dailyMessages(h, reza); n != 0 {
		t.Fatalf("Reza got a lesson at 00:04")
	}
	h.At(tehranTime(2026, 11, 27, 0, 5))
	if n := dailyMessages(h, reza); n != 1 {
		t.Fatalf("at 00:05 Reza got %d lessons; want 1 (his own time, quiet hours or not)", n)
	}
	// Friday 08:00: nothing for Maryam.
	h.At(tehranTime(2026, 11, 27, 8, 0))
	if n := dailyMessages(h, maryam); n != 0 {
		t.Errorf("Maryam got a lesson on a Friday she skips")
	}
	// 08:00 in London is 11:30 in Tehran.
	h.At(tehranTime(2026, 11, 27, 11, 29))
	if n := h.CountContaining(john, "Starting a home business"); n != 0 {
		t.Fatalf("John got his lesson before 08:00 London time")
	}
	h.At(tehranTime(2026, 11, 27, 11, 30))
	if n := h.CountContaining(john, "Starting a home business"); n != 1 {
		t.Errorf("at 08:00 London time John got %d lessons; want 1", n)
	}
	// Saturday: Reza's next day starts at midnight, Maryam is back at 08:00.
	h.At(tehranTime(2026, 11, 28, 0, 5))
	if n := dailyMessages(h, reza); n != 2 {
		t.Errorf("after the second midnight Reza has %d lessons; want 2", n)
	}
	h.At(tehranTime(2026, 11, 28, 8, 0))
	if n := dailyMessages(h, maryam); n != 1 {
		t.Errorf("on Saturday Maryam has %d lessons; want 1", n)
	}
}

func TestChosenWeekdays(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/settings")
	h.Press(maryam, h.Last(maryam), "روزهای درس")
	h.Press(maryam, h.Last(maryam), "انتخاب روزها")
	// Keep Saturday and Monday only: remove the other five.
	for _, day := range []string{"یکشنبه", "سه\u200cشنبه", "چهارشنبه", "پنج\u200cشنبه", "جمعه"} {
		h.Press(maryam, h.Last(maryam), day)
	}
	want := uint8(1<<time.Saturday | 1<<time.Monday)
	if d := h.User(maryam).Days; d != want {
		t.Fatalf("Days = %07b; want %07b", d, want)
	}
	h.Press(maryam, h.Last(maryam), "✓ دوشنبه")
	if ans := h.Press(maryam, h.Last(maryam), "✓ شنبه"); !strings.Contains(ans, "دست\u200cکم یک روز") {
		t.Errorf("removing the last day answered %q; want a refusal", ans)
	}
	if d := h.User(maryam).Days; d != 1<<time.Saturday {
		t.Fatalf("Days = %07b; want Saturday only", d)
	}
	h.At(tehranTime(2026, 11, 27, 8, 0)) // Friday
	h.At(tehranTime(2026, 11, 28, 8, 0)) // Saturday
	h.At(tehranTime(2026, 11, 29, 8, 0)) // Sunday
	if n := dailyMessages(h, maryam); n != 1 {
		t.Errorf("Saturday-only learner got %d lessons over Friday–Sunday; want 1", n)
	}
	// Settings show the choice.
	h.Send(maryam, "/settings")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "روزهای درس: شنبه") {
		t.Errorf("settings summary %q lacks the chosen day", got)
	}
}

func TestTimeZoneChoice(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/settings")
	h.Press(maryam, h.Last(maryam), "منطقهٔ زمانی")
	h.Press(maryam, h.Last(maryam), "برلین")
	if tz := h.User(maryam).TZ; tz != "Europe/Berlin" {
		t.Fatalf("TZ = %q; want Europe/Berlin", tz)
	}
	if got := h.Last(maryam).Plain; !strings.Contains(got, "منطقهٔ زمانی: برلین") {
		t.Errorf("settings after the choice: %q", got)
	}
	// 08:00 in Berlin (UTC+1 in winter) is 10:30 in Tehran.
	h.At(tehranTime(2026, 11, 27, 8, 0))
	h.At(tehranTime(2026, 11, 27, 10, 29))
	if n := dailyMessages(h, maryam); n != 0 {
		t.Fatal("the lesson came at Tehran's 08:00, not Berlin's")
	}
	h.At(tehranTime(2026, 11, 27, 10, 30))
	if n := dailyMessages(h, maryam); n != 1 {
		t.Errorf("at 08:00 Berlin time Maryam got %d lessons; want 1", n)
	}
	for _, data := range []string{cb("tz", "99"), cb("tz", "-1"), cb("tz", "x"), cb("tz"), cb("sd", "t", "9"), cb("sd", "t"), cb("sd", "zz")} {
		if ans := h.PressForged(maryam, h.Last(maryam), data); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
			t.Errorf("forged %q answered %q; want the stale-button notice", data, ans)
		}
	}
}

func TestCatchUpAfterDowntime(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home") // 08:00
	h.Onboard(john, "en", "home")
	h.setUser(john, func(u *store.User) { u.DailyMinute = 21 * 60 })

	// Down from 07:50 to 09:30: the 08:00 lesson goes at 09:30, once.
	h.At(tehranTime(2026, 11, 27, 7, 50))
	h.Stop()
	h.Clock.Set(tehranTime(2026, 11, 27, 9, 30))
	h.Start()
	h.At(tehranTime(2026, 11, 27, 9, 30)) // the start-up tick may have done it already: either way once
	if n := dailyMessages(h, maryam); n != 1 {
		t.Fatalf("after downtime over 08:00 Maryam got %d lessons; want 1 (caught up)", n)
	}
	h.Restart()
	h.At(tehranTime(2026, 11, 27, 9, 31))
	if n := dailyMessages(h, maryam); n != 1 {
		t.Errorf("a second restart sent the caught-up lesson again (%d)", n)
	}

	// Down from 20:55 to 22:30: John's 21:00 lesson is caught up.
	h.At(tehranTime(2026, 11, 27, 20, 55))
	h.Stop()
	h.Clock.Set(tehranTime(2026, 11, 27, 22, 30))
	h.Start()
	h.At(tehranTime(2026, 11, 27, 22, 30))
	if n := h.CountContaining(john, "Starting a home business"); n != 1 {
		t.Fatalf("John got %d lessons after a 20:55–22:30 outage; want 1", n)
	}

	// Down from 20:55 to 23:40: within the cut-off, but now in quiet hours: no lesson at 23:40.
	h.At(tehranTime(2026, 11, 28, 20, 55))
	h.Stop()
	h.Clock.Set(tehranTime(2026, 11, 28, 23, 40))
	h.Start()
	h.At(tehranTime(2026, 11, 28, 23, 40))
	if n := h.CountContaining(john, "Starting a home business"); n != 1 {
		t.Errorf("a missed 21:00 lesson was sent at 23:40, in quiet hours")
	}

	// Down from 20:55 to 03:00 the next day: beyond the cut-off and another day. Nothing.
	h.At(tehranTime(2026, 11, 29, 20, 55))
	h.Stop()
	h.Clock.Set(tehranTime(2026, 11, 30, 3, 0))
	h.Start()
	h.At(tehranTime(2026, 11, 30, 3, 0))
	h.Advance(4 * time.Hour) // not even when quiet hours end
	if n := h.CountContaining(john, "Starting a home business"); n != 1 {
		t.Errorf("a 21:00 lesson was caught up the next morning (%d lessons)", n)
	}
	// The schedule itself goes on (John was here lately, so it is a lesson, not a nudge).
	h.Send(john, "/help")
	h.At(tehranTime(2026, 11, 30, 21, 0))
	if n := h.CountContaining(john, "Starting a home business"); n != 2 {
		t.Errorf("John's next regular lesson: %d lessons in all; want 2", n)
	}
}

func TestQuietHoursHoldBulkNotNotices(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Clock.Set(tehranTime(2026, 11, 27, 23, 30))
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "خبر همگانی شبانه", Bulk: true})
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "یادآوری فوری"})
	if h.CountContaining(maryam, "یادآوری فوری") != 1 {
		t.Fatal("a time-sensitive notice waited for quiet hours")
	}
	if h.CountContaining(maryam, "خبر همگانی شبانه") != 0 {
		t.Fatal("a bulk message went out at 23:30")
	}
	h.Advance(7*time.Hour + 29*time.Minute) // 06:59
	if h.CountContaining(maryam, "خبر همگانی شبانه") != 0 {
		t.Fatal("a bulk message went out at 06:59")
	}
	h.Advance(time.Minute) // 07:00
	if h.CountContaining(maryam, "خبر همگانی شبانه") != 1 {
		t.Fatal("the held bulk message did not go at 07:00")
	}
}

func TestQuietHoursFollowTheLearnersZone(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(john, "en", "home")
	h.setUser(john, func(u *store.User) { u.TZ = "America/Toronto" })
	// 10:00 in Tehran is 01:30 in Toronto: quiet there.
	h.Notify(bot.Notice{ChatID: john.ID, Text: "Weekly news", Bulk: true})
	if h.CountContaining(john, "Weekly news") != 0 {
		t.Fatal("a bulk message went out at 01:30 in the learner's zone")
	}
	h.Advance(5*time.Hour + 29*time.Minute) // 06:59 Toronto
	if h.CountContaining(john, "Weekly news") != 0 {
		t.Fatal("a bulk message went out before 07:00 in the learner's zone")
	}
	h.Advance(time.Minute)
	if h.CountContaining(john, "Weekly news") != 1 {
		t.Fatal("the bulk message did not go at 07:00 Toronto time")
	}
}

func TestNudgesThenSilence(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home") // active Thursday 26 November, 10:00
	h.Onboard(john, "en", "home")
	h.setUser(john, func(u *store.User) { u.DailyMinute = store.NoDailyTime })

	// Each day: Maryam's 08:00 slot, and the 10:00 sweep for learners without a daily time.
	day := func(month time.Month, d int) {
		h.At(tehranTime(2026, month, d, 8, 0))
		h.At(tehranTime(2026, month, d, 10, 0))
	}
	day(11, 27)
	day(11, 28)
	day(11, 29) // idle 2 days 22 hours at 08:00: still a lesson
	if n := dailyMessages(h, maryam); n != 3 {
		t.Fatalf("lessons while recently active: %d; want 3", n)
	}
	nudgesTo := func(u tgsim.User) []string {
		var out []string
		for _, m := range h.Sim.BotMessages(u.ID) {
			for _, row := range m.InlineKeyboard {
				for _, b := range row {
					lang := bot.UserLang(h.User(u))
					if b.Text == h.App.Texts.T(lang, "NudgeContinueButton") || b.Text == h.App.Texts.T(lang, "NudgeCoursesButton") {
						out = append(out, m.Plain)
					}
				}
			}
		}
		return out
	}
	nudges := func() []string { return nudgesTo(maryam) }
	day(11, 30) // idle 3 days 22 hours: the first nudge instead of a lesson
	if got := nudges(); len(got) != 1 || dailyMessages(h, maryam) != 3 {
		t.Fatalf("after 3 idle days: nudges %q, lessons %d; want one nudge and no new lesson", got, dailyMessages(h, maryam))
	}
	for d := 1; d <= 3; d++ { // 1–3 December: silence
		day(12, d)
	}
	if got := nudges(); len(got) != 1 {
		t.Fatalf("between the nudges: %d nudges; want silence", len(got))
	}
	day(12, 4) // idle 7 days 22 hours: the last nudge
	got := nudges()
	if len(got) != 2 || got[0] == got[1] {
		t.Fatalf("after a week: nudges %q; want a second, different one", got)
	}
	for d := 5; d <= 12; d++ {
		day(12, d)
	}
	if n := len(nudges()); n != 2 || dailyMessages(h, maryam) != 3 {
		t.Fatalf("after the last nudge: %d nudges, %d lessons; want silence", n, dailyMessages(h, maryam))
	}
	// She comes back: lessons resume the next day.
	h.Send(maryam, "/help")
	h.At(tehranTime(2026, 12, 13, 8, 0))
	if n := dailyMessages(h, maryam); n != 4 {
		t.Errorf("after coming back: %d lessons; want the daily lesson again", n)
	}

	// John has no daily time: he was nudged at 10:00 through the last-activity index, twice.
	if got := nudgesTo(john); len(got) != 2 || !strings.Contains(got[0], "John") {
		t.Errorf("John (no daily time) got nudges %q; want 2 addressed to him", got)
	}
}

func TestNudgeWordingVaries(t *testing.T) {
	h := newHarness(t, nil)
	seen := map[string]bool{}
	for id := int64(1); id <= 40; id++ {
		n := h.App.Learning.NudgeNotice(&store.User{ID: id, FirstName: "X", Lang: "fa"}, 1, nil, "2026-11-30")
		seen[n.Text] = true
	}
	if len(seen) != learning.NudgeVariants {
		t.Errorf("40 learners got %d different first nudges; want all %d variants", len(seen), learning.NudgeVariants)
	}
}

func TestPauseAndResume(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/pause")
	menu := h.Last(maryam)
	if !strings.Contains(menu.Plain, "چند روز") || len(menu.InlineKeyboard) == 0 {
		t.Fatalf("/pause without days: %q; want the choices", menu.Plain)
	}
	for _, bad := range []string{"abc", "0", "۹۱", "-2", "۳ هفته"} {
		h.Send(maryam, "/pause "+bad)
		if got := h.Last(maryam).Plain; !strings.Contains(got, "تعداد روزها را نفهمیدم") {
			t.Errorf("/pause %s answered %q", bad, got)
		}
	}
	h.Send(maryam, "/pause ۲ روز")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "۲ روز") || !strings.Contains(got, "/resume") {
		t.Fatalf("/pause ۲: %q", got)
	}
	h.At(tehranTime(2026, 11, 27, 8, 0))
	if n := dailyMessages(h, maryam); n != 0 {
		t.Fatal("a paused learner got the daily lesson")
	}
	h.Send(maryam, "/resume")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "۸:۰۰") {
		t.Errorf("/resume: %q; want the next lesson time", got)
	}
	h.Send(maryam, "/resume")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "متوقف نیست") {
		t.Errorf("/resume when not paused: %q", got)
	}
	h.At(tehranTime(2026, 11, 28, 8, 0))
	if n := dailyMessages(h, maryam); n != 1 {
		t.Errorf("after /resume: %d lessons; want 1", n)
	}
}

func TestParseQuietHours(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"", "23:00-07:00", false}, {"23:00-07:00", "23:00-07:00", false}, {" 22:30 - 06:15 ", "22:30-06:15", false},
		{"۲۳:۰۰-۰۷:۰۰", "23:00-07:00", false}, {"off", "off", false}, {"13:00-14:00", "13:00-14:00", false},
		{"24:00-07:00", "", true}, {"23-07", "", true}, {"23:00", "", true}, {"23:60-01:00", "", true}, {"a:bc-d:ef", "", true},
	} {
		q, err := bot.ParseQuietHours(tc.in)
		if (err != nil) != tc.wantErr || (err == nil && q.String() != tc.want) {
			t.Errorf("bot.ParseQuietHours(%q) = %v, %v; want %s (error %v)", tc.in, q, err, tc.want, tc.wantErr)
		}
	}
	q := bot.DefaultQuietHours
	for _, tc := range []struct {
		minute int
		want   bool
	}{{23 * 60, true}, {0, true}, {6*60 + 59, true}, {7 * 60, false}, {12 * 60, false}, {22*60 + 59, false}} {
		if got := q.Contains(tc.minute); got != tc.want {
			t.Errorf("Contains(%d) = %v; want %v", tc.minute, got, tc.want)
		}
	}
}

func FuzzParseQuietHours(f *testing.F) {
	for _, s := range []string{"23:00-07:00", "off", "", "۲۳:۰۰-۰۷:۰۰", "1:00-2:00", "99:99-00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := bot.ParseQuietHours(s)
		if err != nil {
			return
		}
		if q.Start < 0 || q.Start >= 24*60 || q.End < 0 || q.End >= 24*60 {
			t.Fatalf("bot.ParseQuietHours(%q) = %+v out of range", s, q)
		}
		again, err := bot.ParseQuietHours(q.String())
		if err != nil || again != q {
			t.Fatalf("round trip of %q: %v, %v", q.String(), again, err)
		}
	})
}

func TestSchedulerTickIsIndexed(t *testing.T) {
	// The tick reads only the due learners: with many learners at other minutes, nothing else is loaded.
	h := newHarness(t, nil)
	h.AddLearners(5000, 300, func(u *store.User) { u.DailyMinute = 9 * 60 })
	h.AddLearners(6000, 3, nil) // 08:00
	h.At(tehranTime(2026, 11, 27, 8, 0))
	sent := 0
	for id := int64(6000); id < 6003; id++ {
		sent += len(h.Sim.BotMessages(id))
	}
	if sent == 0 {
		t.Fatal("the due learners got nothing")
	}
	for id := int64(5000); id < 5300; id++ {
		if n := len(h.Sim.BotMessages(id)); n != 0 {
			t.Fatalf("learner %d (09:00) got %d messages at 08:00", id, n)
		}
	}
}

// dailyMessages counts the daily messages about u's lesson: the lesson itself, or, once it was sent and
// is not finished, the short «you are in the middle of it».
func dailyMessages(h *harness, u tgsim.User) int {
	return h.CountContaining(u, homeLesson) + h.CountContaining(u, "در میانهٔ درس") + h.CountContaining(u, "نیمه‌کاره مانده")
}
