package events_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// allEvents lists the stored events, the latest start first.
func (h *harness) allEvents() []*store.Event {
	h.T.Helper()
	var out []*store.Event
	if err := h.DB.View(func(tx *store.Tx) error {
		return tx.EventsNewestFirst(func(e *store.Event) bool { out = append(out, e); return true })
	}); err != nil {
		h.T.Fatal(err)
	}
	return out
}

// expectReply sends text as u and checks the reply contains want.
func (h *harness) expectReply(u tgsim.User, text, want string) {
	h.T.Helper()
	h.Send(u, text)
	if got := h.Last(u).Plain; !strings.Contains(got, want) {
		h.T.Errorf("after %q the bot said %q; want %q", text, got, want)
	}
}

func TestNewEventWizard(t *testing.T) {
	h := newHarness(t, nil)
	h.expectReply(adminUser, "/newevent", "عنوان رویداد را بنویسید")
	h.expectReply(adminUser, "کارگاه <قیمت‌گذاری> & فروش", "۱۴۰۵/۰۹/۱۵")
	h.expectReply(adminUser, "۱۴۰۵/۰۹/۱۵", "تاریخ: یکشنبه ۱۵ آذر ۱۴۰۵")
	h.expectReply(adminUser, "۱۸:۳۰", "شروع: یکشنبه ۱۵ آذر ۱۴۰۵، ساعت ۱۸:۳۰")
	h.expectReply(adminUser, "۸:۳۰ شب", "یکشنبه ۱۵ آذر ۱۴۰۵، ساعت ۱۸:۳۰ تا ۲۰:۳۰")
	h.Sim.SendLocation(adminUser, 35.7009, 51.3912)
	h.Settle()
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "نام مکان را بنویسید") {
		t.Fatalf("after a shared location: %q", got)
	}
	h.expectReply(adminUser, "خانهٔ کارآفرینی\nتهران، خیابان انقلاب", "مکان: خانهٔ کارآفرینی، تهران، خیابان انقلاب")
	h.Send(adminUser, "۴۰")
	confirm := h.Last(adminUser)
	for _, want := range []string{"این رویداد ثبت شود؟", "کارگاه <قیمت‌گذاری> & فروش", "یکشنبه ۱۵ آذر ۱۴۰۵، ساعت ۱۸:۳۰ تا ۲۰:۳۰", "ظرفیت: ۴۰"} {
		if !strings.Contains(confirm.Plain, want) {
			t.Errorf("confirmation %q lacks %q", confirm.Plain, want)
		}
	}
	if len(h.allEvents()) != 0 {
		t.Fatal("an event was stored before the admin confirmed")
	}
	h.Press(adminUser, confirm, "ثبت")
	events := h.allEvents()
	if len(events) != 1 {
		t.Fatalf("%d events stored; want 1", len(events))
	}
	e := events[0]
	if e.Title != "کارگاه <قیمت‌گذاری> & فروش" || !e.Start.Equal(time.Date(2026, 12, 6, 18, 30, 0, 0, tehran)) ||
		!e.End.Equal(time.Date(2026, 12, 6, 20, 30, 0, 0, tehran)) || e.Capacity != 40 || !e.Place.HasGeo ||
		e.Place.Lat != 35.7009 || e.Place.Name != "خانهٔ کارآفرینی" || e.Status != store.EventScheduled || e.Token == "" ||
		!e.Announcing { // the events loop announces it to those who want to hear (announce_test.go)
		t.Errorf("stored event %+v", e)
	}
	card := h.Last(adminUser)
	if !strings.Contains(card.Plain, "ثبت‌نام: ۰ از ۴۰") || strings.Contains(card.Plain, "start=ci_") || buttonData(card, "ثبت حضور با کد QR: خاموش") == "" {
		t.Errorf("admin card after creation %q", card.Plain)
	}
	if u := h.User(adminUser); u.Step != "" {
		t.Errorf("wizard left step %q", u.Step)
	}
	// The confirmation pressed again (a double tap) creates nothing more.
	if got := h.PressForged(adminUser, confirm, buttonData(confirm, "ثبت")); !strings.Contains(got, "این دکمه دیگر کار نمی‌کند") {
		t.Errorf("second confirmation answered %q", got)
	}
	if n := len(h.allEvents()); n != 1 {
		t.Errorf("%d events after a double confirmation", n)
	}

	// The day-and-month form, an online place, and «انصراف».
	h.Send(adminUser, "/newevent")
	h.Send(adminUser, "وبینار مالیات")
	h.expectReply(adminUser, "۲۰ آذر", "جمعه ۲۰ آذر ۱۴۰۵")
	h.Send(adminUser, "۱۰")
	h.Send(adminUser, "۱۱:۳۰")
	h.expectReply(adminUser, "https://meet.example.com/tax", "برخط (آنلاین): https://meet.example.com/tax")
	h.Send(adminUser, "0")
	if got := h.PressForged(adminUser, confirm, buttonData(confirm, "ثبت")); !strings.Contains(got, "این دکمه دیگر کار نمی‌کند") {
		t.Errorf("the first wizard's button confirmed the second draft: %q", got)
	}
	h.Press(adminUser, h.Last(adminUser), "انصراف")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "چیزی ثبت نشد") || len(h.allEvents()) != 1 {
		t.Errorf("discard: %q, %d events", got, len(h.allEvents()))
	}
}

