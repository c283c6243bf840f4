package ops_test

import (
	"bytes"
	"image/png"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/store"
)

// seedFigures stores learners and 30 days of counters the way the features would have.
func seedFigures(t *testing.T, h *harness) {
	t.Helper()
	now := h.App.LocalNow()
	err := h.DB.Update(func(tx *store.Tx) error {
		users := []*store.User{
			{ID: 201, FirstName: "سارا", Track: "home", Onboarded: true, MinutesLearned: 300_000, LessonsCompleted: 10,
				Streak: 9, StreakDay: store.DayString(now), LastActive: now},
			{ID: 202, FirstName: "Ali", Track: "social", Onboarded: true, MinutesLearned: 300_000, LessonsCompleted: 5,
				Streak: 3, StreakDay: store.DayString(now.AddDate(0, 0, -2)), LastActive: now.AddDate(0, 0, -10)},
			{ID: 203, FirstName: "نرگس", Track: "home", Onboarded: true, Blocked: true,
				Streak: 2, StreakDay: store.DayString(now.AddDate(0, 0, -5)), LastActive: now.AddDate(0, 0, -40)},
		}
		for _, u := range users {
			u.DailyMinute = store.NoDailyTime
			u.Created = now.AddDate(0, -2, 0)
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		for i := range 30 {
			if err := tx.AddDay(now.AddDate(0, 0, -i), func(d *store.DayStats) {
				d.Active += int64(10 + i)
				d.Minutes += int64(60 * i)
				d.LessonsDelivered += 2
				d.LessonsCompleted++
				d.QuizAnswers += 4
				d.QuizCorrect += 3
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatsPersian(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "general")
	h.Onboard(reza, "fa", "youth")
	seedFigures(t, h)

	h.Send(adminUser, "/stats")
	msgs := h.Sim.BotMessages(adminUser.ID)
	if len(msgs) != 2 {
		t.Fatalf("/stats sent %d messages; want the figures and the chart", len(msgs))
	}
	text := msgs[0].Plain
	containsAll(t, "/stats", text,
		"آمار برنامهٔ توان",
		"یادگیرندگان: ۶ نفر (تنظیمات آغازین را کامل کرده‌اند: ۶ نفر)",
		"فعال در ۷ روز گذشته: ۴ نفر · در ۳۰ روز گذشته: ۵ نفر",
		"ربات را مسدود کرده‌اند: ۱ نفر",
		"• مشاغل خانگی: ۳", "• کودکان و نوجوانان: ۱", "• تسهیل‌گران کارآفرینی اجتماعی: ۱", "• شهروندان و علاقه‌مندان به کسب‌وکار: ۱",
		"درس‌ها: ۶۰ درس فرستاده شد · ۳۰ درس کامل شد",
		"ساعت یادگیری: ۱۰٬۰۰۰ ساعت از هدف ۱۰٬۰۰۰٬۰۰۰ ساعت (۰٫۱۰٪)",
		"▰▱▱▱▱▱▱▱▱▱",
		"دقت آزمون‌ها: ۷۵٪ (۹۰ پاسخ درست از ۱۲۰ پاسخ)",
		"روزهای پیاپی: ۲ نفر", "۱ نفر ۷ روز یا بیشتر", "بیشترین: ۹ روز",
		"رویدادها: ۰ رویداد پیش‌رو", "مشاوره: ۰ نفر در صف",
	)
	if strings.ContainsAny(text, "0123456789") {
		t.Errorf("Persian figures carry Latin digits:\n%s", text)
	}

	chart := msgs[1]
	if chart.Kind != "photo" || chart.File == nil || !strings.Contains(chart.Plain, "نمودار ۳۰ روز گذشته") {
		t.Fatalf("second message = %s %q; want the chart photo with its caption", chart.Kind, chart.Plain)
	}
	img, err := png.Decode(bytes.NewReader(chart.File.Data))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 960 || b.Dy() != 540 {
		t.Errorf("chart is %v; want 960x540", b)
	}
	if dir := os.Getenv("TAVAN_ARTIFACTS"); dir != "" { // .ci/run keeps it; to look: TAVAN_ARTIFACTS=/tmp go test -run TestStatsPersian
		os.WriteFile(dir+"/stats-chart.png", chart.File.Data, 0o644)
	}

	// Events and consultations come from those features' records (their StatsSection blocks), after the
	// streaks and a blank line, events first.
	seedEventsAndConsultations(t, h)
	h.Send(adminUser, "/stats")
	msgs = h.Sim.BotMessages(adminUser.ID)
	events := "رویدادها: ۱ رویداد پیش‌رو · ۱ ثبت‌نام · ۱ نفر در فهرست انتظار · ۱ رویداد برگزار شده · ۱ حضور ثبت‌شده"
	consult := "مشاوره: ۱ نفر در صف · ۱ جلسهٔ باز · ۳ جلسه · میانگین انتظار ۱۰ دقیقه · امتیاز ۴٫۵ از ۵ (۲ رأی)"
	text = msgs[len(msgs)-2].Plain
	containsAll(t, "/stats with events and consultations", text, events, consult)
	lines := strings.Split(text, "\n")
	at := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, events) })
	if at < 2 || lines[at-1] != "" || !strings.Contains(lines[at-2], "روزهای پیاپی") || at+1 >= len(lines) || !strings.Contains(lines[at+1], consult) {
		t.Errorf("the events and consultations blocks are not where they were (after the streaks, a blank line, events then consultations):\n%s", text)
	}
}

func TestStatsGoalConfigurableEnglish(t *testing.T) {
	h := newHarness(t, func(c *app.Config) {
		c.Ops.GoalHours = 20_000
		c.Admins = append(c.Admins, john.ID)
	})
	h.Onboard(john, "en", "general")
	seedFigures(t, h)
	// A learner deletes their data: they leave the counts, their hours stay (anonymously).
	if err := h.DB.Update(func(tx *store.Tx) error { return tx.DeleteUser(202) }); err != nil {
		t.Fatal(err)
	}
	h.Send(john, "/stats")
	text := h.Sim.BotMessages(john.ID)[len(h.Sim.BotMessages(john.ID))-2].Plain
	containsAll(t, "English /stats", text,
		"Learners: 3 (finished sign-up: 3)",
		"Learning hours: 10,000 of the 20,000-hour goal (50%)",
		"▰▰▰▰▰▱▱▱▱▱",
		"Quiz accuracy: 75% (90 right of 120 answers)",
		"1 learners deleted their data",
	)
}

func TestStatsEmptyProgram(t *testing.T) {
	h := newHarness(t, nil)
	h.Send(adminUser, "/stats")
	text := h.Sim.BotMessages(adminUser.ID)[0].Plain
	containsAll(t, "/stats on day one", text, "یادگیرندگان: ۰ نفر", "۰ ساعت از هدف ۱۰٬۰۰۰٬۰۰۰ ساعت (۰٪)", "هنوز پاسخی ثبت نشده", "▱▱▱▱▱▱▱▱▱▱")
	if h.Last(adminUser).Kind != "photo" {
		t.Error("no chart on an empty program")
	}
}
