package bot

import (
	"time"

	"github.com/tavan7/tavan/bot/store"
)

// Streaks count consecutive calendar days (in the program's zone) with a completed lesson or a review
// answer. One freeze a week (the Iranian week, Saturday to Friday) forgives a single missed day: when
// the last active day was the day before yesterday and this week's freeze is unused, the streak goes on.

// bumpStreak counts today for u.
func (b *Bot) bumpStreak(u *store.User, now time.Time) {
	today := dayString(now)
	if u.StreakDay == today {
		u.Streak = max(u.Streak, 1)
		return
	}
	switch u.StreakDay {
	case dayString(now.AddDate(0, 0, -1)):
		u.Streak++
	case dayString(now.AddDate(0, 0, -2)):
		if week := weekStart(now); u.FreezeWeek != week {
			u.FreezeWeek = week
			u.Streak++
		} else {
			u.Streak = 1
		}
	default:
		u.Streak = 1
	}
	u.StreakDay = today
}

// currentStreak is the streak as it stands now: 0 once it can no longer be continued.
func currentStreak(u *store.User, now time.Time) int {
	switch u.StreakDay {
	case dayString(now), dayString(now.AddDate(0, 0, -1)):
		return u.Streak
	case dayString(now.AddDate(0, 0, -2)):
		if u.FreezeWeek != weekStart(now) {
			return u.Streak
		}
	}
	return 0
}

// weekStart is the Saturday that starts now's week.
func weekStart(now time.Time) string {
	back := (int(now.Weekday()) + 1) % 7 // Saturday → 0, Sunday → 1, …, Friday → 6
	return dayString(now.AddDate(0, 0, -back))
}
