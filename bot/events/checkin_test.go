package events_test

import (
	"bytes"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// cancelSeat presses [cancel my registration] on u's card and confirms; it returns the toast.
func (h *harness) cancelSeat(u tgsim.User) string {
	h.T.Helper()
	h.Press(u, h.lastWithButton(u, "انصراف از ثبت‌نام"), "انصراف از ثبت‌نام")
	ask := h.Last(u)
	if !strings.Contains(ask.Plain, "لغو شود؟") && !strings.Contains(ask.Plain, "بیرون بیایید؟") {
		h.T.Fatalf("cancelling asked %q; want a confirmation", ask.Plain)
	}
	return h.Press(u, ask, "بله، لغو شود")
}

// lastWithButton is u's latest bot message with a button labelled label (the card stays above the
// question about new events that follows a first RSVP).
func (h *harness) lastWithButton(u tgsim.User, label string) tgsim.Message {
	h.T.Helper()
	msgs := h.Sim.BotMessages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if buttonData(msgs[i], label) != "" {
			return msgs[i]
		}
	}
	h.T.Fatalf("no message of %s has a %q button", u.FirstName, label)
	return tgsim.Message{}
}

// linkIn is the first t.me deep link with prefix in text.
func linkIn(t *testing.T, text, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(`https://t\.me/\S+\?start=` + prefix + `[A-Za-z0-9_-]+`).FindString(text)
	if m == "" {
		t.Fatalf("no %s link in %q", prefix, text)
	}
	return m
}

// payloadOf is the /start command a deep link opens.
func payloadOf(link string) string {
	_, p, _ := strings.Cut(link, "?start=")
	return "/start " + p
}

func withTicketLinks(c *app.Config) { c.Events.ShowTicketLinks = true }

