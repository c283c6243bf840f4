package lessons

import (
	"strings"

	"github.com/tavan7/tavan/bot/tghtml"
)

// FAQ topics: the consultants club's expertise topics, so that a learner whose question an entry does not
// settle can be handed to a consultant of the right kind.
var faqTopics = []string{"marketing", "finance", "legal", "home", "digital", "social", "other"}

// Limits of a FAQ entry. An answer is shown whole in one message under a short heading, so it must leave
// room for that heading and the source line.
const (
	maxFAQQuestion = 300
	maxFAQAnswer   = 3000 // Telegram HTML characters after rendering
	maxFAQAlso     = 12
)

// FAQEntry is one question of the program's FAQ (faq/faq.toml): what Tavan is, how hours count, certificates,
// events, consultants, privacy … Also are other ways learners put the same question (for the search).
type FAQEntry struct {
	ID       string
	Topic    string // one of faqTopics
	Question Text
	Also     []string // other phrasings, Persian or English
	Answer   Text     // Markdown source

	html [2]string // Answer rendered to Telegram HTML: [fa, en]
}

// AnswerHTML is the answer as Telegram HTML in lang (Persian when there is no English).
func (e *FAQEntry) AnswerHTML(lang string) string {
	if h := e.html[langIndex(lang)]; h != "" {
		return h
	}
	return e.html[0]
}

// FAQTopics are the topics a FAQ entry may have.
func FAQTopics() []string { return append([]string(nil), faqTopics...) }

type faqFile struct {
	Entries []struct {
		ID       string   `toml:"id"`
		Topic    string   `toml:"topic"`
		Question string   `toml:"question"`
		Also     []string `toml:"also"`
		Answer   string   `toml:"answer"`
		EN       *struct {
			Question string `toml:"question"`
			Answer   string `toml:"answer"`
		} `toml:"en"`
	} `toml:"entry"`
}

func (l *loader) loadFAQ() {
	const file = "faq/faq.toml"
	data, ok := l.readOptional(file)
	if !ok {
		return
	}
	var ff faqFile
	doc := decodeTOML(&l.reporter, file, string(data), 0, &ff)
	if doc == nil {
		return
	}
	for i, f := range ff.Entries {
		at := func(key ...any) []any { return append([]any{"entry", i}, key...) }
		e := &FAQEntry{ID: f.ID, Topic: f.Topic, Question: Text{FA: f.Question}, Also: f.Also, Answer: Text{FA: f.Answer}}
		good := l.claimID(f.ID, file, doc.line(at("id")...), maxID)
		l.checkOneOf(doc, f.Topic, "topic", faqTopics, at("topic")...)
		l.checkText(doc, f.Question, "question (Persian)", true, maxFAQQuestion, at("question")...)
		if len(f.Also) > maxFAQAlso {
			l.addf(file, doc.line(at("also")...), "also has %d phrasings; at most %d", len(f.Also), maxFAQAlso)
		}
		for _, a := range f.Also {
			l.checkText(doc, a, "also", true, maxFAQQuestion, at("also")...)
		}
		line := doc.line(at("answer")...)
		e.html[0] = l.faqAnswer(file, line, f.Answer, "answer (Persian)")
		if f.EN != nil {
			l.checkText(doc, f.EN.Question, "[entry.en] question", true, maxFAQQuestion, at("en", "question")...)
			e.Question.EN, e.Answer.EN = f.EN.Question, f.EN.Answer
			e.html[1] = l.faqAnswer(file, doc.line(at("en", "answer")...), f.EN.Answer, "[entry.en] answer")
		}
		if good {
			l.cat.FAQ = append(l.cat.FAQ, e)
		}
	}
}

// faqAnswer renders a required Markdown answer and checks that it fits its card.
func (l *loader) faqAnswer(file string, line int, md, name string) string {
	if strings.TrimSpace(md) == "" {
		l.addf(file, line, "%s is required", name)
		return ""
	}
	html, ok := l.renderBody(file, line, md)
	if !ok {
		return ""
	}
	if n, err := tghtml.Len(html); err != nil || n > maxFAQAnswer {
		l.addf(file, line, "%s is %d characters once rendered; at most %d (it is shown whole in one message)", name, n, maxFAQAnswer)
		return ""
	}
	return html
}
