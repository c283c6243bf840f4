package ask

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

const (
	maxSearchRunes  = 500 // a longer message is searched by its beginning
	maxSnippetRunes = 420 // the part of a section shown on the card
	maxButtonRunes  = 30  // a title on a button to another match
	maxEventDocs    = 100 // upcoming events searched
)

// Words that make a message a greeting or a thank-you rather than a question, folded.
var (
	helloWords  = wordSet("سلام درود سلامعلیکم علیک hi hello hey salam slm salaam")
	thanksWords = wordSet("ممنون ممنونم مرسی متشکرم تشکر سپاس سپاسگزارم thanks thank thx")
	politeWords = wordSet("وقت وقتتون وقتتان بخیر به خیر صبح عصر ظهر شب روز خسته نباشید نباشی عزیز جان دوست خیلی زیاد good morning evening day you very much dear و")
)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(fold(words)) {
		m[w] = true
	}
	return m
}

// greeting tells a greeting («سلام»، «درود، وقت بخیر») or a thank-you from a question: every word of it
// is such a word. It returns "hello", "thanks" or "".
func greeting(text string) string {
	kind := ""
	words := splitWords(fold(text))
	if len(words) == 0 || len(words) > 6 {
		return ""
	}
	for _, w := range words {
		t := strings.ReplaceAll(w.text, string(zwnj), "")
		switch {
		case helloWords[t]:
			kind = "hello"
		case thanksWords[t]:
			if kind == "" {
				kind = "thanks"
			}
		case politeWords[t]:
		default:
			return ""
		}
	}
	return kind
}

// hasWords reports whether text has a word a question could have: letters, and not longer than any
// word is.
func hasWords(text string) bool {
	for _, w := range splitWords(fold(text)) {
		if n := utf8.RuneCountInString(w.text); n >= 2 && n <= 40 && strings.IndexFunc(w.text, unicode.IsLetter) >= 0 {
			return true
		}
	}
	return false
}

// handleText answers free text outside any step: a greeting with a greeting and the main menu, anything
// else as a question.
func (f *Feature) handleText(ctx context.Context, c *bot.Ctx) error {
	if c.User.Step != "" {
		return bot.HandleUnexpected(ctx, c) // a step that no longer takes input: the journey's menu
	}
	m := c.Update.Message
	text := strings.TrimSpace(m.Text)
	if strings.HasPrefix(text, "/") || !hasWords(text) {
		// A command for another bot, emoji, a keyboard mash: not a question. The journey's menu.
		return bot.HandleUnexpected(ctx, c)
	}
	switch greeting(text) {
	case "hello":
		return f.replyWithMenu(ctx, c, c.T("AskHello"), nil)
	case "thanks":
		return f.replyWithMenu(ctx, c, c.T("AskThanks"), nil)
	}
	ix, err := f.ensureIndex()
	if err != nil {
		return err
	}
	events := f.upcomingEvents(ix)
	q := text
	if r := []rune(q); len(r) > maxSearchRunes {
		q = string(r[:maxSearchRunes])
	}
	res, err := ix.Search(q, c.Lang, events)
	if errors.Is(err, ErrClosed) { // replaced by a reload while this question came in
		if ix, err = f.ensureIndex(); err != nil {
			return err
		}
		res, err = ix.Search(q, c.Lang, f.upcomingEvents(ix))
	}
	if err != nil {
		return err
	}
	if len(res.Terms) == 0 {
		return bot.HandleUnexpected(ctx, c) // «چی؟», «ok»: nothing to search for
	}
	masked := Mask(bot.Truncate(text, maxSearchRunes))
	rec := &store.AskedQuestion{
		UserID: c.User.ID, MessageID: m.MessageID, Length: utf8.RuneCountInString(text),
		Text: masked, Norm: ix.NormKey(masked), Lang: c.Lang,
		Answered: res.Confident(), Topic: guessTopic(res),
	}
	if b := res.Best(); b != nil && rec.Answered {
		rec.Source = b.Doc.Key()
	}
	if err := c.Apply(func(tx *store.Tx, _ *store.User) error { return tx.AddAskedQuestion(rec) }); err != nil {
		return err
	}
	if !rec.Answered {
		return f.sendNoAnswer(ctx, c, rec.ID)
	}
	return f.sendCard(ctx, c, ix, res, rec.ID)
}

// upcomingEvents reads the upcoming events from the store (they change while the bot runs) and prepares
// them for the search, again only when they changed. A failure only leaves events out of this answer.
func (f *Feature) upcomingEvents(ix *Index) *Events {
	var docs []*doc
	if err := f.Store.View(func(tx *store.Tx) error {
		docs = eventDocs(tx, f.Now(), maxEventDocs)
		return nil
	}); err != nil {
		f.Logger.Warn("ask: read upcoming events", "err", err)
		return nil
	}
	ev := ix.PrepareEvents(f.events.Load(), docs)
	f.events.Store(ev)
	return ev
}

