package learning

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
	"github.com/tavan7/tavan/lessons"
)

// Quizzes are asked one question at a time, as native quiz polls where the server has them and the
// question fits, else as inline buttons; both record the answer through recordAnswer, so scoring is one.

// Telegram's poll limits (FACTS.md).
const (
	pollQuestionMax    = 300
	pollOptionMax      = 100
	pollExplanationMax = 200
	pollOptionsMax     = 10
)

// errAnswered means the question was already answered (a second tap, an old button, a repeated poll answer).
var errAnswered = errors.New("question already answered")

// handleQuiz starts a lesson's quiz, or goes on with the attempt in progress.
func (f *Feature) handleQuiz(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	l := f.Content().Lesson(c.Data[0])
	if l == nil || len(l.Quiz) == 0 {
		return c.Fail("LessonGone")
	}
	var p store.LessonProgress
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		var err error
		if p, err = tx.Progress(u.ID, l.ID); err != nil {
			return err
		}
		if p.Attempt == 0 || allAnswered(p, l) {
			p.Attempt++
			p.Answered, p.Correct = 0, 0
		}
		if p.Opened.IsZero() {
			p.Opened = tx.Now()
		}
		return tx.PutProgress(u.ID, l.ID, p)
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	return f.askQuestion(ctx, c.ChatID, c.Lang, l, firstUnanswered(p, l), p.Attempt)
}

func allAnswered(p store.LessonProgress, l *lessons.Lesson) bool {
	return bits.OnesCount32(p.Answered) >= len(l.Quiz)
}

func firstUnanswered(p store.LessonProgress, l *lessons.Lesson) int {
	for i := range l.Quiz {
		if p.Answered&(1<<i) == 0 {
			return i
		}
	}
	return 0
}

// fitsPoll reports whether a question can be a native quiz poll.
func fitsPoll(q lessons.Question, lang string) bool {
	if n := tghtml.UTF16Len(q.Question.In(lang)); n > pollQuestionMax {
		return false
	}
	if len(q.Options) < 2 || len(q.Options) > pollOptionsMax {
		return false
	}
	for _, o := range q.OptionTexts(lang) {
		if tghtml.UTF16Len(o) > pollOptionMax {
			return false
		}
	}
	exp := q.Explanation.In(lang)
	return tghtml.UTF16Len(exp) <= pollExplanationMax && strings.Count(exp, "\n") <= 2
}

// askQuestion sends question qi of a lesson (attempt > 0) or a review question (attempt == 0).
func (f *Feature) askQuestion(ctx context.Context, chatID int64, lang string, l *lessons.Lesson, qi, attempt int) error {
	q := l.Quiz[qi]
	if f.opts.QuizMode != "buttons" && !f.pollsUnsupported.Load() && fitsPoll(q, lang) {
		err := f.askPoll(ctx, chatID, lang, l, qi, attempt)
		if err == nil || bot.IsGone(err) {
			return err
		}
		var apiErr *tgbotapi.Error
		if !errors.As(err, &apiErr) || apiErr.Code != 400 && apiErr.Code != 404 {
			return err
		}
		// A Telegram-compatible server without quiz polls: use buttons from now on.
		f.pollsUnsupported.Store(true)
		f.Logger.Warn("sendPoll refused; quizzes fall back to buttons", "err", err)
	}
	return f.askButtons(ctx, chatID, lang, l, qi, attempt)
}

func (f *Feature) questionHeader(lang string, l *lessons.Lesson, qi, attempt int) string {
	c := f.Voice(lang)
	if attempt == 0 {
		return c.T("ReviewQuestionHeader", "Lesson", bot.Escape(c.Content(l.Title)))
	}
	return c.T("QuizQuestionHeader", "N", c.Num(qi+1), "Total", c.Num(len(l.Quiz)), "Lesson", bot.Escape(c.Content(l.Title)))
}

