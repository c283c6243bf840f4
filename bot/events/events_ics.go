package events

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot/store"
)

// The .ics writer is our own, a page of RFC 5545, rather than golang-ical's serializer: we need exact
// control of three things calendar apps are strict about — CRLF line ends, folding at 75 octets without
// cutting a Persian letter in half, and TEXT escaping — and tests parse the result back with golang-ical,
// an independent implementation.

const icsMaxLine = 75 // octets per line, not counting CRLF

// icsFileName names an event's calendar file.
func icsFileName(e *store.Event) string { return fmt.Sprintf("tavan-event-%d.ics", e.ID) }

// eventICS is the event as an iCalendar object: a stable UID, SEQUENCE from the event's change count,
// DTSTART/DTEND in the program's zone with its VTIMEZONE, a display alarm an hour before, and
// METHOD:CANCEL with STATUS:CANCELLED once the event is cancelled.
func (f *Feature) eventICS(e *store.Event, lang string) []byte {
	v := f.voiceIn(lang)
	loc := f.Location
	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//Tavan//Events " + strings.ToUpper(lang) + "//EN")
	w.line("CALSCALE:GREGORIAN")
	cancelled := e.Status == store.EventCancelled
	if cancelled {
		w.line("METHOD:CANCEL")
	} else {
		w.line("METHOD:PUBLISH")
	}

	// One STANDARD rule with the zone's offset at the event: Asia/Tehran has been +03:30 all year since 2022.
	tzid := loc.String()
	name, offset := e.Start.In(loc).Zone()
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + icsText(tzid))
	w.line("BEGIN:STANDARD")
	w.line("DTSTART:19700101T000000")
	w.line("TZOFFSETFROM:" + icsOffset(offset))
	w.line("TZOFFSETTO:" + icsOffset(offset))
	w.line("TZNAME:" + icsText(name))
	w.line("END:STANDARD")
	w.line("END:VTIMEZONE")

	w.line("BEGIN:VEVENT")
	host := f.Username
	if host == "" {
		host = "tavan"
	}
	w.line(fmt.Sprintf("UID:event-%d-%d@%s", e.ID, e.Created.Unix(), icsText(strings.ToLower(host))))
	w.line("DTSTAMP:" + icsUTC(f.Now()))
	w.line("CREATED:" + icsUTC(e.Created))
	modified := e.Created
	if !e.Updated.IsZero() {
		modified = e.Updated
	}
	w.line("LAST-MODIFIED:" + icsUTC(modified))
	w.line("SEQUENCE:" + strconv.Itoa(e.Seq))
	param := icsParam(tzid)
	w.line("DTSTART;TZID=" + param + ":" + e.Start.In(loc).Format("20060102T150405"))
	w.line("DTEND;TZID=" + param + ":" + e.End.In(loc).Format("20060102T150405"))
	w.line("SUMMARY:" + icsText(v.title(e)))
	var desc []string
	if d := v.description(e); d != "" {
		desc = append(desc, d)
	}
	if e.Organizer != "" {
		desc = append(desc, v.T("EvICSOrganizer", "Name", e.Organizer))
	}
	if e.Place.Online != "" {
		desc = append(desc, e.Place.Online)
	}
	if len(desc) > 0 {
		w.line("DESCRIPTION:" + icsText(strings.Join(desc, "\n\n")))
	}
	var where []string
	for _, s := range []string{e.Place.Name, e.Place.Address} {
		if s != "" {
			where = append(where, s)
		}
	}
	if len(where) == 0 && e.Place.Online != "" {
		where = append(where, e.Place.Online)
	}
	if len(where) > 0 {
		w.line("LOCATION:" + icsText(strings.Join(where, "، ")))
	}
	if e.Place.HasGeo {
		w.line(fmt.Sprintf("GEO:%s;%s", strconv.FormatFloat(e.Place.Lat, 'f', 6, 64), strconv.FormatFloat(e.Place.Lon, 'f', 6, 64)))
	}
	if e.Place.Online != "" && safeURL(e.Place.Online) { // safeURL refuses control characters: no line break
		w.line("URL:" + e.Place.Online)
	}
	if cancelled {
		w.line("STATUS:CANCELLED")
	} else {
		w.line("STATUS:CONFIRMED")
		w.line("BEGIN:VALARM")
		w.line("ACTION:DISPLAY")
		w.line("DESCRIPTION:" + icsText(v.title(e)))
		w.line("TRIGGER:-PT1H")
		w.line("END:VALARM")
	}
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return []byte(w.String())
}

// icsWriter writes content lines folded at 75 octets with CRLF.
type icsWriter struct{ strings.Builder }

// line writes one content line, folding it: each continuation line starts with a space, and no line,
// space included, exceeds 75 octets or splits a UTF-8 sequence.
func (w *icsWriter) line(s string) {
	limit := icsMaxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.WriteString(s[:cut])
		w.WriteString("\r\n ")
		s = s[cut:]
		limit = icsMaxLine - 1
	}
	w.WriteString(s)
	w.WriteString("\r\n")
}

// icsText escapes a TEXT value: backslash, semicolon, comma and line breaks; other control characters go.
func icsText(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r): // C0, DEL and C1: never in a calendar file
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icsParam is a parameter value, quoted when it holds characters a bare one cannot.
func icsParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(s, ";:,") {
		return `"` + s + `"`
	}
	return s
}

// icsOffset writes a UTC offset in seconds as ±HHMM.
func icsOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
}

func icsUTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
