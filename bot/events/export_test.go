package events

// Test hooks: this file is compiled only with the package's tests, and exports to the external test
// package (events_test) what its tests reach inside the feature for.

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot/store"
)

// EventICS is the calendar file of e in lang.
func (f *Feature) EventICS(e *store.Event, lang string) []byte { return f.eventICS(e, lang) }

// NewDoorToken makes a door code as the wizard does.
var NewDoorToken = newDoorToken

// Limits the tests check against.
const (
	MaxTitleRunes = maxTitleRunes
	EventsPerPage = eventsPerPage
)

// CheckICSLines enforces RFC 5545's line rules: CRLF ends, at most 75 octets, whole UTF-8 letters.
func CheckICSLines(t *testing.T, data []byte) {
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

// GoodTOML is an import file without a problem: two events in Azar 1405.
const GoodTOML = `# events for Azar
[[event]]
key = "azar-sales"
title = "کارگاه فروش اینترنتی"
title_en = "Online sales workshop"
description = """
فروش در اینستاگرام، قیمت‌گذاری و ارسال.
"""
start = "۱۴۰۵/۰۹/۱۵ ۱۸:۳۰"
end = "۲۰:۳۰"
place = "خانهٔ کارآفرینی"
address = "تهران، خیابان انقلاب"
lat = 35.7009
lon = 51.3912
capacity = 40
tracks = ["home", "youth"]
reminders = [1440, 120]
organizer = "باشگاه کسب‌وکار"

[[event]]
key = "azar-weekend"
title = "آخر هفتهٔ استارتاپی"
start = "۱۹ آذر ۹ صبح"
end = "1405/09/21 18:00"
online = "https://meet.example.com/weekend"
offer_hours = 6
`

// TicketLink is u's ticket link for e, as their card shows it.
func (f *Feature) TicketLink(e *store.Event, userID int64) string { return f.ticketLink(e, userID) }
