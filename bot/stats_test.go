package bot

import (
	"bytes"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/store"
)

// seedFigures stores learners and 30 days of counters the way the features would have.
func seedFigures(t *testing.T, h *harness) {
	t.Helper()
	now := h.bot.now()
	err := h.db.Update(func(tx *store.Tx) error {
		users := []*store.User{
			{ID: 201, FirstName: "سارا", Track: "home", Onboarded: true, MinutesLearned: 300_000, LessonsCompleted: 10,
				Streak: 9, StreakDay: dayString(now), LastActive: now},
			{ID: 202, FirstName: "Ali", Track: "social", Onboarded: true, MinutesLearned: 300_000, LessonsCompleted: 5,
				Streak: 3, StreakDay: dayString(now.AddDate(0, 0, -2)), LastActive: now.AddDate(0, 0, -10)},
			{ID: 203, FirstName: "نرگس", Track: "home", Onboarded: true, Blocked: true,
				Streak: 2, StreakDay: dayString(now.AddDate(0, 0, -5)), LastActive: now.AddDate(0, 0, -40)},
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
	h.onboard(maryam, "fa", "home")
	h.onboard(john, "en", "general")
	h.onboard(reza, "fa", "youth")
	seedFigures(t, h)

	h.send(adminUser, "/stats")
	msgs := h.sim.BotMessages(adminUser.ID)
	if len(msgs) != 2 {
		t.Fatalf("/stats sent %d messages; want the figures and the chart", len(msgs))
	}
	text := msgs[0].Plain
	containsAll(t, "/stats", text,
		"آمار برنامهٔ توان",
		"یادگیرندگان: ۶ نفر (تنظیمات آغازین را کامل کرده‌اند: ۶ نفر)",
		"فعال در ۷ روز گذشته: ۴ نفر · در ۳۰ روز گذشته: ۵ نفر",
		"ربات را مسدود کرده‌اند: ۱ نفر",
		"• مشاغل خانگی: ۳", "• کودکان و نوجوانان: ۱", "• تسهیلگران کارآفرینی اجتماعی: ۱", "• شهروندان و علاقه‌مندان به کسب‌وکار: ۱",
		"درس‌ها: ۶۰ درس فرستاده شد · ۳۰ درس کامل شد",
		"ساعت یادگیری: ۱۰٬۰۰۰ ساعت از هدف ۱۰٬۰۰۰٬۰۰۰ ساعت (۰٫۱۰٪)",
		"▰▱▱▱▱▱▱▱▱▱",
		"دقت آزمون‌ها: ۷۵٪ (۹۰ پاسخ درست از ۱۲۰ پاسخ)",
		"روزهای پیاپی: ۲ نفر", "۱ نفر ۷ روز یا بیشتر", "بیشترین: ۹ روز",
		"رویدادها: ۰ رویداد پیش رو", "مشاوره: ۰ نفر در صف",
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
	if b := img.Bounds(); b.Dx() != chartW || b.Dy() != chartH {
		t.Errorf("chart is %v; want %dx%d", b, chartW, chartH)
	}
	if dir := os.Getenv("TAVAN_ARTIFACTS"); dir != "" { // .ci/run keeps it; to look: TAVAN_ARTIFACTS=/tmp go test -run TestStatsPersian
		os.WriteFile(dir+"/stats-chart.png", chart.File.Data, 0o644)
	}

	// Events and consultations come from those features' records.
	seedEventsAndConsultations(t, h)
	h.send(adminUser, "/stats")
	msgs = h.sim.BotMessages(adminUser.ID)
	containsAll(t, "/stats with events and consultations", msgs[len(msgs)-2].Plain,
		"رویدادها: ۱ رویداد پیش رو · ۱ ثبت‌نام · ۱ نفر در فهرست انتظار · ۱ رویداد برگزار شده · ۱ حضور ثبت‌شده",
		"مشاوره: ۱ نفر در صف · ۱ جلسهٔ باز · ۳ جلسه · میانگین انتظار ۱۰ دقیقه · امتیاز ۴٫۵ از ۵ (۲ رأی)")

	// A feature without its hook shows a dash, not a misleading zero.
	h.bot.ops.eventFigures, h.bot.ops.consultFigures = nil, nil
	h.send(adminUser, "/stats")
	msgs = h.sim.BotMessages(adminUser.ID)
	containsAll(t, "/stats without the hooks", msgs[len(msgs)-2].Plain, "رویدادها: —", "مشاوره: —")
}

func TestStatsGoalConfigurableEnglish(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		d.Ops.GoalHours = 20_000
		d.Admins = append(d.Admins, john.ID)
	})
	h.onboard(john, "en", "general")
	seedFigures(t, h)
	// A learner deletes their data: they leave the counts, their hours stay (anonymously).
	if err := h.db.Update(func(tx *store.Tx) error { return tx.DeleteUser(202) }); err != nil {
		t.Fatal(err)
	}
	h.send(john, "/stats")
	text := h.sim.BotMessages(john.ID)[len(h.sim.BotMessages(john.ID))-2].Plain
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
	h.send(adminUser, "/stats")
	text := h.sim.BotMessages(adminUser.ID)[0].Plain
	containsAll(t, "/stats on day one", text, "یادگیرندگان: ۰ نفر", "۰ ساعت از هدف ۱۰٬۰۰۰٬۰۰۰ ساعت (۰٪)", "هنوز پاسخی ثبت نشده", "▱▱▱▱▱▱▱▱▱▱")
	if h.last(adminUser).Kind != "photo" {
		t.Error("no chart on an empty program")
	}
}

func TestNiceScale(t *testing.T) {
	for _, tt := range []struct{ max, top, step float64 }{
		{0, 5, 1}, {3, 4, 1}, {9, 10, 2}, {100, 120, 20}, {440, 500, 100}, {0.4, 0.5, 0.1}, {12345, 15000, 5000},
	} {
		top, step := niceScale(tt.max)
		if top != tt.top || step != tt.step {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tt.max, top, step, tt.top, tt.step)
		}
	}
	for _, tt := range []struct{ v, want float64 }{{0, 1}, {0.3, 0.5}, {1, 1}, {1.2, 2}, {2.1, 2.5}, {7, 10}, {130, 200}} {
		if got := niceStepAtLeast(tt.v); got != tt.want {
			t.Errorf("niceStepAtLeast(%v) = %v; want %v", tt.v, got, tt.want)
		}
	}
}
