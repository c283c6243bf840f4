package library_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/library"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

func TestLibraryPagesInOneMessage(t *testing.T) {
	h := newHarness(t, withSections(t))
	h.Onboard(maryam, "fa", "home")
	before := h.Count(maryam)
	h.Send(maryam, "/library")
	list := h.Last(maryam)
	for _, want := range []string{"کتابخانهٔ توان", "۱. 📘 راه‌اندازی کسب‌وکار خانگی", "۵. 📄 مشتری کجاست؟", "صفحهٔ ۱ از ۳"} {
		if !strings.Contains(list.Plain, want) {
			t.Errorf("/library page 1 lacks %q:\n%s", want, list.Plain)
		}
	}
	if strings.Contains(list.Plain, "۶.") {
		t.Errorf("page 1 shows a sixth item:\n%s", list.Plain)
	}
	if buttonData(list, "▶️ صفحهٔ") != "" {
		t.Errorf("page 1 has a previous-page button: %q", list.ButtonTexts())
	}
	h.Press(maryam, list, "صفحهٔ ۲ ◀️")
	page2 := h.Last(maryam)
	if page2.ID != list.ID || !page2.Edited {
		t.Fatalf("the next-page button sent message %d; want message %d edited", page2.ID, list.ID)
	}
	for _, want := range []string{"۶. 📘 کتاب آبی", "۱۰. 📘 کتاب بنفش", "صفحهٔ ۲ از ۳"} {
		if !strings.Contains(page2.Plain, want) {
			t.Errorf("page 2 lacks %q:\n%s", want, page2.Plain)
		}
	}
	h.Press(maryam, page2, "صفحهٔ ۳ ◀️")
	page3 := h.Last(maryam)
	if !strings.Contains(page3.Plain, "۱۲. 📘 کتاب طلایی") || buttonData(page3, "◀️") != "" {
		t.Errorf("page 3 = %q with buttons %q; want item ۱۲ and no next button", page3.Plain, page3.ButtonTexts())
	}
	h.Press(maryam, page3, "▶️ صفحهٔ ۲")
	if got := h.Last(maryam); !strings.Contains(got.Plain, "صفحهٔ ۲ از ۳") {
		t.Errorf("back to page 2: %q", got.Plain)
	}
	if n := h.Count(maryam) - before; n != 1 {
		t.Errorf("browsing three pages left %d new bot messages; want the one list message", n)
	}
	// Item buttons carry ids, and a page out of range (the content shrank) shows the last page.
	if d := buttonData(h.Last(maryam), "۶. کتاب آبی"); d != "1|si|lib|lib-06|-|0|1" {
		t.Errorf("item button data = %q", d)
	}
	h.PressForged(maryam, h.Last(maryam), "1|sv|lib|-|0|40")
	if got := h.Last(maryam); !strings.Contains(got.Plain, "صفحهٔ ۳ از ۳") {
		t.Errorf("page 41 of 3 shows %q; want the last page", got.Plain)
	}
}

