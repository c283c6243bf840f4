package library_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/lessons"
)

// The people of the tests.
var maryam, john, reza, adminUser = apptest.Maryam, apptest.John, apptest.Reza, apptest.Admin

// Isfahan, Naqsh-e Jahan square: where the test learner stands when asking for the nearest centres.
const hereLat, hereLon = 32.6575, 51.6777

// sectionsCatalog is a small content set whose items the tests know: 12 library items (3 pages of 5),
// spelling variants to search for, centres at known distances from here, two resources and two stories.
func sectionsCatalog(tb testing.TB) *lessons.Catalog {
	tb.Helper()
	var lib strings.Builder
	item := func(id, kind, title, author, summary string, tags ...string) {
		fmt.Fprintf(&lib, "[[item]]\nid = %q\nkind = %q\ntitle = %q\nauthor = %q\nsummary = %q\nwhy = %q\ntags = [%s]\n",
			id, kind, title, author, summary, "برای این‌که یاد بگیرید.", quoteList(tags))
		if id == "lib-01" {
			lib.WriteString("link = \"https://example.org/book?a=1&b=2\"\noriginal_title = \"Home Business <Basics>\"\nyear = 2019\n")
		}
		lib.WriteString("\n")
	}
	item("lib-01", "book", "راه‌اندازی کسب‌وکار خانگی", "نویسندهٔ یکم", "خلاصهٔ کتاب اول دربارهٔ آشپزی.", "home", "startup")
	item("lib-02", "article", "۱۲ درس بازاریابی", "نویسندهٔ دوم", "مقاله‌ای کوتاه.", "marketing")
	item("lib-03", "book", "كسب و كار كوچك", "نويسندهٔ سوم", "دربارهٔ مغازه‌های محله.", "startup")
	item("lib-04", "book", "مديريت پول", "نویسندهٔ چهارم", "حساب و کتاب ساده.", "finance", "management")
	item("lib-05", "article", "مشتری کجاست؟", "نویسندهٔ پنجم", "راه‌های پیدا کردن مشتری برای هر کسب و کار.", "marketing", "idea")
	for i, colour := range []string{"آبی", "سبز", "زرد", "سرخ", "بنفش", "نارنجی", "طلایی"} {
		item(fmt.Sprintf("lib-%02d", i+6), "book", "کتاب "+colour, "نویسندهٔ نمونه", "خلاصه‌ای ساده.", "mindset")
	}
	centres := `sample = true
` + centre("c-tehran", "مرکز تهران (نمونه)", "incubator", 35.6892, 51.3890) +
		centre("c-far", "مرکز شمال شهر (نمونه)", "training", 32.7500, 51.6777) +
		centre("c-near", "مرکز میدان (نمونه)", "coworking", 32.6580, 51.6780) +
		centre("c-mid", "شتاب‌دهندهٔ چهارباغ (نمونه)", "accelerator", 32.6700, 51.6777)
	resources := `[[resource]]
id = "res-canvas"
title = "بوم کسب‌وکار یک‌صفحه‌ای"
description = "یک صفحه برای دیدن همهٔ کسب‌وکار در یک نگاه."
file = "canvas.pdf"
tags = ["idea", "startup"]

[[resource]]
id = "res-pricing"
title = "کاربرگ قیمت‌گذاری"
description = "هزینه‌ها را بنویسید و قیمت را حساب کنید."
file = "pricing.pdf"
tags = ["finance"]
`
	story := func(id, title string, fictional bool) string {
		return fmt.Sprintf("+++\nid = %q\ntitle = %q\nfield = \"home\"\ntags = [\"home\"]\nphoto = \"01-kitchen.png\"\nfictional = %v\n+++\nمریم از آشپزخانهٔ خانه شروع کرد.\n\nسپس مشتری‌های بیشتری پیدا کرد.\n", id, title, fictional)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	fsys := fstest.MapFS{
		"library/library.toml":     {Data: []byte(lib.String())},
		"centres/centres.toml":     {Data: []byte(centres)},
		"resources/resources.toml": {Data: []byte(resources)},
		"resources/canvas.pdf":     {Data: []byte("%PDF-1.4 canvas")},
		"resources/pricing.pdf":    {Data: []byte("%PDF-1.4 pricing")},
		"stories/01-kitchen.md":    {Data: []byte(story("story-kitchen", "آشپزخانهٔ مریم", true))},
		"stories/01-kitchen.png":   {Data: png},
		"stories/02-tailor.md":     {Data: []byte(strings.Replace(story("story-tailor", "خیاطی نرگس", false), "photo = \"01-kitchen.png\"\n", "", 1))},
	}
	cat, err := lessons.Load(fsys)
	if err != nil {
		tb.Fatalf("load the sections test content: %v", err)
	}
	return cat
}

func centre(id, name, kind string, lat, lon float64) string {
	return fmt.Sprintf("\n[[centre]]\nid = %q\nname = %q\nkind = %q\nservices = [\"کارگاه\", \"مشاوره\"]\naddress = \"نشانی نمونه\"\nlat = %v\nlon = %v\nhours = \"شنبه تا چهارشنبه\"\n",
		id, name, kind, lat, lon)
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// harness is the end-to-end harness with this package's helpers.
type harness struct{ *apptest.Harness }

func newHarness(tb testing.TB, configure func(*app.Config)) *harness {
	return &harness{apptest.New(tb, configure)}
}

func newHarnessOn(tb testing.TB, p bot.Platform, configure func(*app.Config)) *harness {
	return &harness{apptest.NewOn(tb, p, configure)}
}

// withSections runs the bot on sectionsCatalog.
func withSections(tb testing.TB) func(*app.Config) {
	cat := sectionsCatalog(tb)
	return func(c *app.Config) { c.Catalog = cat }
}

// notices lets the outbox sender deliver what is due and returns the notices for chatID: those delivered
// since the bot started, then those still waiting (not yet due).
func (h *harness) notices(chatID int64) []bot.Notice {
	h.T.Helper()
	h.Drain()
	var out []bot.Notice
	for _, q := range h.Delivered() {
		if q.Notice.ChatID == chatID || (q.Notice.ChatID == 0 && q.ChatID == chatID) {
			out = append(out, q.Notice)
		}
	}
	for _, q := range h.Pending(store.LaneNotice) {
		if q.ChatID == chatID {
			out = append(out, q.Notice)
		}
	}
	return out
}

// deliverNotices lets the outbox sender deliver everything that is due.
func (h *harness) deliverNotices() {
	h.T.Helper()
	h.Drain()
}

// lastWith is the newest bot message in u's chat whose text contains substr.
func (h *harness) lastWith(u tgsim.User, substr string) tgsim.Message {
	h.T.Helper()
	msgs := h.Sim.BotMessages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.Contains(msgs[i].Plain, substr) {
			return msgs[i]
		}
	}
	h.T.Fatalf("no bot message in chat %d contains %q", u.ID, substr)
	return tgsim.Message{}
}

// since lists the bot messages of u's chat after the first n.
func (h *harness) since(u tgsim.User, n int) []tgsim.Message {
	msgs := h.Sim.BotMessages(u.ID)
	if n > len(msgs) {
		return nil
	}
	return msgs[n:]
}

// buttonData is the callback data of m's button whose label contains label, or "".
func buttonData(m tgsim.Message, label string) string {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.CallbackData
			}
		}
	}
	return ""
}

// card is an item's card: the message above the line that leads back to the list.
func (h *harness) card(u tgsim.User) tgsim.Message {
	h.T.Helper()
	msgs := h.Sim.BotMessages(u.ID)
	if len(msgs) < 2 || !msgs[len(msgs)-1].HasButton(buttonData(msgs[len(msgs)-1], "↩️")) {
		h.T.Fatalf("the last message of chat %d is not the line back to the list", u.ID)
	}
	return msgs[len(msgs)-2]
}
