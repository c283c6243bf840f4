// Package account is the learner's account: onboarding (/start), the settings screen, privacy and
// /deleteme, and /help.
package account

import (
	"github.com/tavan7/tavan/bot"
)

// Feature is onboarding, settings, privacy and help on the core.
type Feature struct {
	*bot.Bot
}

// Button actions; the strings are those of the buttons already sent, so they keep working.
const (
	actLanguage bot.Action = "lang"  // lang|<fa|en>|<mode>
	actTrack    bot.Action = "track" // track|<track>|<mode>
	actTime     bot.Action = "time"  // time|<minute|type|none>|<mode>
	actDelete   bot.Action = "del"   // del|<ask|yes|no>
)

// Register adds onboarding, settings, privacy and help to b.
func Register(b *bot.Bot) (*Feature, error) {
	f := &Feature{Bot: b}
	r := f.Routes()

	// onboarding.go
	r.Command("start", f.handleStart)
	r.Callback(actLanguage, f.handleLanguageChoice)
	r.Callback(actTrack, f.handleTrackChoice)
	r.Callback(actTime, f.handleTimeChoice)
	r.Step(stepTime, f.handleTypedTime)

	// settings.go: the core's shared settings screen; other features add rows to it (SettingsRow).
	r.Command("settings", f.handleSettings)
	r.Command("language", f.handleLanguage)
	r.Callback(bot.ActSettings, f.handleSettingsMenu)
	f.SettingsScreen(f.showSettings)

	// privacy.go
	r.Command("privacy", f.handlePrivacy)
	r.Command("deleteme", f.handleDeleteMe)
	r.Callback(actDelete, f.handleDeleteChoice)

	// help.go
	r.Command("help", f.handleHelp)
	f.MainMenu(90, "help", func(c *bot.Ctx) string { return c.T("MainMenuHelp") })

	f.MenuCommand(bot.Learners, "settings", 130)
	f.MenuCommand(bot.Learners, "language", 140)
	f.MenuCommand(bot.Learners, "help", 160)
	f.MenuCommand(bot.Learners, "privacy", 170)
	f.MenuCommand(bot.Learners, "deleteme", 180)
	f.MenuCommand(bot.Learners, "start", 190)
	return f, nil
}
