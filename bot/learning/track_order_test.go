package learning_test

import (
	"strings"
	"testing"
)

// TestLowIncomeTrackSeesHouseholdCourseFirst: a learner who chose the low-income track in onboarding is
// offered «اقتصاد خانوار و شروع با سرمایهٔ نزدیک به صفر» at the top of /courses, and the other courses
// still follow.
func TestLowIncomeTrackSeesHouseholdCourseFirst(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "lowincome")
	if got := h.User(maryam).Track; got != "lowincome" {
		t.Fatalf("track after onboarding = %q; want lowincome", got)
	}
	h.Send(maryam, "/courses")
	list := h.Last(maryam)
	if len(list.InlineKeyboard) < 2 {
		t.Fatalf("course list %q has %d buttons; want every course", list.Plain, len(list.InlineKeyboard))
	}
	if first := list.InlineKeyboard[0][0].CallbackData; first != cb("course", "household-economy") {
		t.Errorf("first course button %q; want the household-economy course first for the low-income track", first)
	}
	title := "اقتصاد خانوار و شروع با سرمایهٔ نزدیک به صفر"
	if i := strings.Index(list.Plain, "📘"); i < 0 || !strings.HasPrefix(list.Plain[i:], "📘 "+title) {
		t.Errorf("course list %q; want %q as its first course", list.Plain, title)
	}
	if !list.HasButton(cb("course", "home-business")) {
		t.Errorf("course list buttons %q; the other courses should follow", list.ButtonTexts())
	}

	// Another track does not get it first.
	h.Onboard(john, "fa", "home")
	h.Send(john, "/courses")
	if first := h.Last(john).InlineKeyboard[0][0].CallbackData; first == cb("course", "household-economy") {
		t.Errorf("the home track also sees household-economy first")
	}
}
