package account

import (
	"context"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

func (f *Feature) handleSettings(ctx context.Context, c *bot.Ctx) error {
	return f.showSettings(ctx, c)
}

func (f *Feature) handleLanguage(ctx context.Context, c *bot.Ctx) error {
	return c.Menu(ctx, c.T("ChooseLanguage"), languageKeyboard(modeSettings))
}

// showSettings shows the current settings with a button for each; other features add their rows
// (SettingsRow: the learning feature's days, time zone and pause).
func (f *Feature) showSettings(ctx context.Context, c *bot.Ctx) error {
	_, contributed := f.SettingsRows(c)
	rows := [][]tgbotapi.InlineKeyboardButton{
		tgbotapi.NewInlineKeyboardRow(
			bot.ActSettings.Button(c.T("LanguageButton"), "lang"),
			bot.ActSettings.Button(c.T("TrackButton"), "track"),
		),
		tgbotapi.NewInlineKeyboardRow(bot.ActSettings.Button(c.T("TimeButton"), "time")),
	}
	rows = append(rows, contributed...)
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(bot.ActSettings.Button(c.T("CertificateNameButton"), "hide")))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, c.T("SettingsTitle")+"\n\n"+f.settingsSummary(c), &kb)
}

// settingsSummary lists language, track, daily time, the lines other features contribute (days, time
// zone, pause state) and the certificate name, one per line.
func (f *Feature) settingsSummary(c *bot.Ctx) string {
	u := c.User
	track := c.T("NotChosen")
	if u.Track != "" {
		track = c.T("Track_" + u.Track)
	}
	daily := c.T("DailyOff")
	if u.DailyMinute != store.NoDailyTime {
		daily = c.Clock(u.DailyMinute)
	}
	lines := []string{
		c.T("SettingLanguage", "Value", c.T("LanguageName")),
		c.T("SettingTrack", "Value", track),
		c.T("SettingTime", "Value", daily),
	}
	contributed, _ := f.SettingsRows(c)
	lines = append(lines, contributed...)
	name := c.T("NameShown")
	if u.HideName {
		name = c.T("NameHiddenSetting")
	}
	lines = append(lines, c.T("SettingCertificateName", "Value", name))
	return strings.Join(lines, "\n")
}

func (f *Feature) handleSettingsMenu(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	switch c.Data[0] {
	case "menu":
		return f.showSettings(ctx, c)
	case "lang":
		kb := languageKeyboard(modeSettings)
		kb.InlineKeyboard = append(kb.InlineKeyboard, backRow(c))
		return c.Menu(ctx, c.T("ChooseLanguage"), kb)
	case "track":
		return c.Menu(ctx, c.T("ChooseTrack"), f.trackKeyboard(c, modeSettings))
	case "time":
		return c.Menu(ctx, c.T("ChooseTime"), f.timeKeyboard(c, modeSettings))
	case "hide":
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.HideName = !u.HideName; return nil }); err != nil {
			return err
		}
		_ = c.Toast(ctx, c.T("Saved"), false)
		return f.showSettings(ctx, c)
	}
	return bot.HandleStaleButton(ctx, c)
}
