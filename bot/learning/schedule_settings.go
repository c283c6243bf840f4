package learning

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// The learner's schedule settings: on which weekdays the daily lesson comes, in which time zone, a pause,
// and the /pause and /resume commands. The settings screen (the account feature's) shows a row of buttons
// and summary lines from here (SettingsRow, register.go).

// weekOrder is the Iranian week, Saturday first.
var weekOrder = []time.Weekday{time.Saturday, time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

const (
	allDays      uint8 = 1<<7 - 1
	noFridays          = allDays &^ (1 << time.Friday)
	maxPauseArg        = 32 // bytes of /pause argument worth reading
	maxPauseDays       = 90 // bounds a pause so a typo cannot silence someone for years
)

// learnerZones are the time zones offered, the program's first; their names are "Zone_<name>" messages.
var learnerZones = []string{"Asia/Tehran", "Asia/Kabul", "Asia/Dubai", "Europe/Istanbul", "Europe/Berlin",
	"Europe/London", "America/Toronto", "America/Los_Angeles", "Australia/Sydney"}

func zoneMessageID(name string) string { return "Zone_" + strings.NewReplacer("/", "_").Replace(name) }

// scheduleSettingsRow is the settings menu's row for days, zone and pause (or resume, while paused).
func (f *Feature) scheduleSettingsRow(c *bot.Ctx) []tgbotapi.InlineKeyboardButton {
	pause := actPause.Button(c.T("PauseButton"), "menu")
	if c.User.Paused(f.Now()) {
		pause = actPause.Button(c.T("ResumeButton"), "off")
	}
	return tgbotapi.NewInlineKeyboardRow(
		actDays.Button(c.T("DaysButton"), "menu"),
		actZone.Button(c.T("ZoneButton"), "menu"),
		pause,
	)
}

// scheduleSummary are the settings summary's lines for days and zone, and the pause while there is one.
func (f *Feature) scheduleSummary(c *bot.Ctx) []string {
	lines := []string{
		c.T("SettingDays", "Value", f.daysLabel(c, c.User.Days)),
		c.T("SettingZone", "Value", c.T(zoneMessageID(f.ZoneOf(c.User).String()))),
	}
	if u := c.User; u.Paused(f.Now()) {
		lines = append(lines, c.T("SettingPausedUntil", "Date", c.Date(u.PausedUntil)))
	}
	return lines
}

// backRow goes back to the settings screen.
func backRow(c *bot.Ctx) []tgbotapi.InlineKeyboardButton {
	return tgbotapi.NewInlineKeyboardRow(bot.ActSettings.Button(c.T("BackButton"), "menu"))
}

// daysLabel describes a Days bitmask: every day, all but Friday, or the days listed.
func (f *Feature) daysLabel(c *bot.Ctx, days uint8) string {
	switch days {
	case 0, allDays:
		return c.T("DaysEveryDay")
	case noFridays:
		return c.T("DaysSkipFriday")
	}
	var names []string
	for _, d := range weekOrder {
		if days&(1<<d) != 0 {
			names = append(names, weekdayName(c.Lang, d))
		}
	}
	return strings.Join(names, c.T("ListSeparator"))
}

func weekdayName(lang string, d time.Weekday) string {
	if lang == "fa" {
		return persian.WeekdayName(d)
	}
	return d.String()
}

// handleDaysMenu shows and changes the weekdays: sd|menu, sd|all, sd|nofri, sd|pick, sd|t|<weekday>.
func (f *Feature) handleDaysMenu(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) == 0 {
		return bot.HandleStaleButton(ctx, c)
	}
	switch c.Data[0] {
	case "menu":
		return f.showDays(ctx, c)
	case "pick":
		return f.showDayPicker(ctx, c)
	case "all", "nofri":
		days := uint8(0)
		if c.Data[0] == "nofri" {
			days = noFridays
		}
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Days = days; return nil }); err != nil {
			return err
		}
		_ = c.Toast(ctx, c.T("Saved"), false)
		return f.showDays(ctx, c)
	case "t":
		if len(c.Data) != 2 {
			return bot.HandleStaleButton(ctx, c)
		}
		d, err := strconv.Atoi(c.Data[1])
		if err != nil || d < 0 || d > 6 {
			return bot.HandleStaleButton(ctx, c)
		}
		errNone := errors.New("no day left")
		err = c.Apply(func(_ *store.Tx, u *store.User) error {
			days := u.Days
			if days == 0 {
				days = allDays
			}
			days ^= 1 << d
			if days == 0 {
				return errNone
			}
			if days == allDays {
				days = 0
			}
			u.Days = days
			return nil
		})
		if errors.Is(err, errNone) {
			return c.Toast(ctx, c.T("DaysNeedOne"), true)
		}
		if err != nil {
			return err
		}
		return f.showDayPicker(ctx, c)
	}
	return bot.HandleStaleButton(ctx, c)
}

func (f *Feature) showDays(ctx context.Context, c *bot.Ctx) error {
	mark := func(on bool, label string) string {
		if on {
			return "✓ " + label
		}
		return label
	}
	days := c.User.Days
	custom := days != 0 && days != allDays && days != noFridays
	kb := tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(actDays.Button(mark(days == 0 || days == allDays, c.T("DaysEveryDay")), "all")),
		tgbotapi.NewInlineKeyboardRow(actDays.Button(mark(days == noFridays, c.T("DaysSkipFriday")), "nofri")),
		tgbotapi.NewInlineKeyboardRow(actDays.Button(mark(custom, c.T("DaysPick")), "pick")),
		backRow(c),
	)
	return c.Menu(ctx, c.T("DaysTitle", "Value", f.daysLabel(c, days)), &kb)
}

