package library

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// The program's other sections — library, free resources, centres, stories — are browsed the same way:
// a list in ONE message whose page, filter and search change by editing it, and a card per item sent as
// new messages so the list stays where it is. Buttons carry only ASCII ids: a search's text stays on the
// server (store.Browse) and the buttons carry its sequence number.

// Section ids, used in button data.
const (
	secLibrary   = "lib"
	secResources = "res"
	secCentres   = "cen"
	secStories   = "sto"
)

var sectionIDs = []string{secLibrary, secResources, secCentres, secStories}

// Conversation steps of the sections (registered in register.go).
const (
	stepSearch     = "srch"   // waiting for a search query; StepData is "<section>:<prompt message id>"
	stepNearCentre = "cenloc" // waiting for a shared location (a reply keyboard offers the button)
)

const (
	pageSize      = 5
	maxQueryRunes = 100
	filterAll     = "-"
)

// tagOrder is the order tag filters are offered in (the content's allowed tags).
var tagOrder = []string{"idea", "startup", "marketing", "finance", "home", "family", "youth", "social", "mindset", "management"}

// entry is a uniform view of one item of a section, for lists, filters and search.
type entry struct {
	id     string
	title  lessons.Text
	kind   string   // library: book|article; centres: training|accelerator|coworking|incubator
	tags   []string // tag filters
	search []string // other texts a search looks at (every language)
	line   func(c *bot.Ctx) string
	lat    float64
	lon    float64
	dist   float64 // km from the learner, for "nearest centres"
}

// sectionEntries lists a section's items in content order.
func (f *Feature) sectionEntries(cat *lessons.Catalog, sec string) []entry {
	var out []entry
	switch sec {
	case secLibrary:
		for _, it := range cat.Library {
			it := it
			out = append(out, entry{
				id: it.ID, title: it.Title, kind: it.Kind, tags: it.Tags,
				search: append(f.tagNames(it.Tags), it.OriginalTitle, it.Author.FA, it.Author.EN, it.Summary.FA, it.Summary.EN,
					it.Why.FA, it.Why.EN, f.Texts.T("fa", "Kind_"+it.Kind), f.Texts.T("en", "Kind_"+it.Kind)),
				line: func(c *bot.Ctx) string {
					return kindEmoji(it.Kind) + " <b>" + bot.Escape(c.Content(it.Title)) + "</b> — " + bot.Escape(bot.Truncate(c.Content(it.Author), 60))
				},
			})
		}
	case secResources:
		for _, r := range cat.Resources {
			r := r
			out = append(out, entry{
				id: r.ID, title: r.Title, tags: r.Tags,
				search: append(f.tagNames(r.Tags), r.Description.FA, r.Description.EN),
				line:   func(c *bot.Ctx) string { return "📝 <b>" + bot.Escape(c.Content(r.Title)) + "</b>" },
			})
		}
	case secCentres:
		for _, ce := range cat.Centres {
			ce := ce
			texts := []string{ce.Address.FA, ce.Address.EN, f.Texts.T("fa", "CentreKind_"+ce.Kind), f.Texts.T("en", "CentreKind_"+ce.Kind)}
			for _, s := range ce.Services {
				texts = append(texts, s.FA, s.EN)
			}
			out = append(out, entry{
				id: ce.ID, title: ce.Name, kind: ce.Kind, search: texts, lat: ce.Lat, lon: ce.Lon,
				line: func(c *bot.Ctx) string {
					return "🏢 <b>" + bot.Escape(c.Content(ce.Name)) + "</b> — " + c.T("CentreKind_"+ce.Kind)
				},
			})
		}
	case secStories:
		for _, s := range cat.Stories {
			s := s
			out = append(out, entry{
				id: s.ID, title: s.Title, tags: s.Tags,
				search: append(f.tagNames(append([]string{s.Field.FA}, s.Tags...)), s.Field.FA, s.Field.EN, s.Body.FA, s.Body.EN),
				line: func(c *bot.Ctx) string {
					return "🌱 <b>" + bot.Escape(c.Content(s.Title)) + "</b> — " + storyField(c, s)
				},
			})
		}
	}
	return out
}

// tagNames are the tags' names in both languages, so that a search for «بازاریابی» finds the marketing tag.
func (f *Feature) tagNames(tags []string) []string {
	var out []string
	for _, t := range tags {
		if slices.Contains(tagOrder, t) {
			out = append(out, f.Texts.T("fa", "Tag_"+t), f.Texts.T("en", "Tag_"+t))
		}
	}
	return out
}

// storyField names a story's line of work: a known tag gets its localized name, anything else is shown as
// written.
func storyField(c *bot.Ctx, s *lessons.Story) string {
	if slices.Contains(tagOrder, s.Field.FA) {
		return c.T("Tag_" + s.Field.FA)
	}
	return bot.Escape(s.Field.In(c.Lang))
}

