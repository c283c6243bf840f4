package events_test

import (
	"bytes"
	"context"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/events"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

func TestEventsListTrackFirstAndPersian(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	parents := h.addEvent(func(e *store.Event) {
		e.Title = "نشست والدین و فرزند کارآفرین"
		e.Start, e.End = time.Date(2026, 12, 3, 17, 0, 0, 0, tehran), time.Date(2026, 12, 3, 19, 0, 0, 0, tehran)
		e.Tracks = []string{"parents"}
	})
	home := h.addEvent(func(e *store.Event) {
		e.Title = "بازارچهٔ مشاغل خانگی"
		e.Tracks = []string{"home"}
		e.Capacity = 0
	})
	h.addEvent(func(e *store.Event) { e.Title = "رویداد لغوشده"; e.Status = store.EventCancelled })
	h.addEvent(func(e *store.Event) {
		e.Title = "رویداد گذشته"
		e.Start, e.End = time.Date(2026, 11, 20, 17, 0, 0, 0, tehran), time.Date(2026, 11, 20, 19, 0, 0, 0, tehran)
	})

	h.Send(maryam, "/events")
	list := h.Last(maryam).Plain
	for _, want := range []string{"رویدادهای پیش‌رو", "بازارچهٔ مشاغل خانگی", "نشست والدین", "یکشنبه ۱۵ آذر ۱۴۰۵، ساعت ۱۸:۳۰",
		"ظرفیت نامحدود", "۴۰ جای خالی از ۴۰"} {
		if !strings.Contains(list, want) {
			t.Errorf("/events = %q; lacks %q", list, want)
		}
	}
	for _, gone := range []string{"لغوشده", "گذشته"} {
		if strings.Contains(list, gone) {
			t.Errorf("/events lists a %s event: %q", gone, list)
		}
	}
	if strings.Index(list, "بازارچهٔ") > strings.Index(list, "نشست والدین") {
		t.Errorf("the learner's track (home) is not listed first, although the parents' event is earlier: %q", list)
	}

	card := h.openCard(maryam, home)
	for _, want := range []string{"بازارچهٔ مشاغل خانگی", "خانهٔ کارآفرینی", "یکشنبه ۱۵ آذر ۱۴۰۵، ساعت ۱۸:۳۰ تا ۲۰:۳۰"} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("card %q lacks %q", card.Plain, want)
		}
	}
	labels := strings.Join(card.ButtonTexts(), " ")
	for _, want := range []string{"شرکت می‌کنم", "افزودن به تقویم", "مکان"} {
		if !strings.Contains(labels, want) {
			t.Errorf("card buttons %q lack %q", labels, want)
		}
	}
	h.Press(maryam, card, "مکان")
	if v := h.Last(maryam); v.Kind != "venue" || v.Venue.Title != "خانهٔ کارآفرینی" || v.Venue.Lat != 35.7009 {
		t.Errorf("[Location] sent %s %+v; want the venue", v.Kind, v.Venue)
	}
	_ = parents

	h.Send(maryam, "/help")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "/events — رویدادهای پیش‌رو") {
		t.Errorf("/help does not mention /events: %q", got)
	}

	h.Onboard(john, "en", "home")
	h.Send(john, "/events")
	if got := h.Last(john).Plain; !strings.Contains(got, "Sunday 6 December 2026, 18:30") || !strings.Contains(got, "40 of 40 seats left") {
		t.Errorf("English list %q; want Gregorian dates and Latin digits", got)
	}
}

func TestRSVPRemindersAndDoubleRSVP(t *testing.T) {
	apptest.EachPlatform(t, rsvpRemindersAndDoubleRSVP)
}

