package learning_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/lessons"
)

// harness is the end-to-end harness with the learning feature's own helpers.
type harness struct{ *apptest.Harness }

func newHarness(tb testing.TB, configure func(*app.Config)) *harness {
	return &harness{apptest.New(tb, configure)}
}

func newHarnessOn(tb testing.TB, p bot.Platform, configure func(*app.Config)) *harness {
	return &harness{apptest.NewOn(tb, p, configure)}
}

var (
	maryam = apptest.Maryam
	john   = apptest.John
	reza   = apptest.Reza
	admin  = apptest.Admin
	tehran = apptest.Tehran
)

var tehranTime = apptest.TehranTime

// cb is a button's callback data, as the feature's actions encode it ("1|open|home-business-01").
func cb(action string, args ...string) string { return bot.Action(action).Data(args...) }

// parseCallback splits callback data made by cb into its action and arguments.
func parseCallback(data string) (action string, args []string, ok bool) {
	parts := strings.Split(data, "|")
	if len(parts) < 2 || parts[0] != "1" || parts[1] == "" {
		return "", nil, false
	}
	return parts[1], parts[2:], true
}

// setUser changes a stored user directly (a state the test needs, not the feature under test).
func (h *harness) setUser(u tgsim.User, change func(*store.User)) {
	h.T.Helper()
	err := h.DB.Update(func(tx *store.Tx) error {
		rec, err := tx.User(u.ID)
		if err != nil {
			return err
		}
		change(rec)
		return tx.PutUser(rec)
	})
	if err != nil {
		h.T.Fatal(err)
	}
}

// answerPollQuiz answers the lesson's quiz polls as they come, rightly unless wrong[i].
func (h *harness) answerPollQuiz(u tgsim.User, l *lessons.Lesson, wrong map[int]bool) {
	h.T.Helper()
	for i, q := range l.Quiz {
		m := h.lastPoll(u, q.Question.FA)
		opt := q.Answer
		if wrong[i] {
			opt = (q.Answer + 1) % len(q.Options)
		}
		h.Sim.AnswerPoll(u, m.Poll.ID, []int{shownAt(h.T, m.Poll, q.OptionTexts("fa")[opt])})
		h.Settle()
	}
}

func (h *harness) lastPoll(u tgsim.User, question string) tgsim.Message {
	h.T.Helper()
	msgs := h.Sim.BotMessages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Poll != nil && msgs[i].Poll.Question == question {
			return msgs[i]
		}
	}
	h.T.Fatalf("no poll %q in %s's chat", question, u.FirstName)
	return tgsim.Message{}
}

// answerButtonQuiz answers a button quiz: the newest message with answer buttons, question by question.
func (h *harness) answerButtonQuiz(u tgsim.User, l *lessons.Lesson, wrong map[int]bool) {
	h.T.Helper()
	for i, q := range l.Quiz {
		opt := q.Answer
		if wrong[i] {
			opt = (q.Answer + 1) % len(q.Options)
		}
		h.PressData(u, h.Last(u), cb("qa", l.ID, fmt.Sprint(i), fmt.Sprint(opt), fmt.Sprint(h.attempt(u, l))))
	}
}

func (h *harness) attempt(u tgsim.User, l *lessons.Lesson) int {
	var p store.LessonProgress
	h.DB.View(func(tx *store.Tx) error { p, _ = tx.Progress(u.ID, l.ID); return nil })
	return p.Attempt
}

func (h *harness) attemptAnswered(u tgsim.User, l *lessons.Lesson) int {
	var p store.LessonProgress
	h.DB.View(func(tx *store.Tx) error { p, _ = tx.Progress(u.ID, l.ID); return nil })
	n := 0
	for i := range l.Quiz {
		if p.Answered&(1<<i) != 0 {
			n++
		}
	}
	return n
}

// injectPollAnswer delivers a poll_answer Telegram would not normally send (foreign or repeated).
func (h *harness) injectPollAnswer(u tgsim.User, pollID string, option int) {
	h.T.Helper()
	raw, _ := json.Marshal(map[string]any{"poll_answer": map[string]any{
		"poll_id": pollID, "user": map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName}, "option_ids": []int{option},
	}})
	h.Sim.InjectUpdate(raw)
	h.Settle()
}

// reviewAllRight answers every review question shown, rightly, and reports whether question qi of l was
// among them; tryTwice presses its answer a second time to check it is refused.
func (h *harness) reviewAllRight(u tgsim.User, l *lessons.Lesson, qi int, tryTwice bool) (seen bool) {
	h.T.Helper()
	for range 20 {
		q := h.Last(u)
		if len(q.InlineKeyboard) == 0 {
			return seen // "review done"
		}
		_, args, ok := parseCallback(q.InlineKeyboard[0][0].CallbackData)
		if !ok || len(args) != 4 {
			h.T.Fatalf("review message %q has no answer buttons", q.Plain)
		}
		ql := apptest.EmbeddedCatalog(h.T).Lesson(args[0])
		n, _ := strconv.Atoi(args[1])
		data := cb("qa", args[0], args[1], strconv.Itoa(ql.Quiz[n].Answer), "0")
		h.PressData(u, q, data)
		if ql.ID == l.ID && n == qi {
			seen = true
			if tryTwice {
				if got := h.PressForged(u, q, data); !strings.Contains(got, "قبلاً پاسخ") {
					h.T.Errorf("answering a review twice: %q", got)
				}
			}
		}
	}
	h.T.Fatal("review did not end")
	return seen
}

// shownAt is where an option's text is in a poll as shown (quizzes shuffle their options).
func shownAt(tb testing.TB, p *tgsim.Poll, text string) int {
	tb.Helper()
	for i, o := range p.Options {
		if o == text {
			return i
		}
	}
	tb.Fatalf("poll %q has no option %q", p.Question, text)
	return -1
}
