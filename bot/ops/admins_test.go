package ops_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// TestAdminRoutesRefuseNonAdmins sends every guarded command and presses every guarded button registered
// in the router (the admins', and the other guards' such as the consultants') as a learner: each gets
// exactly the unknown-command reply or the expired-button toast, and nothing else happens anywhere.
func TestAdminRoutesRefuseNonAdmins(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.HTTPToken = testOpsToken })
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "youth")
	menu := h.Last(maryam)
	unknown, expired := h.fa("UnknownCommand"), h.fa("ButtonExpired")
	var keys []string // "/command" or "action"
	for _, r := range h.App.RouteList() {
		switch {
		case !r.Guarded:
		case r.Kind == "command":
			keys = append(keys, "/"+r.Name)
		case r.Kind == "callback":
			keys = append(keys, r.Name)
		}
	}
	slices.Sort(keys)
	for _, want := range []string{"/admins", "/stats", "/export", "/backup", "/reload", "/broadcast", "/deadletters", "adr", "exp"} {
		if !slices.Contains(keys, want) {
			t.Fatalf("guarded routes = %v; want %s among them", keys, want)
		}
	}
	t.Logf("%d admin routes: %v", len(keys), keys)
	before := h.botMessageCounts()
	for _, key := range keys {
		if name, ok := strings.CutPrefix(key, "/"); ok {
			for _, args := range []string{"", " add 103", " remove 900", " learners", " progress"} {
				n := h.Count(maryam)
				h.Send(maryam, "/"+name+args)
				if got := h.Count(maryam); got != n+1 {
					t.Errorf("/%s%s: %d new messages; want exactly one", name, args, got-n)
				}
				if m := h.Last(maryam); m.Kind != "text" || m.Text != unknown {
					t.Errorf("/%s%s as a learner: %s %q; want the unknown-command reply %q", name, args, m.Kind, m.Text, unknown)
				}
			}
			continue
		}
		for _, data := range []string{cb(key), cb(key, "103"), cb(key, "900"), cb(key, "learners")} {
			n := h.Count(maryam)
			if got := h.PressForged(maryam, menu, data); got != expired {
				t.Errorf("button %q as a learner: toast %q; want %q", data, got, expired)
			}
			if h.Count(maryam) != n {
				t.Errorf("button %q as a learner sent a message", data)
			}
		}
	}
	// Nothing changed and nothing leaked: no admin added, nothing queued, no other chat touched, no file.
	after := h.botMessageCounts()
	for id, n := range before {
		if id != maryam.ID && after[id] != n {
			t.Errorf("chat %d got %d new bot messages", id, after[id]-n)
		}
	}
	if h.DB.IsAdmin(reza.ID) || h.DB.IsAdmin(maryam.ID) {
		t.Error("a learner's admin command added an admin")
	}
	if n := h.noticesWaiting(); len(n) != 0 {
		t.Errorf("outbox after refused admin commands: %+v", n)
	}
	for _, method := range []string{"sendDocument", "sendPhoto"} {
		if n := h.Sim.Calls(method); n != 0 {
			t.Errorf("%s called %d times for a learner", method, n)
		}
	}
	if logs := h.Logs.String(); strings.Contains(logs, "handler=/stats") || !strings.Contains(logs, "handler=/unknown") {
		t.Error("refused admin commands should be logged as /unknown, not by their name")
	}
}