func (f *Feature) askPoll(ctx context.Context, chatID int64, lang string, l *lessons.Lesson, qi, attempt int) error {
	q := l.Quiz[qi]
	if _, err := f.SendText(ctx, chatID, f.questionHeader(lang, l, qi, attempt), nil); err != nil {
		return err
	}
	order := f.optionOrder(chatID, l, qi, attempt)
	texts := q.OptionTexts(lang)
	options := make([]map[string]string, len(order))
	correct := 0
	for shown, oi := range order {
		options[shown] = map[string]string{"text": texts[oi]}
		if oi == q.Answer {
			correct = shown
		}
	}
	// tgbotapi 5.5.1 knows only the older correct_option_id; Bot API 10 takes correct_option_ids.
	p := tgbotapi.Params{"question": q.Question.In(lang), "type": "quiz", "is_anonymous": "false"}
	if err := p.AddInterface("options", options); err != nil {
		return err
	}
	if err := p.AddInterface("correct_option_ids", []int{correct}); err != nil {
		return err
	}
	p.AddNonEmpty("explanation", q.Explanation.In(lang))
	msg, err := f.SendParams(ctx, "sendPoll", chatID, p)
	if err != nil {
		return err
	}
	if msg.Poll == nil {
		return errors.New("sendPoll: answer has no poll")
	}
	return f.Store.Update(func(tx *store.Tx) error {
		return tx.PutPoll(msg.Poll.ID, &store.PollRecord{
			UserID: chatID, LessonID: l.ID, Question: qi, Attempt: attempt, Message: msg.MessageID, Order: order,
		})
	})
}

// optionOrder is the order in which question qi's options are shown to a learner: order[shown] is the
// option's index in the content. It changes with the learner, the attempt and (for a review) the day, so
// "the second option" cannot be learned by heart; it is deterministic so that tests can follow it.
func (f *Feature) optionOrder(userID int64, l *lessons.Lesson, qi, attempt int) []int {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%d/%d", userID, l.ID, qi, attempt)
	if attempt == 0 {
		fmt.Fprintf(h, "/%s", store.DayString(f.LocalNow())) // a review: a new order each day
	}
	return rand.New(rand.NewPCG(h.Sum64(), uint64(qi))).Perm(len(l.Quiz[qi].Options))
}

func (f *Feature) askButtons(ctx context.Context, chatID int64, lang string, l *lessons.Lesson, qi, attempt int) error {
	q := l.Quiz[qi]
	var rows [][]tgbotapi.InlineKeyboardButton
	texts := q.OptionTexts(lang)
	for _, oi := range f.optionOrder(chatID, l, qi, attempt) {
		// The data names the option's index in the content, so the shown order needs no record.
		data := actAnswer.Data(l.ID, strconv.Itoa(qi), strconv.Itoa(oi), strconv.Itoa(attempt))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(bot.Truncate(texts[oi], 64), data)))
	}
	text := f.questionHeader(lang, l, qi, attempt) + "\n\n" + bot.Escape(q.Question.In(lang))
	_, err := f.SendText(ctx, chatID, text, tgbotapi.NewInlineKeyboardMarkup(rows...))
	return err
}

// answerOutcome is what recording an answer decided, for the messages that follow.
type answerOutcome struct {
	correct  bool
	finished bool // the last question of the attempt
	score    int
	passed   bool
	newCert  string // a certificate code issued by this answer
	course   *lessons.Course
}

// recordAnswer scores one answer inside the update's transaction: lesson quiz bits, daily counters, the
// review schedule, and on the last question completion, learning minutes, streak and certificate.
func (f *Feature) recordAnswer(tx *store.Tx, u *store.User, l *lessons.Lesson, qi, option, attempt int) (answerOutcome, error) {
	q := l.Quiz[qi]
	out := answerOutcome{correct: option == q.Answer, course: l.Course}
	if err := tx.AddDay(f.dayOf(tx), func(d *store.DayStats) {
		d.QuizAnswers++
		if out.correct {
			d.QuizCorrect++
		}
	}); err != nil {
		return out, err
	}
	if attempt == 0 {
		return out, f.reviewAnswered(tx, u, q.ID, out.correct)
	}
	p, err := tx.Progress(u.ID, l.ID)
	if err != nil {
		return out, err
	}
	if p.Attempt != attempt || p.Answered&(1<<qi) != 0 {
		return out, errAnswered
	}
	p.Answered |= 1 << qi
	if out.correct {
		p.Correct |= 1 << qi
	}
	if err := f.scheduleReview(tx, u, q.ID, out.correct); err != nil {
		return out, err
	}
	if allAnswered(p, l) {
		out.finished = true
		out.score = bits.OnesCount32(p.Correct)
		p.Best = max(p.Best, out.score)
		out.passed = out.score >= f.passMark(len(l.Quiz))
		// Only a passed quiz finishes the lesson: a failed attempt credits nothing.
		if out.passed {
			p.Passed = true
			if p.Completed.IsZero() {
				if err := f.completeLesson(tx, u, l, &p); err != nil {
					return out, err
				}
			}
		}
		if err := tx.PutProgress(u.ID, l.ID, p); err != nil {
			return out, err
		}
		if out.passed {
			code, err := f.maybeCertify(tx, u, l.Course)
			if err != nil {
				return out, err
			}
			out.newCert = code
		}
		return out, nil
	}
	return out, tx.PutProgress(u.ID, l.ID, p)
}

