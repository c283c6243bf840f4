package events_test

import (
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/events"
	"github.com/tavan7/tavan/bot/tgsim"
)

func TestEventImportThroughChat(t *testing.T) {
	noAdmins := false
	h := newHarness(t, func(c *app.Config) {
		if noAdmins {
			c.Admins = nil
		}
	})
	h.expectReply(adminUser, "/importevents", "فایل رویدادها را به صورت سند بفرستید")
	h.expectReply(adminUser, "این فایل است", "به صورت سند")
	h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "events.txt", Data: []byte("x")})
	h.Settle()
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "فقط فایل") {
		t.Errorf("a .txt file: %q", got)
	}

	// A CSV with mistakes: all listed by row, nothing imported.
	bad := "title,start,end,place,capacity\n" +
		"درست,۱۴۰۵/۰۹/۱۵ ۱۸:۰۰,۲۰:۰۰,سالن,۳۰\n" +
		"اسفند,۱۴۰۵/۱۲/۳۰ ۱۸:۰۰,۲۰:۰۰,سالن,۳۰\n" +
		"ظرفیت,۱۴۰۵/۰۹/۱۶ ۱۸:۰۰,۲۰:۰۰,سالن,چهل\n"
	h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "events.csv", Data: []byte(bad)})
	h.Settle()
	got := h.Last(adminUser).Plain
	for _, want := range []string{"۲ خطا پیدا شد؛ هیچ رویدادی ثبت نشد", "ردیف ۳: تاریخ start «۱۴۰۵/۱۲/۳۰ ۱۸:۰۰» در تقویم وجود ندارد",
		"ردیف ۴: ظرفیت «چهل» عدد نیست"} {
		if !strings.Contains(got, want) {
			t.Errorf("import errors %q lack %q", got, want)
		}
	}
	if n := len(h.allEvents()); n != 0 {
		t.Fatalf("%d events half-imported", n)
	}

	// The fixed file, as TOML.
	h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "azar.toml", Data: []byte(events.GoodTOML)})
	h.Settle()
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "۲ رویداد ثبت شد") || !strings.Contains(got, "آخر هفتهٔ استارتاپی") {
		t.Errorf("import reply %q", got)
	}
	evs := h.allEvents()
	if len(evs) != 2 || evs[0].Token == "" || evs[0].Token == evs[1].Token || evs[1].CreatedBy != adminUser.ID {
		t.Fatalf("imported %+v", evs)
	}
	if u := h.User(adminUser); u.Step != "" {
		t.Errorf("import left step %q", u.Step)
	}

	// The same file again: its keys are taken, nothing is added.
	h.Send(adminUser, "/importevents")
	h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "azar.toml", Data: []byte(events.GoodTOML)})
	h.Settle()
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "ردیف ۲: رویدادی با کلید «azar-sales» قبلاً وارد شده است") ||
		!strings.Contains(got, "ردیف ۲۰") {
		t.Errorf("re-import reply %q", got)
	}
	if n := len(h.allEvents()); n != 2 {
		t.Errorf("%d events after a re-import; want 2", n)
	}

	// Hundreds of problems are split over messages, none over the limit (the harness checks the limit).
	var many strings.Builder
	many.WriteString("title,start,end,place\n")
	for range 300 {
		many.WriteString("x,هر وقت,۲۰:۰۰,سالن\n")
	}
	h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "many.csv", Data: []byte(many.String())})
	h.Settle()
	if n := len(h.allEvents()); n != 2 {
		t.Errorf("%d events after a bad import", n)
	}
	msgs := h.Sim.BotMessages(adminUser.ID)
	if last := msgs[len(msgs)-1].Plain; !strings.Contains(last, "ردیف ۳۰۱") {
		t.Errorf("the last problem is not reported: %q", last)
	}

	// Someone who is no longer an admin, left in the import step, imports nothing.
	h.Send(adminUser, "/importevents")
	noAdmins = true
	h.Restart()
	h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "document", FileName: "azar2.toml", Data: []byte(strings.ReplaceAll(events.GoodTOML, "azar-", "dey-"))})
	h.Settle()
	if n := len(h.allEvents()); n != 2 {
		t.Errorf("a former admin imported: %d events", n)
	}
	if u := h.User(adminUser); u.Step != "" {
		t.Errorf("the former admin is still in step %q", u.Step)
	}
}
