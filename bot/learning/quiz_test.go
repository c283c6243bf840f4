package learning_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// Native quiz polls are Telegram's only: Bale has no polls and sends no poll_answer.
func TestWholeCourseWithQuizPollsAndCertificate(t *testing.T) {
	wholeCourse(t, bot.TelegramPlatform, "poll")
}

// Button quizzes: on Telegram when configured, on Bale by default (no QuizMode set).
func TestWholeCourseWithButtonQuizzes(t *testing.T) {
	apptest.EachPlatform(t, func(t *testing.T, p bot.Platform) {
		mode := "buttons"
		if p.Name == bot.BalePlatform.Name {
			mode = ""
		}
		wholeCourse(t, p, mode)
	})
}

// wholeCourse takes a learner through a course in Persian: lesson → quiz (one miss) → the next day's
// lesson …, then the certificate, its verification and the review of the missed question.
func wholeCourse(t *testing.T, p bot.Platform, mode string) {
	h := newHarnessOn(t, p, func(c *app.Config) { c.Learning.QuizMode = mode })
	if mode == "" {
		mode = "buttons" // the platform has no quiz polls
	}
	h.Onboard(maryam, "fa", "home")
	co := apptest.EmbeddedCatalog(t).Course("home-business")
	for i, l := range co.Lessons {
		h.PressForged(maryam, h.Last(maryam), cb("open", l.ID))
		h.Press(maryam, h.Last(maryam), "آزمون")
		var wrong map[int]bool
		if i == 0 {
			wrong = map[int]bool{0: true} // one miss: it must come back in review
		}
		for qi, q := range l.Quiz {
			opt := q.Answer
			if wrong[qi] {
				opt = (q.Answer + 1) % len(q.Options)
			}
			h.AnswerQuiz(maryam, q.OptionTexts("fa")[opt])
		}
		if i == 0 {
			if got := h.Last(maryam).Plain; !strings.Contains(got, "۲ پاسخ درست از ۳") || !strings.Contains(got, "قبول شدید") {
				t.Fatalf("first quiz result %q", got)
			}
		}
		h.Clock.Advance(24 * time.Hour) // one lesson a day
	}
	var cert tgsim.Message
	for _, m := range h.Sim.BotMessages(maryam.ID) {
		if strings.Contains(m.Plain, "کد گواهی‌نامهٔ شما") {
			cert = m
		}
	}
	if cert.ID == 0 {
		t.Fatal("no certificate after passing every quiz of the course")
	}
	u := h.User(maryam)
	wantMinutes := 0
	for _, l := range co.Lessons {
		wantMinutes += l.Minutes
	}
	if u.MinutesLearned != wantMinutes || u.LessonsCompleted != len(co.Lessons) {
		t.Errorf("learned %d minutes in %d lessons; want %d in %d", u.MinutesLearned, u.LessonsCompleted, wantMinutes, len(co.Lessons))
	}
	if u.Streak != len(co.Lessons) {
		t.Errorf("streak = %d after %d days in a row; want %d", u.Streak, len(co.Lessons), len(co.Lessons))
	}
	if n := h.Sim.Calls("sendPoll"); (mode == "poll") != (n > 0) {
		t.Errorf("%d quiz polls sent in %s mode on %s", n, mode, p.Name)
	}
	var code string
	h.DB.View(func(tx *store.Tx) error { code = tx.UserCertificate(maryam.ID, co.ID); return nil })
	if len(code) < 10 {
		t.Fatalf("certificate code %q is shorter than 10 characters", code)
	}

	// Anyone can verify, by command or deep link; a wrong code reveals nothing.
	h.Send(john, "/verify "+strings.ToLower(code[:4])+" "+code[4:])
	if got := h.Last(john).Plain; !strings.Contains(got, "valid") || !strings.Contains(got, "مریم احمدی") || !strings.Contains(got, "Starting a home business") {
		t.Errorf("verify = %q", got)
	}
	h.Send(reza, "/start verify_"+code)
	if got := h.Sim.BotMessages(reza.ID)[0].Plain; !strings.Contains(got, "معتبر است") || !strings.Contains(got, "آذر ۱۴۰۵") {
		t.Errorf("deep-link verify = %q", got)
	}
	h.Send(john, "/verify AAAAAAAAAAAA")
	if got := h.Last(john).Plain; !strings.Contains(got, "No certificate") {
		t.Errorf("unknown code: %q", got)
	}

	// The learner hides their name: verification says so.
	h.Send(maryam, "/settings")
	h.Press(maryam, h.Last(maryam), "گواهی‌نامه")
	h.Send(john, "/verify "+code)
	if got := h.Last(john).Plain; strings.Contains(got, "مریم") || !strings.Contains(got, "hidden") {
		t.Errorf("verify of a hidden holder = %q", got)
	}

	// The missed question comes back in review the day after it was missed... and is due now.
	h.Send(maryam, "/review")
	if got := h.Last(maryam); (mode == "poll" && (got.Poll == nil || got.Poll.Question != co.Lessons[0].Quiz[0].Question.FA)) ||
		(mode == "buttons" && !strings.Contains(got.Plain, co.Lessons[0].Quiz[0].Question.FA)) {
		t.Errorf("review asked %q (poll %+v); want the missed question", got.Plain, got.Poll)
	}
	h.Send(maryam, "/me")
	me := h.Last(maryam).Plain
	for _, want := range []string{"درس‌های تمام‌شده: " + persian.Digits(strconv.Itoa(len(co.Lessons))), "زمان یادگیری", "🎓"} {
		if !strings.Contains(me, want) {
			t.Errorf("/me %q lacks %q", me, want)
		}
	}
}

