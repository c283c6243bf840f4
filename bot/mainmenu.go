package bot

import (
	"context"
	"slices"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The main menu: the buttons that get someone going again wherever they are — after onboarding, on a
// returning /start, after an unknown command, a stale step or a message the bot has no use for. Each
// feature contributes its entry (f.MainMenu in its register.go); the core draws them and knows none.
// An entry runs one of the feature's commands, so a menu button does exactly what the command does.

// ActMainMenu is a main-menu button: m|<command>.
const ActMainMenu Action = "m"

type mainMenuEntry struct {
	command string
	label   func(c *Ctx) string
}

// MainMenu adds an entry to the main menu at order (lowest first): a button labelled label(c) that runs
// /command. The first entry is the learner's next step (the onboarding's last screen offers it).
func (b *Bot) MainMenu(order int, command string, label func(c *Ctx) string) {
	for _, e := range b.reg.mainMenu {
		if e.fn.command == command {
			b.reg.clash("main menu entry /%s twice", command)
		}
	}
	if len(b.reg.mainMenu) == 0 {
		b.Routes().Callback(ActMainMenu, b.handleMainMenu)
	}
	b.reg.mainMenu = insertOrdered(b.reg.mainMenu, order, mainMenuEntry{command, label})
}

// MainMenuButtons are the main menu's buttons for c's sender, in order; entries whose command the sender
// may not use are left out.
func (b *Bot) MainMenuButtons(c *Ctx) []tgbotapi.InlineKeyboardButton {
	var out []tgbotapi.InlineKeyboardButton
	for _, e := range b.reg.mainMenu {
		if rt, ok := b.router.commands[e.fn.command]; ok && rt.allows(c) {
			out = append(out, ActMainMenu.Button(e.fn.label(c), e.fn.command))
		}
	}
	return out
}

// MainMenu is the main menu as a keyboard, two buttons a row; nil when no feature added an entry.
func (c *Ctx) MainMenu() *tgbotapi.InlineKeyboardMarkup {
	buttons := c.b.MainMenuButtons(c)
	if len(buttons) == 0 {
		return nil
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for row := range slices.Chunk(buttons, 2) {
		rows = append(rows, row)
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

// replyWithMainMenu answers with text and the main menu under it.
func replyWithMainMenu(ctx context.Context, c *Ctx, text string) error {
	var markup any
	if kb := c.MainMenu(); kb != nil {
		markup = *kb
	}
	_, err := c.Reply(ctx, text, markup)
	return err
}

// handleMainMenu runs the command of a main-menu button, as if it had been typed.
func (b *Bot) handleMainMenu(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return HandleStaleButton(ctx, c)
	}
	rt, ok := b.router.commands[c.Data[0]]
	if !ok || !rt.allows(c) || !slices.ContainsFunc(b.reg.mainMenu, func(e ordered[mainMenuEntry]) bool { return e.fn.command == c.Data[0] }) {
		return HandleStaleButton(ctx, c)
	}
	c.Command, c.clearStep = c.Data[0], true // a command interrupts any conversation step
	_ = c.Toast(ctx, "", false)
	return rt.h(ctx, c)
}