func (f *Feature) showDayPicker(ctx context.Context, c *bot.Ctx) error {
	days := c.User.Days
	if days == 0 {
		days = allDays
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	var row []tgbotapi.InlineKeyboardButton
	for _, d := range weekOrder {
		label := weekdayName(c.Lang, d)
		if days&(1<<d) != 0 {
			label = "✓ " + label
		}
		row = append(row, actDays.Button(label, "t", strconv.Itoa(int(d))))
		if len(row) == 4 {
			rows, row = append(rows, row), nil
		}
	}
	rows = append(rows, row, tgbotapi.NewInlineKeyboardRow(actDays.Button(c.T("DaysDone"), "menu")))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, c.T("DaysPickTitle", "Value", f.daysLabel(c, c.User.Days)), &kb)
}

// handleZoneMenu shows and sets the learner's time zone: tz|menu, tz|<index into learnerZones>.
func (f *Feature) handleZoneMenu(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	if c.Data[0] == "menu" {
		current := f.ZoneOf(c.User).String()
		var rows [][]tgbotapi.InlineKeyboardButton
		var row []tgbotapi.InlineKeyboardButton
		for i, name := range learnerZones {
			label := c.T(zoneMessageID(name))
			if name == current {
				label = "✓ " + label
			}
			row = append(row, actZone.Button(label, strconv.Itoa(i)))
			if len(row) == 2 {
				rows, row = append(rows, row), nil
			}
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
		rows = append(rows, backRow(c))
		kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
		return c.Menu(ctx, c.T("ZoneTitle"), &kb)
	}
	i, err := strconv.Atoi(c.Data[0])
	if err != nil || i < 0 || i >= len(learnerZones) {
		return bot.HandleStaleButton(ctx, c)
	}
	zone := learnerZones[i]
	if _, err := bot.LoadZone(zone); err != nil {
		return err
	}
	if zone == f.Location.String() {
		zone = "" // the default: follows the program if it ever moves
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.TZ = zone; return nil }); err != nil {
		return err
	}
	_ = c.Toast(ctx, c.T("Saved"), false)
	return f.ShowSettings(ctx, c)
}

// parsePauseDays reads /pause's argument: a number of days (any digits), optionally followed by
// «روز» or "day(s)". It returns 0 and false for anything else or a number outside 1..maxPauseDays.
func parsePauseDays(s string) (int, bool) {
	if len(s) > maxPauseArg {
		return 0, false
	}
	s = strings.TrimSpace(persian.Normalize(s))
	for _, unit := range []string{"روز", "days", "day"} {
		if rest, ok := strings.CutSuffix(strings.ToLower(s), unit); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	n, err := persian.ParseInt(s)
	if err != nil || n < 1 || n > maxPauseDays {
		return 0, false
	}
	return n, true
}

// handlePauseCommand: "/pause 5" pauses daily lessons for 5 days; "/pause" offers the choices.
func (f *Feature) handlePauseCommand(ctx context.Context, c *bot.Ctx) error {
	if strings.TrimSpace(c.Args) == "" {
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			actPause.Button(c.T("PauseDays", "Days", c.Num(3)), "3"),
			actPause.Button(c.T("PauseDays", "Days", c.Num(7)), "7"),
			actPause.Button(c.T("PauseDays", "Days", c.Num(30)), "30"),
		))
		return c.Menu(ctx, c.T("ChoosePause")+"\n"+c.T("PauseHint", "Max", c.Num(maxPauseDays)), &kb)
	}
	days, ok := parsePauseDays(c.Args)
	if !ok {
		return c.Fail("PauseUsage", "Max", c.Num(maxPauseDays))
	}
	until := f.LocalNow().AddDate(0, 0, days)
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.PausedUntil = until; return nil }); err != nil {
		return err
	}
	_, err := c.Reply(ctx, c.T("PausedFor", "Days", c.Num(days), "Date", c.Date(until)), nil)
	return err
}

// handleResumeCommand ends a pause.
func (f *Feature) handleResumeCommand(ctx context.Context, c *bot.Ctx) error {
	if !c.User.Paused(f.Now()) {
		_, err := c.Reply(ctx, c.T("NotPaused"), nil)
		return err
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.PausedUntil = time.Time{}; return nil }); err != nil {
		return err
	}
	text := c.T("ResumedNoTime")
	if c.User.DailyMinute != store.NoDailyTime {
		text = c.T("Resumed", "Time", c.Clock(c.User.DailyMinute))
	}
	_, err := c.Reply(ctx, text, nil)
	return err
}

// handlePauseChoice pauses for the days chosen (pause|3, pause|7, pause|30), ends a pause (pause|off), or
// shows the choices from the settings screen (pause|menu).
func (f *Feature) handlePauseChoice(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	until := time.Time{}
	switch c.Data[0] {
	case "menu":
		kb := tgbotapi.NewInlineKeyboardMarkup(
			tgbotapi.NewInlineKeyboardRow(
				actPause.Button(c.T("PauseDays", "Days", c.Num(3)), "3"),
				actPause.Button(c.T("PauseDays", "Days", c.Num(7)), "7"),
				actPause.Button(c.T("PauseDays", "Days", c.Num(30)), "30"),
			),
			backRow(c),
		)
		return c.Menu(ctx, c.T("ChoosePause"), &kb)
	case "off":
	default:
		days, err := strconv.Atoi(c.Data[0])
		if err != nil || days < 1 || days > maxPauseDays {
			return bot.HandleStaleButton(ctx, c)
		}
		until = f.LocalNow().AddDate(0, 0, days)
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.PausedUntil = until; return nil }); err != nil {
		return err
	}
	_ = c.Toast(ctx, c.T("Saved"), false)
	return f.ShowSettings(ctx, c)
}
