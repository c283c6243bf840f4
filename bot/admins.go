package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// Admins are the ids of TAVAN_ADMINS (configuration, shown but not changeable here) plus those added in
// the chat with /admins, kept in the store. /admins lists both, adds by numeric Telegram id (typed after
// the button, or "/admins add 123"), and removes added ones after a confirmation.

const stepAdminAdd = "adminadd" // waiting for the id of a new admin

// maxAdminButtons bounds the remove buttons of the list (Telegram allows 100 buttons).
const maxAdminButtons = 40

// maxAdminID bounds a typed id: Telegram user ids fit in 52 bits.
const maxAdminID = 1 << 52

func (b *Bot) adminsRoutes(r *Router) {
	r.AdminCommand("admins", b.handleAdmins)
	r.AdminCallback("adl", b.handleAdminList)    // show the list again
	r.AdminCallback("ada", b.handleAdminAsk)     // ask for the id of a new admin
	r.AdminCallback("adr", b.handleAdminRemove)  // ask to confirm removing <id>
	r.AdminCallback("ady", b.handleAdminRemoved) // remove <id>
	r.Step(stepAdminAdd, b.handleAdminTyped)
}

// requireAdmin is the check inside handlers: the router already refuses non-admins, but an admin who was
// removed may still be in a step, and a future route might forget the Admin variant.
func requireAdmin(ctx context.Context, c *Ctx) (bool, error) {
	if c.IsAdmin() {
		return true, nil
	}
	if c.Update.CallbackQuery != nil {
		return false, handleStaleButton(ctx, c)
	}
	if c.User.Step == stepAdminAdd {
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
			return false, err
		}
	}
	return false, handleUnknownCommand(ctx, c)
}

func (b *Bot) handleAdmins(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	verb, rest, _ := strings.Cut(strings.TrimSpace(c.Args), " ")
	switch strings.ToLower(verb) {
	case "":
		return b.showAdmins(ctx, c, "")
	case "add":
		id, ok := parseAdminID(rest)
		if !ok {
			return c.Fail("AdminBadID")
		}
		return b.addAdmin(ctx, c, id)
	case "remove", "rm", "del":
		id, ok := parseAdminID(rest)
		if !ok {
			return c.Fail("AdminBadID")
		}
		return b.removeAdmin(ctx, c, id)
	}
	return c.Fail("AdminsUsage")
}

func (b *Bot) handleAdminList(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	return b.showAdmins(ctx, c, "")
}

// showAdmins shows the list with its buttons, after an optional notice line.
func (b *Bot) showAdmins(ctx context.Context, c *Ctx, notice string) error {
	var added []store.Admin
	names := map[int64]string{}
	err := b.Store.View(func(tx *store.Tx) error {
		var err error
		if added, err = tx.Admins(); err != nil {
			return err
		}
		for _, id := range b.Admins {
			names[id] = adminName(c, tx, id)
		}
		for _, a := range added {
			names[a.ID] = adminName(c, tx, a.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var lines []string
	if notice != "" {
		lines = append(lines, notice, "")
	}
	lines = append(lines, c.T("AdminsTitle"), "", c.T("AdminsConfigured"))
	for _, id := range b.Admins {
		lines = append(lines, c.T("AdminLine", "Name", names[id], "ID", strconv.FormatInt(id, 10)))
	}
	if len(b.Admins) == 0 {
		lines = append(lines, "—")
	}
	lines = append(lines, "", c.T("AdminsAdded"))
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, a := range added {
		lines = append(lines, c.T("AdminAddedLine", "Name", names[a.ID], "ID", strconv.FormatInt(a.ID, 10), "Date", c.date(a.Added)))
		if len(rows) < maxAdminButtons && !slices.Contains(b.Admins, a.ID) {
			label := c.T("AdminsRemoveButton", "Name", truncateRunes(plainName(c, names[a.ID]), 40))
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, cb("adr", strconv.FormatInt(a.ID, 10)))))
		}
	}
	if len(added) == 0 {
		lines = append(lines, c.T("AdminsNoneAdded"))
	}
	rows = append([][]tgbotapi.InlineKeyboardButton{
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("AdminsAddButton"), cb("ada"))),
	}, rows...)
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, strings.Join(lines, "\n"), &kb)
}

