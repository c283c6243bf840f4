package bot

import (
	"context"
	"errors"
	"slices"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// publishMenus publishes the command menus in Persian (the default) and English: the learners' menu for
// everyone now, and, beside the update loop, for the chats of each other audience (admins, consultants)
// the learners' entries followed by theirs — with a large club those are hundreds of calls, and a menu is
// a convenience that must not hold up the first replies. The returned channel closes when they are done
// (or ctx ended); Run waits for it before it returns.
func (b *Bot) publishMenus(ctx context.Context) <-chan struct{} {
	done := b.menus
	if !b.Supports("setMyCommands") {
		close(done)
		return done
	}
	b.publishMenu(Learners, nil)
	if !b.Supports("setMyCommands") { // the first call found none (Bale): logged once, /help lists them
		close(done)
		return done
	}
	audiences := map[string][]int64{}
	for _, e := range b.reg.menu {
		if e.audience == Learners {
			continue
		}
		if _, ok := audiences[e.audience]; !ok {
			audiences[e.audience] = b.menuMembers(e.audience)
		}
	}
	go func() {
		defer close(done)
		for aud, chats := range audiences {
			for _, chatID := range chats {
				if ctx.Err() != nil {
					return // shutting down: the next start publishes them
				}
				b.publishMenu(aud, &tgbotapi.BotCommandScope{Type: "chat", ChatID: chatID})
			}
		}
	}()
	return done
}

// menuMembers are the chats that see an audience's entries.
func (b *Bot) menuMembers(audience string) []int64 {
	if audience == Admins {
		ids := append([]int64(nil), b.Deps.Admins...)
		_ = b.Store.View(func(tx *store.Tx) error {
			stored, err := tx.Admins()
			for _, a := range stored {
				ids = append(ids, a.ID)
			}
			return err
		})
		return ids
	}
	if fn := b.reg.menuGroups[audience]; fn != nil {
		return fn()
	}
	return nil
}

// publishMenu sets the menu of one audience, in both languages, at scope (nil: the default scope).
func (b *Bot) publishMenu(audience string, scope *tgbotapi.BotCommandScope) {
	for _, lang := range []string{"fa", "en"} {
		var cmds []tgbotapi.BotCommand
		for _, e := range b.reg.menu {
			if e.audience == Learners || e.audience == audience {
				cmds = append(cmds, tgbotapi.BotCommand{Command: e.name, Description: b.Texts.T(lang, "Cmd_"+e.name)})
			}
		}
		if len(cmds) == 0 {
			return
		}
		cfg := tgbotapi.NewSetMyCommands(cmds...)
		if scope != nil {
			cfg = tgbotapi.NewSetMyCommandsWithScope(*scope, cmds...)
		}
		if lang != "fa" {
			cfg.LanguageCode = lang
		}
		if _, err := b.API.Request(cfg); errors.Is(err, ErrUnsupported) {
			return // the platform has no command menu (logged once); /help lists the commands instead
		} else if err != nil {
			// The menu is a convenience; a server without setMyCommands still gets a working bot.
			b.Logger.Warn("setMyCommands", "lang", lang, "audience", audience, "err", Describe("setMyCommands", err)) // Describe: no token
		}
	}
}

// StaffCommandList lists, a line each with its menu description, the commands of the staff audiences
// (admins, consultants, …) that the user belongs to; "" for a learner. Where the platform has no command
// menu, /help shows it.
func (c *Ctx) StaffCommandList() string {
	var lines []string
	member := map[string]bool{}
	for _, e := range c.b.reg.menu {
		if e.audience == Learners {
			continue
		}
		in, seen := member[e.audience]
		if !seen {
			in = slices.Contains(c.b.menuMembers(e.audience), c.User.ID)
			member[e.audience] = in
		}
		if in {
			lines = append(lines, "/"+e.name+" — "+c.T("Cmd_"+e.name))
		}
	}
	return strings.Join(lines, "\n")
}