// TestAdminStepRechecksAdmin: a learner left in the admin step (an admin removed mid-way) is not served.
func TestAdminStepRechecksAdmin(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	if err := h.DB.Update(func(tx *store.Tx) error {
		u, err := tx.User(maryam.ID)
		if err != nil {
			return err
		}
		u.Step = "adminadd" // the admin step
		return tx.PutUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	h.Send(maryam, "103")
	if got := h.Last(maryam).Text; got != h.fa("UnknownCommand") {
		t.Errorf("a learner in the admin step got %q", got)
	}
	if h.DB.IsAdmin(103) || h.User(maryam).Step != "" {
		t.Error("the step added an admin or stayed")
	}
}

func TestAdminsAddAndRemove(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(reza, "fa", "youth")
	h.Send(adminUser, "/admins")
	list := h.Last(adminUser)
	containsAll(t, "admin list", list.Plain, "مدیران توان", "کارشناس", "900", "هنوز کسی در گفت‌وگو افزوده نشده است")

	h.Press(adminUser, list, "افزودن مدیر")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "شناسهٔ عددی کاربر") || !strings.Contains(got, "/me") {
		t.Fatalf("after the add button: %q; want the id asked for, and where to find it (/me)", got)
	}
	for _, bad := range []string{"رضا", "-5", "12.5", strings.Repeat("9", 30)} {
		h.Send(adminUser, bad)
		if got := h.Last(adminUser).Text; got != h.fa("AdminBadID") {
			t.Errorf("typed %q: %q; want the bad-id answer", bad, got)
		}
	}
	h.Sim.SendMedia(adminUser, apptest.StickerMedia())
	h.Settle()
	if got := h.Last(adminUser).Text; got != h.fa("AdminIDNotText") {
		t.Errorf("a sticker as the id: %q", got)
	}
	h.Send(adminUser, "۱۰۳") // Persian digits
	got := h.Last(adminUser)
	containsAll(t, "after adding", got.Text, "✅ رضا &lt;&amp;&gt; به مدیران افزوده شد", "<code>103</code>")
	if !h.DB.IsAdmin(reza.ID) || h.User(adminUser).Step != "" {
		t.Fatal("reza was not added, or the step stayed")
	}
	if n := h.noticesWaiting(); len(n) != 1 || n[0].ChatID != reza.ID || !strings.Contains(n[0].Text, "به مدیران توان افزوده شدید") {
		t.Errorf("notice to the new admin = %+v", n)
	}

	// The new admin is an admin on their next request.
	h.Send(reza, "/stats")
	if got := h.Last(reza); got.Kind != "photo" {
		t.Errorf("the new admin's /stats ended with %s %q; want the chart", got.Kind, got.Plain)
	}
	h.Send(adminUser, "/admins add 103")
	if !strings.Contains(h.Last(adminUser).Plain, "همین حالا مدیر است") {
		t.Errorf("adding twice: %q", h.Last(adminUser).Plain)
	}
	h.Send(adminUser, "/admins remove 900")
	if !strings.Contains(h.Last(adminUser).Plain, "در فهرست مدیران افزوده‌شده نیست") {
		t.Errorf("removing a configured admin: %q", h.Last(adminUser).Plain)
	}
	h.Send(adminUser, "/admins dance")
	if got := h.Last(adminUser).Text; got != h.fa("AdminsUsage") {
		t.Errorf("/admins dance: %q", got)
	}

	h.Send(adminUser, "/admins")
	list = h.Last(adminUser)
	h.Press(adminUser, list, "حذف رضا <&>")
	confirm := h.Last(adminUser)
	if !strings.Contains(confirm.Plain, "از مدیران حذف شود؟") {
		t.Fatalf("remove asks %q", confirm.Plain)
	}
	h.Press(adminUser, confirm, "بله، حذف شود")
	if !strings.Contains(h.Last(adminUser).Plain, "دیگر مدیر نیست") || h.DB.IsAdmin(reza.ID) {
		t.Fatalf("after removing: %q, still admin %v", h.Last(adminUser).Plain, h.DB.IsAdmin(reza.ID))
	}
	h.Send(reza, "/stats")
	if got := h.Last(reza).Text; got != h.fa("UnknownCommand") {
		t.Errorf("a removed admin's /stats: %q", got)
	}
	// A stale confirmation pressed again removes nothing and says so.
	h.PressForged(adminUser, confirm, cb("ady", "103"))
	if !strings.Contains(h.Last(adminUser).Plain, "در فهرست مدیران افزوده‌شده نیست") {
		t.Errorf("second removal: %q", h.Last(adminUser).Plain)
	}
	for _, data := range []string{cb("adr"), cb("adr", "x"), cb("ady", "-4"), cb("ady", "1", "2")} {
		if got := h.PressForged(adminUser, confirm, data); got != h.fa("ButtonExpired") {
			t.Errorf("malformed %q: toast %q", data, got)
		}
	}
}

// The admins' menu is published beside the update loop (a large club means hundreds of calls): each
// admin's chat gets the learners' entries and theirs.
func TestAdminsMenuPublished(t *testing.T) {
	h := apptest.New(t, nil)
	select {
	case <-h.Bot.MenusPublished():
	case <-h.Ctx().Done():
		t.Fatal("the menus were not published")
	}
	var names []string
	for _, c := range h.Sim.CommandsFor(tgsim.CommandScope{Type: "chat", ChatID: apptest.Admin.ID}, "") {
		names = append(names, c.Command)
	}
	for _, want := range []string{"today", "stats", "broadcast"} {
		if !slices.Contains(names, want) {
			t.Errorf("the admin's menu %v lacks /%s", names, want)
		}
	}
}
