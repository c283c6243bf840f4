package library

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/lessons"
)

// FuzzParseView feeds arbitrary button arguments to the view parser: it never panics, and whatever it
// accepts encodes back into button data within Telegram's 64 bytes and parses to the same view.
func FuzzParseView(f *testing.F) {
	for _, s := range []string{"lib|-|0|0", "cen|k.coworking|4294967295|3", "sto|t.home|1|10000", "lib||0|0", "x|-|0|0", "lib|-|-1|0", "lib|t.|0|0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseView(strings.Split(s, "|"))
		if !ok {
			return
		}
		if len(v.filter) > 24 {
			return // a filter this long is never made by the bot; data() would refuse it loudly
		}
		data := v.data(actSectionView)
		action, args, ok := parseCallback(data)
		if !ok || action != actSectionView {
			t.Fatalf("view %+v encodes to unparsable %q", v, data)
		}
		if w, ok := parseView(args); !ok || w != v {
			t.Fatalf("view %+v → %q → %+v, %v", v, data, w, ok)
		}
	})
}

// FuzzParseFeedbackRef checks the admin reply button's arguments.
func FuzzParseFeedbackRef(f *testing.F) {
	f.Add("101", "1")
	f.Add("-5", "1")
	f.Add("9223372036854775807", "18446744073709551615")
	f.Add("1e3", "0x10")
	f.Fuzz(func(t *testing.T, user, id string) {
		uid, fid, ok := parseFeedbackRef(user, id)
		if ok && (uid <= 0 || fid == 0) {
			t.Fatalf("parseFeedbackRef(%q, %q) = %d, %d, true", user, id, uid, fid)
		}
	})
}

// FuzzSearch runs any typed query against the shipped library: no panic, results are a subset, and an
// item's own title always finds it whatever spelling variant is typed.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"كسب وكار", "کسب‌وکار", "۱۲", "12", "", "   ", "\u200c", "ي", "a\x00b", "\xff\xfe", strings.Repeat("ک", 200)} {
		f.Add(s, 0)
	}
	cat, err := lessons.Load(lessons.Embedded())
	if err != nil {
		f.Fatal(err)
	}
	var entries []entry
	for _, it := range cat.Library {
		entries = append(entries, entry{id: it.ID, title: it.Title, search: []string{it.Summary.FA, it.Author.FA}})
	}
	f.Fuzz(func(t *testing.T, query string, pick int) {
		got := searchEntries(entries, query)
		if len(got) > len(entries) {
			t.Fatalf("search %q found %d of %d", query, len(got), len(entries))
		}
		if persian.SearchKey(query) == "" && len(got) > 0 {
			t.Fatalf("search %q without letters found %d", query, len(got))
		}
		if len(entries) == 0 || !utf8.ValidString(query) {
			return
		}
		e := entries[(pick%len(entries)+len(entries))%len(entries)]
		variant := strings.NewReplacer("ی", "ي", "ک", "ك", "\u200c", " ").Replace(e.title.FA)
		found := false
		for _, r := range searchEntries(entries, variant) {
			found = found || r.id == e.id
		}
		if !found {
			t.Fatalf("searching %q (a variant of %q) does not find it", variant, e.title.FA)
		}
	})
}

// parseCallback decodes button data as the core's router does ("1|<action>|<arg>…", at most 64 bytes);
// ok is false for anything else.
func parseCallback(data string) (action bot.Action, args []string, ok bool) {
	if len(data) == 0 || len(data) > 64 {
		return "", nil, false
	}
	parts := strings.Split(data, "|")
	if len(parts) < 2 || parts[0] != "1" || parts[1] == "" {
		return "", nil, false
	}
	return bot.Action(parts[1]), parts[2:], true
}

func TestHaversine(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want                   float64
	}{
		{"same point", 32.65, 51.67, 32.65, 51.67, 0},
		{"London–Paris", 51.5074, -0.1278, 48.8566, 2.3522, 343.56},
		{"Isfahan–Tehran", 32.6575, 51.6777, 35.6892, 51.3890, 337.9},
		{"antipodes", 0, 0, 0, 180, math.Pi * earthRadiusKm},
	}
	for _, tt := range tests {
		if got := haversineKm(tt.lat1, tt.lon1, tt.lat2, tt.lon2); math.Abs(got-tt.want) > 0.5 {
			t.Errorf("%s: haversineKm = %.2f; want %.2f", tt.name, got, tt.want)
		}
	}
}