// guessTopic is the consultants' topic of the first match that has one, else "other".
func guessTopic(res Result) string {
	for _, m := range res.Matches {
		if m.Doc.Topic != "" {
			return m.Doc.Topic
		}
	}
	return "other"
}

// replyWithMenu answers with text, extra rows of buttons, then the main menu.
func (f *Feature) replyWithMenu(ctx context.Context, c *bot.Ctx, text string, rows [][]tgbotapi.InlineKeyboardButton) error {
	if kb := c.MainMenu(); kb != nil {
		rows = append(rows, kb.InlineKeyboard...)
	}
	var markup any
	if len(rows) > 0 {
		markup = tgbotapi.NewInlineKeyboardMarkup(rows...)
	}
	_, err := c.Reply(ctx, text, markup)
	return err
}

// sendNoAnswer says plainly that nothing answers the question and offers a consultant and the main menu.
func (f *Feature) sendNoAnswer(ctx context.Context, c *bot.Ctx, id uint64) error {
	var rows [][]tgbotapi.InlineKeyboardButton
	text := c.T("AskNoAnswer")
	if f.CanHandOff() {
		text = c.T("AskNoAnswerConsult")
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actConsult.Button(c.T("AskConsultButton"), idArg(id))))
	}
	return f.replyWithMenu(ctx, c, text, rows)
}

func idArg(id uint64) string { return strconv.FormatUint(id, 10) }

// sendCard shows the best match as a card (its title, the snippet with the question's words in bold,
// where it comes from) with a button to open it, the other matches as buttons, and the feedback row.
func (f *Feature) sendCard(ctx context.Context, c *bot.Ctx, ix *Index, res Result, id uint64) error {
	best := res.Best().Doc
	cat := f.Content()
	var b strings.Builder
	b.WriteString(kindEmoji(best.Kind) + " <b>" + bot.Escape(best.Title) + "</b>\n")
	if best.Heading != "" {
		b.WriteString("<i>" + bot.Escape(best.Heading) + "</i>\n")
	}
	b.WriteString("\n")
	if e := cat.FAQEntry(best.ID); best.Kind == kindFAQ && e != nil {
		b.WriteString(e.AnswerHTML(c.Lang)) // the FAQ's answer is the answer: shown whole, formatted
	} else {
		b.WriteString(ix.Snippet(best.Body, res.Terms, maxSnippetRunes))
	}
	b.WriteString("\n\n📍 " + f.source(c, cat, best))

	var rows [][]tgbotapi.InlineKeyboardButton
	if data, ok := f.OpenData(best.Kind, best.ID); ok {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("AskOpen_"+best.Kind), data)))
	}
	for _, m := range res.Matches[1:] {
		if btn, ok := f.matchButton(c, m.Doc); ok {
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(btn))
		}
	}
	rows = append(rows, f.feedbackRow(c, id, true))
	_, err := c.Reply(ctx, b.String(), tgbotapi.NewInlineKeyboardMarkup(rows...))
	return err
}

// feedbackRow is [👍][👎][🙋]; after feedback only 🙋 stays.
func (f *Feature) feedbackRow(c *bot.Ctx, id uint64, withFeedback bool) []tgbotapi.InlineKeyboardButton {
	var row []tgbotapi.InlineKeyboardButton
	if withFeedback {
		row = append(row, actFeedback.Button(c.T("AskHelpfulButton"), idArg(id), "u"), actFeedback.Button(c.T("AskNotThisButton"), idArg(id), "d"))
	}
	if f.CanHandOff() {
		row = append(row, actConsult.Button(c.T("AskConsultButton"), idArg(id)))
	}
	return row
}

// matchButton opens another match: where its feature shows it, or (a FAQ entry) its answer here.
func (f *Feature) matchButton(c *bot.Ctx, d *doc) (tgbotapi.InlineKeyboardButton, bool) {
	label := kindEmoji(d.Kind) + " " + bot.Truncate(d.Title, maxButtonRunes)
	if d.Kind == kindFAQ {
		return actFAQ.Button(label, d.ID), true
	}
	data, ok := f.OpenData(d.Kind, d.ID)
	if !ok {
		return tgbotapi.InlineKeyboardButton{}, false
	}
	return tgbotapi.NewInlineKeyboardButtonData(label, data), true
}

