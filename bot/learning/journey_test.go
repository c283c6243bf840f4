package learning_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/lessons"
)

// TestFailedQuizIsNotAFinishedLesson is Sara's case from the issue, with polls: 0 of 3 credits nothing
// (/me, the course card, /stats), offers the review and a retry; the pass then counts once, and the
// figures equal what was passed.
func TestFailedQuizIsNotAFinishedLesson(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(admin, "fa", "general")
	h.Onboard(john, "en", "home")
	l := apptest.EmbeddedCatalog(t).Lesson("home-business-01")
	h.PressForged(john, h.Last(john), cb("open", l.ID))
	h.Press(john, h.Last(john), "Quiz")
	h.answerPollQuizIn(john, l, "en", map[int]bool{0: true, 1: true, 2: true})
	result := h.Last(john)
	if !strings.Contains(result.Plain, "0 right out of 3") || !strings.Contains(result.Plain, "at least 2 right answers") {
		t.Fatalf("failed result %q", result.Plain)
	}
	if labels := strings.Join(result.ButtonTexts(), "|"); !strings.Contains(labels, "Review the answers") || !strings.Contains(labels, "Retry the quiz") {
		t.Errorf("failed result offers %q; want the review and a retry", result.ButtonTexts())
	}
	h.Send(john, "/me")
	if got := h.Last(john).Plain; !strings.Contains(got, "Lessons completed: 0") || !strings.Contains(got, "Days in a row: 0") {
		t.Errorf("/me after 0 of 3 = %q; want no lesson and no streak", got)
	}
	h.Send(john, "/courses")
	if got := h.Last(john).Plain; !strings.Contains(got, "0 of 8") {
		t.Errorf("/courses after 0 of 3 = %q; want no course progress", got)
	}
	statsFailed := h.statsText(admin)

	h.Press(john, result, "Retry the quiz")
	h.answerPollQuizIn(john, l, "en", map[int]bool{2: true})
	if got := h.Last(john).Plain; !strings.Contains(got, "2 right out of 3") || !strings.Contains(got, "passed") {
		t.Fatalf("retry result %q", got)
	}
	u := h.User(john)
	if u.LessonsCompleted != 1 || u.MinutesLearned != l.Minutes || u.Streak != 1 {
		t.Errorf("after the pass: %d lessons, %d minutes, streak %d; want 1, %d, 1", u.LessonsCompleted, u.MinutesLearned, u.Streak, l.Minutes)
	}
	h.Send(john, "/me")
	if got := h.Last(john).Plain; !strings.Contains(got, "Lessons completed: 1") {
		t.Errorf("/me after the pass = %q", got)
	}
	var totals store.Totals
	h.DB.View(func(tx *store.Tx) error { totals = tx.Totals(); return nil })
	if totals.ProgramLessons() != 1 || totals.ProgramMinutes() != int64(l.Minutes) {
		t.Errorf("program totals %d lessons, %d minutes; want exactly the one passed lesson (%d minutes)", totals.ProgramLessons(), totals.ProgramMinutes(), l.Minutes)
	}
	if statsPassed := h.statsText(admin); statsPassed == statsFailed {
		t.Errorf("/stats did not change when the lesson was passed: %q", statsPassed)
	}
}

// answerPollQuizIn answers the lesson's quiz polls in lang, rightly unless wrong[i].
func (h *harness) answerPollQuizIn(u tgsim.User, l *lessons.Lesson, lang string, wrong map[int]bool) {
	h.T.Helper()
	for i, q := range l.Quiz {
		m := h.lastPoll(u, q.Question.In(lang))
		opt := q.Answer
		if wrong[i] {
			opt = (q.Answer + 1) % len(q.Options)
		}
		h.Sim.AnswerPoll(u, m.Poll.ID, []int{shownAt(h.T, m.Poll, q.OptionTexts(lang)[opt])})
		h.Settle()
	}
}

// TestQuizOptionsAreShuffled: the same question shows its options in another order to another learner
// and in another attempt, in polls and in buttons; the poll's right answer follows its option.
func TestQuizOptionsAreShuffled(t *testing.T) {
	for _, mode := range []string{"poll", "buttons"} {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t, func(c *app.Config) { c.Learning.QuizMode = mode })
			l := apptest.EmbeddedCatalog(t).Lesson("home-business-01")
			shown := func(u tgsim.User) []string {
				if mode == "poll" {
					p := h.lastPoll(u, l.Quiz[0].Question.FA).Poll
					if right := p.Options[p.CorrectOptionIDs[0]]; right != l.Quiz[0].OptionTexts("fa")[l.Quiz[0].Answer] {
						t.Errorf("the poll marks %q right; want %q", right, l.Quiz[0].OptionTexts("fa")[l.Quiz[0].Answer])
					}
					return p.Options
				}
				for _, m := range slices.Backward(h.Sim.BotMessages(u.ID)) {
					if strings.Contains(m.Plain, l.Quiz[0].Question.FA) && len(m.InlineKeyboard) > 0 {
						return m.ButtonTexts()
					}
				}
				t.Fatalf("no question in %s's chat", u.FirstName)
				return nil
			}
			var orders [][]string
			for _, u := range []tgsim.User{maryam, reza} {
				h.Onboard(u, "fa", "home")
				h.PressForged(u, h.Last(u), cb("quiz", l.ID))
				orders = append(orders, shown(u))
			}
			// Maryam's second attempt.
			if mode == "poll" {
				h.answerPollQuiz(maryam, l, nil)
			} else {
				h.answerButtonQuiz(maryam, l, nil)
			}
			h.PressForged(maryam, h.Last(maryam), cb("quiz", l.ID))
			orders = append(orders, shown(maryam))
			content := l.Quiz[0].OptionTexts("fa")
			differs := 0
			for _, o := range orders {
				if !slices.Equal(o, orders[0]) {
					differs++
				}
			}
			if differs == 0 || slices.Equal(orders[0], content) && slices.Equal(orders[1], content) && slices.Equal(orders[2], content) {
				t.Errorf("options shown %q; want another order for another learner or attempt", orders)
			}
		})
	}
}

