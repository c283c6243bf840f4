package ask_test

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/lessons"
)

var Niloufar = tgsim.User{ID: 201, FirstName: "نیلوفر", LanguageCode: "fa"}

// newHarness starts the whole app and builds Ask Tavan's index before the first question (under -race
// a build inside a question's handling could outlast the harness's wait).
func newHarness(t *testing.T) *apptest.Harness {
	t.Helper()
	return newHarnessOn(t, bot.TelegramPlatform)
}

func newHarnessOn(t *testing.T, p bot.Platform) *apptest.Harness {
	t.Helper()
	h := apptest.NewOn(t, p, nil)
	if err := h.App.Ask.Ready(); err != nil {
		t.Fatal(err)
	}
	return h
}

// ask types a question as u and returns the learner's message and the bot's reply.
func ask(h *apptest.Harness, u tgsim.User, text string) (tgsim.Message, tgsim.Message) {
	h.T.Helper()
	m := h.Sim.SendText(u, text)
	h.Settle()
	return m, h.Last(u)
}

// questions are u's stored questions.
func questions(h *apptest.Harness, u tgsim.User) []store.AskedQuestion {
	h.T.Helper()
	var out []store.AskedQuestion
	if err := h.DB.View(func(tx *store.Tx) error {
		return tx.AskedQuestions(func(q *store.AskedQuestion) bool {
			if q.UserID == u.ID {
				out = append(out, *q)
			}
			return true
		})
	}); err != nil {
		h.T.Fatal(err)
	}
	return out
}

func lastQuestion(h *apptest.Harness, u tgsim.User) store.AskedQuestion {
	h.T.Helper()
	qs := questions(h, u)
	if len(qs) == 0 {
		h.T.Fatalf("no stored question of %s", u.FirstName)
	}
	return qs[len(qs)-1]
}

func hasButtonPrefix(m tgsim.Message, prefix string) bool {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, prefix) {
				return true
			}
		}
	}
	return false
}

func TestQuestionGetsAnswerCard(t *testing.T) {
	apptest.EachPlatform(t, testQuestionGetsAnswerCard)
}

func testQuestionGetsAnswerCard(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p)
	h.Onboard(apptest.Maryam, "fa", "home")
	msg, card := ask(h, apptest.Maryam, "قیمت گذاری محصولات خونگی رو چطوری حساب کنم")
	for _, want := range []string{"📍 درس", "از دورهٔ «"} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("card %q lacks %q", card.Plain, want)
		}
	}
	if bold := strings.Contains(card.Text, "<b>قیمت") || h.Bale() && strings.Contains(card.Text, "*قیمت"); !bold {
		t.Errorf("card %q: the question's words are not in bold", card.Text)
	}
	q := lastQuestion(h, apptest.Maryam)
	if !q.Answered || !strings.HasPrefix(q.Source, "lesson:") || q.MessageID != msg.ID || q.Lang != "fa" {
		t.Errorf("stored question = %+v; want answered from a lesson, message %d", q, msg.ID)
	}
	lessonID := strings.TrimPrefix(q.Source, "lesson:")
	open := h.ButtonData(card, "1|open|"+lessonID)
	for _, prefix := range []string{"1|akf|", "1|akc|"} {
		if !hasButtonPrefix(card, prefix) {
			t.Errorf("card buttons %q lack %s…", card.ButtonTexts(), prefix)
		}
	}
	if len(card.InlineKeyboard) < 3 {
		t.Errorf("card keyboard %q: want the open button, other matches and the feedback row", card.ButtonTexts())
	}
	// [open it there] opens the lesson through the learning feature.
	h.PressData(apptest.Maryam, card, open)
	title := apptest.EmbeddedCatalog(t).Lesson(lessonID).Title.FA
	if got := h.BotTexts(apptest.Maryam); !strings.Contains(strings.Join(got[len(got)-3:], "\n"), title) {
		t.Errorf("after [open] the chat ends with %q; want lesson %q", got[len(got)-3:], title)
	}
	// Commands keep working as before.
	h.Send(apptest.Maryam, "/me")
	if strings.Contains(h.Last(apptest.Maryam).Plain, "📍") {
		t.Errorf("/me was answered as a question")
	}
}