func kindEmoji(kind string) string {
	if kind == "article" {
		return "📄"
	}
	return "📘"
}

// view is what a list message shows: a section, an optional filter, an optional search and a page.
type view struct {
	sec    string
	filter string // filterAll, "t.<tag>" or "k.<kind>"
	seq    uint32 // 0: the whole section; else the learner's store.Browse with this sequence number
	page   int    // 0-based
}

func (v view) data(action bot.Action) string {
	return action.Data(v.sec, v.filter, strconv.FormatUint(uint64(v.seq), 10), strconv.Itoa(v.page))
}

// parseView reads the arguments of view buttons; ok is false for anything malformed.
func parseView(args []string) (view, bool) {
	if len(args) != 4 || !slices.Contains(sectionIDs, args[0]) {
		return view{}, false
	}
	seq, err1 := strconv.ParseUint(args[2], 10, 32)
	page, err2 := strconv.Atoi(args[3])
	if err1 != nil || err2 != nil || page < 0 || page > 10000 {
		return view{}, false
	}
	f := args[1]
	if f != filterAll && !strings.HasPrefix(f, "t.") && !strings.HasPrefix(f, "k.") {
		return view{}, false
	}
	return view{sec: args[0], filter: f, seq: uint32(seq), page: page}, true
}

func (f *Feature) sectionCommand(sec string) bot.HandlerFunc {
	return func(ctx context.Context, c *bot.Ctx) error {
		return f.showView(ctx, c, view{sec: sec, filter: filterAll})
	}
}

// handleSectionView turns a page, applies a filter or goes back from a prompt.
func (f *Feature) handleSectionView(ctx context.Context, c *bot.Ctx) error {
	v, ok := parseView(c.Data)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	if c.User.Step == stepSearch || c.User.Step == stepNearCentre {
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
			return err
		}
	}
	return f.showView(ctx, c, v)
}

// resolved is a view with its items: filtered, searched, sorted and cut to the page.
type resolved struct {
	view
	all    []entry // every matching item
	query  string  // the search text, if any
	near   bool    // sorted by distance from the learner
	kinds  []string
	tags   []string
	sample bool
}

// resolve applies v to the current content; ok is false when v's search is not the learner's latest.
func (f *Feature) resolve(c *bot.Ctx, v view) (resolved, bool, error) {
	cat := f.Content()
	res := resolved{view: v, sample: v.sec == secCentres && cat.CentresAreSample}
	entries := f.sectionEntries(cat, v.sec)
	for _, e := range entries {
		if e.kind != "" && !slices.Contains(res.kinds, e.kind) {
			res.kinds = append(res.kinds, e.kind)
		}
		for _, t := range e.tags {
			if !slices.Contains(res.tags, t) {
				res.tags = append(res.tags, t)
			}
		}
	}
	slices.SortStableFunc(res.tags, func(a, b string) int { return slices.Index(tagOrder, a) - slices.Index(tagOrder, b) })
	if v.seq != 0 {
		var br store.Browse
		if err := f.Store.View(func(tx *store.Tx) error {
			var err error
			br, err = tx.Browse(c.User.ID)
			return err
		}); err != nil {
			return res, false, err
		}
		if br.Seq != v.seq || br.Section != v.sec {
			return res, false, nil
		}
		switch {
		case br.Near:
			res.near = true
			for i := range entries {
				entries[i].dist = haversineKm(br.Lat, br.Lon, entries[i].lat, entries[i].lon)
			}
			slices.SortStableFunc(entries, func(a, b entry) int {
				switch {
				case a.dist < b.dist:
					return -1
				case a.dist > b.dist:
					return 1
				}
				return 0
			})
		default:
			res.query = br.Query
			entries = searchEntries(entries, br.Query)
		}
	}
	if v.filter != filterAll {
		kind, isKind := strings.CutPrefix(v.filter, "k.")
		tag, _ := strings.CutPrefix(v.filter, "t.")
		entries = slices.DeleteFunc(entries, func(e entry) bool {
			if isKind {
				return e.kind != kind
			}
			return !slices.Contains(e.tags, tag)
		})
	}
	res.all = entries
	return res, true, nil
}

// validFilter reports whether f is a filter the section offers.
func (r resolved) validFilter(f string) bool {
	if f == filterAll {
		return true
	}
	if k, ok := strings.CutPrefix(f, "k."); ok {
		return slices.Contains(r.kinds, k)
	}
	t, _ := strings.CutPrefix(f, "t.")
	return slices.Contains(r.tags, t)
}

func (r resolved) pages() int { return max(1, (len(r.all)+pageSize-1)/pageSize) }

