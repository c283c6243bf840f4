package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
)

// Audience tracks of the program; their names are locale messages "Track_<id>".
var tracks = []string{"general", "home", "parents", "youth", "social"}

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
func (b *Bot) handleStart(ctx context.Context, c *Ctx) error {
	// First, before anything is saved: a referral is credited in the transaction that creates the learner.
	if handled, err := b.handleStartPayload(ctx, c, c.Args); handled || err != nil {
		return err
	}
	payload := c.Args
	if !validPayload(payload) {
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
		_, err := c.Reply(ctx, c.T("WelcomeBack", "Name", tghtml.Escape(c.User.FirstName)), nil)
		return err
	}
	text := c.T("Welcome", "Name", tghtml.Escape(c.User.FirstName)) + "\n\n" + c.T("ChooseLanguage")
	return c.Menu(ctx, text, languageKeyboard(modeOnboarding))
}

// validPayload follows Telegram's deep-link rule: up to 64 of [A-Za-z0-9_-].
func validPayload(p string) bool {
	if p == "" || len(p) > 64 {
		return false
	}
	for _, r := range p {
		if !(r == '_' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

func languageKeyboard(mode string) *tgbotapi.InlineKeyboardMarkup {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("فارسی", cb("lang", "fa", mode)),
		tgbotapi.NewInlineKeyboardButtonData("English", cb("lang", "en", mode)),
	))
	return &kb
}

func (b *Bot) handleLanguageChoice(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 2 || (c.Data[0] != "fa" && c.Data[0] != "en") || !validMode(c.Data[1]) {
		return handleStaleButton(ctx, c)
	}
	lang, mode := c.Data[0], c.Data[1]
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Lang = lang; return nil }); err != nil {
		return err
	}
	if mode == modeSettings {
		_ = c.Toast(ctx, c.T("Saved"), false)
		return b.showSettings(ctx, c)
	}
	return c.Menu(ctx, c.T("ChooseTrack"), b.trackKeyboard(c, mode))
}

func (b *Bot) trackKeyboard(c *Ctx, mode string) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, t := range tracks {
		label := c.T("Track_" + t)
		if c.User.Track == t && mode == modeSettings {
			label = "✓ " + label
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, cb("track", t, mode))))
	}
	if mode == modeSettings {
		rows = append(rows, backRow(c))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

func (b *Bot) handleTrackChoice(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 2 || !slices.Contains(tracks, c.Data[0]) || !validMode(c.Data[1]) {
		return handleStaleButton(ctx, c)
	}
	track, mode := c.Data[0], c.Data[1]
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Track = track; return nil }); err != nil {
		return err
	}
	if mode == modeSettings {
		_ = c.Toast(ctx, c.T("Saved"), false)
		return b.showSettings(ctx, c)
	}
	return c.Menu(ctx, c.T("ChooseTime"), b.timeKeyboard(c, mode))
}

func (b *Bot) timeKeyboard(c *Ctx, mode string) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, m := range presetTimes {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(c.clock(m), cb("time", strconv.Itoa(m), mode)))
	}
	rows := [][]tgbotapi.InlineKeyboardButton{
		row,
		tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(c.T("TimeTypeButton"), cb("time", "type", mode)),
			tgbotapi.NewInlineKeyboardButtonData(c.T("TimeNoneButton"), cb("time", "none", mode)),
		),
	}
	if mode == modeSettings {
		rows = append(rows, backRow(c))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

func (b *Bot) handleTimeChoice(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 2 || !validMode(c.Data[1]) {
		return handleStaleButton(ctx, c)
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
			return handleStaleButton(ctx, c)
		}
		minute = m
	}
	return b.saveDailyTime(ctx, c, minute, mode)
}

// handleTypedTime reads a time such as «۸:۳۰», «8.30» or «۲۰».
func (b *Bot) handleTypedTime(ctx context.Context, c *Ctx) error {
	text := c.Update.Message.Text
	if text == "" {
		return c.Fail("TimeNotText")
	}
	h, m, err := persian.ParseClock(text)
	if err != nil {
		return c.Fail("TimeInvalid")
	}
	return b.saveDailyTime(ctx, c, h*60+m, c.User.StepData)
}

func (b *Bot) saveDailyTime(ctx context.Context, c *Ctx, minute int, mode string) error {
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
		return b.showSettings(ctx, c)
	}
	return c.Menu(ctx, c.T("OnboardingDone", "Summary", b.settingsSummary(c)), b.afterOnboardingKeyboard(c))
}

func (b *Bot) afterOnboardingKeyboard(c *Ctx) *tgbotapi.InlineKeyboardMarkup {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("SettingsButton"), cb("set", "menu")),
	))
	return &kb
}

// clock formats a minute of the day for the user: «۱۸:۳۰» in Persian, 18:30 in English.
func (c *Ctx) clock(minute int) string {
	if c.Lang == "fa" {
		return persian.Clock(minute/60, minute%60)
	}
	return fmt.Sprintf("%02d:%02d", minute/60, minute%60)
}

// num formats a number in the user's digits.
func (c *Ctx) num(n int) string {
	if c.Lang == "fa" {
		return persian.Int(int64(n))
	}
	return strconv.Itoa(n)
}

func backRow(c *Ctx) []tgbotapi.InlineKeyboardButton {
	return tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("BackButton"), cb("set", "menu")))
}