func TestNewEventWizardBadInput(t *testing.T) {
	h := newHarness(t, nil)
	h.Send(adminUser, "/newevent")
	h.expectReply(adminUser, strings.Repeat("خیلی ", 40), "حداکثر ۱۲۰ حرف")
	h.Sim.SendMedia(adminUser, apptest.StickerMedia())
	h.Settle()
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "به صورت متن") {
		t.Errorf("a sticker as the title: %q", got)
	}
	h.expectReply(adminUser, "کارگاه\rحسابداری", "نویسه‌ای نامرئی") // issue 18: never into a calendar file
	h.Send(adminUser, "کارگاه حسابداری")
	steps := []struct {
		name, input, want string
	}{
		{"past date", "۱۴۰۵/۰۹/۰۱", "گذشته است"},
		{"impossible Jalali date (1405 is not a leap year)", "۱۴۰۵/۱۲/۳۰", "در تقویم وجود ندارد"},
		{"no 31st in Mehr", "۳۱ مهر ۱۴۰۶", "در تقویم وجود ندارد"},
		{"garbage date", "هفتهٔ بعد شاید", "این تاریخ را نفهمیدم"},
		{"date too far", "۱۴۱۰/۰۱/۰۱", "بیش از سه سال"},
		{"today is fine", "امروز", "ساعت شروع"},
		{"a time already past today", "۹:۳۰", "گذشته است"},
		{"impossible time", "۲۵:۰۰", "این ساعت را نفهمیدم"},
		{"start", "۱۸", "ساعت پایان"},
		{"end before start", "۱۷:۰۰", "پایان باید بعد از شروع (۱۸:۰۰)"},
		{"end equal to start", "۱۸:۰۰", "پایان باید بعد از شروع"},
		{"end", "۱۹:۳۰", "مکان را بفرستید"},
		{"broken link", "https://meet.example.com/a b", "این پیوند درست نیست"},
		{"a link with a carriage return", "https://meet.example.com/a\rBEGIN:VALARM", "نویسه‌ای نامرئی"},
		{"place", "سالن اجتماعات شهرداری", "ظرفیت چند نفر"},
		{"capacity as words", "چهل", "با رقم بنویسید"},
		{"negative capacity", "-۵", "از ۰ تا ۱۰۰٬۰۰۰"},
		{"huge capacity", "۱۰۰۰۰۰۰", "از ۰ تا ۱۰۰٬۰۰۰"},
		{"capacity", "۲۵", "این رویداد ثبت شود؟"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			h.expectReply(adminUser, s.input, s.want)
		})
	}
	h.Press(adminUser, h.Last(adminUser), "ثبت")
	evs := h.allEvents()
	if len(evs) != 1 || evs[0].Capacity != 25 || !evs[0].Start.Equal(time.Date(2026, 11, 26, 18, 0, 0, 0, tehran)) {
		t.Errorf("after the corrections: %+v", evs)
	}
}