func rsvpRemindersAndDoubleRSVP(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, nil)
	h.Onboard(maryam, "fa", "home")
	e := h.addEvent(nil)
	id := evID(e)

	card := h.openCard(maryam, e)
	if toast := h.Press(maryam, card, "شرکت می‌کنم"); !strings.Contains(toast, "ثبت‌نام شد") {
		t.Errorf("attend toast = %q", toast)
	}
	card = h.Last(maryam)
	for _, want := range []string{"شما در این رویداد ثبت‌نام کرده‌اید", "۳۹ جای خالی از ۴۰"} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("card after RSVP %q lacks %q", card.Plain, want)
		}
	}
	if got := h.rsvpStatus(e.ID, maryam); got != store.RSVPGoing {
		t.Fatalf("status = %q; want going", got)
	}

	// Reminders a day and an hour before, at the exact minute, with the venue.
	rem := h.queuedWith(maryam.ID, "ev:"+id+":r")
	if len(rem) != 2 {
		t.Fatalf("reminders queued: %v; want 2", keysOf(rem))
	}
	want := map[string]time.Time{
		"ev:" + id + ":r1440:101:0": time.Date(2026, 12, 5, 18, 30, 0, 0, tehran),
		"ev:" + id + ":r60:101:0":   time.Date(2026, 12, 6, 17, 30, 0, 0, tehran),
	}
	for _, q := range rem {
		at, ok := want[q.Dedupe]
		if !ok || !q.NotBefore.Equal(at) {
			t.Errorf("reminder %s at %v; want one of %v", q.Dedupe, q.NotBefore.In(tehran), want)
		}
		if !strings.Contains(q.Notice.Text, "یادآوری") || !strings.Contains(q.Notice.Text, "کارگاه فروش اینترنتی") {
			t.Errorf("reminder text %q", q.Notice.Text)
		}
		if q.Notice.Venue == nil || q.Notice.Venue.Lat != 35.7009 || q.Notice.Venue.Title != "خانهٔ کارآفرینی" {
			t.Errorf("reminder venue = %+v; want the venue for sendVenue", q.Notice.Venue)
		}
	}
	for _, q := range rem {
		if due, _ := h.DB.PendingJobs(store.LaneNotice, q.NotBefore.Add(-time.Minute), 100); containsJob(due, q.ID) {
			t.Errorf("reminder %s is due a minute early", q.Dedupe)
		}
		if due, _ := h.DB.PendingJobs(store.LaneNotice, q.NotBefore, 100); !containsJob(due, q.ID) {
			t.Errorf("reminder %s is not due at its minute", q.Dedupe)
		}
	}

	// A double RSVP from the old card (a stale [I'll attend]).
	if toast := h.PressForged(maryam, card, cb("evr", id)); !strings.Contains(toast, "قبلاً در این رویداد ثبت‌نام کرده‌اید") {
		t.Errorf("double RSVP answered %q", toast)
	}
	if n := len(h.queuedWith(maryam.ID, "ev:"+id+":r")); n != 2 {
		t.Errorf("a double RSVP left %d reminders; want 2", n)
	}

	// Cancel: reminders go; RSVP again: they come back.
	if toast := h.cancelSeat(maryam); !strings.Contains(toast, "لغو شد") {
		t.Errorf("cancel toast = %q", toast)
	}
	if rem := h.queuedWith(maryam.ID, "ev:"+id+":"); len(rem) != 0 {
		t.Errorf("after cancelling, queued %v; want nothing", keysOf(rem))
	}
	h.Press(maryam, h.Last(maryam), "شرکت می‌کنم")
	if rem := h.queuedWith(maryam.ID, "ev:"+id+":r"); len(rem) != 2 {
		t.Errorf("after RSVPing again, reminders %v; want 2", keysOf(rem))
	}
}

func containsJob(jobs []store.Job, id uint64) bool {
	for _, j := range jobs {
		if j.ID == id {
			return true
		}
	}
	return false
}

