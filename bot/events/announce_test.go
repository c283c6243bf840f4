package events_test

import (
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// A full event offers the waitlist; cancelling asks first, and «no» keeps the seat.
func TestFullEventOffersWaitlistAndCancelAsks(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(leila, "fa", "home")
	e := h.addEvent(func(e *store.Event) { e.Capacity = 1 })
	h.attend(maryam, e)
	card := h.openCard(leila, e)
	if !strings.Contains(strings.Join(card.ButtonTexts(), " "), "⏳ عضویت در فهرست انتظار") || buttonData(card, "شرکت می‌کنم") != "" {
		t.Errorf("a full event's buttons %q; want «join the waitlist»", card.ButtonTexts())
	}
	h.Press(maryam, h.lastWithButton(maryam, "انصراف از ثبت‌نام"), "انصراف از ثبت‌نام")
	ask := h.Last(maryam)
	if !strings.Contains(ask.Plain, "ثبت‌نامتان در «کارگاه فروش اینترنتی» لغو شود؟") {
		t.Fatalf("cancel asked %q", ask.Plain)
	}
	h.Press(maryam, ask, "نه، نگهش دار")
	if got := h.rsvpStatus(e.ID, maryam); got != store.RSVPGoing {
		t.Errorf("after «no» maryam is %s; want still going", got)
	}
	if got := h.Last(maryam).Plain; !strings.Contains(got, "شما در این رویداد ثبت‌نام کرده‌اید") {
		t.Errorf("«no» shows %q; want the card back", got)
	}
}

// A new event is announced, in batches, to the learners of its tracks who want to hear: those who chose
// so in /settings or after their first RSVP, and those who RSVPed before without choosing; not to the
// others until they choose.
func TestNewEventAnnouncedToThoseWhoOptedIn(t *testing.T) {
	h := newHarness(t, nil)
	for _, u := range []tgsim.User{maryam, leila, sima} {
		h.Onboard(u, "fa", "home")
	}
	h.Onboard(omid, "fa", "youth")
	old := h.addEvent(nil)
	// Maryam's card asks after her first RSVP; she leaves it unanswered: having RSVPed, she hears of events.
	h.attend(maryam, old)
	if got := h.Last(maryam).Plain; !strings.Contains(got, "رویداد تازه‌ای برای مسیر یادگیری شما") {
		t.Errorf("the card after a first RSVP: %q; want the question about new events", got)
	}
	// Leila is asked too and says no; her cards ask no more.
	h.attend(leila, old)
	if toast := h.Press(leila, h.Last(leila), "نه، ممنون"); !strings.Contains(toast, "خبر رویدادهای تازه را نمی‌فرستیم") {
		t.Errorf("answer: %q", toast)
	}
	if got := h.Last(leila).Plain; strings.Contains(got, "خبرتان کنیم؟") || !strings.Contains(got, "ثبت‌نام کرده‌اید") {
		t.Errorf("the card after answering: %q", got)
	}
	second := h.addEvent(func(e *store.Event) { e.Title = "نمایشگاه" })
	h.attend(leila, second)
	if got := h.Last(leila).Plain; strings.Contains(got, "خبرتان کنیم؟") {
		t.Errorf("a card asked again after the choice: %q", got)
	}
	// Omid (another track) turns them on in /settings; Sima never RSVPed nor chose: off.
	h.Send(omid, "/settings")
	if got := h.Last(omid).Plain; !strings.Contains(got, "خبر رویدادهای تازه: خاموش") {
		t.Errorf("/settings for a learner who never RSVPed: %q", got)
	}
	h.Press(omid, h.Last(omid), "خبرم کنید")
	if got := h.Last(omid).Plain; !strings.Contains(got, "خبر رویدادهای تازه: روشن") {
		t.Errorf("/settings after turning on: %q", got)
	}
	// 520 more learners of the home track who chose to hear: the fan-out runs in batches.
	crowd := h.AddLearners(5000, 520, nil)
	if err := h.DB.Update(func(tx *store.Tx) error {
		for _, u := range crowd {
			if err := tx.SetEventNews(u.ID, true); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// An admin's new event for the home track.
	home := h.addEvent(func(e *store.Event) {
		e.Title = "کارگاه بسته‌بندی"
		e.Tracks = []string{"home"}
		e.Announcing = true
	})
	h.tick()
	h.Drain()
	for _, tc := range []struct {
		u    tgsim.User
		want bool
	}{{maryam, true}, {leila, false}, {sima, false}, {omid, false}, {crowd[0], true}, {crowd[519], true}} {
		if got := h.CountContaining(tc.u, "رویداد تازه: «کارگاه بسته‌بندی»"); (got == 1) != tc.want {
			t.Errorf("%s got %d announcements; want %v", tc.u.FirstName, got, tc.want)
		}
	}
	if e := h.event(home.ID); e.Announcing || e.AnnouncedTo < crowd[519].ID {
		t.Errorf("announcement state %v up to %d; want done past %d", e.Announcing, e.AnnouncedTo, crowd[519].ID)
	}
	h.tick() // done: nobody hears twice
	h.Drain()
	if got := h.CountContaining(maryam, "رویداد تازه: «کارگاه بسته‌بندی»"); got != 1 {
		t.Errorf("maryam heard %d times", got)
	}
	// An event for every track reaches Omid too.
	all := h.addEvent(func(e *store.Event) { e.Title = "همایش سالانه"; e.Announcing = true })
	h.tick()
	h.Drain()
	if h.CountContaining(omid, "«همایش سالانه»") != 1 {
		t.Error("an event without tracks did not reach omid, who opted in")
	}
	_ = all
}