func TestButtonQuizModeAndFailedRetry(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.Learning.QuizMode = "buttons" })
	h.Onboard(john, "en", "home")
	l := apptest.EmbeddedCatalog(t).Lesson("home-business-01")
	h.PressForged(john, h.Last(john), cb("open", l.ID))
	h.Press(john, h.Last(john), "Quiz")
	if h.Sim.Calls("sendPoll") != 0 {
		t.Fatal("button mode sent a poll")
	}
	first := h.Last(john)
	if !strings.Contains(first.Plain, "Question 1 of 3") || !strings.Contains(first.Plain, l.Quiz[0].Question.EN) {
		t.Fatalf("button question %q", first.Plain)
	}
	h.answerButtonQuiz(john, l, map[int]bool{0: true, 1: true})
	edited, _ := h.Sim.Message(john.ID, first.ID)
	if !strings.Contains(edited.Plain, "❌") || !strings.Contains(edited.Plain, "💡") || len(edited.InlineKeyboard) != 0 {
		t.Errorf("answered question shows %q with %d button rows; want ❌, the explanation and no buttons", edited.Plain, len(edited.InlineKeyboard))
	}
	result := h.Last(john)
	if !strings.Contains(result.Plain, "1 right out of 3") || !strings.Contains(result.Plain, "at least 2") {
		t.Fatalf("failed result %q", result.Plain)
	}
	// A failed quiz finishes nothing: no minutes, no lesson, no streak, no course progress.
	before := h.User(john)
	if before.MinutesLearned != 0 || before.LessonsCompleted != 0 || before.Streak != 0 {
		t.Errorf("after a failed quiz: %d minutes, %d lessons, streak %d; want nothing credited", before.MinutesLearned, before.LessonsCompleted, before.Streak)
	}
	h.Send(john, "/me")
	if got := h.Last(john).Plain; !strings.Contains(got, "Lessons completed: 0") || strings.Contains(got, "4 min") {
		t.Errorf("/me after a failed quiz = %q; want no lesson and no time", got)
	}
	// Pressing the old answer button again changes nothing.
	if got := h.PressForged(john, edited, cb("qa", l.ID, "0", "0", "1")); !strings.Contains(got, "already answered") {
		t.Errorf("old quiz button answered %q", got)
	}
	// The failed result offers the review of what was missed, and a retry.
	h.Press(john, result, "Review the answers")
	review := h.Last(john)
	if !strings.Contains(review.Plain, l.Quiz[0].Question.EN) || !strings.Contains(review.Plain, l.Quiz[0].OptionTexts("en")[l.Quiz[0].Answer]) ||
		strings.Contains(review.Plain, l.Quiz[2].Question.EN) {
		t.Errorf("quiz review = %q; want the two missed questions with their right answers, not the third", review.Plain)
	}
	h.Press(john, review, "Retry")
	h.answerButtonQuiz(john, l, nil)
	if got := h.Last(john).Plain; !strings.Contains(got, "3 right out of 3") || !strings.Contains(got, "passed") {
		t.Errorf("retry result %q", got)
	}
	after := h.User(john)
	if after.MinutesLearned != l.Minutes || after.LessonsCompleted != 1 || after.Streak != 1 {
		t.Errorf("after passing: %d minutes, %d lessons, streak %d; want %d, 1, 1", after.MinutesLearned, after.LessonsCompleted, after.Streak, l.Minutes)
	}
	// Passing again (the lesson's quiz button) credits nothing more.
	h.PressForged(john, h.Last(john), cb("quiz", l.ID))
	h.answerButtonQuiz(john, l, nil)
	if again := h.User(john); again.MinutesLearned != l.Minutes || again.LessonsCompleted != 1 {
		t.Errorf("a second pass credited the lesson again: %d minutes, %d lessons", again.MinutesLearned, again.LessonsCompleted)
	}
	h.Send(john, "/courses")
	h.Press(john, h.Last(john), "Starting a home business")
	if got := h.Last(john).Plain; !strings.Contains(got, "Quiz score: 3 of 3") {
		t.Errorf("course card %q; want the best score", got)
	}
}

