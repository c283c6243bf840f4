package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
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
		data := v.data("sv")
		action, args, ok := parseCallback(data)
		if !ok || action != "sv" {
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

// BenchmarkSearchLibrary is one typed search over the shipped library, as a learner's query costs.
func BenchmarkSearchLibrary(b *testing.B) {
	h := newHarness(b, nil)
	cat := embeddedCatalog(b)
	for b.Loop() {
		entries := h.bot.sectionEntries(cat, secLibrary)
		if got := searchEntries(entries, "كسب و كار"); len(got) == 0 {
			b.Fatal("no results")
		}
	}
}

// BenchmarkNearestCentres renders the first page of centres sorted by distance, as after a shared location.
func BenchmarkNearestCentres(b *testing.B) {
	h := newHarness(b, nil)
	c := &Ctx{b: h.bot, Lang: "fa", User: &store.User{ID: 1}}
	if err := h.db.Update(func(tx *store.Tx) error {
		_, err := tx.NewBrowse(1, store.Browse{Section: secCentres, Near: true, Lat: hereLat, Lon: hereLon})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, ok, err := h.bot.resolve(c, view{sec: secCentres, filter: filterAll, seq: 1})
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		h.bot.renderView(c, res)
	}
}
