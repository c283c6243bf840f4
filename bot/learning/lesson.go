package learning

import (
	"context"
	"slices"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
	"github.com/tavan7/tavan/lessons"
)

// coursesFor orders the courses for a learner: their track's courses first, then the rest, each by order.
func coursesFor(cat *lessons.Catalog, track string) []*lessons.Course {
	var mine, rest []*lessons.Course
	for _, co := range cat.Courses {
		if slices.Contains(co.Tracks, track) {
			mine = append(mine, co)
		} else {
			rest = append(rest, co)
		}
	}
	return append(mine, rest...)
}

// courseDone counts the lessons of a course the learner completed.
func courseDone(co *lessons.Course, progress map[string]store.LessonProgress) int {
	n := 0
	for _, l := range co.Lessons {
		if !progress[l.ID].Completed.IsZero() {
			n++
		}
	}
	return n
}

func (f *Feature) loadProgress(userID int64) (map[string]store.LessonProgress, error) {
	var progress map[string]store.LessonProgress
	err := f.Store.View(func(tx *store.Tx) error {
		var err error
		progress, err = tx.AllProgress(userID)
		return err
	})
	return progress, err
}

func (f *Feature) handleCourses(ctx context.Context, c *bot.Ctx) error {
	progress, err := f.loadProgress(c.User.ID)
	if err != nil {
		return err
	}
	cat := f.Content()
	var lines []string
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, co := range coursesFor(cat, c.User.Track) {
		done := courseDone(co, progress)
		mark := "📘"
		if done == len(co.Lessons) && done > 0 {
			mark = "✅"
		}
		lines = append(lines, mark+" <b>"+bot.Escape(courseTitle(c.Voice, co))+"</b> — "+c.OfTotal(done, len(co.Lessons)))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(
			actCourse.Button(bot.Truncate(courseTitle(c.Voice, co), 60), co.ID)))
	}
	if len(rows) == 0 {
		return c.Menu(ctx, c.T("NoCourses"), nil)
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, c.T("CoursesTitle")+"\n\n"+strings.Join(lines, "\n"), &kb)
}

// handleCourse shows a course card with the learner's progress and a start/continue button.
func (f *Feature) handleCourse(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	co := f.Content().Course(c.Data[0])
	if co == nil || len(co.Lessons) == 0 {
		return c.Fail("CourseGone")
	}
	progress, err := f.loadProgress(c.User.ID)
	if err != nil {
		return err
	}
	done := courseDone(co, progress)
	next := nextLesson(co, progress)
	label := c.T("StartCourse")
	if done > 0 || !progress[co.Lessons[0].ID].Opened.IsZero() {
		label = c.T("ContinueCourse")
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	if next != nil {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actOpen.Button(label, next.ID)))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(actCourses.Button(c.T("AllCoursesButton"))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)

	text := "<b>" + bot.Escape(courseTitle(c.Voice, co)) + "</b>\n" + bot.Escape(c.Content(co.Description)) + "\n\n" +
		c.T("CourseProgress", "Progress", c.OfTotal(done, len(co.Lessons)), "Bar", c.ProgressBar(done, len(co.Lessons)))
	if correct, total := courseScore(co, progress); total > 0 {
		text += "\n" + c.T("CourseScore", "Correct", c.Num(correct), "Total", c.Num(total))
	}
	if next == nil {
		text += "\n\n" + c.T("CourseFinished")
	}
	return c.Menu(ctx, text, &kb)
}

// nextLesson is the first lesson of the course the learner has not completed, or nil.
func nextLesson(co *lessons.Course, progress map[string]store.LessonProgress) *lessons.Lesson {
	for _, l := range co.Lessons {
		if progress[l.ID].Completed.IsZero() {
			return l
		}
	}
	return nil
}

// courseScore sums the best quiz results of the course's finished quizzes.
func courseScore(co *lessons.Course, progress map[string]store.LessonProgress) (correct, total int) {
	for _, l := range co.Lessons {
		if p := progress[l.ID]; p.Attempt > 0 && !p.Completed.IsZero() {
			correct += p.Best
			total += len(l.Quiz)
		}
	}
	return correct, total
}

func (f *Feature) handleOpenLesson(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	l := f.Content().Lesson(c.Data[0])
	if l == nil {
		return c.Fail("LessonGone")
	}
	_ = c.Toast(ctx, "", false)
	return f.sendLesson(ctx, c, l)
}

// handleToday sends the learner's next lesson: in the course they are in, else the first unfinished
// course of their track.
func (f *Feature) handleToday(ctx context.Context, c *bot.Ctx) error {
	progress, err := f.loadProgress(c.User.ID)
	if err != nil {
		return err
	}
	l := f.nextFor(c.User, progress)
	if l == nil {
		_, err := c.Reply(ctx, c.T("AllLessonsDone"), nil)
		return err
	}
	return f.sendLesson(ctx, c, l)
}