func TestNonAdminCannotManageEvents(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	e := h.addEvent(nil)
	for _, cmd := range []string{"/newevent", "/importevents", "/allevents"} {
		h.expectReply(maryam, cmd, "این فرمان را نمی‌شناسیم")
	}
	if u := h.User(maryam); u.Step != "" {
		t.Errorf("a non-admin entered step %q", u.Step)
	}
	h.Send(maryam, "/events")
	m := h.Last(maryam)
	if strings.Contains(strings.Join(m.ButtonTexts(), " "), "مدیریت") {
		t.Error("a learner sees the manage button")
	}
	for _, data := range []string{cb("eva", evID(e)), cb("evk", evID(e), "yes"), cb("evw", "ok", "x"), cb("eve", evID(e), "t"),
		cb("evs", evID(e)), cb("evq", evID(e)), cb("eal", "0")} {
		if got := h.PressForged(maryam, m, data); !strings.Contains(got, "این دکمه دیگر کار نمی‌کند") {
			t.Errorf("forged admin button %q answered %q", data, got)
		}
	}
	if got := h.event(e.ID); got.Status != store.EventScheduled || got.Seq != 0 {
		t.Errorf("a forged admin button changed the event: %+v", got)
	}
	for _, m := range h.Sim.BotMessages(maryam.ID) {
		if m.Kind == "document" || m.Kind == "photo" {
			t.Errorf("a learner received an admin file: %s %q", m.Kind, m.Plain)
		}
	}
}

func TestEventTimeChangeNotifiesAttendees(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "home")
	e := h.addEvent(nil)
	id := evID(e)
	h.attend(maryam, e)
	h.attend(john, e)

	h.Send(adminUser, "/allevents")
	h.PressData(adminUser, h.Last(adminUser), cb("eva", id))
	h.Press(adminUser, h.Last(adminUser), "تغییر زمان")
	h.expectReply(adminUser, "۱۶ آذر", "دوشنبه ۱۶ آذر ۱۴۰۵")
	h.Send(adminUser, "۱۷")
	h.Send(adminUser, "۱۹")
	confirm := h.Last(adminUser)
	for _, want := range []string{"یکشنبه ۱۵ آذر ۱۴۰۵، ساعت ۱۸:۳۰ تا ۲۰:۳۰", "دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۷:۰۰ تا ۱۹:۰۰", "به ۲ نفر"} {
		if !strings.Contains(confirm.Plain, want) {
			t.Errorf("change confirmation %q lacks %q", confirm.Plain, want)
		}
	}
	h.Press(adminUser, confirm, "ثبت")
	got := h.event(e.ID)
	if got.Seq != 1 || got.Status != store.EventChanged || !got.Start.Equal(time.Date(2026, 12, 7, 17, 0, 0, 0, tehran)) {
		t.Fatalf("after the change: seq %d status %s start %v", got.Seq, got.Status, got.Start)
	}
	wantKeys := []string{"ev:" + id + ":c:101:1", "ev:" + id + ":r1440:101:1", "ev:" + id + ":r60:101:1"}
	if keys := keysOf(h.queuedWith(maryam.ID, "ev:"+id+":")); strings.Join(keys, " ") != strings.Join(wantKeys, " ") {
		t.Errorf("maryam's queue %v; want %v (old reminders replaced)", keys, wantKeys)
	}
	for _, q := range h.queuedWith(maryam.ID, "ev:"+id+":") {
		switch {
		case strings.Contains(q.Dedupe, ":c:"):
			if !strings.Contains(q.Notice.Text, "تغییر در رویداد") || !strings.Contains(q.Notice.Text, "دوشنبه ۱۶ آذر ۱۴۰۵، ساعت ۱۷:۰۰ تا ۱۹:۰۰") || q.Notice.Venue == nil {
				t.Errorf("change notice %q venue %+v", q.Notice.Text, q.Notice.Venue)
			}
		case strings.Contains(q.Dedupe, ":r60:"):
			if !q.NotBefore.Equal(time.Date(2026, 12, 7, 16, 0, 0, 0, tehran)) {
				t.Errorf("new 1-hour reminder at %v", q.NotBefore.In(tehran))
			}
		}
	}
	if n := h.queuedWith(john.ID, "ev:"+id+":c:"); len(n) != 1 || !strings.Contains(n[0].Notice.Text, "Monday 7 December 2026, 17:00–19:00") {
		t.Errorf("john's change notice %+v", n)
	}

	// The calendar file follows: SEQUENCE 1 and the new time.
	h.Press(maryam, h.openCard(maryam, h.event(e.ID)), "افزودن به تقویم")
	cal := parseICS(t, h.Last(maryam))
	ev := cal.Events()[0]
	if seq := ev.GetProperty(ics.ComponentPropertySequence).Value; seq != "1" {
		t.Errorf("SEQUENCE after a change = %s; want 1", seq)
	}
	if st := ev.GetProperty(ics.ComponentPropertyDtStart).Value; st != "20261207T170000" {
		t.Errorf("DTSTART after the change = %s", st)
	}

	// Moving it online: the notice carries the link, the card a link button.
	h.Send(adminUser, "/allevents")
	h.PressData(adminUser, h.Last(adminUser), cb("eva", id))
	h.Press(adminUser, h.Last(adminUser), "تغییر مکان")
	h.Send(adminUser, "https://meet.example.com/tavan")
	h.Press(adminUser, h.Last(adminUser), "ثبت")
	if n := h.queuedWith(maryam.ID, "ev:"+id+":c:101:2"); len(n) != 1 || !strings.Contains(n[0].Notice.Text, "https://meet.example.com/tavan") || n[0].Notice.Venue != nil {
		t.Errorf("place change notice %+v", n)
	}
	card := h.openCard(maryam, e)
	found := false
	for _, row := range card.InlineKeyboard {
		for _, b := range row {
			found = found || b.URL == "https://meet.example.com/tavan"
		}
	}
	if !found {
		t.Errorf("online event card buttons %+v lack the link", card.InlineKeyboard)
	}
}

