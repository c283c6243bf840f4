package learning

import (
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// The daily message continues where the learner stands. A lesson already sent and not finished is not
// sent whole again: the learner gets a short «you are in the middle of lesson N» with [continue] and
// [quiz]; after two such days, the offer to move on to the next lesson or to pause.

// midLessonPatience is how many «in the middle» messages come before the offer to move on or pause.
const midLessonPatience = 2

// midLessonPauseDays is the pause the offer proposes.
const midLessonPauseDays = 7

// midLessonMessage is the daily message for a learner in the middle of l, reminded times before.
func (f *Feature) midLessonMessage(u *store.User, l *lessons.Lesson, reminded int) (string, *tgbotapi.InlineKeyboardMarkup) {
	v := f.VoiceOf(u)
	args := []any{"N", v.Num(l.Index + 1), "Lesson", bot.Escape(v.Content(l.Title)), "Course", bot.Escape(v.Content(l.Course.Title))}
	finish := actQuiz.Button(v.T("QuizButton"), l.ID)
	if len(l.Quiz) == 0 {
		finish = actFinish.Button(v.T("FinishLessonButton"), l.ID)
	}
	if reminded < midLessonPatience {
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			actOpen.Button(v.T("MidLessonContinueButton"), l.ID), finish))
		return v.T("MidLesson", args...), &kb
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	if next := l.Next(); next != nil {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actOpen.Button(v.T("MidLessonMoveOnButton"), next.ID)))
	}
	rows = append(rows,
		tgbotapi.NewInlineKeyboardRow(actOpen.Button(v.T("MidLessonContinueButton"), l.ID), finish),
		tgbotapi.NewInlineKeyboardRow(actPause.Button(v.T("MidLessonPauseButton"), strconv.Itoa(midLessonPauseDays))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return v.T("MidLessonStuck", args...), &kb
}

// withReviewNote adds the due-reviews line and its button to an «in the middle» message.
func withReviewNote(n bot.Notice, note reviewNote) bot.Notice {
	n.Text += "\n\n" + note.text
	if note.kb != nil && n.Keyboard != nil {
		kb := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: append(append([][]tgbotapi.InlineKeyboardButton{}, n.Keyboard.InlineKeyboard...), note.kb.InlineKeyboard...)}
		n.Keyboard = &kb
	}
	return n
}

// recordDaily keeps, with a daily notice, what the next day's plan reads: a pushed lesson counts as
// sent (opened), an «in the middle» message as one more reminder.
func (f *Feature) recordDaily(tx *store.Tx, p plan) error {
	id := p.notice.LessonID
	if p.midLesson != "" {
		id = p.midLesson
	}
	if id == "" || p.nudge > 0 {
		return nil
	}
	prog, err := tx.Progress(p.user.ID, id)
	if err != nil {
		return err
	}
	if p.midLesson != "" {
		prog.Reminded++
	} else if prog.Opened.IsZero() {
		prog.Opened = tx.Now()
	} else {
		return nil
	}
	return tx.PutProgress(p.user.ID, id, prog)
}
