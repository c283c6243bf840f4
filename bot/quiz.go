package bot

import (
	"context"
	"errors"
	"math"
	"math/bits"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

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
func (b *Bot) handleQuiz(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	l := b.catalog().Lesson(c.Data[0])
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
	return b.askQuestion(ctx, c.ChatID, c.Lang, l, firstUnanswered(p, l), p.Attempt)
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
func (b *Bot) askQuestion(ctx context.Context, chatID int64, lang string, l *lessons.Lesson, qi, attempt int) error {
	q := l.Quiz[qi]
	if b.QuizMode != "buttons" && !b.pollsUnsupported.Load() && fitsPoll(q, lang) {
		err := b.askPoll(ctx, chatID, lang, l, qi, attempt)
		if err == nil || isGone(err) {
			return err
		}
		var apiErr *tgbotapi.Error
		if !errors.As(err, &apiErr) || apiErr.Code != 400 && apiErr.Code != 404 {
			return err
		}
		// A Telegram-compatible server without quiz polls: use buttons from now on.
		b.pollsUnsupported.Store(true)
		b.Logger.Warn("sendPoll refused; quizzes fall back to buttons", "err", err)
	}
	return b.askButtons(ctx, chatID, lang, l, qi, attempt)
}

func (b *Bot) questionHeader(lang string, l *lessons.Lesson, qi, attempt int) string {
	c := &Ctx{b: b, Lang: lang}
	if attempt == 0 {
		return c.T("ReviewQuestionHeader", "Lesson", htmlEscape(l.Title.In(lang)))
	}
	return c.T("QuizQuestionHeader", "N", c.num(qi+1), "Total", c.num(len(l.Quiz)), "Lesson", htmlEscape(l.Title.In(lang)))
}

func (b *Bot) askPoll(ctx context.Context, chatID int64, lang string, l *lessons.Lesson, qi, attempt int) error {
	q := l.Quiz[qi]
	if _, err := b.sendText(ctx, chatID, b.questionHeader(lang, l, qi, attempt), nil); err != nil {
		return err
	}
	poll := tgbotapi.NewPoll(chatID, q.Question.In(lang), q.OptionTexts(lang)...)
	poll.Type = "quiz"
	poll.IsAnonymous = false
	poll.CorrectOptionID = int64(q.Answer)
	poll.Explanation = q.Explanation.In(lang)
	msg, err := b.send(ctx, poll)
	if err != nil {
		return err
	}
	if msg.Poll == nil {
		return errors.New("sendPoll: answer has no poll")
	}
	return b.Store.Update(func(tx *store.Tx) error {
		return tx.PutPoll(msg.Poll.ID, &store.PollRecord{
			UserID: chatID, LessonID: l.ID, Question: qi, Attempt: attempt, Message: msg.MessageID,
		})
	})
}

func (b *Bot) askButtons(ctx context.Context, chatID int64, lang string, l *lessons.Lesson, qi, attempt int) error {
	q := l.Quiz[qi]
	var rows [][]tgbotapi.InlineKeyboardButton
	for oi, o := range q.OptionTexts(lang) {
		data := cb("qa", l.ID, strconv.Itoa(qi), strconv.Itoa(oi), strconv.Itoa(attempt))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(truncateRunes(o, 64), data)))
	}
	text := b.questionHeader(lang, l, qi, attempt) + "\n\n" + htmlEscape(q.Question.In(lang))
	_, err := b.sendText(ctx, chatID, text, tgbotapi.NewInlineKeyboardMarkup(rows...))
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
func (b *Bot) recordAnswer(tx *store.Tx, u *store.User, l *lessons.Lesson, qi, option, attempt int) (answerOutcome, error) {
	q := l.Quiz[qi]
	out := answerOutcome{correct: option == q.Answer, course: l.Course}
	if err := tx.AddDay(b.dayOf(tx), func(d *store.DayStats) {
		d.QuizAnswers++
		if out.correct {
			d.QuizCorrect++
		}
	}); err != nil {
		return out, err
	}
	if attempt == 0 {
		return out, b.reviewAnswered(tx, u, q.ID, out.correct)
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
	if err := b.scheduleReview(tx, u, q.ID, out.correct); err != nil {
		return out, err
	}
	if allAnswered(p, l) {
		out.finished = true
		out.score = bits.OnesCount32(p.Correct)
		p.Best = max(p.Best, out.score)
		out.passed = out.score >= b.passMark(len(l.Quiz))
		if out.passed {
			p.Passed = true
		}
		if p.Completed.IsZero() {
			if err := b.completeLesson(tx, u, l, &p); err != nil {
				return out, err
			}
		}
		if err := tx.PutProgress(u.ID, l.ID, p); err != nil {
			return out, err
		}
		if out.passed {
			code, err := b.maybeCertify(tx, u, l.Course)
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
func (b *Bot) passMark(n int) int { return int(math.Ceil(b.PassShare*float64(n) - 1e-9)) }

// completeLesson credits a finished lesson once: minutes, counters and the streak.
func (b *Bot) completeLesson(tx *store.Tx, u *store.User, l *lessons.Lesson, p *store.LessonProgress) error {
	p.Completed = tx.Now()
	p.Minutes = l.Minutes
	u.MinutesLearned += l.Minutes
	u.LessonsCompleted++
	b.bumpStreak(u, b.dayOf(tx))
	return tx.AddDay(b.dayOf(tx), func(d *store.DayStats) {
		d.LessonsCompleted++
		d.Minutes += int64(l.Minutes)
	})
}

// handlePollAnswer scores an answer to one of our quiz polls; answers to polls that are not ours, or
// repeated ones, change nothing.
func (b *Bot) handlePollAnswer(ctx context.Context, c *Ctx) error {
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
		l = b.catalog().Lesson(rec.LessonID)
		if l == nil || rec.Question >= len(l.Quiz) || pa.OptionIDs[0] >= len(l.Quiz[rec.Question].Options) {
			return errNotOurs // the lesson was removed or changed since the poll was sent
		}
		out, err = b.recordAnswer(tx, u, l, rec.Question, pa.OptionIDs[0], rec.Attempt)
		return err
	})
	switch {
	case errors.Is(err, errNotOurs), errors.Is(err, errAnswered):
		return c.Apply(nil) // remember the update; nothing else changes
	case err != nil:
		return err
	}
	// The poll itself shows right or wrong and the explanation; go on with the next question.
	return b.afterAnswer(ctx, c, l, rec.Question, rec.Attempt, out)
}

// errNotOurs rejects an answer the bot has no question for.
var errNotOurs = errors.New("not our question")

// handleButtonAnswer scores a button-quiz answer and edits the question to show the result.
func (b *Bot) handleButtonAnswer(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 4 {
		return handleStaleButton(ctx, c)
	}
	qi, err1 := strconv.Atoi(c.Data[1])
	oi, err2 := strconv.Atoi(c.Data[2])
	attempt, err3 := strconv.Atoi(c.Data[3])
	l := b.catalog().Lesson(c.Data[0])
	if err1 != nil || err2 != nil || err3 != nil || l == nil || qi < 0 || qi >= len(l.Quiz) || oi < 0 || oi >= len(l.Quiz[qi].Options) {
		if l == nil {
			return c.Fail("LessonGone")
		}
		return handleStaleButton(ctx, c)
	}
	q := c.Update.CallbackQuery
	if q.Message == nil || q.Message.Chat.ID != q.From.ID {
		return c.Toast(ctx, c.T("NotYourQuiz"), true) // pressed in a group, or on someone else's question
	}
	var out answerOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		var err error
		out, err = b.recordAnswer(tx, u, l, qi, oi, attempt)
		return err
	})
	if errors.Is(err, errAnswered) {
		if err := c.Apply(nil); err != nil && !errors.Is(err, errDuplicate) {
			return err
		}
		return c.Toast(ctx, c.T("AlreadyAnswered"), false)
	}
	if err != nil {
		return err
	}
	question := l.Quiz[qi]
	verdict := c.T("AnswerWrong", "Answer", htmlEscape(question.OptionTexts(c.Lang)[question.Answer]))
	toast := c.T("ToastWrong")
	if out.correct {
		verdict, toast = c.T("AnswerRight"), c.T("ToastRight")
	}
	_ = c.Toast(ctx, toast, false)
	text := b.questionHeader(c.Lang, l, qi, attempt) + "\n\n" + htmlEscape(question.Question.In(c.Lang)) + "\n\n" +
		c.T("YourAnswer", "Answer", htmlEscape(question.OptionTexts(c.Lang)[oi])) + "\n" + verdict
	if exp := question.Explanation.In(c.Lang); exp != "" {
		text += "\n💡 " + htmlEscape(exp)
	}
	if err := b.editText(ctx, q.Message.Chat.ID, q.Message.MessageID, text, nil); err != nil {
		return err
	}
	return b.afterAnswer(ctx, c, l, qi, attempt, out)
}

// afterAnswer asks the next question, or reports the result of a finished attempt.
func (b *Bot) afterAnswer(ctx context.Context, c *Ctx, l *lessons.Lesson, qi, attempt int, out answerOutcome) error {
	if attempt == 0 {
		return b.nextReview(ctx, c)
	}
	if !out.finished {
		p, err := b.progressOf(c.User.ID, l.ID)
		if err != nil {
			return err
		}
		return b.askQuestion(ctx, c.ChatID, c.Lang, l, firstUnanswered(p, l), attempt)
	}
	n := len(l.Quiz)
	text := c.T("QuizResult", "Score", c.num(out.score), "Total", c.num(n))
	var rows [][]tgbotapi.InlineKeyboardButton
	if out.passed {
		text += "\n" + c.T("QuizPassed")
	} else {
		text += "\n" + c.T("QuizFailed", "Needed", c.num(b.passMark(n)))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("RetryQuizButton"), cb("quiz", l.ID))))
	}
	if c.User.Streak > 0 {
		text += "\n" + c.T("StreakLine", "Days", c.num(c.User.Streak))
	}
	if next := l.Next(); next != nil {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("NextLessonButton"), cb("open", next.ID))))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("CourseMenuButton"), cb("course", l.Course.ID))))
	if _, err := c.Reply(ctx, text, tgbotapi.NewInlineKeyboardMarkup(rows...)); err != nil {
		return err
	}
	if out.newCert != "" {
		return b.announceCertificate(ctx, c, out.course, out.newCert)
	}
	return nil
}

func (b *Bot) progressOf(userID int64, lessonID string) (store.LessonProgress, error) {
	var p store.LessonProgress
	err := b.Store.View(func(tx *store.Tx) error {
		var err error
		p, err = tx.Progress(userID, lessonID)
		return err
	})
	return p, err
}