// nextFor picks what a learner should read next, or nil when they finished everything.
func (f *Feature) nextFor(u *store.User, progress map[string]store.LessonProgress) *lessons.Lesson {
	cat := f.Content()
	if cur := cat.Lesson(u.CurrentLesson); cur != nil {
		if progress[cur.ID].Completed.IsZero() {
			return cur
		}
		if next := nextLesson(cur.Course, progress); next != nil {
			return next
		}
	}
	for _, co := range coursesFor(cat, u.Track) {
		if next := nextLesson(co, progress); next != nil {
			return next
		}
	}
	return nil
}

// sendLesson records the lesson as opened (once) and sends its media, then its text with navigation.
func (f *Feature) sendLesson(ctx context.Context, c *bot.Ctx, l *lessons.Lesson) error {
	var p store.LessonProgress
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		var err error
		if p, err = tx.Progress(u.ID, l.ID); err != nil {
			return err
		}
		u.CurrentLesson = l.ID
		if !p.Opened.IsZero() {
			return nil
		}
		p.Opened = tx.Now()
		if err := tx.PutProgress(u.ID, l.ID, p); err != nil {
			return err
		}
		return tx.AddDay(f.dayOf(tx), func(d *store.DayStats) { d.LessonsDelivered++ })
	}); err != nil {
		return err
	}
	return f.deliverLesson(ctx, c.ChatID, c.Voice, c.User, l)
}

// deliverLesson sends a lesson's media and text; it is shared by the learner's own request and the daily
// push (the core's notices, SendLessonWith). When media fails the text still goes, with a short note —
// never silence.
func (f *Feature) deliverLesson(ctx context.Context, chatID int64, v bot.Voice, u *store.User, l *lessons.Lesson) error {
	lang := v.Lang
	parts := slices.Clone(l.Parts(lang))
	if l.Media != nil {
		caption := l.Caption(lang)
		if !l.CaptionFits(lang) {
			parts = append([]string{caption}, parts...)
			caption = ""
		}
		if err := f.SendMedia(ctx, chatID, l.Media, caption); err != nil {
			if bot.IsGone(err) {
				return err
			}
			f.Logger.Warn("lesson media failed", "lesson", l.ID, "err", err)
			parts = append([]string{v.T("MediaUnavailable")}, parts...)
		}
	}
	footer := "\n\n" + f.lessonFooter(v, u, l)
	last := len(parts) - 1
	// A lesson's parts are the same for every learner: their length is measured once (partLen).
	if n, err := tghtml.Len(footer); err == nil && f.PartLen(parts[last])+n <= 4096 {
		parts[last] += footer
	} else {
		parts = append(parts, strings.TrimSpace(footer))
		last++
	}
	for i, part := range parts {
		var markup any
		if i == last {
			markup = f.lessonKeyboard(v, l)
		}
		if _, err := f.SendText(ctx, chatID, part, markup); err != nil {
			return err
		}
	}
	return nil
}

// lessonFooter is the line under a lesson: the course progress bar and the streak.
func (f *Feature) lessonFooter(c bot.Voice, u *store.User, l *lessons.Lesson) string {
	pos := l.Index + 1
	line := c.T("LessonPosition", "Course", bot.Escape(c.Content(l.Course.Title)), "Position", c.OfTotal(pos, len(l.Course.Lessons)),
		"Bar", c.ProgressBar(pos, len(l.Course.Lessons)), "Minutes", c.Num(l.Minutes))
	if u.Streak > 1 {
		line += "\n" + c.N("StreakLine", u.Streak, "Days", c.Count(u.Streak))
	}
	if c.Lang == "en" && l.Title.EN == "" {
		line += "\n" + c.T("LessonInPersian") // the text fell back to Persian
	}
	return line
}

func (f *Feature) lessonKeyboard(v bot.Voice, l *lessons.Lesson) tgbotapi.InlineKeyboardMarkup {
	t := func(id string) string { return v.T(id) }
	var nav []tgbotapi.InlineKeyboardButton
	if l.Index > 0 {
		nav = append(nav, actOpen.Button(t("PrevLessonButton"), l.Course.Lessons[l.Index-1].ID))
	}
	if next := l.Next(); next != nil {
		nav = append(nav, actOpen.Button(t("NextLessonButton"), next.ID))
	}
	var second []tgbotapi.InlineKeyboardButton
	if len(l.Quiz) > 0 {
		second = append(second, actQuiz.Button(t("QuizButton"), l.ID))
	} else {
		second = append(second, actFinish.Button(t("FinishLessonButton"), l.ID))
	}
	second = append(second, actCourse.Button(t("CourseMenuButton"), l.Course.ID))
	var rows [][]tgbotapi.InlineKeyboardButton
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	rows = append(rows, second)
	return tgbotapi.NewInlineKeyboardMarkup(rows...)
}

// courseTitle is a course's title for the reader; to an English reader, a course whose lessons are not
// all translated is marked «(in Persian)», once, even when its title is in English.
func courseTitle(v bot.Voice, co *lessons.Course) string {
	title := v.Content(co.Title)
	if v.Lang == "en" && !co.Translated && co.Title.EN != "" {
		title += " " + v.T("InPersianMark")
	}
	return title
}