// adminName is the escaped first name of a stored user, or "user 123" for an id that never wrote.
func adminName(c *Ctx, tx *store.Tx, id int64) string {
	if c.User != nil && c.User.ID == id && strings.TrimSpace(c.User.FirstName) != "" {
		return htmlEscape(c.User.FirstName) // the sender, perhaps not stored yet
	}
	if u, err := tx.User(id); err == nil && strings.TrimSpace(u.FirstName) != "" {
		return htmlEscape(u.FirstName)
	}
	// A Telegram id keeps its Latin digits, as people copy it (locales/GLOSSARY.md).
	return c.T("AdminUnknownName", "ID", strconv.FormatInt(id, 10))
}

// plainName undoes htmlEscape for a button label, which Telegram shows as plain text.
func plainName(_ *Ctx, escaped string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&amp;", "&").Replace(escaped)
}

func (b *Bot) handleAdminAsk(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = stepAdminAdd, ""; return nil }); err != nil {
		return err
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("BackButton"), cb("adl"))))
	return c.Menu(ctx, c.T("AdminAskID"), &kb)
}

// handleAdminTyped reads the id typed after "add admin".
func (b *Bot) handleAdminTyped(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	text := c.Update.Message.Text
	if text == "" {
		return c.Fail("AdminIDNotText")
	}
	id, ok := parseAdminID(text)
	if !ok {
		return c.Fail("AdminBadID")
	}
	return b.addAdmin(ctx, c, id)
}

// parseAdminID reads a Telegram user id typed in any digits ("۱۲۳۴۵", "12345").
func parseAdminID(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return 0, false
	}
	n, err := persian.ParseInt(s)
	if err != nil || n <= 0 || int64(n) >= maxAdminID {
		return 0, false
	}
	return int64(n), true
}

func (b *Bot) addAdmin(ctx context.Context, c *Ctx, id int64) error {
	var added bool
	var name string
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		name = adminName(c, tx, id)
		if slices.Contains(b.Admins, id) {
			return nil
		}
		var err error
		if added, err = tx.AddAdmin(id, u.ID); err != nil || !added {
			return err
		}
		// Tell the new admin, on the bot's initiative: through the outbox.
		lang := "fa"
		if nu, err := tx.User(id); err == nil {
			lang = userLang(nu)
		}
		return b.enqueue(tx, Notice{ChatID: id, Text: b.Texts.T(lang, "AdminWelcome")})
	})
	if err != nil {
		return err
	}
	b.Logger.Info("admin added", "admin", id, "by", c.User.ID, "added", added)
	notice := c.T("AdminAddedDone", "Name", name)
	if !added {
		notice = c.T("AdminAlready", "Name", name)
	}
	return b.showAdmins(ctx, c, notice)
}

func (b *Bot) handleAdminRemove(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	id, ok := adminIDArg(c)
	if !ok {
		return handleStaleButton(ctx, c)
	}
	var name string
	_ = b.Store.View(func(tx *store.Tx) error { name = adminName(c, tx, id); return nil })
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("AdminRemoveYes"), cb("ady", strconv.FormatInt(id, 10))),
		tgbotapi.NewInlineKeyboardButtonData(c.T("BackButton"), cb("adl")),
	))
	return c.Menu(ctx, c.T("AdminRemoveAsk", "Name", name), &kb)
}

func (b *Bot) handleAdminRemoved(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	id, ok := adminIDArg(c)
	if !ok {
		return handleStaleButton(ctx, c)
	}
	return b.removeAdmin(ctx, c, id)
}

func adminIDArg(c *Ctx) (int64, bool) {
	if len(c.Data) != 1 {
		return 0, false
	}
	id, err := strconv.ParseInt(c.Data[0], 10, 64)
	return id, err == nil && id > 0
}

func (b *Bot) removeAdmin(ctx context.Context, c *Ctx, id int64) error {
	var removed bool
	var name string
	err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		name = adminName(c, tx, id)
		var err error
		removed, err = tx.RemoveAdmin(id)
		return err
	})
	if err != nil {
		return err
	}
	b.Logger.Info("admin removed", "admin", id, "by", c.User.ID, "removed", removed)
	notice := c.T("AdminRemoved", "Name", name)
	if !removed {
		notice = c.T("AdminNotStored", "Name", name)
	}
	return b.showAdmins(ctx, c, notice)
}