// showView renders v in the message the button came from, or in a new message.
func (f *Feature) showView(ctx context.Context, c *bot.Ctx, v view) error {
	res, ok, err := f.resolve(c, v)
	if err != nil {
		return err
	}
	if !ok {
		return c.Toast(ctx, c.T("SearchExpired"), true)
	}
	if !res.validFilter(v.filter) {
		return bot.HandleStaleButton(ctx, c)
	}
	text, kb := f.renderView(c, res)
	return c.Menu(ctx, text, kb)
}

// renderView draws a list page: a header, the items of the page, and the buttons.
func (f *Feature) renderView(c *bot.Ctx, res resolved) (string, *tgbotapi.InlineKeyboardMarkup) {
	if res.page >= res.pages() {
		res.page = res.pages() - 1 // the content shrank since the button was made
	}
	sec := res.sec
	lines := []string{"<b>" + c.T("SectionTitle_"+sec) + "</b>"}
	switch {
	case res.near:
		lines = append(lines, c.T("NearHeader"))
	case res.query != "":
		lines = append(lines, c.T("SearchHeader", "Query", bot.Escape(res.query), "Count", c.Num(len(res.all))))
	default:
		lines = append(lines, c.T("SectionIntro_"+sec))
	}
	if res.filter != filterAll {
		lines = append(lines, c.T("FilterHeader", "Filter", filterName(c, res.filter)))
	}
	if res.sample {
		lines = append(lines, c.T("CentresSampleNote"))
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	if len(res.all) == 0 {
		if res.query != "" || res.filter != filterAll {
			lines = append(lines, "", c.T("SecNothingFound"))
		} else {
			lines = append(lines, "", c.T("SectionEmpty"))
		}
	} else {
		lines = append(lines, "")
		from := res.page * pageSize
		to := min(from+pageSize, len(res.all))
		for i, e := range res.all[from:to] {
			n := from + i + 1
			line := c.Num(n) + ". " + e.line(c)
			if res.near {
				line += " · 📍 " + distance(c.Voice, e.dist)
			}
			lines = append(lines, line)
			label := c.Num(n) + ". " + bot.Truncate(e.title.In(c.Lang), 40)
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, itemData(res.view, e.id))))
		}
		if res.pages() > 1 {
			lines = append(lines, "", c.T("SecPageOf", "Page", c.Num(res.page+1), "Pages", c.Num(res.pages())))
			var nav []tgbotapi.InlineKeyboardButton
			if res.page > 0 {
				prev := res.view
				prev.page--
				nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(c.T("SecPagePrev", "Page", c.Num(prev.page+1)), prev.data(actSectionView)))
			}
			if res.page+1 < res.pages() {
				next := res.view
				next.page++
				nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(c.T("SecPageNext", "Page", c.Num(next.page+1)), next.data(actSectionView)))
			}
			rows = append(rows, nav)
		}
	}
	var tools []tgbotapi.InlineKeyboardButton
	if len(res.kinds)+len(res.tags) > 0 {
		tools = append(tools, tgbotapi.NewInlineKeyboardButtonData(c.T("SecFilterButton"), res.data(actSectionFilters)))
	}
	tools = append(tools, actSectionSearch.Button(c.T("SecSearchButton"), sec, res.filter))
	rows = append(rows, tools)
	if sec == secCentres {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actNearPrompt.Button(c.T("NearButton"))))
	}
	if res.filter != filterAll || res.seq != 0 {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
			c.T("ShowAllButton", "Section", c.T("SectionTitle_"+sec)), view{sec: sec, filter: filterAll}.data(actSectionView))))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return strings.Join(lines, "\n"), &kb
}

// filterName is a filter's label in the user's language.
func filterName(c *bot.Ctx, filter string) string {
	if k, ok := strings.CutPrefix(filter, "k."); ok {
		if c.T("Kind_"+k) != "Kind_"+k {
			return c.T("Kind_" + k)
		}
		return c.T("CentreKind_" + k)
	}
	t, _ := strings.CutPrefix(filter, "t.")
	return c.T("Tag_" + t)
}

// handleSectionFilters shows the filters of a view's section in the same message.
func (f *Feature) handleSectionFilters(ctx context.Context, c *bot.Ctx) error {
	v, ok := parseView(c.Data)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	res, ok, err := f.resolve(c, v)
	if err != nil {
		return err
	}
	if !ok {
		return c.Toast(ctx, c.T("SearchExpired"), true)
	}
	button := func(filter, label string) tgbotapi.InlineKeyboardButton {
		if filter == v.filter {
			label = "✓ " + label
		}
		to := v
		to.filter, to.page = filter, 0
		return tgbotapi.NewInlineKeyboardButtonData(label, to.data(actSectionView))
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(button(filterAll, c.T("SecFilterAll"))))
	var row []tgbotapi.InlineKeyboardButton
	flush := func() {
		if len(row) > 0 {
			rows = append(rows, row)
			row = nil
		}
	}
	for _, k := range res.kinds {
		row = append(row, button("k."+k, filterName(c, "k."+k)))
		if len(row) == 2 {
			flush()
		}
	}
	flush()
	for _, t := range res.tags {
		row = append(row, button("t."+t, c.T("Tag_"+t)))
		if len(row) == 3 {
			flush()
		}
	}
	flush()
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("BackButton"), v.data(actSectionView))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, "<b>"+c.T("SectionTitle_"+v.sec)+"</b>\n"+c.T("SecChooseFilter"), &kb)
}