func kindEmoji(kind string) string {
	switch kind {
	case kindLesson:
		return "📖"
	case kindFAQ:
		return "❓"
	case kindLibrary:
		return "📚"
	case kindResource:
		return "📄"
	case kindCentre:
		return "🏢"
	case kindStory:
		return "🌱"
	case kindEvent:
		return "📅"
	}
	return "•"
}

// source says where an answer comes from: «درس ۴ از دورهٔ «…»», «پرسش‌های رایج توان», «کتابخانه» ….
func (f *Feature) source(c *bot.Ctx, cat *lessons.Catalog, d *doc) string {
	switch d.Kind {
	case kindLesson:
		if l := cat.Lesson(d.ID); l != nil && l.Course != nil {
			return c.T("AskFromLesson", "N", c.Num(l.Index+1), "Course", bot.Escape(c.Content(l.Course.Title)))
		}
	case kindEvent:
		var when string
		if id, err := strconv.ParseInt(d.ID, 10, 64); err == nil {
			_ = f.Store.View(func(tx *store.Tx) error {
				if e, err := tx.Event(id); err == nil {
					when = c.Date(e.Start.In(f.Location)) + "، " + c.Time(e.Start.In(f.Location))
				}
				return nil
			})
		}
		return c.T("AskFromEvent", "When", when)
	}
	return c.T("AskFrom_" + d.Kind)
}

// question loads the pressed card's question; nil when it is gone (pruned, or the learner's data erased).
func (f *Feature) question(c *bot.Ctx) (*store.AskedQuestion, error) {
	if len(c.Data) < 1 {
		return nil, nil
	}
	id, err := strconv.ParseUint(c.Data[0], 10, 64)
	if err != nil {
		return nil, nil
	}
	var q *store.AskedQuestion
	err = f.Store.View(func(tx *store.Tx) error {
		var err error
		q, err = tx.AskedQuestion(c.User.ID, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return q, err
}

// handleFeedback records 👍 or 👎 on an answer and leaves only [🙋] in the feedback row.
func (f *Feature) handleFeedback(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 || (c.Data[1] != "u" && c.Data[1] != "d") {
		return bot.HandleStaleButton(ctx, c)
	}
	q, err := f.question(c)
	if err != nil {
		return err
	}
	if q == nil {
		return bot.HandleStaleButton(ctx, c)
	}
	vote := 1
	if c.Data[1] == "d" {
		vote = -1
	}
	if err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		q, err := tx.AskedQuestion(c.User.ID, q.ID)
		if err != nil {
			return err
		}
		q.Feedback = vote
		return tx.PutAskedQuestion(q)
	}); err != nil {
		return err
	}
	toast := "AskThanksHelpful"
	if vote < 0 {
		toast = "AskThanksNotThis"
	}
	_ = c.Toast(ctx, c.T(toast), vote < 0)
	if msg := c.Update.CallbackQuery.Message; msg != nil && msg.ReplyMarkup != nil {
		rows := msg.ReplyMarkup.InlineKeyboard
		if n := len(rows); n > 0 {
			rows = append(rows[:n-1:n-1], f.feedbackRow(c, q.ID, false))
			if len(rows[len(rows)-1]) == 0 {
				rows = rows[:len(rows)-1]
			}
			if err := f.Request(ctx, tgbotapi.NewEditMessageReplyMarkup(c.ChatID, msg.MessageID, tgbotapi.NewInlineKeyboardMarkup(rows...))); err != nil && !bot.IsNotModified(err) {
				f.Logger.Warn("ask: drop the feedback buttons", "err", err)
			}
		}
	}
	return nil
}

// handleConsult hands the question to a consultant: the club opens with the question filled in (the
// learner's own message) and the topic guessed from the matches.
func (f *Feature) handleConsult(ctx context.Context, c *bot.Ctx) error {
	q, err := f.question(c)
	if err != nil {
		return err
	}
	if q == nil {
		return bot.HandleStaleButton(ctx, c)
	}
	if !f.CanHandOff() {
		return c.Fail("AskNoConsultants")
	}
	_ = c.Toast(ctx, "", false)
	return f.HandOff(ctx, c, bot.Handoff{MessageID: q.MessageID, Length: q.Length, Topic: q.Topic})
}

// handleFAQ shows a FAQ entry's answer (another match under a card).
func (f *Feature) handleFAQ(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	e := f.Content().FAQEntry(c.Data[0])
	if e == nil {
		return c.Fail("AskGone")
	}
	_ = c.Toast(ctx, "", false)
	text := "❓ <b>" + bot.Escape(c.Content(e.Question)) + "</b>\n\n" + e.AnswerHTML(c.Lang) + "\n\n📍 " + c.T("AskFrom_faq")
	_, err := c.Reply(ctx, text, nil)
	return err
}