// Door staff scan a registered learner's ticket: it marks them present once, credits what is left of
// the event, and refuses learners who cancelled or wait on the waitlist; a walk-in is added from their pass.
func TestTicketScannedByDoorStaff(t *testing.T) {
	h := newHarness(t, withTicketLinks)
	for _, u := range []tgsim.User{maryam, leila, sima, omid} {
		h.Onboard(u, "fa", "home")
	}
	e := h.addEvent(func(e *store.Event) { e.Capacity = 2 })
	h.attend(maryam, e)
	h.attend(sima, e)
	h.attend(leila, e) // waitlisted
	h.cancelSeat(sima)
	if got := h.rsvpStatus(e.ID, leila); got != store.RSVPOffered {
		t.Fatalf("leila = %s; want the freed seat offered", got)
	}

	// The admin names Omid door staff with the invitation link.
	h.Send(adminUser, "/allevents")
	h.PressData(adminUser, h.Last(adminUser), cb("eva", evID(e)))
	h.Press(adminUser, h.Last(adminUser), "مسئولان ورود")
	invite := linkIn(t, h.Last(adminUser).Plain, "ds_")
	h.Send(omid, payloadOf(invite))
	if got := h.Last(omid).Plain; !strings.Contains(got, "شما مسئول ورود «کارگاه فروش اینترنتی» هستید") {
		t.Fatalf("staff invitation answered %q", got)
	}

	// Maryam's card has her ticket: a QR of a deep link, shown under it in the sandbox.
	card := h.openCard(maryam, e)
	h.Press(maryam, card, "بلیت من")
	ticket := h.Last(maryam)
	link := linkIn(t, ticket.Plain, "tk_")
	if ticket.Kind != "photo" || ticket.File == nil {
		t.Fatalf("ticket is a %s; want a photo", ticket.Kind)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(ticket.File.Data)); err != nil {
		t.Errorf("ticket is not a PNG: %v", err)
	}
	if want, _ := qrcode.Encode(link, qrcode.Medium, 512); !bytes.Equal(want, ticket.File.Data) {
		t.Error("the ticket's QR does not encode its link")
	}
	if len(strings.TrimPrefix(payloadOf(link), "/start ")) > 64 {
		t.Errorf("ticket payload longer than Telegram's 64: %s", link)
	}

	// Maryam opening her own ticket, or Leila opening it, checks nobody in.
	h.Clock.Set(time.Date(2026, 12, 6, 18, 0, 0, 0, tehran))
	h.Send(maryam, payloadOf(link))
	if got := h.Last(maryam).Plain; !strings.Contains(got, "این بلیت خودتان است") {
		t.Errorf("own ticket: %q", got)
	}
	h.Send(leila, payloadOf(link))
	if got := h.Last(leila).Plain; !strings.Contains(got, "فقط مسئولان ورود") {
		t.Errorf("someone else's ticket: %q", got)
	}
	if r := h.rsvp(e.ID, maryam); !r.CheckedIn.IsZero() {
		t.Fatal("a learner checked themselves in with their ticket")
	}
	// A forged ticket (another learner's id with Maryam's code).
	forged := strings.Replace(payloadOf(link), "_101_", "_201_", 1)
	h.Send(omid, forged)
	if got := h.Last(omid).Plain; !strings.Contains(got, "این بلیت معتبر نیست") {
		t.Errorf("forged ticket: %q", got)
	}

	// Omid scans it 40 minutes into the two-hour event: 80 minutes are credited, once.
	h.Clock.Set(time.Date(2026, 12, 6, 19, 10, 0, 0, tehran))
	before := h.User(maryam).MinutesLearned
	h.Send(omid, payloadOf(link))
	if got := h.Last(omid).Plain; !strings.Contains(got, "حضور مریم در «کارگاه فروش اینترنتی» ثبت شد") {
		t.Errorf("staff scan: %q", got)
	}
	h.Drain()
	if got := h.Last(maryam).Plain; !strings.Contains(got, "حضور شما ثبت شد") || !strings.Contains(got, "یک ساعت و ۲۰ دقیقه") {
		t.Errorf("maryam was told %q; want her check-in with 1 h 20 min", got)
	}
	if got := h.User(maryam).MinutesLearned - before; got != 80 {
		t.Errorf("credited %d minutes; want the 80 left of the event", got)
	}
	// The day's learning minutes — the hours line of the /stats chart — count the check-in.
	var day store.DayStats
	if err := h.DB.View(func(tx *store.Tx) error { day = tx.Day(h.Clock.Now().In(tehran)); return nil }); err != nil {
		t.Fatal(err)
	}
	if day.Minutes != 80 {
		t.Errorf("the day's learning minutes = %d; want the check-in's 80", day.Minutes)
	}
	h.Send(omid, payloadOf(link))
	if got := h.Last(omid).Plain; !strings.Contains(got, "ساعت ۱۹:۱۰ ثبت شده است") {
		t.Errorf("second scan: %q", got)
	}
	if got := h.User(maryam).MinutesLearned - before; got != 80 {
		t.Errorf("a second scan credited again: %d", got)
	}
	if r := h.rsvp(e.ID, maryam); r.CheckedBy != omid.ID || r.Credited != 80 {
		t.Errorf("rsvp %+v; want checked by omid with 80 minutes", r)
	}

	// Sima cancelled and Leila's ticket... Leila has no seat yet: both are refused.
	simaTicket := strings.Replace(link, "_101_", "_212_", 1) // not a valid code either way
	h.Send(omid, payloadOf(simaTicket))
	if got := h.Last(omid).Plain; !strings.Contains(got, "معتبر نیست") {
		t.Errorf("a made-up ticket: %q", got)
	}
	for _, tc := range []struct {
		who  tgsim.User
		want string
	}{{sima, "ثبت‌نامش در «کارگاه فروش اینترنتی» را لغو کرده است"}, {leila, "در فهرست انتظار"}} {
		h.Send(adminUser, payloadOf(h.ticketOf(e, tc.who)))
		if got := h.Last(adminUser).Plain; !strings.Contains(got, tc.want) {
			t.Errorf("ticket of %s: %q; want %q", tc.who.FirstName, got, tc.want)
		}
		if r := h.rsvp(e.ID, tc.who); !r.CheckedIn.IsZero() {
			t.Errorf("%s was checked in", tc.who.FirstName)
		}
	}

	// Sima is here anyway: she shows her pass (/pass, from /me) and Omid adds her as a walk-in.
	h.Send(sima, "/me")
	if got := h.Last(sima).Plain; !strings.Contains(got, "/pass") {
		t.Errorf("/me does not point to the pass: %q", got)
	}
	h.Send(sima, "/pass")
	pass := linkIn(t, h.Last(sima).Plain, "pa_")
	h.Send(omid, payloadOf(pass))
	choose := h.Last(omid)
	if !strings.Contains(choose.Plain, "سیما را به کدام رویداد اضافه کنیم؟") {
		t.Fatalf("pass scan: %q", choose.Plain)
	}
	h.Press(omid, choose, "کارگاه فروش اینترنتی")
	if got := h.Last(omid).Plain; !strings.Contains(got, "حضور سیما") {
		t.Errorf("walk-in: %q", got)
	}
	if r := h.rsvp(e.ID, sima); r.Status != store.RSVPGoing || r.CheckedIn.IsZero() {
		t.Errorf("walk-in rsvp %+v", r)
	}
	// A learner is not door staff: their scan of a pass adds nobody.
	h.Send(leila, payloadOf(pass))
	if got := h.Last(leila).Plain; !strings.Contains(got, "فقط مسئولان ورود") {
		t.Errorf("a learner scanning a pass: %q", got)
	}
	// After the end, nobody is checked in.
	h.Clock.Set(e.End)
	h.Send(adminUser, payloadOf(h.ticketOf(e, leila)))
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "گذشته است") {
		t.Errorf("scan after the end: %q", got)
	}
}