func TestSectionFilters(t *testing.T) {
	h := newHarness(t, withSections(t))
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/library")
	list := h.Last(maryam)
	h.Press(maryam, list, "دسته‌ها")
	menu := h.Last(maryam)
	if menu.ID != list.ID {
		t.Fatalf("the filter menu is a new message")
	}
	labels := strings.Join(menu.ButtonTexts(), "|")
	for _, want := range []string{"✓ همه", "کتاب", "مقاله", "بازاریابی", "مالی", "مدیریت"} {
		if !strings.Contains(labels, want) {
			t.Errorf("filter buttons %q lack %q", labels, want)
		}
	}
	if strings.Contains(labels, "خانواده") {
		t.Errorf("filter buttons %q offer a tag no library item has", labels)
	}
	h.Press(maryam, menu, "مقاله")
	articles := h.Last(maryam)
	if !strings.Contains(articles.Plain, "🏷 دسته: مقاله") || !strings.Contains(articles.Plain, "۱۲ درس بازاریابی") ||
		!strings.Contains(articles.Plain, "مشتری کجاست؟") || strings.Contains(articles.Plain, "📘") {
		t.Errorf("articles filter shows:\n%s", articles.Plain)
	}
	if strings.Contains(articles.Plain, "صفحهٔ") {
		t.Errorf("two articles need no pages:\n%s", articles.Plain)
	}
	h.Press(maryam, articles, "دسته‌ها")
	h.Press(maryam, h.Last(maryam), "مالی")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "مديريت پول") || strings.Contains(got, "کتاب آبی") {
		t.Errorf("finance filter shows:\n%s", got)
	}
	h.Press(maryam, h.Last(maryam), "همهٔ موارد")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "صفحهٔ ۱ از ۳") || strings.Contains(got, "دسته:") {
		t.Errorf("show all:\n%s", got)
	}
	// A forged filter the section does not have is a stale button.
	if ans := h.PressForged(maryam, h.Last(maryam), "1|sv|lib|t.family|0|0"); !strings.Contains(ans, "دیگر کار نمی‌کند") {
		t.Errorf("forged filter answered %q", ans)
	}
	// Centres filter by kind.
	h.Send(maryam, "/centres")
	h.Press(maryam, h.Last(maryam), "دسته‌ها")
	h.Press(maryam, h.Last(maryam), "شتاب‌دهنده")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "شتاب‌دهندهٔ چهارباغ") || strings.Contains(got, "مرکز تهران") {
		t.Errorf("accelerator filter shows:\n%s", got)
	}
}

// search types query into the library search and returns the result message.
func searchLibrary(h *harness, query string) string {
	h.T.Helper()
	h.Send(maryam, "/library")
	h.Press(maryam, h.Last(maryam), "جست‌وجو")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "چه چیزی را جست‌وجو می‌کنید") {
		h.T.Fatalf("search prompt = %q", got)
	}
	h.Send(maryam, query)
	return h.Last(maryam).Plain
}

func TestSearchToleratesPersianSpelling(t *testing.T) {
	h := newHarness(t, withSections(t))
	h.Onboard(maryam, "fa", "home")
	all := []string{"راه‌اندازی کسب‌وکار خانگی", "۱۲ درس بازاریابی", "كسب و كار كوچك", "مديريت پول", "مشتری کجاست؟", "کتاب آبی"}
	tests := []struct {
		query string
		want  []string // in this order (title matches first)
	}{
		{"كسب وكار", []string{"راه‌اندازی کسب‌وکار خانگی", "كسب و كار كوچك", "مشتری کجاست؟"}},  // Arabic ك, a space
		{"کسب‌وکار", []string{"راه‌اندازی کسب‌وکار خانگی", "كسب و كار كوچك", "مشتری کجاست؟"}},  // ZWNJ
		{"کسب و کار", []string{"راه‌اندازی کسب‌وکار خانگی", "كسب و كار كوچك", "مشتری کجاست؟"}}, // spaces
		{"کسبوکار", []string{"راه‌اندازی کسب‌وکار خانگی", "كسب و كار كوچك", "مشتری کجاست؟"}},   // no gap at all
		{"۱۲", []string{"۱۲ درس بازاریابی"}},                        // Persian digits
		{"12", []string{"۱۲ درس بازاریابی"}},                        // Latin digits
		{"١٢", []string{"۱۲ درس بازاریابی"}},                        // Arabic-Indic digits
		{"مدیریت", []string{"مديريت پول"}},                          // Persian ی finds Arabic ي
		{"مديريت", []string{"مديريت پول"}},                          // and the other way round
		{"بازاریابی", []string{"۱۲ درس بازاریابی", "مشتری کجاست؟"}}, // title first, then the tag's name
		{"  کوچک  ", []string{"كسب و كار كوچك"}},                    // spaces around
		{"آشپزی", []string{"راه‌اندازی کسب‌وکار خانگی"}},            // in the summary
		{"نویسندهٔ سوم", []string{"كسب و كار كوچك"}},                // the author, with ی/ي and ٔ
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := searchLibrary(h, tt.query)
			if !strings.Contains(got, "نتیجهٔ جست‌وجوی «"+strings.TrimSpace(tt.query)+"»") {
				t.Errorf("results header missing:\n%s", got)
			}
			last := -1
			for _, title := range tt.want {
				i := strings.Index(got, title)
				if i < 0 {
					t.Errorf("search %q: %q not found in\n%s", tt.query, title, got)
					continue
				}
				if i < last {
					t.Errorf("search %q: %q out of order in\n%s", tt.query, title, got)
				}
				last = i
			}
			for _, title := range all {
				if !slices.Contains(tt.want, title) && strings.Contains(got, title) {
					t.Errorf("search %q also found %q:\n%s", tt.query, title, got)
				}
			}
		})
	}
	t.Run("nothing", func(t *testing.T) {
		got := searchLibrary(h, "زرافه")
		if !strings.Contains(got, "چیزی پیدا نشد") || !strings.Contains(got, ": ۰ مورد") {
			t.Errorf("no results shows:\n%s", got)
		}
	})
	if u := h.User(maryam); u.Step != "" {
		t.Errorf("after searching, step = %q; want none (the next text is not a search)", u.Step)
	}
}