func TestFeedbackIsRecorded(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.Maryam, "fa", "home")
	_, card := ask(h, apptest.Maryam, "مجوز مشاغل خانگی رو از کجا بگیرم")
	q := lastQuestion(h, apptest.Maryam)
	h.PressData(apptest.Maryam, card, h.ButtonData(card, "1|akf|"+idOf(q)+"|u"))
	if got := lastQuestion(h, apptest.Maryam).Feedback; got != 1 {
		t.Errorf("after 👍 feedback = %d; want 1", got)
	}
	edited := messageByID(h, apptest.Maryam, card.ID)
	if hasButtonPrefix(edited, "1|akf|") || !hasButtonPrefix(edited, "1|akc|") {
		t.Errorf("after 👍 the card's buttons are %q; want 🙋 without 👍👎", edited.ButtonTexts())
	}

	_, card = ask(h, apptest.Maryam, "بازاریابی دهان به دهان چطوری")
	q = lastQuestion(h, apptest.Maryam)
	if toast := h.PressData(apptest.Maryam, card, h.ButtonData(card, "1|akf|"+idOf(q)+"|d")); !strings.Contains(toast, "تیم توان") {
		t.Errorf("👎 toast = %q", toast)
	}
	if got := lastQuestion(h, apptest.Maryam).Feedback; got != -1 {
		t.Errorf("after 👎 feedback = %d; want -1", got)
	}
	h.Send(apptest.Admin, "/questions")
	if got := h.Last(apptest.Admin).Plain; !strings.Contains(got, "بازاریابی دهان به دهان") || !strings.Contains(got, "👎 ۱") {
		t.Errorf("/questions = %q; want the 👎 question", got)
	}
	// A press forged by someone else finds no question of theirs and changes nothing.
	h.PressForged(apptest.Reza, card, "1|akf|"+idOf(q)+"|u")
	if got := lastQuestion(h, apptest.Maryam).Feedback; got != -1 {
		t.Errorf("a forged press changed the feedback to %d", got)
	}
}

func TestConsultantGetsTheQuestionPrefilled(t *testing.T) {
	apptest.EachPlatform(t, testConsultantGetsTheQuestionPrefilled)
}

func testConsultantGetsTheQuestionPrefilled(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p)
	h.MakeConsultant(Niloufar, "نیلوفر", "finance")
	h.Onboard(apptest.Maryam, "fa", "home")
	msg, card := ask(h, apptest.Maryam, "رو کاغذ سود دارم ولی سر ماه پول ندارم قسطمو بدم چرا")
	q := lastQuestion(h, apptest.Maryam)
	h.PressData(apptest.Maryam, card, h.ButtonData(card, "1|akc|"+idOf(q)))
	id := h.ClubLearner(apptest.Maryam).Current
	if id == 0 {
		t.Fatalf("no request after 🙋; last reply %q", h.Last(apptest.Maryam).Plain)
	}
	rec := h.Consultation(id)
	if rec.QuestionMsg != msg.ID || rec.Topic != "finance" || rec.Status != store.ConsultWaiting {
		t.Errorf("request = %+v; want the learner's message %d on finance, waiting", rec, msg.ID)
	}
	if got := messageByID(h, apptest.Maryam, card.ID); got.Plain != card.Plain {
		t.Errorf("the answer card was replaced by %q", got.Plain)
	}
	if _, ok := h.Card(Niloufar, id); !ok {
		t.Fatalf("the consultant got no offer card")
	}
	// The question reached the consultant as the learner wrote it.
	var copied bool
	for _, m := range h.Sim.BotMessages(Niloufar.ID) {
		copied = copied || m.Plain == msg.Plain
	}
	if !copied {
		t.Errorf("the learner's question was not copied to the consultant")
	}
	h.Take(Niloufar, id)
	if rec := h.Consultation(id); rec.Status != store.ConsultOpen {
		t.Errorf("after [take] the session is %q", rec.Status)
	}
}