// TestLessonWithoutQuizFinishesWithItsButton: opening a lesson without a quiz credits nothing; its
// «finished» button does, once.
func TestLessonWithoutQuizFinishesWithItsButton(t *testing.T) {
	overlay, err := lessons.Load(fstest.MapFS{
		"courses/09-read/course.toml": {Data: []byte("id = \"reading\"\norder = 9\ncategory = \"business\"\ntracks = [\"home\"]\ntitle = \"خواندنی\"\ndescription = \"درس‌های بی‌آزمون\"\n")},
		"courses/09-read/01-a.md":     {Data: []byte("+++\nid = \"reading-01\"\ntitle = \"درس خواندنی\"\nminutes = 3\n+++\nمتن درس بی‌آزمون.\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	merged := lessons.Merge(apptest.EmbeddedCatalog(t), overlay)
	h := newHarness(t, func(c *app.Config) { c.Catalog = merged })
	h.Onboard(maryam, "fa", "home")
	h.PressForged(maryam, h.Last(maryam), cb("open", "reading-01"))
	lesson := h.Last(maryam)
	if u := h.User(maryam); u.LessonsCompleted != 0 || u.MinutesLearned != 0 {
		t.Errorf("opening a lesson credited %d lessons, %d minutes; want nothing yet", u.LessonsCompleted, u.MinutesLearned)
	}
	h.Press(maryam, lesson, "درس را خواندم")
	msgs := h.Sim.BotMessages(maryam.ID)
	if got := msgs[len(msgs)-2].Plain; !strings.Contains(got, "این درس تمام شد") || !strings.Contains(got, "۳ دقیقه") {
		t.Errorf("finishing answered %q", got)
	}
	if got := msgs[len(msgs)-1].Plain; !strings.Contains(got, "گواهی‌نامه") {
		t.Errorf("finishing the course's only lesson: %q; want its certificate", got)
	}
	if got := h.Press(maryam, lesson, "درس را خواندم"); !strings.Contains(got, "قبلاً تمام کرده‌اید") {
		t.Errorf("finishing twice answered %q", got)
	}
	if u := h.User(maryam); u.LessonsCompleted != 1 || u.MinutesLearned != 3 || u.Streak != 1 {
		t.Errorf("after «finished»: %d lessons, %d minutes, streak %d; want 1, 3, 1", u.LessonsCompleted, u.MinutesLearned, u.Streak)
	}
}

// statsText is everything /stats answers, as one text.
func (h *harness) statsText(u tgsim.User) string {
	h.T.Helper()
	before := len(h.Sim.BotMessages(u.ID))
	h.Send(u, "/stats")
	var parts []string
	for _, m := range h.Sim.BotMessages(u.ID)[before:] {
		parts = append(parts, m.Plain)
	}
	return strings.Join(parts, "\n")
}

// TestReviewNoteOnlyWhenMissed: the end of a review says «you will see the ones you missed tomorrow»
// only when one was missed.
func TestReviewNoteOnlyWhenMissed(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.Learning.QuizMode = "buttons" })
	h.Onboard(maryam, "fa", "home")
	l := apptest.EmbeddedCatalog(t).Lesson("home-business-02")
	h.PressForged(maryam, h.Last(maryam), cb("open", l.ID))
	h.Press(maryam, h.Last(maryam), "آزمون")
	h.answerButtonQuiz(maryam, l, map[int]bool{1: true})

	answerReview := func(right bool) string {
		h.Send(maryam, "/review")
		for range 20 {
			q := h.Last(maryam)
			if len(q.InlineKeyboard) == 0 {
				return q.Plain
			}
			_, args, _ := parseCallback(q.InlineKeyboard[0][0].CallbackData)
			ql := apptest.EmbeddedCatalog(t).Lesson(args[0])
			n, _ := strconv.Atoi(args[1])
			opt := ql.Quiz[n].Answer
			if !right {
				opt = (opt + 1) % len(ql.Quiz[n].Options)
			}
			h.PressData(maryam, q, cb("qa", args[0], args[1], strconv.Itoa(opt), "0"))
		}
		t.Fatal("the review did not end")
		return ""
	}
	h.Clock.Advance(24 * time.Hour)
	if got := answerReview(false); !strings.Contains(got, "فردا دوباره می‌بینید") {
		t.Errorf("a review with a miss ends %q; want the «tomorrow» note", got)
	}
	h.Clock.Advance(24 * time.Hour)
	if got := answerReview(true); strings.Contains(got, "فردا") || !strings.Contains(got, "درست پاسخ دادید") {
		t.Errorf("a review without a miss ends %q; want no «tomorrow» note", got)
	}
}
