package bot

import (
	"context"
	"slices"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

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

func (b *Bot) loadProgress(userID int64) (map[string]store.LessonProgress, error) {
	var progress map[string]store.LessonProgress
	err := b.Store.View(func(tx *store.Tx) error {
		var err error
		progress, err = tx.AllProgress(userID)
		return err
	})
	return progress, err
}

func (b *Bot) handleCourses(ctx context.Context, c *Ctx) error {
	progress, err := b.loadProgress(c.User.ID)
	if err != nil {
		return err
	}
	cat := b.catalog()
	var lines []string
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, co := range coursesFor(cat, c.User.Track) {
		done := courseDone(co, progress)
		mark := "📘"
		if done == len(co.Lessons) && done > 0 {
			mark = "✅"
		}
		lines = append(lines, mark+" <b>"+htmlEscape(co.Title.In(c.Lang))+"</b> — "+c.ofTotal(done, len(co.Lessons)))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(truncateRunes(co.Title.In(c.Lang), 60), cb("course", co.ID))))
	}
	if len(rows) == 0 {
		return c.Menu(ctx, c.T("NoCourses"), nil)
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, c.T("CoursesTitle")+"\n\n"+strings.Join(lines, "\n"), &kb)
}

// handleCourse shows a course card with the learner's progress and a start/continue button.
func (b *Bot) handleCourse(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	co := b.catalog().Course(c.Data[0])
	if co == nil || len(co.Lessons) == 0 {
		return c.Fail("CourseGone")
	}
	progress, err := b.loadProgress(c.User.ID)
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
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, cb("open", next.ID))))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("AllCoursesButton"), cb("courses"))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)

	text := "<b>" + htmlEscape(co.Title.In(c.Lang)) + "</b>\n" + htmlEscape(co.Description.In(c.Lang)) + "\n\n" +
		c.T("CourseProgress", "Progress", c.ofTotal(done, len(co.Lessons)), "Bar", c.progressBar(done, len(co.Lessons)))
	if correct, total := courseScore(co, progress); total > 0 {
		text += "\n" + c.T("CourseScore", "Correct", c.num(correct), "Total", c.num(total))
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

func (b *Bot) handleOpenLesson(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	l := b.catalog().Lesson(c.Data[0])
	if l == nil {
		return c.Fail("LessonGone")
	}
	_ = c.Toast(ctx, "", false)
	return b.sendLesson(ctx, c, l)
}

// handleToday sends the learner's next lesson: in the course they are in, else the first unfinished
// course of their track.
func (b *Bot) handleToday(ctx context.Context, c *Ctx) error {
	progress, err := b.loadProgress(c.User.ID)
	if err != nil {
		return err
	}
	l := b.nextFor(c.User, progress)
	if l == nil {
		_, err := c.Reply(ctx, c.T("AllLessonsDone"), nil)
		return err
	}
	return b.sendLesson(ctx, c, l)
}

// nextFor picks what a learner should read next, or nil when they finished everything.
func (b *Bot) nextFor(u *store.User, progress map[string]store.LessonProgress) *lessons.Lesson {
	cat := b.catalog()
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
func (b *Bot) sendLesson(ctx context.Context, c *Ctx, l *lessons.Lesson) error {
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
		if len(l.Quiz) == 0 {
			// Nothing to answer: reaching the lesson is reaching its end.
			if err := b.completeLesson(tx, u, l, &p); err != nil {
				return err
			}
		}
		if err := tx.PutProgress(u.ID, l.ID, p); err != nil {
			return err
		}
		return tx.AddDay(b.dayOf(tx), func(d *store.DayStats) { d.LessonsDelivered++ })
	}); err != nil {
		return err
	}
	return b.deliverLesson(ctx, c.ChatID, c.Lang, c.User, l)
}

// deliverLesson sends a lesson's media and text; it is shared by the learner's own request and the daily
// push. When media fails the text still goes, with a short note — never silence.
func (b *Bot) deliverLesson(ctx context.Context, chatID int64, lang string, u *store.User, l *lessons.Lesson) error {
	t := func(id string, kv ...any) string { return b.Texts.T(lang, id, kv...) }
	parts := slices.Clone(l.Parts(lang))
	if l.Media != nil {
		caption := l.Caption(lang)
		if !l.CaptionFits(lang) {
			parts = append([]string{caption}, parts...)
			caption = ""
		}
		if err := b.sendMedia(ctx, chatID, l.Media, caption); err != nil {
			if isGone(err) {
				return err
			}
			b.Logger.Warn("lesson media failed", "lesson", l.ID, "err", err)
			parts = append([]string{t("MediaUnavailable")}, parts...)
		}
	}
	footer := "\n\n" + b.lessonFooter(lang, u, l)
	last := len(parts) - 1
	// A lesson's parts are the same for every learner: their length is measured once (partLen).
	if n, err := tghtml.Len(footer); err == nil && b.partLen(parts[last])+n <= 4096 {
		parts[last] += footer
	} else {
		parts = append(parts, strings.TrimSpace(footer))
		last++
	}
	for i, part := range parts {
		var markup any
		if i == last {
			markup = b.lessonKeyboard(lang, l)
		}
		if _, err := b.sendText(ctx, chatID, part, markup); err != nil {
			return err
		}
	}
	return nil
}

// lessonFooter is the line under a lesson: the course progress bar and the streak.
func (b *Bot) lessonFooter(lang string, u *store.User, l *lessons.Lesson) string {
	c := &Ctx{b: b, Lang: lang, User: u}
	pos := l.Index + 1
	line := c.T("LessonPosition", "Course", htmlEscape(l.Course.Title.In(lang)), "Position", c.ofTotal(pos, len(l.Course.Lessons)),
		"Bar", c.progressBar(pos, len(l.Course.Lessons)), "Minutes", c.num(l.Minutes))
	if u.Streak > 1 {
		line += "\n" + c.T("StreakLine", "Days", c.num(u.Streak))
	}
	return line
}

func (b *Bot) lessonKeyboard(lang string, l *lessons.Lesson) tgbotapi.InlineKeyboardMarkup {
	t := func(id string) string { return b.Texts.T(lang, id) }
	var nav []tgbotapi.InlineKeyboardButton
	if l.Index > 0 {
		nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(t("PrevLessonButton"), cb("open", l.Course.Lessons[l.Index-1].ID)))
	}
	if next := l.Next(); next != nil {
		nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(t("NextLessonButton"), cb("open", next.ID)))
	}
	var second []tgbotapi.InlineKeyboardButton
	if len(l.Quiz) > 0 {
		second = append(second, tgbotapi.NewInlineKeyboardButtonData(t("QuizButton"), cb("quiz", l.ID)))
	}
	second = append(second, tgbotapi.NewInlineKeyboardButtonData(t("CourseMenuButton"), cb("course", l.Course.ID)))
	var rows [][]tgbotapi.InlineKeyboardButton
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	rows = append(rows, second)
	return tgbotapi.NewInlineKeyboardMarkup(rows...)
}