func TestCancelEventNotifiesEveryone(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(leila, "fa", "home")
	e := h.addEvent(func(e *store.Event) { e.Capacity = 1 })
	id := evID(e)
	h.attend(maryam, e)
	h.attend(leila, e)

	h.Send(adminUser, "/allevents")
	h.PressData(adminUser, h.Last(adminUser), cb("eva", id))
	h.Press(adminUser, h.Last(adminUser), "لغو رویداد")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "این رویداد لغو شود؟") {
		t.Fatalf("cancel asks %q", got)
	}
	if toast := h.Press(adminUser, h.Last(adminUser), "بله، لغو شود"); !strings.Contains(toast, "به ۲ نفر") {
		t.Errorf("cancel toast %q", toast)
	}
	if got := h.event(e.ID); got.Status != store.EventCancelled || got.Seq != 1 {
		t.Fatalf("event after cancelling: %s seq %d", got.Status, got.Seq)
	}
	for _, u := range []tgsim.User{maryam, leila} {
		q := h.queuedWith(u.ID, "ev:"+id+":")
		if len(q) != 1 || !strings.HasPrefix(q[0].Dedupe, "ev:"+id+":k:") || !strings.Contains(q[0].Notice.Text, "لغو شد") {
			t.Errorf("%s's queue after the cancellation: %v; want only the cancellation notice", u.FirstName, keysOf(q))
		}
	}
	h.Send(maryam, "/events")
	if got := h.Last(maryam).Plain; strings.Contains(got, "کارگاه فروش اینترنتی") {
		t.Errorf("a cancelled event is listed: %q", got)
	}
	if got := h.PressForged(maryam, h.Last(maryam), cb("evr", id)); !strings.Contains(got, "لغو شده") {
		t.Errorf("RSVP to the cancelled event: %q", got)
	}
	h.PressForged(maryam, h.Last(maryam), cb("evi", id))
	cal := parseICS(t, h.Last(maryam))
	if m := cal.CalendarProperties; !hasCalProp(m, "METHOD", "CANCEL") {
		t.Errorf("cancelled .ics lacks METHOD:CANCEL")
	}
	ev := cal.Events()[0]
	if ev.GetProperty(ics.ComponentPropertyStatus).Value != "CANCELLED" || ev.GetProperty(ics.ComponentPropertySequence).Value != "1" {
		t.Errorf("cancelled VEVENT status/sequence wrong")
	}
	if got := h.PressForged(adminUser, h.Last(adminUser), cb("evk", id, "yes")); !strings.Contains(got, "قبلاً لغو شده") {
		t.Errorf("cancelling twice: %q", got)
	}
}

func hasCalProp(props []ics.CalendarProperty, name, value string) bool {
	for _, p := range props {
		if p.IANAToken == name && p.Value == value {
			return true
		}
	}
	return false
}