func TestSearchResultsPageAndGoStale(t *testing.T) {
	h := newHarness(t, withSections(t))
	h.Onboard(maryam, "fa", "home")
	searchLibrary(h, "کتاب") // 7 books named «کتاب …», and the kind «کتاب» of all books: 10 results
	results := h.Last(maryam)
	if !strings.Contains(results.Plain, "صفحهٔ ۱ از ۲") {
		t.Fatalf("results:\n%s", results.Plain)
	}
	prompt := h.Sim.BotMessages(maryam.ID)[len(h.Sim.BotMessages(maryam.ID))-2]
	if !strings.Contains(prompt.Plain, "🔍 جست‌وجو: «کتاب»") || len(prompt.InlineKeyboard) != 0 {
		t.Errorf("the prompt after the search = %q %q; want a record of the query without buttons", prompt.Plain, prompt.ButtonTexts())
	}
	h.Press(maryam, results, "صفحهٔ ۲ ◀️")
	if got := h.Last(maryam); got.ID != results.ID || !strings.Contains(got.Plain, "صفحهٔ ۲ از ۲") || !strings.Contains(got.Plain, "«کتاب»") {
		t.Errorf("results page 2 = %q", got.Plain)
	}
	// A newer search makes the old results' buttons stale, with a clear answer.
	searchLibrary(h, "پول")
	old, _ := h.Sim.Message(maryam.ID, results.ID)
	if ans := h.Press(maryam, old, "▶️ صفحهٔ ۱"); !strings.Contains(ans, "قدیمی") {
		t.Errorf("a button of an old search answered %q", ans)
	}
}

func TestSearchBadInput(t *testing.T) {
	h := newHarness(t, withSections(t))
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/resources")
	h.Press(maryam, h.Last(maryam), "جست‌وجو")
	h.Sim.SendMedia(maryam, apptest.StickerMedia())
	h.Settle()
	if got := h.Last(maryam).Plain; !strings.Contains(got, "به صورت متن") {
		t.Errorf("a sticker as a query: %q", got)
	}
	h.Send(maryam, "؟!…")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "حرف یا عددی نبود") {
		t.Errorf("punctuation as a query: %q", got)
	}
	h.Send(maryam, strings.Repeat("بلند ", 30))
	if got := h.Last(maryam).Plain; !strings.Contains(got, "حداکثر ۱۰۰ حرف") {
		t.Errorf("a long query: %q", got)
	}
	if u := h.User(maryam); u.Step != library.StepSearch {
		t.Fatalf("bad queries lost the search step: %q", u.Step)
	}
	h.Send(maryam, "قیمت")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "کاربرگ قیمت‌گذاری") || strings.Contains(got, "بوم") {
		t.Errorf("resource search:\n%s", got)
	}
	// A command leaves the search step.
	h.Press(maryam, h.Last(maryam), "جست‌وجو")
	h.Send(maryam, "/help")
	if u := h.User(maryam); u.Step != "" {
		t.Errorf("a command kept the search step %q", u.Step)
	}
	for _, data := range []string{"1|sv|xyz|-|0|0", "1|sv|lib|-|x|0", "1|sv|lib|-|0|-1",
		"1|sv|lib|bad|0|0", "1|si|lib", "1|ss", "1|sf|lib"} {
		if ans := h.PressForged(maryam, h.Last(maryam), data); !strings.Contains(ans, "دیگر کار نمی‌کند") {
			t.Errorf("forged %q answered %q", data, ans)
		}
	}
}

