package bot

import (
	"context"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

func (b *Bot) handleSettings(ctx context.Context, c *Ctx) error { return b.showSettings(ctx, c) }

func (b *Bot) handleLanguage(ctx context.Context, c *Ctx) error {
	return c.Menu(ctx, c.T("ChooseLanguage"), languageKeyboard(modeSettings))
}

// showSettings shows the current settings with a button for each.
func (b *Bot) showSettings(ctx context.Context, c *Ctx) error {
	pause := tgbotapi.NewInlineKeyboardButtonData(c.T("PauseButton"), cb("set", "pause"))
	if c.User.Paused(b.Now()) {
		pause = tgbotapi.NewInlineKeyboardButtonData(c.T("ResumeButton"), cb("pause", "off"))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(c.T("LanguageButton"), cb("set", "lang")),
			tgbotapi.NewInlineKeyboardButtonData(c.T("TrackButton"), cb("set", "track")),
		),
		tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(c.T("TimeButton"), cb("set", "time")),
			pause,
		),
		b.scheduleSettingsRow(c), // days and time zone (schedule_settings.go)
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("CertificateNameButton"), cb("set", "hide"))),
	)
	return c.Menu(ctx, c.T("SettingsTitle")+"\n\n"+b.settingsSummary(c), &kb)
}

// settingsSummary lists language, track, daily time and pause state, one per line.
func (b *Bot) settingsSummary(c *Ctx) string {
	u := c.User
	track := c.T("NotChosen")
	if u.Track != "" {
		track = c.T("Track_" + u.Track)
	}
	daily := c.T("DailyOff")
	if u.DailyMinute != store.NoDailyTime {
		daily = c.clock(u.DailyMinute)
	}
	lines := []string{
		c.T("SettingLanguage", "Value", c.T("LanguageName")),
		c.T("SettingTrack", "Value", track),
		c.T("SettingTime", "Value", daily),
	}
	lines = append(lines, b.scheduleSummary(c)...) // days and time zone (schedule_settings.go)
	name := c.T("NameShown")
	if u.HideName {
		name = c.T("NameHiddenSetting")
	}
	lines = append(lines, c.T("SettingCertificateName", "Value", name))
	if u.Paused(b.Now()) {
		lines = append(lines, c.T("SettingPausedUntil", "Date", c.date(u.PausedUntil)))
	}
	return strings.Join(lines, "\n")
}

// date formats a day for the user: Jalali in Persian, Gregorian in English, in the program's zone.
func (c *Ctx) date(t time.Time) string {
	t = t.In(c.b.Location)
	if c.Lang == "fa" {
		return persian.Date(t)
	}
	return t.Format("Monday 2 January 2006")
}

func (b *Bot) handleSettingsMenu(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	switch c.Data[0] {
	case "menu":
		return b.showSettings(ctx, c)
	case "lang":
		kb := languageKeyboard(modeSettings)
		kb.InlineKeyboard = append(kb.InlineKeyboard, backRow(c))
		return c.Menu(ctx, c.T("ChooseLanguage"), kb)
	case "track":
		return c.Menu(ctx, c.T("ChooseTrack"), b.trackKeyboard(c, modeSettings))
	case "time":
		return c.Menu(ctx, c.T("ChooseTime"), b.timeKeyboard(c, modeSettings))
	case "hide":
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.HideName = !u.HideName; return nil }); err != nil {
			return err
		}
		_ = c.Toast(ctx, c.T("Saved"), false)
		return b.showSettings(ctx, c)
	case "pause":
		kb := tgbotapi.NewInlineKeyboardMarkup(
			tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData(c.T("PauseDays", "Days", c.num(3)), cb("pause", "3")),
				tgbotapi.NewInlineKeyboardButtonData(c.T("PauseDays", "Days", c.num(7)), cb("pause", "7")),
				tgbotapi.NewInlineKeyboardButtonData(c.T("PauseDays", "Days", c.num(30)), cb("pause", "30")),
			),
			backRow(c),
		)
		return c.Menu(ctx, c.T("ChoosePause"), &kb)
	}
	return handleStaleButton(ctx, c)
}

// maxPauseDays bounds a pause so a typo cannot silence someone for years.
const maxPauseDays = 90

func (b *Bot) handlePauseChoice(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	until := time.Time{}
	if c.Data[0] != "off" {
		days, err := strconv.Atoi(c.Data[0])
		if err != nil || days < 1 || days > maxPauseDays {
			return handleStaleButton(ctx, c)
		}
		until = b.now().AddDate(0, 0, days)
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.PausedUntil = until; return nil }); err != nil {
		return err
	}
	_ = c.Toast(ctx, c.T("Saved"), false)
	return b.showSettings(ctx, c)
}