// passMark is how many right answers pass a quiz of n questions.
func (f *Feature) passMark(n int) int { return int(math.Ceil(f.opts.PassShare*float64(n) - 1e-9)) }

// completeLesson credits a finished lesson once: minutes, counters and the streak.
func (f *Feature) completeLesson(tx *store.Tx, u *store.User, l *lessons.Lesson, p *store.LessonProgress) error {
	p.Completed = tx.Now()
	p.Minutes = l.Minutes
	u.MinutesLearned += l.Minutes
	u.LessonsCompleted++
	u.BumpStreak(f.dayOf(tx))
	return tx.AddDay(f.dayOf(tx), func(d *store.DayStats) {
		d.LessonsCompleted++
		d.Minutes += int64(l.Minutes)
	})
}

// handlePollAnswer scores an answer to one of our quiz polls; answers to polls that are not ours, or
// repeated ones, change nothing.
func (f *Feature) handlePollAnswer(ctx context.Context, c *bot.Ctx) error {
	pa := c.Update.PollAnswer
	if len(pa.OptionIDs) != 1 {
		return nil // a retracted vote; quizzes cannot be retracted in Telegram, so this is not ours
	}
	var rec *store.PollRecord
	var l *lessons.Lesson
	var out answerOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		var err error
		rec, err = tx.Poll(pa.PollID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (rec.UserID != u.ID || rec.Answered)) {
			return errNotOurs
		}
		if err != nil {
			return err
		}
		rec.Answered = true
		if err := tx.PutPoll(pa.PollID, rec); err != nil {
			return err
		}
		l = f.Content().Lesson(rec.LessonID)
		option := pa.OptionIDs[0]
		if rec.Order != nil { // the options were shown shuffled: back to the content's index
			if option < 0 || option >= len(rec.Order) {
				return errNotOurs
			}
			option = rec.Order[option]
		}
		// A split lesson's old id finds its first replacement, whose questions are others: not this poll's.
		if l == nil || l.ID != rec.LessonID || rec.Question >= len(l.Quiz) || option < 0 || option >= len(l.Quiz[rec.Question].Options) {
			return errNotOurs // the lesson was removed or changed since the poll was sent
		}
		out, err = f.recordAnswer(tx, u, l, rec.Question, option, rec.Attempt)
		return err
	})
	switch {
	case errors.Is(err, errNotOurs), errors.Is(err, errAnswered):
		return c.Apply(nil) // remember the update; nothing else changes
	case err != nil:
		return err
	}
	// The poll itself shows right or wrong and the explanation; go on with the next question.
	return f.afterAnswer(ctx, c, l, rec.Question, rec.Attempt, out)
}

// errNotOurs rejects an answer the bot has no question for.
var errNotOurs = errors.New("not our question")

