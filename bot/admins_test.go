package bot

import (
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/store"
)

// TestAdminRoutesRefuseNonAdmins sends every admin command and presses every admin button registered in
// the router as a learner: each gets exactly the unknown-command reply or the expired-button toast, and
// nothing else happens anywhere.
func TestAdminRoutesRefuseNonAdmins(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Ops.HTTPToken = testOpsToken })
	h.onboard(maryam, "fa", "home")
	h.onboard(reza, "fa", "youth")
	menu := h.last(maryam)
	unknown, expired := h.fa("UnknownCommand"), h.fa("ButtonExpired")
	var keys []string
	for k := range h.bot.router.admin {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) < 6 {
		t.Fatalf("router.admin = %v; want at least /admins, /stats, /export, /backup, /reload and the admin buttons", keys)
	}
	t.Logf("%d admin routes: %v", len(keys), keys)
	before := h.botMessageCounts()
	for _, key := range keys {
		if name, ok := strings.CutPrefix(key, "/"); ok {
			for _, args := range []string{"", " add 103", " remove 900", " learners", " progress"} {
				n := h.count(maryam)
				h.send(maryam, "/"+name+args)
				if got := h.count(maryam); got != n+1 {
					t.Errorf("/%s%s: %d new messages; want exactly one", name, args, got-n)
				}
				if m := h.last(maryam); m.Kind != "text" || m.Text != unknown {
					t.Errorf("/%s%s as a learner: %s %q; want the unknown-command reply %q", name, args, m.Kind, m.Text, unknown)
				}
			}
			continue
		}
		for _, data := range []string{cb(key), cb(key, "103"), cb(key, "900"), cb(key, "learners")} {
			n := h.count(maryam)
			if got := h.pressDataForged(maryam, menu, data); got != expired {
				t.Errorf("button %q as a learner: toast %q; want %q", data, got, expired)
			}
			if h.count(maryam) != n {
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
	if h.db.IsAdmin(reza.ID) || h.db.IsAdmin(maryam.ID) {
		t.Error("a learner's admin command added an admin")
	}
	if n := h.pendingNotices(); len(n) != 0 {
		t.Errorf("outbox after refused admin commands: %+v", n)
	}
	for _, method := range []string{"sendDocument", "sendPhoto"} {
		if n := h.sim.Calls(method); n != 0 {
			t.Errorf("%s called %d times for a learner", method, n)
		}
	}
	if logs := h.logs.String(); strings.Contains(logs, "handler=/stats") || !strings.Contains(logs, "handler=/unknown") {
		t.Error("refused admin commands should be logged as /unknown, not by their name")
	}
}

// TestAdminStepRechecksAdmin: a learner left in the admin step (an admin removed mid-way) is not served.
func TestAdminStepRechecksAdmin(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	if err := h.db.Update(func(tx *store.Tx) error {
		u, err := tx.User(maryam.ID)
		if err != nil {
			return err
		}
		u.Step = stepAdminAdd
		return tx.PutUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	h.send(maryam, "103")
	if got := h.last(maryam).Text; got != h.fa("UnknownCommand") {
		t.Errorf("a learner in the admin step got %q", got)
	}
	if h.db.IsAdmin(103) || h.user(maryam).Step != "" {
		t.Error("the step added an admin or stayed")
	}
}

func TestAdminsAddAndRemove(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(reza, "fa", "youth")
	h.send(adminUser, "/admins")
	list := h.last(adminUser)
	containsAll(t, "admin list", list.Plain, "مدیران توان", "کارشناس", "900", "هنوز کسی در گفت‌وگو افزوده نشده است")

	h.press(adminUser, list, "افزودن مدیر")
	if got := h.last(adminUser).Plain; !strings.Contains(got, "شناسهٔ عددی کاربر") {
		t.Fatalf("after the add button: %q", got)
	}
	for _, bad := range []string{"رضا", "-5", "12.5", strings.Repeat("9", 30)} {
		h.send(adminUser, bad)
		if got := h.last(adminUser).Text; got != h.fa("AdminBadID") {
			t.Errorf("typed %q: %q; want the bad-id answer", bad, got)
		}
	}
	h.sim.SendMedia(adminUser, stickerMedia())
	h.settle()
	if got := h.last(adminUser).Text; got != h.fa("AdminIDNotText") {
		t.Errorf("a sticker as the id: %q", got)
	}
	h.send(adminUser, "۱۰۳") // Persian digits
	got := h.last(adminUser)
	containsAll(t, "after adding", got.Text, "✅ رضا &lt;&amp;&gt; به مدیران افزوده شد", "<code>103</code>")
	if !h.db.IsAdmin(reza.ID) || h.user(adminUser).Step != "" {
		t.Fatal("reza was not added, or the step stayed")
	}
	if n := h.pendingNotices(); len(n) != 1 || n[0].ChatID != reza.ID || !strings.Contains(n[0].Text, "به مدیران توان افزوده شدید") {
		t.Errorf("notice to the new admin = %+v", n)
	}

	// The new admin is an admin on their next request.
	h.send(reza, "/stats")
	if got := h.last(reza); got.Kind != "photo" {
		t.Errorf("the new admin's /stats ended with %s %q; want the chart", got.Kind, got.Plain)
	}
	h.send(adminUser, "/admins add 103")
	if !strings.Contains(h.last(adminUser).Plain, "همین حالا مدیر است") {
		t.Errorf("adding twice: %q", h.last(adminUser).Plain)
	}
	h.send(adminUser, "/admins remove 900")
	if !strings.Contains(h.last(adminUser).Plain, "در فهرست مدیران افزوده‌شده نیست") {
		t.Errorf("removing a configured admin: %q", h.last(adminUser).Plain)
	}
	h.send(adminUser, "/admins dance")
	if got := h.last(adminUser).Text; got != h.fa("AdminsUsage") {
		t.Errorf("/admins dance: %q", got)
	}

	h.send(adminUser, "/admins")
	list = h.last(adminUser)
	h.press(adminUser, list, "حذف رضا <&>")
	confirm := h.last(adminUser)
	if !strings.Contains(confirm.Plain, "از مدیران حذف شود؟") {
		t.Fatalf("remove asks %q", confirm.Plain)
	}
	h.press(adminUser, confirm, "بله، حذف شود")
	if !strings.Contains(h.last(adminUser).Plain, "دیگر مدیر نیست") || h.db.IsAdmin(reza.ID) {
		t.Fatalf("after removing: %q, still admin %v", h.last(adminUser).Plain, h.db.IsAdmin(reza.ID))
	}
	h.send(reza, "/stats")
	if got := h.last(reza).Text; got != h.fa("UnknownCommand") {
		t.Errorf("a removed admin's /stats: %q", got)
	}
	// A stale confirmation pressed again removes nothing and says so.
	h.pressDataForged(adminUser, confirm, cb("ady", "103"))
	if !strings.Contains(h.last(adminUser).Plain, "در فهرست مدیران افزوده‌شده نیست") {
		t.Errorf("second removal: %q", h.last(adminUser).Plain)
	}
	for _, data := range []string{cb("adr"), cb("adr", "x"), cb("ady", "-4"), cb("ady", "1", "2")} {
		if got := h.pressDataForged(adminUser, confirm, data); got != h.fa("ButtonExpired") {
			t.Errorf("malformed %q: toast %q", data, got)
		}
	}
}

func FuzzParseAdminID(f *testing.F) {
	for _, s := range []string{"123", "۱۲۳", "١٢٣", " 42 ", "-1", "0", "1٬234", "abc", "", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseAdminID(s)
		if ok && (id <= 0 || id >= maxAdminID) {
			t.Errorf("parseAdminID(%q) = %d, true; out of range", s, id)
		}
		if !ok && id != 0 {
			t.Errorf("parseAdminID(%q) = %d, false", s, id)
		}
	})
}
