package events_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/events"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// parseICS checks the raw form of a calendar file the bot sent and parses it with golang-ical.
func parseICS(t *testing.T, m tgsim.Message) *ics.Calendar {
	t.Helper()
	if m.Kind != "document" || m.File == nil || !strings.HasSuffix(m.File.Name, ".ics") || !m.File.Uploaded {
		t.Fatalf("want an uploaded .ics document, got %s %+v", m.Kind, m.File)
	}
	events.CheckICSLines(t, m.File.Data)
	cal, err := ics.ParseCalendar(bytes.NewReader(m.File.Data))
	if err != nil {
		t.Fatalf("the .ics does not parse: %v\n%s", err, m.File.Data)
	}
	return cal
}

func TestEventICSParsesBack(t *testing.T) {
	apptest.EachPlatform(t, eventICSParsesBack)
}

func eventICSParsesBack(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, nil)
	h.Onboard(maryam, "fa", "home")
	desc := "در این کارگاه، قیمت‌گذاری؛ فروش\\تبلیغ و بستن قرارداد را تمرین می‌کنیم.\nبا خودتان لپ‌تاپ بیاورید. " + strings.Repeat("تمرین عملی ", 20)
	e := h.addEvent(func(e *store.Event) {
		e.Description = desc
		e.Organizer = "باشگاه کسب‌وکار"
	})
	card := h.openCard(maryam, e)
	h.Press(maryam, card, "افزودن به تقویم")
	first := h.Last(maryam)
	cal := parseICS(t, first)

	if !hasCalProp(cal.CalendarProperties, "METHOD", "PUBLISH") || !hasCalProp(cal.CalendarProperties, "VERSION", "2.0") {
		t.Errorf("calendar properties %+v", cal.CalendarProperties)
	}
	var tz *ics.VTimezone
	for _, c := range cal.Components {
		if z, ok := c.(*ics.VTimezone); ok {
			tz = z
		}
	}
	if tz == nil || tz.GetProperty(ics.ComponentPropertyTzid).Value != "Asia/Tehran" {
		t.Fatalf("no VTIMEZONE for Asia/Tehran")
	}
	raw := string(first.File.Data)
	for _, want := range []string{"TZOFFSETFROM:+0330\r\n", "TZOFFSETTO:+0330\r\n", "DTSTART;TZID=Asia/Tehran:20261206T183000\r\n",
		"DTEND;TZID=Asia/Tehran:20261206T203000\r\n", "TRIGGER:-PT1H\r\n", "ACTION:DISPLAY\r\n", "SEQUENCE:0\r\n", "STATUS:CONFIRMED\r\n",
		"GEO:35.700900;51.391200\r\n"} {
		if !strings.Contains(raw, want) {
			t.Errorf(".ics lacks %q", want)
		}
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events in the file", len(evs))
	}
	ev := evs[0]
	start, err := ev.GetStartAt()
	if err != nil || !start.Equal(e.Start) {
		t.Errorf("DTSTART reads back as %v (%v); want %v", start, err, e.Start)
	}
	end, err := ev.GetEndAt()
	if err != nil || !end.Equal(e.End) {
		t.Errorf("DTEND reads back as %v (%v); want %v", end, err, e.End)
	}
	if got := ics.FromText(ev.GetProperty(ics.ComponentPropertySummary).Value); got != e.Title {
		t.Errorf("SUMMARY = %q; want %q", got, e.Title)
	}
	gotDesc := ics.FromText(ev.GetProperty(ics.ComponentPropertyDescription).Value)
	if !strings.HasPrefix(gotDesc, desc) || !strings.Contains(gotDesc, "برگزارکننده: باشگاه کسب‌وکار") {
		t.Errorf("DESCRIPTION reads back as %q", gotDesc)
	}
	if got := ics.FromText(ev.GetProperty(ics.ComponentPropertyLocation).Value); got != "خانهٔ کارآفرینی، تهران، خیابان انقلاب، پلاک ۱۲" {
		t.Errorf("LOCATION = %q", got)
	}
	alarms := ev.Alarms()
	if len(alarms) != 1 || alarms[0].GetProperty(ics.ComponentPropertyTrigger).Value != "-PT1H" {
		t.Errorf("alarms %+v; want one at -PT1H", alarms)
	}
	uid := ev.Id()

	// The UID is stable: the same event downloaded again (even after a restart) keeps it.
	h.Restart()
	h.Clock.Advance(time.Hour)
	h.PressForged(maryam, card, cb("evi", evID(e)))
	again := parseICS(t, h.Last(maryam))
	if got := again.Events()[0].Id(); got != uid || uid == "" {
		t.Errorf("UID changed from %q to %q", uid, got)
	}
}

func TestEventICSOfOnlineEventInEnglish(t *testing.T) {
	h := newHarness(t, nil)
	e := &store.Event{ID: 7, Title: "وبینار", TitleEn: "Tax webinar", Start: time.Date(2026, 12, 6, 18, 30, 0, 0, tehran),
		End: time.Date(2026, 12, 7, 9, 0, 0, 0, tehran), Place: store.Place{Online: "https://meet.example.com/tax"},
		Created: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Seq: 3}
	data := h.App.Events.EventICS(e, "en")
	events.CheckICSLines(t, data)
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.Events()[0]
	for prop, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertySummary:  "Tax webinar",
		ics.ComponentPropertyUrl:      "https://meet.example.com/tax",
		ics.ComponentPropertyLocation: "https://meet.example.com/tax",
		ics.ComponentPropertySequence: "3",
		ics.ComponentPropertyUniqueId: "event-7-1793491200@tavan_test_bot",
	} {
		if p := ev.GetProperty(prop); p == nil || ics.FromText(p.Value) != want {
			t.Errorf("%s = %+v; want %q", prop, p, want)
		}
	}
}

// An event stored before the import refused control characters (issue 18: an imported online link
// "…\rBEGIN:VALARM…") still cannot break out of its property: the link is left out of URL, and the texts
// are escaped.
func TestICSKeepsControlCharactersOut(t *testing.T) {
	h := newHarness(t, nil)
	now := h.Clock.Now()
	link := "https://meet.example.com/x\rBEGIN:VALARM\rACTION:AUDIO\rEND:VALARM"
	e := &store.Event{ID: 3, Title: "عنوان\rBEGIN:VALARM", Start: now.Add(24 * time.Hour), End: now.Add(26 * time.Hour),
		Place: store.Place{Online: link, Name: "سالن\u0085X-INJECTED:1"}, Created: now}
	data := string(h.App.Events.EventICS(e, "fa"))
	events.CheckICSLines(t, []byte(data))
	alarms := 0
	for _, line := range strings.Split(data, "\r\n") {
		if line == "BEGIN:VALARM" {
			alarms++
		}
		if strings.ContainsFunc(line, unicode.IsControl) {
			t.Errorf("line %q holds a control character", line)
		}
		if strings.HasPrefix(line, "URL:") {
			t.Errorf("an unsafe link became %q", line)
		}
	}
	if alarms != 1 {
		t.Errorf("%d VALARM components; want only the bot's own:\n%s", alarms, data)
	}
}
