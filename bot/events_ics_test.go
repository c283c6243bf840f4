package bot

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// parseICS checks the raw form of a calendar file the bot sent and parses it with golang-ical.
func parseICS(t *testing.T, m tgsim.Message) *ics.Calendar {
	t.Helper()
	if m.Kind != "document" || m.File == nil || !strings.HasSuffix(m.File.Name, ".ics") || !m.File.Uploaded {
		t.Fatalf("want an uploaded .ics document, got %s %+v", m.Kind, m.File)
	}
	checkICSLines(t, m.File.Data)
	cal, err := ics.ParseCalendar(bytes.NewReader(m.File.Data))
	if err != nil {
		t.Fatalf("the .ics does not parse: %v\n%s", err, m.File.Data)
	}
	return cal
}

// checkICSLines enforces RFC 5545's line rules: CRLF ends, at most 75 octets, whole UTF-8 letters.
func checkICSLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Error("the .ics does not end with CRLF")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
		}
		if !utf8.Valid(line) {
			t.Errorf("line %d splits a UTF-8 letter: %q", i+1, line)
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
	}
}

func TestEventICSParsesBack(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	desc := "در این کارگاه، قیمت‌گذاری؛ فروش\\تبلیغ و بستن قرارداد را تمرین می‌کنیم.\nبا خودتان لپ‌تاپ بیاورید. " + strings.Repeat("تمرین عملی ", 20)
	e := h.addEvent(func(e *store.Event) {
		e.Description = desc
		e.Organizer = "باشگاه کسب‌وکار"
	})
	card := h.openCard(maryam, e)
	h.press(maryam, card, "افزودن به تقویم")
	first := h.last(maryam)
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
	h.restart()
	h.clock.Advance(time.Hour)
	h.pressDataForged(maryam, card, cb("evi", evID(e)))
	again := parseICS(t, h.last(maryam))
	if got := again.Events()[0].Id(); got != uid || uid == "" {
		t.Errorf("UID changed from %q to %q", uid, got)
	}
}

func TestICSLineFoldingAndEscaping(t *testing.T) {
	tests := []string{
		"",
		"plain ascii",
		"a,b;c\\d\ne",
		strings.Repeat("ی", 200),
		strings.Repeat("a", 74) + "آ" + strings.Repeat("b", 200),
		"emoji 🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟🎟",
		"\r\nwindows\r\nlines\x00\x07",
	}
	for _, s := range tests {
		checkICSRoundTrip(t, s)
	}
}

// checkICSRoundTrip writes s as a SUMMARY and checks it reads back through golang-ical.
func checkICSRoundTrip(t *testing.T, s string) {
	t.Helper()
	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//test//EN")
	w.line("BEGIN:VEVENT")
	w.line("UID:x@test")
	w.line("DTSTAMP:20261126T063000Z")
	w.line("SUMMARY:" + icsText(s))
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	data := []byte(w.String())
	checkICSLines(t, data)
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	want := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	want = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, want)
	if got := ics.FromText(cal.Events()[0].GetProperty(ics.ComponentPropertySummary).Value); got != want {
		t.Errorf("SUMMARY %q reads back as %q", want, got)
	}
}

func FuzzICSText(f *testing.F) {
	for _, s := range []string{"کارگاه فروش اینترنتی", "a,b;c\\d\ne", strings.Repeat("ی", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, '\\') {
			// golang-ical's unescaper reads "\\n" ambiguously; our escaping of a backslash is checked above.
			t.Skip()
		}
		checkICSRoundTrip(t, s)
	})
}

func TestEventICSOfOnlineEventInEnglish(t *testing.T) {
	h := newHarness(t, nil)
	e := &store.Event{ID: 7, Title: "وبینار", TitleEn: "Tax webinar", Start: time.Date(2026, 12, 6, 18, 30, 0, 0, tehran),
		End: time.Date(2026, 12, 7, 9, 0, 0, 0, tehran), Place: store.Place{Online: "https://meet.example.com/tax"},
		Created: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Seq: 3}
	data := h.bot.eventICS(e, "en")
	checkICSLines(t, data)
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
