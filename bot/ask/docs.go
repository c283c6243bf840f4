package ask

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// Source kinds: a search result names where it comes from as "<kind>:<id>". A lesson's sections and its
// quiz explanations are all the lesson's.
const (
	kindLesson   = "lesson"
	kindFAQ      = "faq"
	kindLibrary  = "library"
	kindResource = "resource"
	kindCentre   = "centre"
	kindStory    = "story"
	kindEvent    = "event"
)

// doc is one searchable piece of content in one language: a lesson section, a quiz explanation, a FAQ
// entry, a library item … The index holds its words; the card shows Title and a snippet of Body.
type doc struct {
	Kind, ID string
	Lang     string // fa or en
	Title    string // the item's title (for a lesson section: the lesson's, then the section's heading)
	Heading  string // a lesson section's heading, if it has one
	Body     string // plain text
	Extra    string // words that place it (a course's title, a centre's kind): weak evidence
	Also     string // a FAQ entry's other phrasings: as strong as its question
	Topic    string // a consultants' topic it belongs to, "" for none
}

// Key is the source's "<kind>:<id>".
func (d *doc) Key() string { return d.Kind + ":" + d.ID }

// mdNoise is Markdown's markup that does not read as words: emphasis, list and heading markers, links.
var (
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdMarkers  = regexp.MustCompile(`(?m)^\s*(?:[-*+]|\d+[.)]|#+|>)\s+`)
	mdEmphasis = strings.NewReplacer("**", "", "__", "", "*", "", "`", "")
)

// plain turns Markdown into plain text, lines kept.
func plain(md string) string {
	md = mdLink.ReplaceAllString(md, "$1")
	md = mdMarkers.ReplaceAllString(md, "")
	return strings.TrimSpace(mdEmphasis.Replace(md))
}

// section is a part of a lesson: the heading above it (if any) and its paragraphs.
type section struct{ heading, text string }

// sections cuts a lesson body into parts small enough to point into: each paragraph (a list counts as
// one), a short lead-in line («از مبهم تا روشن:») kept with what follows, under the latest heading.
func sections(md string) []section {
	var out []section
	heading, pending := "", ""
	for _, block := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n\n") {
		block = strings.TrimSpace(block)
		if block == "" {
			continue
		}
		if strings.HasPrefix(block, "#") && !strings.Contains(block, "\n") {
			heading = plain(block)
			continue
		}
		text := plain(block)
		if pending != "" {
			text = pending + "\n" + text
			pending = ""
		}
		if len([]rune(text)) < 60 {
			pending = text
			continue
		}
		out = append(out, section{heading, text})
	}
	if pending != "" {
		out = append(out, section{heading, pending})
	}
	return out
}

// topicOfCourse guesses the consultants' topic of a course from its category and tracks.
func topicOfCourse(co *lessons.Course) string {
	switch co.Category {
	case "marketing", "finance", "social":
		return co.Category
	}
	for _, t := range co.Tracks {
		if t == "home" {
			return "home"
		}
	}
	return ""
}

// topicOfTags guesses a topic from a section item's tags.
func topicOfTags(tags []string) string {
	for _, t := range tags {
		switch t {
		case "marketing", "finance", "social", "home":
			return t
		}
	}
	return ""
}