// TestPollsFallBackToButtons: a Telegram-compatible server without sendPoll still gets quizzes.
func TestPollsFallBackToButtons(t *testing.T) {
	h := newHarness(t, nil)
	h.Sim.DisableMethod("sendPoll")
	h.Onboard(maryam, "fa", "home")
	first := apptest.EmbeddedCatalog(t).Course("home-business").Lessons[0].ID
	h.PressForged(maryam, h.Last(maryam), cb("open", first))
	h.Press(maryam, h.Last(maryam), "آزمون")
	if !h.Last(maryam).HasButton(cb("qa", first, "0", "0", "1")) {
		t.Fatalf("after sendPoll was refused the quiz shows %q with buttons %q", h.Last(maryam).Plain, h.Last(maryam).ButtonTexts())
	}
}

func TestQuizBadInput(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "home")
	l := apptest.EmbeddedCatalog(t).Lesson("home-business-01")
	h.PressForged(maryam, h.Last(maryam), cb("open", l.ID))
	h.Press(maryam, h.Last(maryam), "آزمون")
	poll := h.lastPoll(maryam, l.Quiz[0].Question.FA)

	t.Run("answer to a poll that is not ours", func(t *testing.T) {
		before := h.Count(maryam)
		h.injectPollAnswer(maryam, "999999", 0)
		if h.Count(maryam) != before {
			t.Errorf("a foreign poll answer got a reply: %q", h.Last(maryam).Plain)
		}
	})
	t.Run("someone else answering", func(t *testing.T) {
		h.injectPollAnswer(john, poll.Poll.ID, l.Quiz[0].Answer)
		if h.attemptAnswered(maryam, l) != 0 {
			t.Error("another user's answer was counted for the quiz owner")
		}
	})
	h.Sim.AnswerPoll(maryam, poll.Poll.ID, []int{l.Quiz[0].Answer})
	h.Settle()
	t.Run("a second answer to the same poll", func(t *testing.T) {
		before := h.Count(maryam)
		h.injectPollAnswer(maryam, poll.Poll.ID, l.Quiz[0].Answer)
		if h.attemptAnswered(maryam, l) != 1 || h.Count(maryam) != before {
			t.Error("a repeated poll answer was counted or answered again")
		}
	})
	t.Run("a quiz button pressed by someone else", func(t *testing.T) {
		h.Clock.Advance(time.Minute)
		h.Send(maryam, "/settings") // any message of hers to press on
		got := h.PressForged(john, h.Last(maryam), cb("qa", l.ID, "1", "0", "1"))
		if !strings.Contains(got, "not yours") || h.attemptAnswered(maryam, l) != 1 {
			t.Errorf("someone else's press answered %q", got)
		}
	})
	t.Run("a deleted lesson", func(t *testing.T) {
		got := h.PressForged(maryam, h.Last(maryam), cb("quiz", "no-such-lesson"))
		if !strings.Contains(got, "دیگر در دسترس نیست") {
			t.Errorf("quiz of a removed lesson answered %q", got)
		}
		got = h.PressForged(maryam, h.Last(maryam), cb("qa", "no-such-lesson", "0", "0", "1"))
		if !strings.Contains(got, "دیگر در دسترس نیست") {
			t.Errorf("answer of a removed lesson answered %q", got)
		}
	})
	t.Run("malformed answer data", func(t *testing.T) {
		for _, data := range []string{cb("qa", l.ID, "x", "0", "1"), cb("qa", l.ID, "0", "99", "1"), cb("qa", l.ID)} {
			if got := h.PressForged(maryam, h.Last(maryam), data); !strings.Contains(got, "این دکمه دیگر کار نمی‌کند") {
				t.Errorf("%q answered %q", data, got)
			}
		}
	})
}

func TestReviewIntervalsAcrossDays(t *testing.T) {
	apptest.EachPlatform(t, reviewIntervalsAcrossDays)
}