func TestItemCards(t *testing.T) {
	apptest.EachPlatform(t, itemCards)
}

func itemCards(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, withSections(t))
	h.Onboard(maryam, "fa", "home")

	// Library: title, original title, author and year, summary, why, the link as <a>, tags.
	h.Send(maryam, "/library")
	list := h.Last(maryam)
	h.Press(maryam, list, "۱. راه‌اندازی")
	card := h.card(maryam)
	for _, want := range []string{"راه‌اندازی کسب‌وکار خانگی", "Home Business <Basics>", "✍️ نویسندهٔ یکم — ۲۰۱۹", "نوع: کتاب",
		"خلاصهٔ کتاب اول", "چرا بخوانیم؟", "برای این‌که یاد بگیرید.", "دیدن در وب", "🏷 کسب‌وکار خانگی، راه‌اندازی"} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("library card lacks %q:\n%s", want, card.Plain)
		}
	}
	if h.Bale() && !slices.ContainsFunc(card.Entities, func(e tgsim.Entity) bool {
		return e.Type == "text_link" && e.URL == "https://example.org/book?a=1&b=2"
	}) {
		t.Errorf("library card %q (spans %+v); want the link as a Bale [text](url) link", card.Text, card.Entities)
	} else if !h.Bale() && !strings.Contains(card.Text, `<a href="https://example.org/book?a=1&amp;b=2">`) {
		t.Errorf("library card HTML %q; want the link as an escaped <a>", card.Text)
	}
	if got := h.Last(maryam); got.ID == list.ID {
		t.Errorf("the card replaced the list")
	}
	// Under the card, [back to the list]: it turns that line into the list again, the card stays.
	backLine := h.Last(maryam)
	h.Press(maryam, backLine, "بازگشت به فهرست")
	if got, _ := h.Sim.Message(maryam.ID, backLine.ID); !strings.Contains(got.Plain, "۱. ") || got.EditCount == 0 {
		t.Errorf("[back to the list] left %q; want the list in its place", got.Plain)
	}
	if got, _ := h.Sim.Message(maryam.ID, card.ID); got.Plain != card.Plain {
		t.Errorf("going back changed the card to %q", got.Plain)
	}

	// Resource: the PDF as a document with its caption; uploaded once, then sent by file_id.
	h.Send(maryam, "/resources")
	h.Press(maryam, h.Last(maryam), "بوم کسب‌وکار")
	doc := h.card(maryam)
	if doc.Kind != "document" || doc.File == nil || doc.File.Name != "canvas.pdf" || !doc.File.Uploaded {
		t.Fatalf("resource = %+v; want canvas.pdf uploaded as a document", doc)
	}
	if !strings.Contains(doc.Plain, "بوم کسب‌وکار یک‌صفحه‌ای") || !strings.Contains(doc.Plain, "یک صفحه برای دیدن") {
		t.Errorf("resource caption %q", doc.Plain)
	}
	h.Press(maryam, h.lastWith(maryam, "منابع رایگان"), "بوم کسب‌وکار")
	again := h.card(maryam)
	if again.File == nil || again.File.Uploaded || again.File.FileID != doc.File.FileID {
		t.Errorf("second send of the resource: %+v; want the cached file_id %s", again.File, doc.File.FileID)
	}

	// Centre: the card with the sample marker, then the venue.
	h.Send(maryam, "/centres")
	centres := h.Last(maryam)
	if !strings.Contains(centres.Plain, "داده‌های نمونه") {
		t.Errorf("centres list without the sample note:\n%s", centres.Plain)
	}
	n := h.Count(maryam)
	h.Press(maryam, centres, "شتاب‌دهندهٔ چهارباغ")
	got := h.since(maryam, n)
	if h.Bale() {
		// Bale has no venues: the place's name and address as text, then its location.
		if len(got) != 4 || !strings.Contains(got[3].Plain, "موارد دیگر") {
			t.Fatalf("a centre sent %d messages on Bale; want the card, the place as text, its location and the line back to the list", len(got))
		}
		if place, loc := got[1], got[2].Location; !strings.Contains(place.Plain, "📍 شتاب‌دهندهٔ چهارباغ") || !strings.Contains(place.Plain, "نشانی نمونه") ||
			!place.HasEntity("bold", "شتاب‌دهندهٔ چهارباغ (نمونه)") ||
			got[2].Kind != "location" || loc == nil || loc.Lat != 32.67 || loc.Lon != 51.6777 {
			t.Errorf("the place on Bale: %q (spans %+v), then %s %+v; want its bold name and address, then its location", place.Plain, place.Entities, got[2].Kind, loc)
		}
		got = append(got[:1], got[2:]...)
	} else if len(got) != 3 || !strings.Contains(got[2].Plain, "موارد دیگر") {
		t.Fatalf("a centre sent %d messages; want the card, the venue and the line back to the list", len(got))
	}
	for _, want := range []string{"شتاب‌دهندهٔ چهارباغ", "نوع: شتاب‌دهنده", "• کارگاه", "ساعت کار: شنبه تا چهارشنبه", "نشانی: نشانی نمونه", "دادهٔ نمونه"} {
		if !strings.Contains(got[0].Plain, want) {
			t.Errorf("centre card lacks %q:\n%s", want, got[0].Plain)
		}
	}
	if v := got[1].Venue; !h.Bale() && (got[1].Kind != "venue" || v == nil || v.Lat != 32.67 || v.Lon != 51.6777 || !strings.Contains(v.Title, "چهارباغ")) {
		t.Errorf("venue = %+v (%s)", v, got[1].Kind)
	}

	// Story: the photo with the field and the fictional note, then the story's text.
	h.Send(maryam, "/stories")
	n = h.Count(maryam)
	h.Press(maryam, h.Last(maryam), "آشپزخانهٔ مریم")
	got = h.since(maryam, n)
	if len(got) < 2 || got[0].Kind != "photo" {
		t.Fatalf("story sent %d messages, first %q; want a photo then the text", len(got), got[0].Kind)
	}
	if !strings.Contains(got[0].Plain, "حوزه: کسب‌وکار خانگی") || !strings.Contains(got[0].Plain, "ساختگی") {
		t.Errorf("story caption %q", got[0].Plain)
	}
	if !strings.Contains(got[1].Plain, "آشپزخانهٔ مریم") || !strings.Contains(got[1].Plain, "مریم از آشپزخانهٔ خانه شروع کرد") {
		t.Errorf("story text %q", got[1].Plain)
	}
	// A real (not fictional) story has no such note, and no photo is fine.
	n = h.Count(maryam)
	h.Press(maryam, h.lastWith(maryam, "داستان‌های کارآفرینان"), "خیاطی نرگس")
	got = h.since(maryam, n)
	if len(got) < 2 || strings.Contains(got[0].Plain, "ساختگی") {
		t.Errorf("real story: %v", got)
	}

	// An item that disappeared in a reload.
	h.PressForged(maryam, h.Last(maryam), "1|si|lib|no-such-item")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "دیگر در فهرست نیست") {
		t.Errorf("a removed item: %q", got)
	}
}