func TestShortQuestionOpensTheQuestionStep(t *testing.T) {
	h := newHarness(t)
	h.MakeConsultant(Niloufar, "نیلوفر", "finance")
	h.Onboard(apptest.Maryam, "fa", "home")
	_, reply := ask(h, apptest.Maryam, "قسط وام")
	q := lastQuestion(h, apptest.Maryam)
	h.PressData(apptest.Maryam, reply, h.ButtonData(reply, "1|akc|"+idOf(q)))
	if got := h.Last(apptest.Maryam).Plain; !strings.Contains(got, "کوتاه") {
		t.Fatalf("after 🙋 on a short question: %q", got)
	}
	if u := h.User(apptest.Maryam); u.Step != "csq" {
		t.Fatalf("step = %q; want the club's question step", u.Step)
	}
	h.Send(apptest.Maryam, "قسط وام خانگی‌ام را نمی‌توانم بدهم؛ با بانک چه کنم؟")
	if h.ClubLearner(apptest.Maryam).Current == 0 {
		t.Errorf("the typed question was not queued: %q", h.Last(apptest.Maryam).Plain)
	}
}

func TestNoGoodAnswer(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.Maryam, "fa", "home")
	_, reply := ask(h, apptest.Maryam, "نتیجه فوتبال پرسپولیس دیشب چی شد")
	if !strings.Contains(reply.Plain, "پاسخ خوبی") || strings.Contains(reply.Plain, "📍") {
		t.Errorf("reply = %q; want the plain no-answer message", reply.Plain)
	}
	if !hasButtonPrefix(reply, "1|akc|") || !hasButtonPrefix(reply, "1|m|") {
		t.Errorf("buttons %q; want 🙋 and the main menu", reply.ButtonTexts())
	}
	if q := lastQuestion(h, apptest.Maryam); q.Answered || q.Source != "" {
		t.Errorf("stored = %+v; want unanswered", q)
	}
}

func TestGreetingGetsMenu(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.Maryam, "fa", "home")
	for _, hello := range []string{"سلام", "سلام، وقت بخیر", "درود"} {
		_, reply := ask(h, apptest.Maryam, hello)
		if !strings.Contains(reply.Plain, "سلام! 👋") || !hasButtonPrefix(reply, "1|m|") {
			t.Errorf("%q got %q %q; want the greeting and the main menu", hello, reply.Plain, reply.ButtonTexts())
		}
	}
	_, reply := ask(h, apptest.Maryam, "ممنون")
	if !strings.Contains(reply.Plain, "خواهش") {
		t.Errorf("thanks got %q", reply.Plain)
	}
	if qs := questions(h, apptest.Maryam); len(qs) != 0 {
		t.Errorf("greetings were stored as questions: %+v", qs)
	}
	// An unknown command still gets the journey's menu, not a search.
	h.Send(apptest.Maryam, "/nosuchcommand")
	if got := h.Last(apptest.Maryam); strings.Contains(got.Plain, "پاسخ خوبی") || !hasButtonPrefix(got, "1|m|") {
		t.Errorf("unknown command got %q", got.Plain)
	}
}

func TestEnglishQuestion(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.John, "en", "home")
	_, card := ask(h, apptest.John, "How do I work out the price of my homemade jam?")
	if !strings.Contains(card.Plain, "📍 Lesson") || !hasButtonPrefix(card, "1|open|") {
		t.Errorf("English card = %q %q", card.Plain, card.ButtonTexts())
	}
}

