// Package learning is what a learner learns with: courses and lessons, quizzes (native polls or
// buttons), spaced review, certificates and their verification, /me, the daily lesson scheduler with its
// nudges, and the schedule's settings (weekdays, time zone, pause).
package learning

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
)

// Options are the learning feature's settings.
type Options struct {
	QuizMode  string  // "poll" (native quiz polls, the default) or "buttons"
	PassShare float64 // share of right answers that passes a lesson quiz; default 0.5
}

// Feature is lessons, quizzes, review, certificates, /me and the daily schedule on the core.
type Feature struct {
	*bot.Bot
	opts Options

	log *slog.Logger // the scheduler's

	pollsUnsupported atomic.Bool // the Bot API server refused sendPoll: quizzes use buttons from then on

	tickMu      sync.Mutex // one scheduler tick at a time (the loop and tests may call it together)
	pruneCursor []byte     // where the next chunk of dedupe-key pruning starts (under tickMu)
}

// Button actions; the strings are those of the buttons already sent, so they keep working.
const (
	actCourses     bot.Action = "courses" // courses
	actCourse      bot.Action = "course"  // course|<course>
	actOpen        bot.Action = "open"    // open|<lesson>
	actQuiz        bot.Action = "quiz"    // quiz|<lesson>
	actAnswer      bot.Action = "qa"      // qa|<lesson>|<question>|<option>|<attempt>
	actDailyReview bot.Action = "dvrev"   // dvrev: the daily message's review button
	actDays        bot.Action = "sd"      // sd|menu, sd|all, sd|nofri, sd|pick, sd|t|<weekday>
	actZone        bot.Action = "tz"      // tz|menu, tz|<index into learnerZones>
	actPause       bot.Action = "pause"   // pause|menu (the choices), pause|<days>, pause|off
	actFinish      bot.Action = "fin"     // fin|<lesson>: a lesson without a quiz is finished
	actQuizReview  bot.Action = "qrv"     // qrv|<lesson>: the questions missed in the last attempt
)

// settingsOrder places the schedule's row (days, zone, pause) on the settings screen.
const settingsOrder = 20

// Register adds the learning feature to b.
func Register(b *bot.Bot, o Options) (*Feature, error) {
	if o.PassShare <= 0 || o.PassShare > 1 {
		o.PassShare = 0.5
	}
	if !b.Platform.QuizPolls {
		// Without poll_answer updates (Bale) a native quiz could never be scored.
		o.QuizMode = "buttons"
	}
	f := &Feature{Bot: b, opts: o, log: b.Logger.With("subsystem", "scheduler")}
	r := f.Routes()

	// lesson.go
	r.Command("courses", f.handleCourses)
	r.Command("today", f.handleToday)
	r.Callback(actCourses, f.handleCourses)
	r.Callback(actCourse, f.handleCourse)
	r.Callback(actOpen, f.handleOpenLesson)
	f.SendLessonWith(f.deliverLesson) // notices with a LessonID (the daily lesson)
	// Ask Tavan's answers open a lesson like its course list does.
	f.Opens("lesson", func(id string) string { return actOpen.Data(id) })

	// quiz.go, review.go, certificate.go, me.go
	r.Callback(actQuiz, f.handleQuiz)
	r.Callback(actAnswer, f.handleButtonAnswer)
	r.Callback(actFinish, f.handleFinish)
	r.Callback(actQuizReview, f.handleQuizReview)
	f.OnPollAnswer(f.handlePollAnswer)
	r.Command("review", f.handleReview)
	r.Command("verify", f.handleVerify)
	r.Command("me", f.handleMe)
	f.StartPayload(verifyPrefix, f.handleVerifyLink)

	// schedule.go: the daily scheduler, its button and the pause commands
	f.Loop("schedule", "* * * * *", f.scheduledTick)

	// splits.go: progress of lessons a content split replaced carries over to their replacements
	f.carryOverSplits(f.Content())
	f.OnReload(f.carryOverSplits)
	f.OnTimeJump(f.catchUpTimeJump)
	r.Callback(actDailyReview, f.handleDailyReview)
	r.Command("pause", f.handlePauseCommand)
	r.Command("resume", f.handleResumeCommand)

	// schedule_settings.go: days, zone and pause, a row of the settings screen
	r.Callback(actDays, f.handleDaysMenu)
	r.Callback(actZone, f.handleZoneMenu)
	r.Callback(actPause, f.handlePauseChoice)
	f.SettingsRow(settingsOrder, f.scheduleSettings)

	// The main menu's first entry is the learner's next step; the onboarding's last screen offers it.
	f.MainMenu(10, "today", func(c *bot.Ctx) string {
		if c.User.CurrentLesson == "" {
			return c.T("StartFirstLessonButton")
		}
		return c.T("MainMenuToday")
	})
	f.MainMenu(20, "courses", func(c *bot.Ctx) string { return c.T("MainMenuCourses") })

	f.MenuCommand(bot.Learners, "today", 10)
	f.MenuCommand(bot.Learners, "courses", 20)
	f.MenuCommand(bot.Learners, "review", 40)
	f.MenuCommand(bot.Learners, "me", 60)
	f.MenuCommand(bot.Learners, "pause", 125)
	f.MenuCommand(bot.Learners, "resume", 126)
	f.MenuCommand(bot.Learners, "verify", 150)
	return f, nil
}

// scheduleSettings is the settings screen's contribution: the summary lines for days, zone and a pause,
// and the row of their buttons.
func (f *Feature) scheduleSettings(c *bot.Ctx) ([]string, []tgbotapi.InlineKeyboardButton) {
	return f.scheduleSummary(c), f.scheduleSettingsRow(c)
}

// catchUpTimeJump runs the daily scheduler over a clock jump (the sandbox's time travel).
func (f *Feature) catchUpTimeJump(ctx context.Context, from, to time.Time) error {
	return catchUpSchedule(from, to, func(t time.Time) error { return f.ScheduleTick(ctx, t) })
}