func TestNearestCentres(t *testing.T) {
	h := newHarness(t, withSections(t))
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/centres")
	h.Press(maryam, h.Last(maryam), "نزدیک‌ترین مراکز")
	prompt := h.Last(maryam)
	if len(prompt.ReplyKeyboard) == 0 || prompt.ReplyKeyboard[0][0] != "📍 فرستادن موقعیت من" {
		t.Fatalf("nearest prompt keyboard = %q; want a location button", prompt.ReplyKeyboard)
	}
	h.Send(maryam, "اصفهان")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "موقعیت خود را با دکمهٔ") {
		t.Errorf("typing a city instead of sharing a location: %q", got)
	}
	n := h.Count(maryam)
	h.Sim.SendLocation(maryam, hereLat, hereLon)
	h.Settle()
	got := h.since(maryam, n)
	if len(got) != 2 || !got[0].RemoveKeyboard || !strings.Contains(got[0].Plain, "موقعیت شما رسید") {
		t.Fatalf("after the location: %v; want the keyboard removed, then the list", got)
	}
	list := got[1].Plain
	order := []string{"مرکز میدان", "شتاب‌دهندهٔ چهارباغ", "مرکز شمال شهر", "مرکز تهران"}
	last := -1
	for _, name := range order {
		i := strings.Index(list, name)
		if i < last || i < 0 {
			t.Errorf("%q is not in distance order in\n%s", name, list)
		}
		last = i
	}
	for _, want := range []string{"📍 ۶۰ متر", "📍 ۱٫۴ کیلومتر", "📍 ۱۰٫۳ کیلومتر", "📍 ۳۳۸٫", "مراکز به ترتیب نزدیکی"} {
		if !strings.Contains(list, want) {
			t.Errorf("nearest list lacks %q:\n%s", want, list)
		}
	}
	if u := h.User(maryam); u.Step != "" {
		t.Errorf("step after the location = %q", u.Step)
	}
	// The location is kept rounded (about 10 m), and only in the learner's own records.
	h.Sim.SendLocation(maryam, 32.657549, 51.677712)
	h.Settle()
	var br store.Browse
	_ = h.DB.View(func(tx *store.Tx) error { br, _ = tx.Browse(maryam.ID); return nil })
	if br.Lat != 32.6575 || br.Lon != 51.6777 {
		t.Errorf("stored location %v,%v; want it rounded to 4 decimals", br.Lat, br.Lon)
	}
	// A location outside any step works too, and the nearest list pages and filters like any list.
	h.Sim.SendLocation(maryam, 35.70, 51.40)
	h.Settle()
	near := h.Last(maryam)
	if !strings.HasPrefix(strings.SplitN(near.Plain, "۱. ", 2)[1], "🏢 مرکز تهران") {
		t.Errorf("from Tehran the first centre is not Tehran's:\n%s", near.Plain)
	}
	h.Press(maryam, near, "دسته‌ها")
	h.Press(maryam, h.Last(maryam), "فضای کار اشتراکی")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "مرکز میدان") || !strings.Contains(got, "کیلومتر") || strings.Contains(got, "مرکز تهران") {
		t.Errorf("nearest with a kind filter:\n%s", got)
	}
	// Cancel from the prompt.
	h.Send(maryam, "/centres")
	h.Press(maryam, h.Last(maryam), "نزدیک‌ترین مراکز")
	h.Send(maryam, "انصراف")
	if got := h.Last(maryam); !got.RemoveKeyboard || !strings.Contains(got.Plain, "موقعیتی فرستاده نشد") {
		t.Errorf("cancel: %+v", got)
	}
}

