package learning

import (
	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// Test hooks for package learning_test (compiled only into the tests).

// NudgeVariants is how many wordings each nudge has (NudgeFirst0…, NudgeSecond0…).
const NudgeVariants = nudgeVariants

// NudgeNotice is nudge n (1 or 2) for u on day, pointing to next (nil: the courses), as the scheduler
// enqueues it.
func (f *Feature) NudgeNotice(u *store.User, n int, next *lessons.Lesson, day string) bot.Notice {
	return f.nudgeNotice(u, n, next, day)
}