func TestQuestionsMaskedAndExported(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.Maryam, "fa", "home")
	h.Onboard(apptest.Reza, "fa", "home")
	// Asked alike in two spellings (ezafe and diacritics; Arabic ي): one group.
	ask(h, apptest.Maryam, "نتیجهٔ فوتبالِ دیشب چی شد؟")
	ask(h, apptest.Reza, "نتيجه فوتبال ديشب چي شد")
	ask(h, apptest.Reza, "آب و هوای فردا رو کجا ببینم؟ https://weather.example.com/today یا به ۰۹۱۲۳۴۵۶۷۸۹ زنگ بزنم؟ @maryam_a و maryam@example.com هم گفتن")
	ask(h, apptest.Maryam, "مجوز مشاغل خانگی رو از کجا بگیرم") // answered: not a gap

	h.Send(apptest.Admin, "/questions")
	screen := h.Last(apptest.Admin).Plain
	for _, want := range []string{"— ۲ بار", "[📞]", "[@]", "[✉️]", "[🔗]"} {
		if !strings.Contains(screen, want) {
			t.Errorf("/questions %q lacks %q", screen, want)
		}
	}
	for _, leak := range []string{"09123456789", "۰۹۱۲۳۴۵۶۷۸۹", "maryam_a", "maryam@example.com", "weather.example.com", "مریم", "رضا", "مجوز"} {
		if strings.Contains(screen, leak) {
			t.Errorf("/questions shows %q: %q", leak, screen)
		}
	}
	// Learners may not use it.
	h.Send(apptest.Maryam, "/questions")
	if strings.Contains(h.Last(apptest.Maryam).Plain, "پرسش‌های بی‌پاسخ") {
		t.Errorf("a learner saw /questions")
	}

	h.Send(apptest.Admin, "/export questions")
	var doc tgsim.Message
	for _, m := range h.Sim.BotMessages(apptest.Admin.ID) {
		if m.Kind == "document" && m.File != nil {
			doc = m
		}
	}
	if doc.File == nil {
		t.Fatalf("no CSV after /export questions; last reply %q", h.Last(apptest.Admin).Plain)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(doc.File.Data, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][1] != "تعداد" || rows[1][1] != "2" {
		t.Fatalf("CSV rows = %q; want a header and two groups, the first asked twice", rows)
	}
	all := string(doc.File.Data)
	if strings.Contains(all, "09123456789") || strings.Contains(all, "۰۹۱۲۳۴۵۶۷۸۹") || strings.Contains(all, "maryam") || strings.Contains(all, "weather") || !strings.Contains(all, "[📞]") {
		t.Errorf("CSV not masked: %q", all)
	}
}

func TestDeleteMeErasesQuestions(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.Maryam, "fa", "home")
	h.Onboard(apptest.Reza, "fa", "home")
	ask(h, apptest.Maryam, "نتیجه فوتبال دیشب چی شد")
	ask(h, apptest.Maryam, "مجوز مشاغل خانگی رو از کجا بگیرم")
	ask(h, apptest.Reza, "نتیجه فوتبال دیشب چی شد")
	if n := len(questions(h, apptest.Maryam)); n != 2 {
		t.Fatalf("stored %d questions of Maryam; want 2", n)
	}
	h.Send(apptest.Maryam, "/deleteme")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "همه را پاک کن")
	if qs := questions(h, apptest.Maryam); len(qs) != 0 {
		t.Errorf("after /deleteme %d questions of Maryam remain", len(qs))
	}
	if n := len(questions(h, apptest.Reza)); n != 1 {
		t.Errorf("Reza's questions: %d; want 1 (untouched)", n)
	}
	h.Send(apptest.Admin, "/questions")
	if got := h.Last(apptest.Admin).Plain; !strings.Contains(got, "— ۱ بار") {
		t.Errorf("/questions after the erasure = %q; want the group counted once", got)
	}
}

func TestQuestionsPrunedAfter90Days(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.Maryam, "fa", "home")
	ask(h, apptest.Maryam, "نتیجه فوتبال دیشب چی شد")
	h.Clock.Advance(80 * 24 * time.Hour)
	ask(h, apptest.Maryam, "آب و هوای فردا چطوره")
	h.Clock.Advance(11 * 24 * time.Hour) // the first is 91 days old, the second 11
	if err := h.Bot.Tick(h.Ctx(), "ask-prune", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	qs := questions(h, apptest.Maryam)
	if len(qs) != 1 || !strings.Contains(qs[0].Text, "هوای فردا") {
		t.Errorf("after pruning: %+v; want only the 11-day-old question", qs)
	}
}

