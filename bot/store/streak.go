package store

import "time"

// Streaks count consecutive calendar days (in the program's zone) with a completed lesson or a review
// answer. One freeze a week (the Iranian week, Saturday to Friday) forgives a single missed day: when
// the last active day was the day before yesterday and this week's freeze is unused, the streak goes on.
// now is in the program's zone.

// DayString is a calendar day as stored: 2006-01-02.
func DayString(t time.Time) string { return t.Format("2006-01-02") }

// BumpStreak counts today for u.
func (u *User) BumpStreak(now time.Time) {
	today := DayString(now)
	if u.StreakDay == today {
		u.Streak = max(u.Streak, 1)
		return
	}
	switch u.StreakDay {
	case DayString(now.AddDate(0, 0, -1)):
		u.Streak++
	case DayString(now.AddDate(0, 0, -2)):
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

// CurrentStreak is the streak as it stands now: 0 once it can no longer be continued.
func (u *User) CurrentStreak(now time.Time) int {
	switch u.StreakDay {
	case DayString(now), DayString(now.AddDate(0, 0, -1)):
		return u.Streak
	case DayString(now.AddDate(0, 0, -2)):
		if u.FreezeWeek != weekStart(now) {
			return u.Streak
		}
	}
	return 0
}

// weekStart is the Saturday that starts now's week.
func weekStart(now time.Time) string {
	back := (int(now.Weekday()) + 1) % 7 // Saturday → 0, Sunday → 1, …, Friday → 6
	return DayString(now.AddDate(0, 0, -back))
}
