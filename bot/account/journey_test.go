package account_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// mainMenuFa is the main menu of a Persian learner who has opened a lesson.
var mainMenuFa = []string{"📖 درس امروز", "📚 دوره‌ها", "📅 رویدادها", "💬 پرسش از مشاوران", "❓ راهنما"}

// TestOnboardingEndsWithTheFirstLesson: the last onboarding screen's first button starts the first lesson
// of the learner's track; settings stay beside it.
func TestOnboardingEndsWithTheFirstLesson(t *testing.T) {
	h := apptest.New(t, nil)
	h.Onboard(apptest.Maryam, "fa", "home")
	done := h.Last(apptest.Maryam)
	if got := done.ButtonTexts(); len(got) != 2 || got[0] != "▶️ شروع اولین درس" || got[1] != "⚙️ تنظیمات" {
		t.Fatalf("onboarding ends with %q; want [start the first lesson] [settings]", got)
	}
	h.Press(apptest.Maryam, done, "شروع اولین درس")
	first := apptest.EmbeddedCatalog(t).Course("home-business").Lessons[0]
	if got := h.Last(apptest.Maryam).Plain; !strings.Contains(got, "درس ۱ از "+persian.Int(int64(len(first.Course.Lessons)))) {
		t.Errorf("[start the first lesson] sent %q; want the home track's lesson 1", got)
	}
	if u := h.User(apptest.Maryam); u.CurrentLesson != first.ID {
		t.Errorf("current lesson %q; want %q", u.CurrentLesson, first.ID)
	}

	h.Onboard(apptest.John, "en", "home")
	if got := h.Last(apptest.John).ButtonTexts(); len(got) != 2 || got[0] != "▶️ Start the first lesson" {
		t.Errorf("English onboarding ends with %q", got)
	}
}

// TestMainMenuWhereverTheLearnerIsLost: a returning /start, an unknown command, a stale step and a photo
// nobody asked for all answer with the main menu, and its buttons work.
func TestMainMenuWhereverTheLearnerIsLost(t *testing.T) {
	h := apptest.New(t, nil)
	h.Onboard(apptest.Maryam, "fa", "home")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "شروع اولین درس")

	h.Send(apptest.Maryam, "/start")
	back := h.Last(apptest.Maryam)
	if !strings.Contains(back.Plain, "دوباره خوش آمدید") || !slices.Equal(back.ButtonTexts(), mainMenuFa) {
		t.Errorf("returning /start = %q %q; want «دوباره خوش آمدید» and the main menu", back.Plain, back.ButtonTexts())
	}

	// A step left over from an older release (no handler any more).
	if err := h.DB.Update(func(tx *store.Tx) error {
		u, err := tx.User(apptest.Maryam.ID)
		if err != nil {
			return err
		}
		u.Step = "gone_step"
		return tx.PutUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	h.Send(apptest.Maryam, "این را برای مرحلهٔ قدیمی نوشتم")
	stale := h.Last(apptest.Maryam)
	if !strings.Contains(stale.Plain, "متوجه نشدیم") || !slices.Equal(stale.ButtonTexts(), mainMenuFa) {
		t.Errorf("stale step answered %q %q; want the main menu", stale.Plain, stale.ButtonTexts())
	}

	// Each menu button does what its command does.
	h.Press(apptest.Maryam, stale, "دوره‌ها")
	if got := h.Last(apptest.Maryam).Plain; !strings.Contains(got, "دوره‌های توان") {
		t.Errorf("[courses] showed %q", got)
	}
	h.Send(apptest.Maryam, "/nothing")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "رویدادها")
	if got := h.Last(apptest.Maryam).Plain; !strings.Contains(got, "رویداد") {
		t.Errorf("[events] showed %q", got)
	}
	h.Send(apptest.Maryam, "/nothing")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "راهنما")
	if got := h.Last(apptest.Maryam).Plain; !strings.Contains(got, "راهنمای توان") {
		t.Errorf("[help] showed %q", got)
	}
	h.Send(apptest.Maryam, "/nothing")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "درس امروز")
	if n := len(apptest.EmbeddedCatalog(t).Course("home-business").Lessons); !strings.Contains(h.Last(apptest.Maryam).Plain, "درس ۱ از "+persian.Int(int64(n))) {
		t.Errorf("[today's lesson] showed %q", h.Last(apptest.Maryam).Plain)
	}
	// A forged menu button for a command that is not in the menu is refused like a stale button.
	if got := h.PressForged(apptest.Maryam, h.Last(apptest.Maryam), "1|m|deleteme"); !strings.Contains(got, "دیگر کار نمی‌کند") {
		t.Errorf("forged menu button answered %q", got)
	}
}

// TestHelpAndCommandMenuListPauseResumeEnd: /pause, /resume and /end are in /help, /pause and /resume in
// the command menu.
func TestHelpAndCommandMenuListPauseResumeEnd(t *testing.T) {
	h := apptest.New(t, nil)
	h.Onboard(apptest.Maryam, "fa", "home")
	h.Send(apptest.Maryam, "/help")
	help := h.Last(apptest.Maryam).Plain
	for _, want := range []string{"/pause — توقف موقت", "/resume — ادامهٔ", "/end — پایان جلسهٔ مشاوره"} {
		if !strings.Contains(help, want) {
			t.Errorf("/help lacks %q", want)
		}
	}
	for _, lang := range []string{"", "en"} {
		var names []string
		for _, c := range h.Sim.Commands(lang) {
			names = append(names, c.Command)
		}
		if !slices.Contains(names, "pause") || !slices.Contains(names, "resume") {
			t.Errorf("command menu (%q) = %v; want pause and resume", lang, names)
		}
	}
}

// TestHelpListsStaffCommandsWithoutAMenu: on Bale, which has no command menu, /help lists the staff
// commands to an admin and to no learner; on Telegram the menu carries them and /help does not.
func TestHelpListsStaffCommandsWithoutAMenu(t *testing.T) {
	apptest.EachPlatform(t, func(t *testing.T, p bot.Platform) {
		h := apptest.NewOn(t, p, nil)
		h.Send(apptest.Admin, "/help")
		staff := h.Last(apptest.Admin).Plain
		h.Onboard(apptest.Maryam, "fa", "home")
		h.Send(apptest.Maryam, "/help")
		learner := h.Last(apptest.Maryam).Plain
		if strings.Contains(learner, "/broadcast") {
			t.Errorf("a learner's /help lists /broadcast: %q", learner)
		}
		if got := strings.Contains(staff, "/broadcast"); got != h.Bale() {
			t.Errorf("on %s the admin's /help lists /broadcast: %v; want %v (only where there is no menu): %q", p.Name, got, h.Bale(), staff)
		}
		// A consultant who joined while the bot runs: their commands too.
		consultant := tgsim.User{ID: 301, FirstName: "نیلوفر", LanguageCode: "fa"}
		h.MakeConsultant(consultant, "دکتر صادقی", "marketing")
		h.Send(consultant, "/help")
		if got := h.Last(consultant).Plain; strings.Contains(got, "/sessions — جلسه‌های باز") != h.Bale() || strings.Contains(got, "/broadcast") {
			t.Errorf("on %s a consultant's /help = %q; want their commands (not the admins') only where there is no menu", p.Name, got)
		}
	})
}