// handleSectionSearch asks for a search query; the next typed message is the query.
func (f *Feature) handleSectionSearch(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 || !slices.Contains(sectionIDs, c.Data[0]) {
		return bot.HandleStaleButton(ctx, c)
	}
	sec := c.Data[0]
	prompt := 0
	if q := c.Update.CallbackQuery; q != nil && q.Message != nil {
		prompt = q.Message.MessageID
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		u.Step, u.StepData = stepSearch, sec+":"+strconv.Itoa(prompt)
		return nil
	}); err != nil {
		return err
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("SecCancelButton"), view{sec: sec, filter: filterAll}.data(actSectionView))))
	return c.Menu(ctx, "<b>"+c.T("SectionTitle_"+sec)+"</b>\n"+c.T("SearchPrompt"), &kb)
}

// handleSearchQuery reads a typed query and shows the results in a new message, paged like the list.
func (f *Feature) handleSearchQuery(ctx context.Context, c *bot.Ctx) error {
	m := c.Update.Message
	sec, promptStr, _ := strings.Cut(c.User.StepData, ":")
	if !slices.Contains(sectionIDs, sec) {
		sec = secLibrary
	}
	if m.Location != nil && sec == secCentres {
		return f.handleLocation(ctx, c)
	}
	if m.Text == "" {
		return c.Fail("SearchNotText")
	}
	query := strings.Join(strings.Fields(m.Text), " ") // kept as typed (shown back); matching normalizes
	if n := utf8.RuneCountInString(query); n > maxQueryRunes {
		return c.Fail("SearchTooLong", "Max", c.Num(maxQueryRunes))
	}
	if persian.SearchKey(query) == "" {
		return c.Fail("SearchEmpty")
	}
	var br store.Browse
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		var err error
		br, err = tx.NewBrowse(u.ID, store.Browse{Section: sec, Query: query})
		return err
	}); err != nil {
		return err
	}
	if prompt, err := strconv.Atoi(promptStr); err == nil && prompt > 0 {
		// The prompt's cancel button would now undo nothing: turn it into a plain record of the search.
		if err := f.EditText(ctx, c.ChatID, prompt, c.T("SearchedFor", "Query", bot.Escape(query)), nil); err != nil {
			f.Logger.Debug("edit search prompt", "err", err)
		}
	}
	return f.showView(ctx, c, view{sec: sec, filter: filterAll, seq: br.Seq})
}

// searchEntries keeps the entries matching query, best first: a match in the title before a match in the
// other texts. Matching ignores the spelling variants people type (ي/ی, ك/ک, ZWNJ or space, digits): the
// whole query may appear anywhere, or every word of it.
func searchEntries(entries []entry, query string) []entry {
	key := persian.SearchKey(query)
	if key == "" {
		return nil // nothing to look for (the handler refuses such a query before it gets here)
	}
	var words []string
	for _, w := range strings.Fields(persian.Normalize(query)) {
		if k := persian.SearchKey(w); k != "" {
			words = append(words, k)
		}
	}
	type scored struct {
		e     entry
		score int
	}
	var hits []scored
	for _, e := range entries {
		title := persian.SearchKey(e.title.FA) + "\x00" + persian.SearchKey(e.title.EN)
		rest := title
		for _, s := range e.search {
			rest += "\x00" + persian.SearchKey(s)
		}
		score := 0
		switch {
		case strings.Contains(title, key):
			score = 4
		case allIn(title, words):
			score = 3
		case strings.Contains(rest, key):
			score = 2
		case allIn(rest, words):
			score = 1
		}
		if score > 0 {
			hits = append(hits, scored{e, score})
		}
	}
	slices.SortStableFunc(hits, func(a, b scored) int { return b.score - a.score })
	out := make([]entry, len(hits))
	for i, h := range hits {
		out[i] = h.e
	}
	return out
}

func allIn(s string, words []string) bool {
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// digits writes the ASCII digits of s in the user's script (years, ids: no thousands separators).
func digits(c *bot.Ctx, s string) string {
	if c.Lang == "fa" {
		return persian.Digits(s)
	}
	return s
}
