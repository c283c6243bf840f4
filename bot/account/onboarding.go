package account

import (
	"context"
	"slices"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
	"github.com/tavan7/tavan/lessons"
)

// presetTimes are the daily-lesson times offered as buttons, in minutes of the day.
var presetTimes = []int{7 * 60, 8 * 60, 12*60 + 30, 18 * 60, 21 * 60}

const stepTime = "time" // waiting for a typed daily time; StepData is the menu mode

// Menu modes: the same choice is part of onboarding or of settings, and goes on differently.
const (
	modeOnboarding = "o"
	modeSettings   = "s"
)

// validMode accepts only the modes the bot puts in its buttons: the mode is carried into the next
// keyboard, so a forged long one would overflow its 64 bytes.
func validMode(m string) bool { return m == modeOnboarding || m == modeSettings }

// handleStart greets, keeps the first deep-link payload on the user's record for later features
// (referrals, event check-in), and starts onboarding for a newcomer.
func (f *Feature) handleStart(ctx context.Context, c *bot.Ctx) error {
	// First, before anything is saved: a referral is credited in the transaction that creates the learner.
	if handled, err := f.HandleStartPayload(ctx, c, c.Args); handled || err != nil {
		return err
	}
	payload := c.Args
	if !bot.ValidPayload(payload) {
		payload = ""
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		if payload != "" && u.StartPayload == "" {
			u.StartPayload = payload
		}
		return nil
	}); err != nil {
		return err
	}
	if c.User.Onboarded {
		var markup any
		if kb := c.MainMenu(); kb != nil {
			markup = *kb
		}
		_, err := c.Reply(ctx, c.T("WelcomeBack", "Name", tghtml.Escape(c.User.FirstName)), markup)
		return err
	}
	text := c.T("Welcome", "Name", tghtml.Escape(c.User.FirstName)) + "\n\n" + c.T("ChooseLanguage")
	return c.Menu(ctx, text, languageKeyboard(modeOnboarding))
}

func languageKeyboard(mode string) *tgbotapi.InlineKeyboardMarkup {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actLanguage.Button("فارسی", "fa", mode),
		actLanguage.Button("English", "en", mode),
	))
	return &kb
}

func (f *Feature) handleLanguageChoice(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 || (c.Data[0] != "fa" && c.Data[0] != "en") || !validMode(c.Data[1]) {
		return bot.HandleStaleButton(ctx, c)
	}
	lang, mode := c.Data[0], c.Data[1]
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Lang = lang; return nil }); err != nil {
		return err
	}
	if mode == modeSettings {
		_ = c.Toast(ctx, c.T("Saved"), false)
		return f.showSettings(ctx, c)
	}
	return c.Menu(ctx, c.T("ChooseTrack"), f.trackKeyboard(c, mode))
}

func (f *Feature) trackKeyboard(c *bot.Ctx, mode string) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, t := range lessons.Tracks() {
		label := c.T("Track_" + t)
		if c.User.Track == t && mode == modeSettings {
			label = "✓ " + label
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actTrack.Button(label, t, mode)))
	}
	if mode == modeSettings {
		rows = append(rows, backRow(c))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

func (f *Feature) handleTrackChoice(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 || !slices.Contains(lessons.Tracks(), c.Data[0]) || !validMode(c.Data[1]) {
		return bot.HandleStaleButton(ctx, c)
	}
	track, mode := c.Data[0], c.Data[1]
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Track = track; return nil }); err != nil {
		return err
	}
	if mode == modeSettings {
		_ = c.Toast(ctx, c.T("Saved"), false)
		return f.showSettings(ctx, c)
	}
	return c.Menu(ctx, c.T("ChooseTime"), f.timeKeyboard(c, mode))
}

func (f *Feature) timeKeyboard(c *bot.Ctx, mode string) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, m := range presetTimes {
		row = append(row, actTime.Button(c.Clock(m), strconv.Itoa(m), mode))
	}
	rows := [][]tgbotapi.InlineKeyboardButton{
		row,
		tgbotapi.NewInlineKeyboardRow(
			actTime.Button(c.T("TimeTypeButton"), "type", mode),
			actTime.Button(c.T("TimeNoneButton"), "none", mode),
		),
	}
	if mode == modeSettings {
		rows = append(rows, backRow(c))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

func (f *Feature) handleTimeChoice(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 || !validMode(c.Data[1]) {
		return bot.HandleStaleButton(ctx, c)
	}
	value, mode := c.Data[0], c.Data[1]
	if value == "type" {
		if err := c.Apply(func(_ *store.Tx, u *store.User) error {
			u.Step, u.StepData = stepTime, mode
			return nil
		}); err != nil {
			return err
		}
		return c.Menu(ctx, c.T("TypeTime"), nil)
	}
	minute := store.NoDailyTime
	if value != "none" {
		m, err := strconv.Atoi(value)
		if err != nil || m < 0 || m >= 24*60 {
			return bot.HandleStaleButton(ctx, c)
		}
		minute = m
	}
	return f.saveDailyTime(ctx, c, minute, mode)
}

// handleTypedTime reads a time such as «۸:۳۰», «8.30» or «۲۰».
func (f *Feature) handleTypedTime(ctx context.Context, c *bot.Ctx) error {
	text := c.Update.Message.Text
	if text == "" {
		return c.Fail("TimeNotText")
	}
	h, m, err := persian.ParseClock(text)
	if err != nil {
		return c.Fail("TimeInvalid")
	}
	return f.saveDailyTime(ctx, c, h*60+m, c.User.StepData)
}

func (f *Feature) saveDailyTime(ctx context.Context, c *bot.Ctx, minute int, mode string) error {
	wasOnboarded := c.User.Onboarded
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		u.DailyMinute = minute
		u.Step, u.StepData = "", ""
		u.Onboarded = true
		return nil
	}); err != nil {
		return err
	}
	if mode == modeSettings || wasOnboarded {
		_ = c.Toast(ctx, c.T("Saved"), false)
		return f.showSettings(ctx, c)
	}
	return c.Menu(ctx, c.T("OnboardingDone", "Summary", f.settingsSummary(c)), f.afterOnboardingKeyboard(c))
}

// afterOnboardingKeyboard is the clear next step: the main menu's first entry (the first lesson), then
// the settings.
func (f *Feature) afterOnboardingKeyboard(c *bot.Ctx) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	if next := f.MainMenuButtons(c); len(next) > 0 {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(next[0]))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(bot.ActSettings.Button(c.T("SettingsButton"), "menu")))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

// backRow goes back to the settings screen ("1|set|menu").
func backRow(c *bot.Ctx) []tgbotapi.InlineKeyboardButton {
	return tgbotapi.NewInlineKeyboardRow(bot.ActSettings.Button(c.T("BackButton"), "menu"))
}