func TestReminderQuietHours(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	day := func(d, hh, mm int) time.Time { return time.Date(2026, 12, d, hh, mm, 0, 0, tehran) }
	tests := []struct {
		name      string
		start     time.Time
		reminders []int
		want      map[int]time.Time // minutes → when
	}{
		{"evening", day(6, 18, 30), nil, map[int]time.Time{1440: day(5, 18, 30), 60: day(6, 17, 30)}},
		{"early morning: the day-before reminder waits for 07:00", day(8, 6, 30), nil, map[int]time.Time{1440: day(7, 7, 0), 60: day(8, 5, 30)}},
		{"late night: moved to the next morning", day(9, 23, 30), nil, map[int]time.Time{1440: day(9, 7, 0), 60: day(9, 22, 30)}},
		{"in less than a day: no day-before reminder", time.Date(2026, 11, 27, 9, 0, 0, 0, tehran), nil, map[int]time.Time{60: time.Date(2026, 11, 27, 8, 0, 0, 0, tehran)}},
		{"per-event reminders", day(10, 12, 0), []int{2 * 24 * 60, 180}, map[int]time.Time{2880: day(8, 12, 0), 180: day(10, 9, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := h.addEvent(func(e *store.Event) {
				e.Start, e.End, e.Reminders = tt.start, tt.start.Add(2*time.Hour), tt.reminders
			})
			h.attend(maryam, e)
			got := map[int]time.Time{}
			for _, q := range h.queuedWith(maryam.ID, "ev:"+evID(e)+":r") {
				mins, _ := strconv.Atoi(strings.TrimPrefix(strings.Split(q.Dedupe, ":")[2], "r"))
				got[mins] = q.NotBefore.In(tehran)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("reminders %v; want %v", got, tt.want)
			}
			for m, at := range tt.want {
				if !got[m].Equal(at) {
					t.Errorf("reminder %d min before: %v; want %v", m, got[m], at)
				}
			}
		})
	}
}

func TestWaitlistOfferExpiryAndPromotion(t *testing.T) {
	h := newHarness(t, nil)
	for _, u := range []tgsim.User{maryam, leila, sima} {
		h.Onboard(u, "fa", "home")
	}
	e := h.addEvent(func(e *store.Event) { e.Capacity = 1 })
	id := evID(e)

	h.attend(maryam, e)
	if toast := h.attend(leila, e); !strings.Contains(toast, "نفر اولِ فهرست انتظار") {
		t.Errorf("second RSVP at capacity 1: %q; want the waitlist", toast)
	}
	h.Clock.Advance(time.Minute)
	if toast := h.attend(sima, e); !strings.Contains(toast, "نفر ۲ فهرست انتظار") {
		t.Errorf("third RSVP: %q", toast)
	}
	if card := h.Last(sima).Plain; !strings.Contains(card, "ظرفیت تکمیل است؛ ۲ نفر در فهرست انتظار") || !strings.Contains(card, "نفر ۲ فهرست انتظار") {
		t.Errorf("waitlisted card %q", card)
	}
	if len(h.queuedWith(leila.ID, "ev:"+id+":r")) != 0 {
		t.Error("a waitlisted learner got reminders")
	}

	// A seat frees up: the first in line is offered it for 12 hours.
	offeredAt := h.Clock.Now()
	h.cancelSeat(maryam)
	r := h.rsvp(e.ID, leila)
	if r.Status != store.RSVPOffered || !r.OfferExpires.Equal(offeredAt.Add(12*time.Hour)) {
		t.Fatalf("leila after the cancellation: %s until %v; want offered until %v", r.Status, r.OfferExpires, offeredAt.Add(12*time.Hour))
	}
	offers := h.queuedWith(leila.ID, "ev:"+id+":o")
	if len(offers) != 1 || !strings.Contains(offers[0].Notice.Text, "یک جا برای شما خالی شد") ||
		!strings.Contains(offers[0].Notice.Text, "پنج‌شنبه ۵ آذر ۱۴۰۵، ساعت ۲۲:۰۱") {
		t.Fatalf("offer notices %+v", offers)
	}
	if kb := offers[0].Notice.Keyboard; kb == nil || kb.InlineKeyboard[0][0].CallbackData == nil || *kb.InlineKeyboard[0][0].CallbackData != cb("evo", id, "y") {
		t.Errorf("offer buttons %+v", offers[0].Notice.Keyboard)
	}
	if got := h.rsvpStatus(e.ID, sima); got != store.RSVPWaitlist {
		t.Errorf("sima = %s; want still waiting while leila's offer runs", got)
	}
	h.Send(omid, "/start")
	h.Send(omid, "/events")
	if got := h.Last(omid).Plain; !strings.Contains(got, "ظرفیت تکمیل است") {
		t.Errorf("a held seat shows as free to others: %q", got)
	}

	// The offer survives a restart and lapses on time: then the next in line is asked.
	h.Restart()
	h.Clock.Advance(12*time.Hour - time.Minute)
	h.tick()
	if got := h.rsvpStatus(e.ID, leila); got != store.RSVPOffered {
		t.Fatalf("a minute before the deadline leila is %s", got)
	}
	h.Clock.Advance(time.Minute)
	h.tick()
	if got := h.rsvpStatus(e.ID, leila); got != store.RSVPExpired {
		t.Fatalf("at the deadline leila is %s; want expired", got)
	}
	if n := h.queuedWith(leila.ID, "ev:"+id+":x"); len(n) != 1 || !strings.Contains(n[0].Notice.Text, "مهلت جای خالی") {
		t.Errorf("expiry notice %+v", n)
	}
	r = h.rsvp(e.ID, sima)
	if r.Status != store.RSVPOffered || !r.OfferExpires.Equal(h.Clock.Now().Add(12*time.Hour)) {
		t.Fatalf("sima = %s until %v; want offered for 12 hours", r.Status, r.OfferExpires)
	}
	h.tick() // idempotent
	if n := len(h.queuedWith(sima.ID, "ev:"+id+":o")); n != 1 {
		t.Errorf("sima has %d offers after a second tick; want 1", n)
	}

	// Leila's old button is stale now; Sara accepts hers.
	if toast := h.PressForged(leila, h.Last(leila), cb("evo", id, "y")); !strings.Contains(toast, "مهلت این پیشنهاد تمام شده") {
		t.Errorf("an expired offer accepted: %q", toast)
	}
	if toast := h.PressForged(sima, h.Last(sima), cb("evo", id, "y")); !strings.Contains(toast, "ثبت‌نام شد") {
		t.Errorf("accepting the offer: %q", toast)
	}
	if got := h.rsvpStatus(e.ID, sima); got != store.RSVPGoing {
		t.Errorf("sima = %s; want going", got)
	}
	if n := len(h.queuedWith(sima.ID, "ev:"+id+":r")); n != 2 {
		t.Errorf("sima has %d reminders after the promotion; want 2", n)
	}
}

func TestOfferDeclinedOrLapsedWithoutTick(t *testing.T) {
	h := newHarness(t, nil)
	for _, u := range []tgsim.User{maryam, leila, sima, omid} {
		h.Onboard(u, "fa", "home")
	}
	e := h.addEvent(func(e *store.Event) { e.Capacity = 1; e.OfferHours = 2 })
	id := evID(e)
	for _, u := range []tgsim.User{maryam, leila, sima, omid} { // omid has the smallest id: the queue is by time
		h.attend(u, e)
		h.Clock.Advance(time.Minute)
	}
	h.cancelSeat(maryam)

	// Leila says no: Sara is asked at once.
	if toast := h.PressForged(leila, h.Last(leila), cb("evo", id, "n")); !strings.Contains(toast, "نفر بعدی") {
		t.Errorf("decline toast %q", toast)
	}
	if got := h.rsvpStatus(e.ID, sima); got != store.RSVPOffered {
		t.Fatalf("after leila declined, sima = %s", got)
	}
	h.Drain() // the offer reached her (one that never did would be offered again after its deadline)
	// Sara's two-hour window lapses; nobody ticks, but her late press settles the event itself.
	h.Clock.Advance(2*time.Hour + time.Second)
	if toast := h.PressForged(sima, h.Last(sima), cb("evo", id, "y")); !strings.Contains(toast, "مهلت این پیشنهاد تمام شده") {
		t.Errorf("late accept answered %q", toast)
	}
	if got := h.rsvpStatus(e.ID, omid); got != store.RSVPOffered {
		t.Errorf("omid = %s; want the seat offered to him", got)
	}
	if n := len(h.queuedWith(sima.ID, "ev:"+id+":x")); n != 0 {
		t.Errorf("sima, answered directly, also got %d expiry notices", n)
	}
}

func TestRSVPRefusals(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	open := h.addEvent(nil)
	cancelled := h.addEvent(func(e *store.Event) { e.Title = "لغوشده"; e.Status = store.EventCancelled })
	started := h.addEvent(func(e *store.Event) {
		e.Start, e.End = h.Clock.Now().Add(-time.Hour), h.Clock.Now().Add(time.Hour)
	})
	card := h.openCard(maryam, open)
	tests := []struct{ name, data, want string }{
		{"cancelled event", cb("evr", evID(cancelled)), "لغو شده است"},
		{"event under way", cb("evr", evID(started)), "شروع شده یا برگزار شده"},
		{"no such event", cb("evr", "999"), "دیگر وجود ندارد"},
		{"cancel without RSVP", cb("evx", evID(open)), "ثبت‌نام نکرده‌اید"},
		{"malformed id", "1|evr|abc", "این دکمه دیگر کار نمی‌کند"},
		{"missing id", "1|evr", "این دکمه دیگر کار نمی‌کند"},
		{"bad offer answer", cb("evo", evID(open), "maybe"), "این دکمه دیگر کار نمی‌کند"},
		{"negative page", cb("evl", "-1"), "این دکمه دیگر کار نمی‌کند"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.PressForged(maryam, card, tt.data); !strings.Contains(got, tt.want) {
				t.Errorf("%s answered %q; want %q", tt.data, got, tt.want)
			}
		})
	}
	for _, e := range []*store.Event{cancelled, started} {
		if r := h.rsvp(e.ID, maryam); r != nil {
			t.Errorf("a refused RSVP was stored: %+v", r)
		}
	}
	h.Send(maryam, "/events")
	// A cancelled event's card (from an old notice) shows the cancellation and no RSVP button.
	h.PressForged(maryam, h.Last(maryam), cb("evc", evID(cancelled), "n"))
	c := h.Last(maryam)
	if !strings.Contains(c.Plain, "این رویداد لغو شده است") || strings.Contains(strings.Join(c.ButtonTexts(), " "), "شرکت می‌کنم") {
		t.Errorf("cancelled card %q with buttons %q", c.Plain, c.ButtonTexts())
	}
}