// ticketOf is u's ticket link for e, as their card would show it.
func (h *harness) ticketOf(e *store.Event, u tgsim.User) string {
	h.T.Helper()
	return h.App.Events.TicketLink(e, u.ID)
}

// The printable door code is off unless an admin switches it on; then it checks in only learners
// holding a seat, and, since the event has coordinates, only from within 300 m of the venue.
func TestDoorCodeNeedsASeatAndTheVenue(t *testing.T) {
	h := newHarness(t, nil)
	for _, u := range []tgsim.User{maryam, leila} {
		h.Onboard(u, "fa", "home")
	}
	e := h.addEvent(nil) // at 35.7009, 51.3912
	h.attend(maryam, e)
	h.attend(leila, e)
	h.cancelSeat(leila)
	payload := "/start ci_" + e.Token
	h.Clock.Set(time.Date(2026, 12, 6, 18, 20, 0, 0, tehran))

	h.Send(maryam, payload)
	if got := h.Last(maryam).Plain; !strings.Contains(got, "با بلیت ثبت می‌شود") {
		t.Errorf("door code while off: %q", got)
	}

	h.Send(adminUser, "/allevents")
	h.PressData(adminUser, h.Last(adminUser), cb("eva", evID(e)))
	h.Press(adminUser, h.Last(adminUser), "ثبت حضور با کد QR: خاموش")
	h.Press(adminUser, h.Last(adminUser), "🔳 کد QR در ورودی")
	qr := h.Last(adminUser)
	if qr.Kind != "photo" || !strings.Contains(qr.Plain, "ci_"+e.Token) {
		t.Fatalf("door code %s %q", qr.Kind, qr.Plain)
	}

	// Leila cancelled: refused.
	h.Send(leila, payload)
	if got := h.Last(leila).Plain; !strings.Contains(got, "جا ندارید") {
		t.Errorf("cancelled learner at the door: %q", got)
	}
	// Maryam is asked for her location; from 2 km away she is refused.
	h.Send(maryam, payload)
	ask := h.Last(maryam)
	if !strings.Contains(ask.Plain, "موقعیتتان را") || len(ask.ReplyKeyboard) == 0 {
		t.Fatalf("door code asked %q (keyboard %v); want a location button", ask.Plain, ask.ReplyKeyboard)
	}
	h.Sim.SendLocation(maryam, 35.7189, 51.3912) // 2 km north
	h.Settle()
	if got := h.Last(maryam).Plain; !strings.Contains(got, "۲٬۰۰۰ متر") || !strings.Contains(got, "۳۰۰ متری") {
		t.Errorf("remote check-in: %q", got)
	}
	if r := h.rsvp(e.ID, maryam); !r.CheckedIn.IsZero() {
		t.Fatal("a remote check-in was accepted")
	}
	// At the venue (100 m away): checked in, the whole two hours since the event has not started.
	before := h.User(maryam).MinutesLearned
	h.Send(maryam, payload)
	h.Sim.SendLocation(maryam, 35.7018, 51.3912)
	h.Settle()
	if got := h.Last(maryam).Plain; !strings.Contains(got, "حضور شما ثبت شد") || !strings.Contains(got, "۲ ساعت") {
		t.Errorf("check-in at the venue: %q", got)
	}
	if got := h.User(maryam).MinutesLearned - before; got != 120 {
		t.Errorf("credited %d; want 120", got)
	}
	h.Send(maryam, payload)
	if got := h.Last(maryam).Plain; !strings.Contains(got, "قبلاً ثبت شده") {
		t.Errorf("second scan: %q", got)
	}
	if got := h.User(maryam).MinutesLearned - before; got != 120 {
		t.Errorf("credited twice: %d", got)
	}
}