func TestEventFoundAfterAdminAddsIt(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.Maryam, "fa", "home")
	const question = "همایش بوم گردی و گردشگری روستایی کی برگزار میشه؟"
	if _, reply := ask(h, apptest.Maryam, question); strings.Contains(reply.Plain, "رویدادهای توان") {
		t.Fatalf("an event answered before there was one: %q", reply.Plain)
	}

	// The admin adds the event with the wizard while the bot runs.
	for _, step := range []string{"/newevent", "همایش بوم‌گردی و گردشگری روستایی", "۱۴۰۵/۰۹/۱۵", "۱۸:۳۰", "۲۰:۳۰"} {
		h.Send(apptest.Admin, step)
	}
	h.Sim.SendLocation(apptest.Admin, 32.6546, 51.6680)
	h.Settle()
	h.Send(apptest.Admin, "خانهٔ کارآفرینی اصفهان")
	h.Send(apptest.Admin, "۴۰")
	h.PressData(apptest.Admin, h.Last(apptest.Admin), h.ButtonData(h.Last(apptest.Admin), "1|evw|ok|"))

	_, card := ask(h, apptest.Maryam, question)
	if !strings.Contains(card.Plain, "رویدادهای توان — یکشنبه ۱۵ آذر ۱۴۰۵") || !hasButtonPrefix(card, "1|evc|") {
		t.Fatalf("after the event was added: %q %q; want its card", card.Plain, card.ButtonTexts())
	}
	h.PressData(apptest.Maryam, card, h.ButtonData(card, "1|evc|"))
	if got := h.Last(apptest.Maryam).Plain; !strings.Contains(got, "همایش بوم‌گردی") {
		t.Errorf("[see the event] showed %q", got)
	}
}

func TestStaleStepKeepsTheMenu(t *testing.T) {
	h := newHarness(t)
	h.Onboard(apptest.Maryam, "fa", "home")
	if err := h.DB.Update(func(tx *store.Tx) error {
		u, err := tx.User(apptest.Maryam.ID)
		if err != nil {
			return err
		}
		u.Step = "gone-step" // a step of an older version that no handler takes any more
		return tx.PutUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	_, reply := ask(h, apptest.Maryam, "قیمت گذاری محصولات خونگی رو چطوری حساب کنم")
	if strings.Contains(reply.Plain, "📍") || !hasButtonPrefix(reply, "1|m|") {
		t.Errorf("text in a stale step got %q; want the journey's menu", reply.Plain)
	}
}

func idOf(q store.AskedQuestion) string { return strconv.FormatUint(q.ID, 10) }

func messageByID(h *apptest.Harness, u tgsim.User, id int) tgsim.Message {
	h.T.Helper()
	for _, m := range h.Sim.Messages(u.ID) {
		if m.ID == id {
			return m
		}
	}
	h.T.Fatalf("no message %d in chat %d", id, u.ID)
	return tgsim.Message{}
}

func TestReloadRebuildsTheIndex(t *testing.T) {
	overlay, err := lessons.Load(fstest.MapFS{"faq/faq.toml": {Data: []byte(`[[entry]]
id = "pottery-kiln"
topic = "home"
question = "کوره سفالگری خانگی را از کجا بخرم؟"
answer = "کورهٔ کوچک برقی را از فروشگاه‌های لوازم سفالگری بخرید و پیش از روشن کردن، سیم‌کشی خانه را بررسی کنید."
`)}})
	if err != nil {
		t.Fatal(err)
	}
	reloaded := false
	h := apptest.New(t, func(c *app.Config) {
		c.Ask.Build = nil // this bot builds (and closes) its own indexes
		base := c.Catalog
		c.LoadContent = func() (*lessons.Catalog, error) {
			reloaded = true
			return lessons.Merge(base, overlay), nil
		}
	})
	if err := h.App.Ask.Ready(); err != nil {
		t.Fatal(err)
	}
	h.Onboard(apptest.Maryam, "fa", "home")
	const question = "کوره سفالگری برای خونه از کجا بخرم"
	if _, reply := ask(h, apptest.Maryam, question); strings.Contains(reply.Plain, "سیم‌کشی") {
		t.Fatalf("answered from content that is not loaded yet: %q", reply.Plain)
	}
	h.Send(apptest.Admin, "/reload")
	if !reloaded {
		t.Fatalf("/reload did not load the content: %q", h.Last(apptest.Admin).Plain)
	}
	_, card := ask(h, apptest.Maryam, question)
	if !strings.Contains(card.Plain, "سیم‌کشی") || !strings.Contains(card.Plain, "پرسش‌های رایج توان") {
		t.Errorf("after /reload: %q; want the new FAQ entry's answer", card.Plain)
	}
}
