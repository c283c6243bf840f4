package bot

import (
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// menuCommands are the commands Telegram shows in its menu, in this order; descriptions live in locales
// as "Cmd<name>".
var menuCommands = []string{"today", "courses", "events", "review", "consult", "me", "library", "resources", "centres", "stories", "ambassador", "feedback", "settings", "language", "verify", "help", "privacy", "deleteme", "start"}

// setCommands publishes the command menu in Persian (the default) and English.
func (b *Bot) setCommands() {
	for _, lang := range []string{"fa", "en"} {
		cmds := make([]tgbotapi.BotCommand, 0, len(menuCommands))
		for _, name := range menuCommands {
			cmds = append(cmds, tgbotapi.BotCommand{Command: name, Description: b.Texts.T(lang, "Cmd_"+name)})
		}
		cfg := tgbotapi.NewSetMyCommands(cmds...)
		if lang != "fa" {
			cfg.LanguageCode = lang
		}
		if _, err := b.API.Request(cfg); err != nil {
			// The menu is a convenience; a server without setMyCommands still gets a working bot.
			b.Logger.Warn("setMyCommands", "lang", lang, "err", describe("setMyCommands", err)) // describe: no token
		}
	}
}