// catalogDocs lists everything learners can open in the catalog, in Persian and (where written) English.
func catalogDocs(cat *lessons.Catalog) []*doc {
	var out []*doc
	add := func(d doc) {
		if strings.TrimSpace(d.Title+d.Body+d.Also) != "" {
			out = append(out, &d)
		}
	}
	both := func(t lessons.Text, fn func(lang, s string)) {
		fn("fa", t.FA)
		if t.EN != "" {
			fn("en", t.EN)
		}
	}
	for _, co := range cat.Courses {
		topic := topicOfCourse(co)
		for _, l := range co.Lessons {
			both(l.Body, func(lang, body string) {
				title := l.Title.In(lang)
				extra := co.Title.In(lang)
				for _, s := range sections(body) {
					add(doc{Kind: kindLesson, ID: l.ID, Lang: lang, Title: title, Heading: s.heading, Body: s.text, Extra: extra, Topic: topic})
				}
			})
			for _, q := range l.Quiz {
				both(q.Explanation, func(lang, expl string) {
					add(doc{Kind: kindLesson, ID: l.ID, Lang: lang, Title: l.Title.In(lang), Body: plain(q.Question.In(lang)) + "\n" + plain(expl), Extra: co.Title.In(lang), Topic: topic})
				})
			}
		}
	}
	for _, e := range cat.FAQ {
		both(e.Question, func(lang, q string) {
			body := e.Answer.FA
			if lang == "en" && e.Answer.EN != "" {
				body = e.Answer.EN
			}
			topic := e.Topic
			if topic == "other" {
				topic = ""
			}
			add(doc{Kind: kindFAQ, ID: e.ID, Lang: lang, Title: q, Body: plain(body), Also: strings.Join(e.Also, "\n"), Topic: topic})
		})
	}
	for _, it := range cat.Library {
		both(it.Title, func(lang, title string) {
			body := it.Summary.In(lang) + "\n" + it.Why.In(lang)
			add(doc{Kind: kindLibrary, ID: it.ID, Lang: lang, Title: title, Body: plain(body), Extra: it.Author.In(lang) + " " + it.OriginalTitle, Topic: topicOfTags(it.Tags)})
		})
	}
	for _, r := range cat.Resources {
		both(r.Title, func(lang, title string) {
			add(doc{Kind: kindResource, ID: r.ID, Lang: lang, Title: title, Body: plain(r.Description.In(lang)), Topic: topicOfTags(r.Tags)})
		})
	}
	for _, ce := range cat.Centres {
		both(ce.Name, func(lang, name string) {
			var services []string
			for _, s := range ce.Services {
				services = append(services, s.In(lang))
			}
			add(doc{Kind: kindCentre, ID: ce.ID, Lang: lang, Title: name, Body: strings.Join(services, "، ") + "\n" + ce.Address.In(lang), Extra: centreWords(lang, ce.Kind)})
		})
	}
	for _, s := range cat.Stories {
		both(s.Body, func(lang, body string) {
			title := s.Title.In(lang)
			for _, sec := range sections(body) {
				add(doc{Kind: kindStory, ID: s.ID, Lang: lang, Title: title, Body: sec.text, Extra: s.Field.In(lang), Topic: topicOfTags(s.Tags)})
			}
		})
	}
	return out
}

// centreWords are the words people use for a kind of centre, so «شتاب‌دهنده» or «فضای کار اشتراکی»
// finds one.
func centreWords(lang, kind string) string {
	fa := map[string]string{
		"training":    "مرکز آموزش کارآفرینی آموزشگاه کلاس",
		"accelerator": "شتاب‌دهنده سرمایه استارتاپ",
		"coworking":   "فضای کار اشتراکی کوورکینگ میز کار",
		"incubator":   "مرکز رشد پارک علم و فناوری استارتاپ",
	}
	en := map[string]string{
		"training": "training centre course class", "accelerator": "accelerator startup investment",
		"coworking": "coworking space desk", "incubator": "incubator startup science park",
	}
	words := "مرکز کارآفرینی entrepreneurship centre center "
	if lang == "en" {
		return words + en[kind]
	}
	return words + fa[kind]
}

// eventDocs are the upcoming events, read from the store at question time (they change while the bot
// runs); cancelled ones are left out.
func eventDocs(tx *store.Tx, now time.Time, limit int) []*doc {
	var out []*doc
	_ = tx.EventsFrom(now.Add(-12*time.Hour), func(e *store.Event) bool {
		if e.Status == store.EventCancelled || e.End.Before(now) {
			return true
		}
		id := strconv.FormatInt(e.ID, 10)
		place := e.Place.Name + " " + e.Place.Address
		out = append(out, &doc{Kind: kindEvent, ID: id, Lang: "fa", Title: e.Title, Body: e.Description, Extra: place + " " + e.Organizer + " رویداد کارگاه event"})
		if e.TitleEn != "" {
			out = append(out, &doc{Kind: kindEvent, ID: id, Lang: "en", Title: e.TitleEn, Body: e.DescriptionEn, Extra: place + " event"})
		}
		return len(out) < limit
	})
	return out
}
