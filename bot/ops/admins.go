package ops

import (
	"context"
	"slices"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// Admins are the ids of TAVAN_ADMINS (configuration, shown but not changeable here) plus those added in
// the chat with /admins, kept in the store. /admins lists both, adds by numeric Telegram id (typed after
// the button, or "/admins add 123"), and removes added ones after a confirmation.

// maxAdminButtons bounds the remove buttons of the list (Telegram allows 100 buttons).
const maxAdminButtons = 40

// maxAdminID bounds a typed id: Telegram user ids fit in 52 bits.
const maxAdminID = 1 << 52

// refuseStep is the check of the admin step, which is open to everyone (register.go): an admin who was
// removed may still be in it. They are answered as if they had typed an unknown command, and leave the
// step.
func refuseStep(ctx context.Context, c *bot.Ctx) error {
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
		return err
	}
	return bot.HandleUnknownCommand(ctx, c)
}

func (f *Feature) handleAdmins(ctx context.Context, c *bot.Ctx) error {
	verb, rest, _ := strings.Cut(strings.TrimSpace(c.Args), " ")
	switch strings.ToLower(verb) {
	case "":
		return f.showAdmins(ctx, c, "")
	case "add":
		id, ok := parseAdminID(rest)
		if !ok {
			return c.Fail("AdminBadID")
		}
		return f.addAdmin(ctx, c, id)
	case "remove", "rm", "del":
		id, ok := parseAdminID(rest)
		if !ok {
			return c.Fail("AdminBadID")
		}
		return f.removeAdmin(ctx, c, id)
	}
	return c.Fail("AdminsUsage")
}

func (f *Feature) handleAdminList(ctx context.Context, c *bot.Ctx) error {
	return f.showAdmins(ctx, c, "")
}

// showAdmins shows the list with its buttons, after an optional notice line.
func (f *Feature) showAdmins(ctx context.Context, c *bot.Ctx, notice string) error {
	var added []store.Admin
	names := map[int64]string{}
	err := f.Store.View(func(tx *store.Tx) error {
		var err error
		if added, err = tx.Admins(); err != nil {
			return err
		}
		for _, id := range f.Admins {
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
	for _, id := range f.Admins {
		lines = append(lines, c.T("AdminLine", "Name", names[id], "ID", strconv.FormatInt(id, 10)))
	}
	if len(f.Admins) == 0 {
		lines = append(lines, "—")
	}
	lines = append(lines, "", c.T("AdminsAdded"))
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, a := range added {
		lines = append(lines, c.T("AdminAddedLine", "Name", names[a.ID], "ID", strconv.FormatInt(a.ID, 10), "Date", c.Date(a.Added)))
		if len(rows) < maxAdminButtons && !slices.Contains(f.Admins, a.ID) {
			label := c.T("AdminsRemoveButton", "Name", bot.Truncate(plainName(c, names[a.ID]), 40))
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(actAdminRemove.Button(label, strconv.FormatInt(a.ID, 10))))
		}
	}
	if len(added) == 0 {
		lines = append(lines, c.T("AdminsNoneAdded"))
	}
	rows = append([][]tgbotapi.InlineKeyboardButton{
		tgbotapi.NewInlineKeyboardRow(actAdminAsk.Button(c.T("AdminsAddButton"))),
	}, rows...)
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, strings.Join(lines, "\n"), &kb)
}

// adminName is the escaped first name of a stored user, or "user 123" for an id that never wrote.
func adminName(c *bot.Ctx, tx *store.Tx, id int64) string {
	if c.User != nil && c.User.ID == id && strings.TrimSpace(c.User.FirstName) != "" {
		return bot.Escape(c.User.FirstName) // the sender, perhaps not stored yet
	}
	if u, err := tx.User(id); err == nil && strings.TrimSpace(u.FirstName) != "" {
		return bot.Escape(u.FirstName)
	}
	// A Telegram id keeps its Latin digits, as people copy it (locales/GLOSSARY.md).
	return c.T("AdminUnknownName", "ID", strconv.FormatInt(id, 10))
}

// plainName undoes htmlEscape for a button label, which Telegram shows as plain text.
func plainName(_ *bot.Ctx, escaped string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&amp;", "&").Replace(escaped)
}

func (f *Feature) handleAdminAsk(ctx context.Context, c *bot.Ctx) error {
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = stepAdminAdd, ""; return nil }); err != nil {
		return err
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actAdminList.Button(c.T("BackButton"))))
	return c.Menu(ctx, c.T("AdminAskID"), &kb)
}

// handleAdminTyped reads the id typed after "add admin".
func (f *Feature) handleAdminTyped(ctx context.Context, c *bot.Ctx) error {
	if !c.IsAdmin() {
		return refuseStep(ctx, c)
	}
	text := c.Update.Message.Text
	if text == "" {
		return c.Fail("AdminIDNotText")
	}
	id, ok := parseAdminID(text)
	if !ok {
		return c.Fail("AdminBadID")
	}
	return f.addAdmin(ctx, c, id)
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

func (f *Feature) addAdmin(ctx context.Context, c *bot.Ctx, id int64) error {
	var added bool
	var name string
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		name = adminName(c, tx, id)
		if slices.Contains(f.Admins, id) {
			return nil
		}
		var err error
		if added, err = tx.AddAdmin(id, u.ID); err != nil || !added {
			return err
		}
		// Tell the new admin, on the bot's initiative: through the outbox.
		lang := "fa"
		if nu, err := tx.User(id); err == nil {
			lang = bot.UserLang(nu)
		}
		return f.Enqueue(tx, bot.Notice{ChatID: id, Text: f.Texts.T(lang, "AdminWelcome")})
	})
	if err != nil {
		return err
	}
	f.Logger.Info("admin added", "admin", id, "by", c.User.ID, "added", added)
	notice := c.T("AdminAddedDone", "Name", name)
	if !added {
		notice = c.T("AdminAlready", "Name", name)
	}
	return f.showAdmins(ctx, c, notice)
}

func (f *Feature) handleAdminRemove(ctx context.Context, c *bot.Ctx) error {
	id, ok := adminIDArg(c)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	var name string
	_ = f.Store.View(func(tx *store.Tx) error { name = adminName(c, tx, id); return nil })
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actAdminRemoved.Button(c.T("AdminRemoveYes"), strconv.FormatInt(id, 10)),
		actAdminList.Button(c.T("BackButton")),
	))
	return c.Menu(ctx, c.T("AdminRemoveAsk", "Name", name), &kb)
}

func (f *Feature) handleAdminRemoved(ctx context.Context, c *bot.Ctx) error {
	id, ok := adminIDArg(c)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	return f.removeAdmin(ctx, c, id)
}

func adminIDArg(c *bot.Ctx) (int64, bool) {
	if len(c.Data) != 1 {
		return 0, false
	}
	id, err := strconv.ParseInt(c.Data[0], 10, 64)
	return id, err == nil && id > 0
}

func (f *Feature) removeAdmin(ctx context.Context, c *bot.Ctx, id int64) error {
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
	f.Logger.Info("admin removed", "admin", id, "by", c.User.ID, "removed", removed)
	notice := c.T("AdminRemoved", "Name", name)
	if !removed {
		notice = c.T("AdminNotStored", "Name", name)
	}
	return f.showAdmins(ctx, c, notice)
}