func TestAttendeeSheetCSV(t *testing.T) {
	h := newHarness(t, nil)
	mallory := tgsim.User{ID: 301, FirstName: "=HYPERLINK(\"http://x\")", LanguageCode: "fa"}
	for _, u := range []tgsim.User{maryam, leila, mallory} {
		h.Onboard(u, "fa", "home")
	}
	e := h.addEvent(func(e *store.Event) { e.Capacity = 2 })
	h.attend(leila, e)
	h.Clock.Advance(time.Minute)
	h.attend(maryam, e)
	h.Clock.Advance(time.Minute)
	h.attend(mallory, e)
	h.Clock.Set(time.Date(2026, 12, 6, 18, 0, 0, 0, tehran))
	h.Send(adminUser, payloadOf(h.ticketOf(e, maryam))) // the door staff scan her ticket

	h.Send(adminUser, "/allevents")
	h.PressData(adminUser, h.Last(adminUser), cb("eva", evID(e)))
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "ثبت‌نام: ۲ از ۲ · انتظار: ۱ · پیشنهاد باز: ۰ · حاضر: ۱") {
		t.Errorf("admin card counts: %q", got)
	}
	h.Press(adminUser, h.Last(adminUser), "فهرست شرکت‌کنندگان")
	doc := h.Last(adminUser)
	if doc.Kind != "document" || !strings.HasSuffix(doc.File.Name, ".csv") {
		t.Fatalf("sheet message %s %+v", doc.Kind, doc.File)
	}
	data := doc.File.Data
	if !bytes.HasPrefix(data, []byte("\uFEFF")) {
		t.Error("the CSV has no UTF-8 BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	want := [][]string{
		{"نام", "زمان ثبت‌نام", "وضعیت", "حاضر", "زمان ورود"},
		{"لیلا کریمی", "1405/09/05 10:00", "ثبت‌نام‌شده", "خیر", ""},
		{"مریم احمدی", "1405/09/05 10:01", "ثبت‌نام‌شده", "بله", "1405/09/15 18:00"},
		{"'=HYPERLINK(\"http://x\")", "1405/09/05 10:02", "فهرست انتظار", "خیر", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("CSV rows %q; want %q", rows, want)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("CSV row %d = %q; want %q", i, rows[i], want[i])
		}
	}
	if strings.Contains(string(data), "maryam_a") {
		t.Error("the sheet leaks a username")
	}
}

func TestEventCoverCapacityAndDescription(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(leila, "fa", "home")
	e := h.addEvent(func(e *store.Event) { e.Capacity = 1 })
	h.attend(maryam, e)
	h.attend(leila, e)
	admin := func(label string) {
		h.Send(adminUser, "/allevents")
		h.PressData(adminUser, h.Last(adminUser), cb("eva", evID(e)))
		h.Press(adminUser, h.Last(adminUser), label)
	}
	admin("ظرفیت")
	h.expectReply(adminUser, "دو", "با رقم بنویسید")
	h.expectReply(adminUser, "۲", "ثبت‌نام: ۱ از ۲")
	if got := h.rsvpStatus(e.ID, leila); got != store.RSVPOffered {
		t.Errorf("a bigger capacity did not offer the seat: leila = %s", got)
	}
	admin("توضیحات")
	h.expectReply(adminUser, "با خودتان لپ‌تاپ بیاورید.", "با خودتان لپ‌تاپ بیاورید.")
	if got := h.event(e.ID); got.Seq != 1 || got.Status != store.EventScheduled {
		t.Errorf("a description edit: seq %d status %s; want a new sequence, no change notice", got.Seq, got.Status)
	}
	if n := h.queuedWith(maryam.ID, "ev:"+evID(e)+":c:"); len(n) != 0 {
		t.Errorf("a description edit notified attendees: %v", keysOf(n))
	}
	admin("عکس جلد")
	h.expectReply(adminUser, "سلام", "لطفاً یک عکس بفرستید")
	h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "photo", Data: []byte("\x89PNG cover")})
	h.Settle()
	if h.event(e.ID).Cover == "" {
		t.Fatal("cover not stored")
	}
	h.Send(maryam, "/events")
	h.Press(maryam, h.Last(maryam), "کارگاه")
	msgs := h.Sim.BotMessages(maryam.ID)
	if cover, card := msgs[len(msgs)-2], msgs[len(msgs)-1]; cover.Kind != "photo" || !strings.Contains(card.Plain, "با خودتان لپ‌تاپ بیاورید.") {
		t.Errorf("card with cover: %s then %q", cover.Kind, card.Plain)
	}
}