func TestCheckInDoorCode(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	// The door code switched on, for a venue without coordinates (TestDoorCodeNeedsASeatAndTheVenue
	// has the location check).
	e := h.addEvent(func(e *store.Event) { e.DoorQR, e.Place.HasGeo = true, false })
	h.attend(maryam, e)

	// The admin prints the door code: a QR of the deep link.
	h.Send(adminUser, "/allevents")
	h.PressData(adminUser, h.Last(adminUser), cb("eva", evID(e)))
	h.Press(adminUser, h.Last(adminUser), "کد QR در ورودی")
	qr := h.Last(adminUser)
	link := "https://t.me/" + h.App.Username + "?start=ci_" + e.Token
	if qr.Kind != "photo" || qr.File == nil || !strings.Contains(qr.Plain, link) {
		t.Fatalf("door code message %s %q; want a photo with %s", qr.Kind, qr.Plain, link)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(qr.File.Data)); err != nil {
		t.Errorf("door code is not a PNG: %v", err)
	}
	if want, _ := qrcode.Encode(link, qrcode.Medium, 768); !bytes.Equal(want, qr.File.Data) {
		t.Error("the QR image does not encode the deep link")
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{20,61}$`).MatchString(e.Token) || len("ci_"+e.Token) > 64 {
		t.Errorf("door token %q is not a valid, unguessable deep-link payload", e.Token)
	}

	payload := "/start ci_" + e.Token
	h.Send(maryam, payload)
	if got := h.Last(maryam).Plain; !strings.Contains(got, "یکشنبه ۱۵ آذر ۱۴۰۵، ساعت ۱۷:۳۰") || !strings.Contains(got, "باز می‌شود") {
		t.Errorf("check-in days early: %q", got)
	}
	h.Clock.Set(time.Date(2026, 12, 6, 18, 20, 0, 0, tehran)) // before the start: the whole event is credited
	before := h.User(maryam).MinutesLearned
	h.Send(maryam, payload)
	if got := h.Last(maryam).Plain; !strings.Contains(got, "حضور شما ثبت شد") || !strings.Contains(got, "۲ ساعت") {
		t.Errorf("check-in: %q", got)
	}
	if got := h.User(maryam).MinutesLearned - before; got != 120 {
		t.Errorf("check-in credited %d minutes; want the event's 120", got)
	}
	if r := h.rsvp(e.ID, maryam); r.CheckedIn.IsZero() {
		t.Error("check-in not stored")
	}
	if rem := h.queuedWith(maryam.ID, "ev:"+evID(e)+":r"); len(rem) != 0 {
		t.Errorf("reminders still queued after check-in: %v", keysOf(rem))
	}
	h.Send(maryam, payload)
	if got := h.Last(maryam).Plain; !strings.Contains(got, "قبلاً ثبت شده") {
		t.Errorf("second scan: %q", got)
	}
	if got := h.User(maryam).MinutesLearned - before; got != 120 {
		t.Errorf("a second scan credited again: %d minutes", got)
	}
	h.Send(maryam, "/me")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "رویدادهایی که در آن‌ها حاضر بوده‌اید: ۱") {
		t.Errorf("/me = %q; want the events attended", got)
	}

	h.Send(maryam, "/start ci_notARealToken123")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "کد ورود معتبر نیست") {
		t.Errorf("unknown door code: %q", got)
	}

	// A newcomer without a seat is not checked in by the door code (door staff add walk-ins from their
	// pass); onboarding starts.
	h.Send(omid, payload)
	msgs := h.Sim.BotMessages(omid.ID)
	if len(msgs) != 2 || !strings.Contains(msgs[0].Plain, "جا ندارید") || !strings.Contains(msgs[1].Plain, "به توان خوش آمدید") {
		t.Errorf("walk-in got %d messages: %v", len(msgs), msgs)
	}
	if r := h.rsvp(e.ID, omid); r != nil {
		t.Errorf("walk-in reservation %+v; want none", r)
	}

	h.Clock.Set(time.Date(2026, 12, 6, 23, 0, 0, 0, tehran))
	h.Send(sima, payload)
	if got := h.Sim.BotMessages(sima.ID)[0].Plain; !strings.Contains(got, "گذشته است") {
		t.Errorf("check-in after closing: %q", got)
	}
}

func TestDeleteMeFreesSeatForWaitlist(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(leila, "fa", "home")
	e := h.addEvent(func(e *store.Event) { e.Capacity = 1 })
	h.attend(maryam, e)
	h.attend(leila, e)
	h.Send(maryam, "/deleteme")
	h.Press(maryam, h.Last(maryam), "همه را پاک کن")
	if r := h.rsvp(e.ID, maryam); r != nil {
		t.Fatalf("reservation kept after /deleteme: %+v", r)
	}
	h.tick()
	if got := h.rsvpStatus(e.ID, leila); got != store.RSVPOffered {
		t.Errorf("the freed seat: leila = %s; want offered", got)
	}
}

func TestEventListPagesNeverOverflow(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "general")
	for i := range 15 {
		h.addEvent(func(e *store.Event) {
			e.Title = strings.Repeat("ب", events.MaxTitleRunes-3) + strconv.Itoa(i)
			e.Description = strings.Repeat("توضیح ", 300)
			e.Start = e.Start.Add(time.Duration(i) * time.Hour)
			e.End = e.Start.Add(time.Hour)
		})
	}
	h.Send(maryam, "/events")
	page := h.Last(maryam)
	if !strings.Contains(page.Plain, "صفحهٔ ۱ از ۳") || len(page.InlineKeyboard) != events.EventsPerPage+1 {
		t.Fatalf("first page %q with %d rows", page.Plain, len(page.InlineKeyboard))
	}
	h.Press(maryam, page, "بعدی")
	h.Press(maryam, h.Last(maryam), "بعدی")
	last := h.Last(maryam)
	if !strings.Contains(last.Plain, "صفحهٔ ۳ از ۳") || strings.Contains(strings.Join(last.ButtonTexts(), " "), "بعدی") {
		t.Errorf("last page %q buttons %q", last.Plain, last.ButtonTexts())
	}
	h.Press(maryam, last, "ب")
	if card := h.Last(maryam); len([]rune(card.Plain)) > 4096 {
		t.Errorf("card is %d characters", len([]rune(card.Plain)))
	}
	// Violations (a message over 4096 characters) fail the test in the harness cleanup.
}

func TestLastSeatRaceHonoursCapacity(t *testing.T) {
	h := newHarness(t, nil)
	users := []tgsim.User{maryam, leila, sima, omid}
	for _, u := range users {
		h.Onboard(u, "fa", "home")
	}
	e := h.addEvent(func(e *store.Event) { e.Capacity = 2 })
	cards := map[int64]tgsim.Message{}
	for _, u := range users {
		cards[u.ID] = h.openCard(u, e)
	}
	// Everyone presses at once: the presses are handled in parallel by different chat workers.
	var queries []string
	for _, u := range users {
		queries = append(queries, h.Sim.PressButton(u, u.ID, cards[u.ID].ID, cb("evr", evID(e))))
	}
	for _, q := range queries {
		if _, err := h.Sim.WaitCallbackAnswer(h.Ctx(), q); err != nil {
			t.Fatal(err)
		}
	}
	h.Settle()
	counts := map[string]int{}
	for _, u := range users {
		counts[h.rsvpStatus(e.ID, u)]++
	}
	if counts[store.RSVPGoing] != 2 || counts[store.RSVPWaitlist] != 2 {
		t.Errorf("statuses %v; want 2 going and 2 waiting", counts)
	}
}

func TestBroadcastToAnEventsAttendees(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(adminUser, "fa", "general")
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "home")
	e := h.addEvent(nil)
	h.attend(maryam, e)
	_, menu := h.compose(func() tgsim.Message {
		return h.Sim.SendText(adminUser, "کارگاه به سالن ۲ منتقل شد")
	})
	h.Press(adminUser, menu, "شرکت‌کنندگان یک رویداد")
	h.Press(adminUser, h.Last(adminUser), e.Title)
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "تعداد: ۱ نفر") {
		t.Fatalf("preview %q; want the one attendee", got)
	}
	h.Press(adminUser, h.Last(adminUser), "بفرست")
	h.Drain()
	h.waitAdminText("فرستاده شد")
	h.Drain()
	if h.CountContaining(maryam, "سالن ۲") == 0 && !h.gotCopy(maryam) {
		t.Error("the attendee did not get the broadcast")
	}
	if h.gotCopy(john) {
		t.Error("a learner without a seat got the event broadcast")
	}
}

// compose starts /broadcast as the admin and sends its content; it returns the content and the audience
// question.
func (h *harness) compose(send func() tgsim.Message) (tgsim.Message, tgsim.Message) {
	h.T.Helper()
	h.Send(adminUser, "/broadcast")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "همین\u200cجا بفرستید") {
		h.T.Fatalf("/broadcast answered %q", got)
	}
	original := send()
	h.Settle()
	menu := h.Last(adminUser)
	if !strings.Contains(menu.Plain, "برای چه کسانی") {
		h.T.Fatalf("after the content: %q; want the audience question", menu.Plain)
	}
	return original, menu
}

func (h *harness) waitAdminText(substr string) tgsim.Message {
	h.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := h.Sim.WaitText(ctx, adminUser.ID, substr)
	if err != nil {
		h.T.Fatalf("admin never saw %q: %v", substr, err)
	}
	return m
}

func (h *harness) gotCopy(u tgsim.User) bool {
	for _, m := range h.Sim.BotMessages(u.ID) {
		if m.CopyOf != nil {
			return true
		}
	}
	return false
}
