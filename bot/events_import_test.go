package bot

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/tgsim"
)

// importNow is the harness's clock: Thursday 5 Azar 1405, 10:00 in Tehran.
var importNow = time.Date(2026, 11, 26, 10, 0, 0, 0, tehran)

const goodTOML = `# events for Azar
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

func TestParseImportTOML(t *testing.T) {
	events, problems := parseImport("toml", []byte(goodTOML), importNow, tehran)
	if len(problems) > 0 {
		t.Fatalf("problems: %+v", problems)
	}
	if len(events) != 2 {
		t.Fatalf("%d events; want 2", len(events))
	}
	a, b := events[0].event, events[1].event
	if events[0].line != 2 || events[1].line != 20 {
		t.Errorf("rows %d, %d; want the [[event]] lines 2 and 20", events[0].line, events[1].line)
	}
	if a.Key != "azar-sales" || a.TitleEn != "Online sales workshop" || !a.Start.Equal(time.Date(2026, 12, 6, 18, 30, 0, 0, tehran)) ||
		!a.End.Equal(time.Date(2026, 12, 6, 20, 30, 0, 0, tehran)) || a.Capacity != 40 || !a.Place.HasGeo || a.Place.Lon != 51.3912 ||
		!slices.Equal(a.Tracks, []string{"home", "youth"}) || !slices.Equal(a.Reminders, []int{1440, 120}) ||
		a.Description != "فروش در اینستاگرام، قیمت‌گذاری و ارسال." || a.Organizer != "باشگاه کسب‌وکار" {
		t.Errorf("first event %+v", a)
	}
	if !b.Start.Equal(time.Date(2026, 12, 10, 9, 0, 0, 0, tehran)) || !b.End.Equal(time.Date(2026, 12, 12, 18, 0, 0, 0, tehran)) ||
		b.Place.Online != "https://meet.example.com/weekend" || b.OfferHours != 6 || b.Capacity != 0 {
		t.Errorf("second event %+v", b)
	}
}

func TestParseImportProblems(t *testing.T) {
	csvHeader := "title,start,end,place,capacity,tracks,key\n"
	tests := []struct {
		name, format, data string
		want               []string // "line:MessageID" of every problem, in order
	}{
		{"csv: every bad row listed, with its line", "csv", csvHeader +
			"خوب,۱۴۰۵/۰۹/۱۵ ۱۸:۰۰,۲۰:۰۰,سالن,۳۰,home,k1\n" +
			"\"چندخطی\nعنوان\",۱۴۰۵/۱۲/۳۰ ۱۸:۰۰,۲۰:۰۰,سالن,۳۰,,k2\n" + // lines 3-4: no 30 Esfand in 1405
			"ظرفیت,۱۴۰۵/۰۹/۱۶ ۱۸:۰۰,۲۰:۰۰,سالن,چهل,,k3\n" +
			"وارونه,۱۴۰۵/۰۹/۱۶ ۱۸:۰۰,۱۷:۰۰,سالن,,,k4\n" +
			"مسیر,۱۴۰۵/۰۹/۱۶ ۱۸:۰۰,۲۰:۰۰,سالن,,astronauts,k5\n" +
			",۱۴۰۵/۰۹/۰۱ ۱۸:۰۰,۲۰:۰۰,,,,k1\n",
			[]string{"3:EvImpNoSuchDate", "5:EvImpCapacity", "6:EvImpEndBeforeStart", "7:EvImpTrack",
				"8:EvImpRequired", "8:EvImpPast", "8:EvImpNoPlace", "8:EvImpDupKey"}},
		{"csv: unknown and repeated columns", "csv", "title,start,colour,title\nx,y,z,w\n",
			[]string{"1:EvImpUnknownField", "1:EvImpDupColumn"}},
		{"csv: wrong number of cells", "csv", csvHeader + "a,b\n", []string{"2:EvImpFieldCount"}},
		{"csv: broken quotes", "csv", csvHeader + "\"a,b\n", []string{"2:EvImpSyntax"}},
		{"csv: header only", "csv", csvHeader, []string{"1:EvImpEmpty"}},
		{"csv: semicolons", "csv", "title;start;end;place\nخوب;۱۴۰۵/۰۹/۱۵ ۱۸:۰۰;۲۰:۰۰\n", []string{"2:EvImpFieldCount"}},
		{"not UTF-8", "csv", "title\n\xff\xfe\n", []string{"1:EvImpNotUTF8"}},
		{"toml: syntax", "toml", "[[event]]\ntitle = \"a\nstart = 1\n", []string{"2:EvImpSyntax"}},
		{"toml: wrong shapes", "toml", "colour = 1\n[[event]]\ntitle = \"a\"\nstart = \"۱۴۰۵/۰۹/۱۵ ۱۸:۰۰\"\nend = \"۲۰:۰۰\"\nplace = \"p\"\ncapacity = \"forty\"\nlat = 35\n[event.extra]\nx = 1\n",
			[]string{"1:EvImpUnknownField", "2:EvImpUnknownField", "2:EvImpBadGeo", "2:EvImpCapacity"}},
		{"toml: no events", "toml", "# nothing\n", []string{"1:EvImpEmpty"}},
		{"toml: garbage date and bad link", "toml", "[[event]]\ntitle = \"a\"\nstart = \"یک روزی\"\nend = \"۲۰:۰۰\"\nonline = \"ftp://x\"\n",
			[]string{"1:EvImpDateTime", "1:EvImpBadLink"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, problems := parseImport(tt.format, []byte(tt.data), importNow, tehran)
			var got []string
			for _, p := range problems {
				got = append(got, fmt.Sprintf("%d:%s", p.Line, p.ID))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems %v; want %v", got, tt.want)
			}
			if len(events) > 0 {
				t.Errorf("a file with problems gave %d events", len(events))
			}
		})
	}
}

func TestParseImportSemicolonCSVAndBOM(t *testing.T) {
	data := "\uFEFFtitle;start;end;place;capacity\nکارگاه;15 آذر 18:00;20:00;سالن;٤٠\n"
	events, problems := parseImport("csv", []byte(data), importNow, tehran)
	if len(problems) > 0 || len(events) != 1 || events[0].event.Capacity != 40 {
		t.Fatalf("events %+v problems %+v", events, problems)
	}
}

func TestEventImportThroughChat(t *testing.T) {
	h := newHarness(t, nil)
	h.expectReply(adminUser, "/importevents", "فایل رویدادها را به صورت سند بفرستید")
	h.expectReply(adminUser, "این فایل است", "به صورت سند")
	h.sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "events.txt", Data: []byte("x")})
	h.settle()
	if got := h.last(adminUser).Plain; !strings.Contains(got, "فقط فایل") {
		t.Errorf("a .txt file: %q", got)
	}

	// A CSV with mistakes: all listed by row, nothing imported.
	bad := "title,start,end,place,capacity\n" +
		"درست,۱۴۰۵/۰۹/۱۵ ۱۸:۰۰,۲۰:۰۰,سالن,۳۰\n" +
		"اسفند,۱۴۰۵/۱۲/۳۰ ۱۸:۰۰,۲۰:۰۰,سالن,۳۰\n" +
		"ظرفیت,۱۴۰۵/۰۹/۱۶ ۱۸:۰۰,۲۰:۰۰,سالن,چهل\n"
	h.sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "events.csv", Data: []byte(bad)})
	h.settle()
	got := h.last(adminUser).Plain
	for _, want := range []string{"۲ خطا پیدا شد؛ هیچ رویدادی ثبت نشد", "ردیف ۳: تاریخ start «۱۴۰۵/۱۲/۳۰ ۱۸:۰۰» در تقویم وجود ندارد",
		"ردیف ۴: ظرفیت «چهل» عدد نیست"} {
		if !strings.Contains(got, want) {
			t.Errorf("import errors %q lack %q", got, want)
		}
	}
	if n := len(h.allEvents()); n != 0 {
		t.Fatalf("%d events half-imported", n)
	}

	// The fixed file, as TOML.
	h.sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "azar.toml", Data: []byte(goodTOML)})
	h.settle()
	if got := h.last(adminUser).Plain; !strings.Contains(got, "۲ رویداد ثبت شد") || !strings.Contains(got, "آخر هفتهٔ استارتاپی") {
		t.Errorf("import reply %q", got)
	}
	evs := h.allEvents()
	if len(evs) != 2 || evs[0].Token == "" || evs[0].Token == evs[1].Token || evs[1].CreatedBy != adminUser.ID {
		t.Fatalf("imported %+v", evs)
	}
	if u := h.user(adminUser); u.Step != "" {
		t.Errorf("import left step %q", u.Step)
	}

	// The same file again: its keys are taken, nothing is added.
	h.send(adminUser, "/importevents")
	h.sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "azar.toml", Data: []byte(goodTOML)})
	h.settle()
	if got := h.last(adminUser).Plain; !strings.Contains(got, "ردیف ۲: رویدادی با کلید «azar-sales» قبلاً وارد شده است") ||
		!strings.Contains(got, "ردیف ۲۰") {
		t.Errorf("re-import reply %q", got)
	}
	if n := len(h.allEvents()); n != 2 {
		t.Errorf("%d events after a re-import; want 2", n)
	}

	// Hundreds of problems are split over messages, none over the limit (the harness checks the limit).
	var many strings.Builder
	many.WriteString("title,start,end,place\n")
	for range 300 {
		many.WriteString("x,هر وقت,۲۰:۰۰,سالن\n")
	}
	h.sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "many.csv", Data: []byte(many.String())})
	h.settle()
	if n := len(h.allEvents()); n != 2 {
		t.Errorf("%d events after a bad import", n)
	}
	msgs := h.sim.BotMessages(adminUser.ID)
	if last := msgs[len(msgs)-1].Plain; !strings.Contains(last, "ردیف ۳۰۱") {
		t.Errorf("the last problem is not reported: %q", last)
	}

	// Someone who is no longer an admin, left in the import step, imports nothing.
	h.send(adminUser, "/importevents")
	h.deps = func(d *Deps) { d.Admins = nil }
	h.restart()
	h.sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "azar2.toml", Data: []byte(strings.ReplaceAll(goodTOML, "azar-", "dey-"))})
	h.settle()
	if n := len(h.allEvents()); n != 2 {
		t.Errorf("a former admin imported: %d events", n)
	}
	if u := h.user(adminUser); u.Step != "" {
		t.Errorf("the former admin is still in step %q", u.Step)
	}
}

func FuzzParseImport(f *testing.F) {
	f.Add("toml", []byte(goodTOML))
	f.Add("csv", []byte("title,start,end,place,capacity\nکارگاه,۱۴۰۵/۰۹/۱۵ ۱۸:۰۰,۲۰:۰۰,سالن,۳۰\n"))
	f.Add("csv", []byte("title;start\n\"a\n"))
	f.Add("toml", []byte("[[event]]\ntracks = [[1]]\n"))
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		if format != "csv" {
			format = "toml"
		}
		events, problems := parseImport(format, data, importNow, tehran)
		if len(events) > 0 && len(problems) > 0 {
			t.Fatalf("both events and problems")
		}
		for _, p := range problems {
			if p.Line < 1 || p.ID == "" {
				t.Fatalf("problem without a row or message: %+v", p)
			}
		}
		for _, ie := range events {
			e := ie.event
			if e.Title == "" || !e.End.After(e.Start) || !e.Start.After(importNow) || e.Capacity < 0 {
				t.Fatalf("invalid event accepted: %+v", e)
			}
		}
	})
}

func FuzzParseEventDateTime(f *testing.F) {
	for _, s := range []string{"۱۴۰۵/۰۹/۱۵ ۱۸:۳۰", "۱۵ آذر ۶ عصر", "1405-12-30 10:00", "۲۰:۳۰", "فردا ۸ صبح", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, problem := parseEventDateTime(s, time.Date(2026, 12, 6, 18, 30, 0, 0, tehran), importNow)
		if problem == "" && got.IsZero() {
			t.Fatalf("parseEventDateTime(%q) = zero time without a problem", s)
		}
		if problem != "" && problem != "EvImpDateTime" && problem != "EvImpNoSuchDate" {
			t.Fatalf("unknown problem %q", problem)
		}
	})
}

// TestImportDocExamples keeps docs/events-import.md honest: its examples import without a problem.
func TestImportDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/events-import.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```(toml|csv)\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) != 2 {
		t.Fatalf("found %d examples; want a TOML and a CSV one", len(blocks))
	}
	for _, b := range blocks {
		events, problems := parseImport(b[1], []byte(b[2]), importNow, tehran)
		if len(problems) > 0 || len(events) != 2 {
			t.Errorf("%s example: %d events, problems %+v", b[1], len(events), problems)
		}
	}
}