func reviewIntervalsAcrossDays(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, func(c *app.Config) { c.Learning.QuizMode = "buttons" })
	h.Onboard(maryam, "fa", "home")
	l := apptest.EmbeddedCatalog(t).Lesson("home-business-02")
	h.PressForged(maryam, h.Last(maryam), cb("open", l.ID))
	h.Press(maryam, h.Last(maryam), "آزمون")
	h.answerButtonQuiz(maryam, l, map[int]bool{1: true})
	qid := l.Quiz[1].ID

	h.Send(maryam, "/review")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "امروز پرسشی برای مرور ندارید") {
		t.Fatalf("same-day review: %q; the missed question is due tomorrow", got)
	}
	// Leitner: right answers move the card 1 → 2 → 3 → 4 → 5 → retired after 1, 2, 4, 8, 16 days.
	for box, wait := range []int{1, 2, 4, 8, 16} {
		h.Clock.Advance(time.Duration(wait) * 24 * time.Hour)
		h.Send(maryam, "/review")
		if !h.reviewAllRight(maryam, l, 1, box == 0) {
			t.Fatalf("box %d, after %d days: the missed question was not reviewed", box+1, wait)
		}
	}
	var card store.ReviewCard
	var ok bool
	h.DB.View(func(tx *store.Tx) error { card, ok = tx.ReviewCard(maryam.ID, qid); return nil })
	if ok {
		t.Errorf("card still scheduled after five right answers: %+v", card)
	}
}

func TestStreakFreeze(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, 21+d, 12, 0, 0, 0, tehran) } // 21 Nov 2026 is a Saturday
	u := &store.User{}
	u.BumpStreak(day(0))
	u.BumpStreak(day(1))
	u.BumpStreak(day(3)) // missed day 2: the week's freeze keeps the streak
	if u.Streak != 3 {
		t.Fatalf("after one missed day the streak is %d; want 3 (freeze)", u.Streak)
	}
	u.BumpStreak(day(5)) // missed day 4 as well: the freeze is used up this week
	if u.Streak != 1 {
		t.Errorf("a second missed day in the same week left streak %d; want 1", u.Streak)
	}
	u.BumpStreak(day(6))
	u.BumpStreak(day(8)) // day 7 missed, but day 7 is the next Saturday: a new week, a new freeze
	if u.Streak != 3 {
		t.Errorf("freeze in the next week: streak %d; want 3", u.Streak)
	}
	if got := u.CurrentStreak(day(11)); got != 0 {
		t.Errorf("currentStreak three days later = %d; want 0", got)
	}
}

// BenchmarkDueReviews is the review-scheduling cost for one learner with 60 cards (a finished course or two).
func BenchmarkDueReviews(b *testing.B) {
	h := newHarness(b, nil)
	h.DB.Update(func(tx *store.Tx) error {
		for i := 0; i < 60; i++ {
			tx.PutReviewCard(maryam.ID, fmt.Sprintf("lesson-%02d/%d", i/3, i%3+1), store.ReviewCard{Box: i%5 + 1, Due: fmt.Sprintf("2026-11-%02d", 10+i%20)})
		}
		return nil
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.DB.View(func(tx *store.Tx) error { tx.DueReviews(maryam.ID, "2026-11-20"); return nil })
	}
}

// TestBytesPerAnsweredQuestion measures how the database grows per answered quiz question (progress,
// review card, poll record). Run with TAVAN_LOAD=1; the figure goes to the README.
func TestBytesPerAnsweredQuestion(t *testing.T) {
	if !apptest.LoadTests() {
		t.Skip("measurement: set TAVAN_LOAD=1")
	}
	h := newHarness(t, nil)
	size := func() int64 { n, _ := h.DB.Size(); return n }
	learners := 200
	for i := 0; i < learners; i++ {
		h.Onboard(tgsim.User{ID: int64(20000 + i), FirstName: "ل", LanguageCode: "fa"}, "fa", "home")
	}
	before := size()
	usageBefore, err := h.DB.Usage()
	if err != nil {
		t.Fatal(err)
	}
	answered := 0
	l := apptest.EmbeddedCatalog(t).Lesson("home-business-01")
	for i := 0; i < learners; i++ {
		u := tgsim.User{ID: int64(20000 + i), FirstName: "ل", LanguageCode: "fa"}
		h.PressForged(u, h.Last(u), cb("quiz", l.ID))
		h.answerPollQuiz(u, l, map[int]bool{i % 3: true})
		answered += len(l.Quiz)
	}
	t.Logf("%d answers grew the database by %d bytes: %.0f bytes per answered question (bbolt pages included)",
		answered, size()-before, float64(size()-before)/float64(answered))
	// Where the growth is: each bucket's bytes in use (and pages) per answered question.
	usageAfter, err := h.DB.Usage()
	if err != nil {
		t.Fatal(err)
	}
	was := map[string]store.BucketUsage{}
	for _, u := range usageBefore {
		was[u.Name] = u
	}
	var sb strings.Builder
	for _, u := range usageAfter {
		b := was[u.Name]
		if u.Bytes == b.Bytes && u.Alloc == b.Alloc {
			continue
		}
		fmt.Fprintf(&sb, "  %-22s %+6d keys  %+7.0f B in use  %+7.0f B of pages a question\n", u.Name, u.Keys-b.Keys,
			float64(u.Bytes-b.Bytes)/float64(answered), float64(u.Alloc-b.Alloc)/float64(answered))
	}
	t.Logf("by bucket:\n%s", sb.String())
}
