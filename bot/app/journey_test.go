package app_test

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// TestEnglishLearnerScreens: an English learner sees course titles and descriptions, section names and
// buttons in English; what exists only in Persian says so; arrows point the English way; plurals agree.
func TestEnglishLearnerScreens(t *testing.T) {
	h := apptest.New(t, nil)
	john := apptest.John
	h.Onboard(john, "en", "home")
	cat := apptest.EmbeddedCatalog(t)

	h.Send(john, "/courses")
	list := h.Last(john).Plain
	for _, co := range cat.Courses {
		switch {
		case co.Translated:
			if !strings.Contains(list, co.Title.EN) || strings.Contains(list, co.Title.FA) {
				t.Errorf("/courses shows %q for the translated course %s; want its English title only", list, co.ID)
			}
		case co.Title.EN != "":
			if !strings.Contains(list, co.Title.EN+" (in Persian)") {
				t.Errorf("/courses lacks %q", co.Title.EN+" (in Persian)")
			}
		default:
			if !strings.Contains(list, co.Title.FA+" (in Persian)") {
				t.Errorf("/courses lacks %q marked as Persian", co.Title.FA)
			}
		}
	}

	// A translated lesson: English buttons, English arrows, no mark.
	home := cat.Course("home-business")
	h.PressForged(john, h.Last(john), "1|open|"+home.Lessons[1].ID)
	lesson := h.Last(john)
	if got := strings.Join(lesson.ButtonTexts(), "|"); !strings.Contains(got, "⬅️ Previous") || !strings.Contains(got, "Next ➡️") || !strings.Contains(got, "Quiz") {
		t.Errorf("English lesson buttons %q; want ⬅️ Previous, Next ➡️, Quiz", got)
	}
	if strings.Contains(lesson.Plain, "(in Persian)") || strings.Contains(lesson.Plain, "only in Persian") {
		t.Errorf("a translated lesson is marked as Persian: %q", lesson.Plain)
	}
	// A lesson only in Persian says so.
	for _, co := range cat.Courses {
		if co.Translated || co.Lessons[0].Title.EN != "" {
			continue
		}
		h.PressForged(john, h.Last(john), "1|open|"+co.Lessons[0].ID)
		if got := h.Last(john).Plain; !strings.Contains(got, "This lesson is in Persian only") {
			t.Errorf("a Persian-only lesson to an English learner: %q; want it marked", got)
		}
		break
	}

	// Plurals: one day.
	h.PressForged(john, h.Last(john), "1|quiz|"+home.Lessons[0].ID)
	answerPolls(t, h, john, home.Lessons[0].ID)
	if got := h.Last(john).Plain; !strings.Contains(got, "1 day in a row") {
		t.Errorf("quiz result %q; want «1 day in a row»", got)
	}

	// Section lists: English names where they exist, «(in Persian)» where they do not.
	h.Send(john, "/centres")
	centres := h.Last(john).Plain
	if len(cat.Centres) > 0 && cat.Centres[0].Name.EN == "" && !strings.Contains(centres, "(in Persian)") {
		t.Errorf("/centres %q; want the Persian-only names marked", centres)
	}
	h.Send(john, "/nothing")
	if got := strings.Join(h.Last(john).ButtonTexts(), "|"); !strings.Contains(got, "Courses") || !strings.Contains(got, "Events") || !strings.Contains(got, "Help") {
		t.Errorf("English main menu %q", got)
	}
}

// answerPolls answers every quiz poll of the lesson rightly, as they come.
func answerPolls(t *testing.T, h *apptest.Harness, u tgsim.User, lessonID string) {
	t.Helper()
	l := apptest.EmbeddedCatalog(t).Lesson(lessonID)
	lang := "fa"
	if h.User(u).Lang == "en" {
		lang = "en"
	}
	for _, q := range l.Quiz {
		msgs := h.Sim.BotMessages(u.ID)
		var poll *tgsim.Poll
		for i := len(msgs) - 1; i >= 0 && poll == nil; i-- {
			if msgs[i].Poll != nil && msgs[i].Poll.Question == q.Question.In(lang) {
				poll = msgs[i].Poll
			}
		}
		if poll == nil {
			t.Fatalf("no poll %q", q.Question.In(lang))
		}
		right := q.OptionTexts(lang)[q.Answer]
		for i, o := range poll.Options {
			if o == right {
				h.Sim.AnswerPoll(u, poll.ID, []int{i})
				h.Settle()
			}
		}
	}
}