// handleButtonAnswer scores a button-quiz answer and edits the question to show the result.
func (f *Feature) handleButtonAnswer(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 4 {
		return bot.HandleStaleButton(ctx, c)
	}
	qi, err1 := strconv.Atoi(c.Data[1])
	oi, err2 := strconv.Atoi(c.Data[2])
	attempt, err3 := strconv.Atoi(c.Data[3])
	l := f.Content().Lesson(c.Data[0])
	if err1 != nil || err2 != nil || err3 != nil || l == nil || qi < 0 || qi >= len(l.Quiz) || oi < 0 || oi >= len(l.Quiz[qi].Options) {
		if l == nil {
			return c.Fail("LessonGone")
		}
		return bot.HandleStaleButton(ctx, c)
	}
	if l.ID != c.Data[0] {
		return bot.HandleStaleButton(ctx, c) // a question of a lesson since split: its questions are others now
	}
	q := c.Update.CallbackQuery
	if q.Message == nil || q.Message.Chat.ID != q.From.ID {
		return c.Toast(ctx, c.T("NotYourQuiz"), true) // pressed in a group, or on someone else's question
	}
	var out answerOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		var err error
		out, err = f.recordAnswer(tx, u, l, qi, oi, attempt)
		return err
	})
	if errors.Is(err, errAnswered) {
		if err := c.Apply(nil); err != nil && !errors.Is(err, bot.ErrDuplicate) {
			return err
		}
		return c.Toast(ctx, c.T("AlreadyAnswered"), false)
	}
	if err != nil {
		return err
	}
	question := l.Quiz[qi]
	verdict := c.T("AnswerWrong", "Answer", bot.Escape(question.OptionTexts(c.Lang)[question.Answer]))
	toast := c.T("ToastWrong")
	if out.correct {
		verdict, toast = c.T("AnswerRight"), c.T("ToastRight")
	}
	_ = c.Toast(ctx, toast, false)
	text := f.questionHeader(c.Lang, l, qi, attempt) + "\n\n" + bot.Escape(question.Question.In(c.Lang)) + "\n\n" +
		c.T("YourAnswer", "Answer", bot.Escape(question.OptionTexts(c.Lang)[oi])) + "\n" + verdict
	if exp := question.Explanation.In(c.Lang); exp != "" {
		text += "\n💡 " + bot.Escape(exp)
	}
	if err := f.EditText(ctx, q.Message.Chat.ID, q.Message.MessageID, text, nil); err != nil {
		return err
	}
	return f.afterAnswer(ctx, c, l, qi, attempt, out)
}

// afterAnswer asks the next question, or reports the result of a finished attempt.
func (f *Feature) afterAnswer(ctx context.Context, c *bot.Ctx, l *lessons.Lesson, qi, attempt int, out answerOutcome) error {
	if attempt == 0 {
		return f.nextReview(ctx, c)
	}
	if !out.finished {
		p, err := f.progressOf(c.User.ID, l.ID)
		if err != nil {
			return err
		}
		return f.askQuestion(ctx, c.ChatID, c.Lang, l, firstUnanswered(p, l), attempt)
	}
	n := len(l.Quiz)
	text := c.T("QuizResult", "Score", c.Num(out.score), "Total", c.Num(n))
	var rows [][]tgbotapi.InlineKeyboardButton
	if out.passed {
		text += "\n" + c.T("QuizPassed")
	} else {
		text += "\n" + c.T("QuizFailed", "Needed", c.Num(f.passMark(n)))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(
			actQuizReview.Button(c.T("QuizReviewButton"), l.ID), actQuiz.Button(c.T("RetryQuizButton"), l.ID)))
	}
	if c.User.Streak > 0 {
		text += "\n" + c.N("StreakLine", c.User.Streak, "Days", c.Count(c.User.Streak))
	}
	if next := l.Next(); next != nil {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actOpen.Button(c.T("NextLessonButton"), next.ID)))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(actCourse.Button(c.T("CourseMenuButton"), l.Course.ID)))
	if _, err := c.Reply(ctx, text, tgbotapi.NewInlineKeyboardMarkup(rows...)); err != nil {
		return err
	}
	if out.newCert != "" {
		return f.announceCertificate(ctx, c, out.course, out.newCert)
	}
	return nil
}

func (f *Feature) progressOf(userID int64, lessonID string) (store.LessonProgress, error) {
	var p store.LessonProgress
	err := f.Store.View(func(tx *store.Tx) error {
		var err error
		p, err = tx.Progress(userID, lessonID)
		return err
	})
	return p, err
}
