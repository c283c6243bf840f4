package learning

import (
	"context"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// A lesson is finished when its quiz is passed (recordAnswer), or, for a lesson without a quiz, when the
// learner says so with the lesson's «finished» button: opening a lesson is not learning it.

// handleFinish finishes a lesson that has no quiz: minutes, streak and course progress, once.
func (f *Feature) handleFinish(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	l := f.Content().Lesson(c.Data[0])
	if l == nil {
		return c.Fail("LessonGone")
	}
	if len(l.Quiz) > 0 {
		return bot.HandleStaleButton(ctx, c) // the lesson gained a quiz since: the quiz finishes it
	}
	already := false
	var cert string
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		p, err := tx.Progress(u.ID, l.ID)
		if err != nil {
			return err
		}
		if !p.Completed.IsZero() {
			already = true
			return nil
		}
		if p.Opened.IsZero() {
			p.Opened = tx.Now()
		}
		if err := f.completeLesson(tx, u, l, &p); err != nil {
			return err
		}
		if err := tx.PutProgress(u.ID, l.ID, p); err != nil {
			return err
		}
		cert, err = f.maybeCertify(tx, u, l.Course)
		return err
	}); err != nil {
		return err
	}
	if already {
		return c.Toast(ctx, c.T("LessonAlreadyFinished"), false)
	}
	_ = c.Toast(ctx, "", false)
	text := c.T("LessonFinished", "Minutes", c.Duration(l.Minutes))
	if c.User.Streak > 0 {
		text += "\n" + c.N("StreakLine", c.User.Streak, "Days", c.Count(c.User.Streak))
	}
	if _, err := c.Reply(ctx, text, afterLessonKeyboard(c.Voice, l)); err != nil {
		return err
	}
	if cert != "" {
		return f.announceCertificate(ctx, c, l.Course, cert)
	}
	return nil
}

// afterLessonKeyboard is what follows a finished lesson: the next lesson, and the course.
func afterLessonKeyboard(v bot.Voice, l *lessons.Lesson) tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	if next := l.Next(); next != nil {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actOpen.Button(v.T("NextLessonButton"), next.ID)))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(actCourse.Button(v.T("CourseMenuButton"), l.Course.ID)))
	return tgbotapi.NewInlineKeyboardMarkup(rows...)
}

// handleQuizReview goes over the questions missed in the last attempt: each with the right answer and
// its explanation, then a retry.
func (f *Feature) handleQuizReview(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	l := f.Content().Lesson(c.Data[0])
	if l == nil || len(l.Quiz) == 0 {
		return c.Fail("LessonGone")
	}
	p, err := f.progressOf(c.User.ID, l.ID)
	if err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	var b strings.Builder
	b.WriteString(c.T("QuizReviewTitle", "Lesson", bot.Escape(c.Content(l.Title))))
	for i, q := range l.Quiz {
		if p.Answered&(1<<i) == 0 || p.Correct&(1<<i) != 0 {
			continue // not answered in this attempt, or answered right
		}
		b.WriteString("\n\n" + c.T("QuizReviewItem", "N", c.Num(i+1), "Question", bot.Escape(q.Question.In(c.Lang)),
			"Answer", bot.Escape(q.OptionTexts(c.Lang)[q.Answer])))
		if exp := q.Explanation.In(c.Lang); exp != "" {
			b.WriteString("\n💡 " + bot.Escape(exp))
		}
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(actOpen.Button(c.T("ReadLessonAgainButton"), l.ID)),
		tgbotapi.NewInlineKeyboardRow(actQuiz.Button(c.T("RetryQuizButton"), l.ID)))
	parts := lessons.SplitHTML(b.String(), lessons.MaxMessage)
	for i, part := range parts {
		var markup any
		if i == len(parts)-1 {
			markup = kb
		}
		if _, err := c.Reply(ctx, part, markup); err != nil {
			return err
		}
	}
	return nil
}