// TestPersianCopyAndArrows: Persian arrows point the reading way, ones are words, and the glossary's
// spellings reach the screens.
func TestPersianCopyAndArrows(t *testing.T) {
	h := apptest.New(t, nil)
	maryam, admin := apptest.Maryam, apptest.Admin
	h.Onboard(admin, "fa", "general")

	h.Send(maryam, "/start")
	h.Press(maryam, h.Last(maryam), "فارسی")
	if got := strings.Join(h.Last(maryam).ButtonTexts(), "|"); !strings.Contains(got, "تسهیل‌گران") || strings.Contains(got, "تسهیل"+"گران") {
		t.Errorf("tracks %q; want «تسهیل‌گران»", got)
	}
	h.Press(maryam, h.Last(maryam), "مشاغل خانگی")
	h.PressData(maryam, h.Last(maryam), h.ButtonData(h.Last(maryam), "1|time|480|"))

	// Nothing learned yet: /stats says 0 with an empty bar.
	before := len(h.Sim.BotMessages(admin.ID))
	h.Send(admin, "/stats")
	stats := joined(h.Sim.BotMessages(admin.ID)[before:])
	if !strings.Contains(stats, "(۰٪)\n▱▱▱▱▱▱▱▱▱▱") {
		t.Errorf("/stats with nothing learned: %q; want «(۰٪)» and an empty bar", stats)
	}

	home := apptest.EmbeddedCatalog(t).Course("home-business")
	h.PressForged(maryam, h.Last(maryam), "1|open|"+home.Lessons[0].ID)
	h.Press(maryam, h.Last(maryam), "آزمون")
	answerPolls(t, h, maryam, home.Lessons[0].ID)
	if got := h.Last(maryam).Plain; !strings.Contains(got, "🔥 یک روز پیاپی") {
		t.Errorf("quiz result %q; want «یک روز پیاپی»", got)
	}
	h.PressForged(maryam, h.Last(maryam), "1|open|"+home.Lessons[1].ID)
	if got := strings.Join(h.Last(maryam).ButtonTexts(), "|"); !strings.Contains(got, "➡️ درس قبل") || !strings.Contains(got, "درس بعد ⬅️") {
		t.Errorf("Persian lesson buttons %q; want «➡️ درس قبل» and «درس بعد ⬅️»", got)
	}

	// A few minutes out of ten million hours: «کمتر از ۰٫۰۱٪», not «۰٫۰۰۰۰٪».
	before = len(h.Sim.BotMessages(admin.ID))
	h.Send(admin, "/stats")
	stats = joined(h.Sim.BotMessages(admin.ID)[before:])
	if !strings.Contains(stats, "(کمتر از ۰٫۰۱٪)") || strings.Contains(stats, "۰٫۰۰۰") {
		t.Errorf("/stats after one lesson: %q; want «کمتر از ۰٫۰۱٪»", stats)
	}

	h.Send(maryam, "/help")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "رویدادهای پیش‌رو") {
		t.Errorf("/help = %q; want «پیش‌رو»", got)
	}
	h.Send(maryam, "/consult")
	if got := strings.Join(h.Last(maryam).ButtonTexts(), "|"); !strings.Contains(got, "سایر") {
		t.Errorf("consultation topics %q; want «سایر»", got)
	}
	h.Send(maryam, "/centres")
	for _, line := range strings.Split(h.Last(maryam).Plain, "\n") {
		if strings.Contains(line, ". 🏢") {
			if n := strings.Count(line, "نمونه"); n != 1 {
				t.Errorf("sample centre %q says «نمونه» %d times; want once", line, n)
			}
		}
	}

	// The events wizard: a month outside 1–12.
	h.Send(admin, "/newevent")
	h.Send(admin, "کارگاه قیمت‌گذاری")
	h.Send(admin, "۱۴۰۵/۱۳/۰۱")
	if got := h.Last(admin).Plain; !strings.Contains(got, "ماه باید بین ۱ تا ۱۲ باشد") {
		t.Errorf("a 13th month answered %q", got)
	}
}

func joined(msgs []tgsim.Message) string {
	var parts []string
	for _, m := range msgs {
		parts = append(parts, m.Plain)
	}
	return strings.Join(parts, "\n")
}

// TestEventCopyOneInWords: the first place of a waitlist is «نفر اولِ», and an unlimited event's count
// reads «ثبت‌نام: ۰ (ظرفیت نامحدود)».
func TestEventCopyOneInWords(t *testing.T) {
	h := apptest.New(t, nil)
	maryam, reza, admin := apptest.Maryam, apptest.Reza, apptest.Admin
	for _, u := range []tgsim.User{maryam, reza, admin} {
		h.Onboard(u, "fa", "home")
	}
	full := addEvent(t, h, "کارگاه یک‌نفره", 1)
	open := addEvent(t, h, "بازارچهٔ بی‌سقف", 0)
	id := strconv.FormatInt(full.ID, 10)
	h.PressForged(reza, h.Last(reza), "1|evr|"+id)
	if got := h.PressForged(maryam, h.Last(maryam), "1|evr|"+id); !strings.Contains(got, "نفر اولِ فهرست انتظار") {
		t.Errorf("the first on the waitlist was told %q; want «نفر اولِ فهرست انتظار»", got)
	}
	h.PressForged(admin, h.Last(admin), "1|eva|"+strconv.FormatInt(open.ID, 10))
	if got := h.Last(admin).Plain; !strings.Contains(got, "ثبت‌نام: ۰ (ظرفیت نامحدود)") {
		t.Errorf("an unlimited event's card for admins: %q; want «ثبت‌نام: ۰ (ظرفیت نامحدود)»", got)
	}
}

func addEvent(t *testing.T, h *apptest.Harness, title string, capacity int) *store.Event {
	t.Helper()
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		t.Fatal(err)
	}
	token := base64.RawURLEncoding.EncodeToString(buf) // a door code, as the events wizard makes one
	e := &store.Event{
		Title: title, Capacity: capacity, Token: token,
		Start: time.Date(2026, 12, 6, 18, 30, 0, 0, apptest.Tehran),
		End:   time.Date(2026, 12, 6, 20, 30, 0, 0, apptest.Tehran),
		Place: store.Place{Name: "خانهٔ کارآفرینی", Address: "اصفهان، چهارباغ"},
	}
	if err := h.DB.Update(func(tx *store.Tx) error { return tx.CreateEvent(e) }); err != nil {
		t.Fatal(err)
	}
	return e
}
