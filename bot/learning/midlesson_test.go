package learning_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/persian"
)

// TestUnfinishedLessonIsNotResentEveryDay is مریم's five days from the issue: lesson 2 arrives once; the
// next two mornings say where she stands with [continue] [quiz]; then the mornings offer to move on or
// pause, and the pause holds.
func TestUnfinishedLessonIsNotResentEveryDay(t *testing.T) {
	h := newHarness(t, nil) // Thursday 26 November 2026, 10:00; her daily lesson at 08:00
	h.Onboard(maryam, "fa", "home")
	co := apptest.EmbeddedCatalog(t).Course("home-business")
	first, second := co.Lessons[0], co.Lessons[1]
	h.PressForged(maryam, h.Last(maryam), cb("open", first.ID))
	h.Press(maryam, h.Last(maryam), "آزمون")
	h.answerPollQuiz(maryam, first, nil)

	wholeLesson := "درس ۲ از " + persian.Int(int64(len(co.Lessons))) // the footer under the whole lesson 2
	var mornings []string
	for d := range 5 {
		morning := tehranTime(2026, 11, 27, 8, 0).AddDate(0, 0, d)
		before := h.Count(maryam)
		h.At(morning)
		got := h.BotTexts(maryam)[before:]
		if len(got) == 0 {
			t.Fatalf("day %d: no daily message", d+1)
		}
		mornings = append(mornings, strings.Join(got, "\n"))
		h.Clock.Set(morning.Add(12 * time.Hour))
		h.Send(maryam, "/courses") // she is around, but does not take lesson 2's quiz
	}
	if n := h.CountContaining(maryam, wholeLesson); n != 1 {
		t.Errorf("the whole lesson 2 arrived %d times in five days; want once", n)
	}
	if !strings.Contains(mornings[0], second.Title.FA) || !strings.Contains(mornings[0], wholeLesson) {
		t.Errorf("day 1 = %q; want the whole lesson 2", mornings[0])
	}
	for _, d := range []int{1, 2} {
		if !strings.Contains(mornings[d], "شما در میانهٔ درس ۲") || !strings.Contains(mornings[d], second.Title.FA) {
			t.Errorf("day %d = %q; want «you are in the middle of lesson 2»", d+1, mornings[d])
		}
	}
	msgs := h.Sim.BotMessages(maryam.ID)
	var middle, offer = -1, -1
	for i, m := range msgs {
		if strings.Contains(m.Plain, "شما در میانهٔ درس ۲") && middle < 0 {
			middle = i
		}
		if strings.Contains(m.Plain, "نیمه‌کاره مانده") {
			offer = i
		}
	}
	if middle < 0 || !msgs[middle].HasButton(cb("open", second.ID)) || !msgs[middle].HasButton(cb("quiz", second.ID)) {
		t.Fatalf("«in the middle» buttons %q; want [continue] [quiz]", msgs[middle].ButtonTexts())
	}
	for _, d := range []int{3, 4} {
		if !strings.Contains(mornings[d], "نیمه‌کاره مانده") {
			t.Errorf("day %d = %q; want the offer to move on or pause", d+1, mornings[d])
		}
	}
	if offer < 0 || !msgs[offer].HasButton(cb("open", co.Lessons[2].ID)) || !msgs[offer].HasButton(cb("pause", "7")) {
		t.Fatalf("the offer's buttons %q; want [next lesson] and [pause]", msgs[offer].ButtonTexts())
	}

	// She chooses the pause: no daily message for a week.
	h.Press(maryam, msgs[offer], "یک هفته توقف")
	if !h.User(maryam).Paused(h.Clock.Now()) {
		t.Fatal("the offer's pause did not pause her daily lessons")
	}
	before := h.Count(maryam)
	h.At(tehranTime(2026, 12, 2, 8, 0))
	if got := h.BotTexts(maryam)[before:]; len(got) != 0 {
		t.Errorf("a paused morning sent %q", got)
	}
}