func TestDistanceFormat(t *testing.T) {
	h := newHarness(t, nil)
	fa, en := h.Bot.Voice("fa"), h.Bot.Voice("en")
	tests := []struct {
		km     float64
		fa, en string
	}{
		{0.004, "۱۰ متر", "10 m"},
		{0.0601, "۶۰ متر", "60 m"},
		{0.355, "۳۶۰ متر", "360 m"},
		{0.994, "۹۹۰ متر", "990 m"},
		{0.996, "۱٫۰ کیلومتر", "1.0 km"},
		{1.39, "۱٫۴ کیلومتر", "1.4 km"},
		{12.25, "۱۲٫۲ کیلومتر", "12.2 km"},
		{1234.5, "۱٬۲۳۴٫۵ کیلومتر", "1234.5 km"},
	}
	for _, tt := range tests {
		if got := library.Distance(fa, tt.km); got != tt.fa {
			t.Errorf("fa distance(%v) = %q; want %q", tt.km, got, tt.fa)
		}
		if got := library.Distance(en, tt.km); got != tt.en {
			t.Errorf("en distance(%v) = %q; want %q", tt.km, got, tt.en)
		}
	}
}

// TestEveryShippedItemOpens opens every item of the content shipped in the binary, in both languages:
// the cards must be valid for Telegram (the harness fails on any Bot API violation).
func TestEveryShippedItemOpens(t *testing.T) {
	if testing.Short() {
		t.Skip("opens every shipped item")
	}
	apptest.EachPlatform(t, everyShippedItemOpens) // on Bale: every item renders as valid Bale Markdown
}

