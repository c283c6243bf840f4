package events

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"
)

// importNow is the harness's clock: Thursday 5 Azar 1405, 10:00 in Tehran.
var importNow = time.Date(2026, 11, 26, 10, 0, 0, 0, tehran)

func TestParseImportTOML(t *testing.T) {
	events, problems := parseImport("toml", []byte(GoodTOML), importNow, tehran)
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
			[]string{"3:EvImpControlChar", "3:EvImpNoSuchDate", "5:EvImpCapacity", "6:EvImpEndBeforeStart", "7:EvImpTrack",
				"8:EvImpRequired", "8:EvImpPast", "8:EvImpNoPlace", "8:EvImpDupKey"}},
		{"csv: control characters in a link and texts (issue 18)", "csv", "title,start,end,online,organizer,description\n" +
			"خوب,۱۴۰۵/۰۹/۱۵ ۱۸:۰۰,۲۰:۰۰,\"https://meet.example.com/a\rBEGIN:VALARM\",باشگاه,\"دو\r\nسطر\"\n" +
			"خوب,۱۴۰۵/۰۹/۱۵ ۱۸:۰۰,۲۰:۰۰,https://meet.example.com/b,\"باش\x07گاه\",\"یک\rدو\"\n",
			[]string{"2:EvImpControlChar", "4:EvImpControlChar", "4:EvImpControlChar"}}, // row 2 spans lines 2-3
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

func FuzzParseImport(f *testing.F) {
	f.Add("toml", []byte(GoodTOML))
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
	doc, err := os.ReadFile("../../docs/events-import.md")
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