func everyShippedItemOpens(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, nil)
	cat := apptest.EmbeddedCatalog(t)
	if len(cat.Library) < 12 || len(cat.Resources) < 6 || len(cat.Centres) < 8 || len(cat.Stories) < 6 {
		t.Errorf("shipped sections: %d library items, %d resources, %d centres, %d stories; the issue asks for 12, 6, 8, 6",
			len(cat.Library), len(cat.Resources), len(cat.Centres), len(cat.Stories))
	}
	if !cat.CentresAreSample {
		t.Logf("the shipped centres are marked real")
	}
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "home")
	// Section ids as the buttons carry them.
	const secLibrary, secResources, secCentres, secStories = "lib", "res", "cen", "sto"
	items := map[string][]string{}
	for _, it := range cat.Library {
		items[secLibrary] = append(items[secLibrary], it.ID)
	}
	for _, r := range cat.Resources {
		items[secResources] = append(items[secResources], r.ID)
	}
	for _, c := range cat.Centres {
		items[secCentres] = append(items[secCentres], c.ID)
	}
	for _, s := range cat.Stories {
		items[secStories] = append(items[secStories], s.ID)
	}
	for _, u := range []tgsim.User{maryam, john} {
		for _, sec := range []string{secLibrary, secResources, secCentres, secStories} {
			h.Send(u, "/"+map[string]string{secLibrary: "library", secResources: "resources", secCentres: "centres", secStories: "stories"}[sec])
			list := h.Last(u)
			for _, id := range items[sec] {
				n := h.Count(u)
				h.PressForged(u, list, "1|si|"+sec+"|"+id)
				if h.Count(u) == n {
					t.Errorf("%s %s/%s sent nothing", u.FirstName, sec, id)
				}
			}
		}
	}
}

func TestSectionsInEnglish(t *testing.T) {
	h := newHarness(t, withSections(t))
	h.Onboard(john, "en", "home")
	h.Send(john, "/library")
	list := h.Last(john)
	for _, want := range []string{"Tavan library", "1. 📘", "Page 1 of 3"} {
		if !strings.Contains(list.Plain, want) {
			t.Errorf("English /library lacks %q:\n%s", want, list.Plain)
		}
	}
	h.Press(john, list, "Page 2 »")
	if got := h.Last(john).Plain; !strings.Contains(got, "6. 📘") || !strings.Contains(got, "Page 2 of 3") {
		t.Errorf("English page 2:\n%s", got)
	}
	h.Send(john, "/centres")
	h.Press(john, h.Last(john), "Centres near me")
	if got := h.Last(john); len(got.ReplyKeyboard) == 0 || got.ReplyKeyboard[0][0] != "📍 Share my location" {
		t.Errorf("English location keyboard %q", got.ReplyKeyboard)
	}
	h.Sim.SendLocation(john, hereLat, hereLon)
	h.Settle()
	if got := h.Last(john).Plain; !strings.Contains(got, "📍 60 m") || !strings.Contains(got, "📍 1.4 km") || !strings.Contains(got, "sample data") {
		t.Errorf("English nearest list:\n%s", got)
	}
	h.Send(john, "/feedback")
	if got := h.Last(john).Plain; !strings.Contains(got, "Write your suggestion") {
		t.Errorf("English /feedback: %q", got)
	}
}
