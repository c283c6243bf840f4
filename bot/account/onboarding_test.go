package account_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
)

func TestOnboardingPersian(t *testing.T) {
	apptest.EachPlatform(t, func(t *testing.T, p bot.Platform) { onboardingPersian(t, p) })
}

func onboardingPersian(t *testing.T, p bot.Platform) {
	h := apptest.NewOn(t, p, nil)
	h.Send(apptest.Maryam, "/start")
	welcome := h.Last(apptest.Maryam)
	if !strings.Contains(welcome.Plain, "به توان خوش آمدید") || !strings.Contains(welcome.Plain, "مریم") {
		t.Fatalf("welcome = %q; want a Persian welcome with the name", welcome.Plain)
	}
	h.Press(apptest.Maryam, welcome, "فارسی")
	trackMenu := h.Last(apptest.Maryam)
	if trackMenu.ID != welcome.ID || !trackMenu.Edited {
		t.Errorf("the language choice sent message %d; want the menu edited in place (message %d)", trackMenu.ID, welcome.ID)
	}
	if !strings.Contains(trackMenu.Plain, "مسیر یادگیری") {
		t.Fatalf("after language: %q; want the track question", trackMenu.Plain)
	}
	h.Press(apptest.Maryam, trackMenu, "مشاغل خانگی")
	timeMenu := h.Last(apptest.Maryam)
	if !strings.Contains(timeMenu.Plain, "چه ساعتی") {
		t.Fatalf("after track: %q; want the time question", timeMenu.Plain)
	}
	if labels := strings.Join(timeMenu.ButtonTexts(), " "); !strings.Contains(labels, "۸:۰۰") {
		t.Errorf("time buttons %q; want Persian digits like ۸:۰۰", labels)
	}
	h.Press(apptest.Maryam, timeMenu, "۸:۰۰")
	done := h.Last(apptest.Maryam)
	for _, want := range []string{"همه‌چیز آماده است", "فارسی", "مشاغل خانگی", "۸:۰۰"} {
		if !strings.Contains(done.Plain, want) {
			t.Errorf("confirmation %q lacks %q", done.Plain, want)
		}
	}
	if n := h.Count(apptest.Maryam); n != 1 {
		t.Errorf("onboarding left %d bot messages; want one menu edited step by step", n)
	}
	u := h.User(apptest.Maryam)
	if u.Lang != "fa" || u.Track != "home" || u.DailyMinute != 480 || !u.Onboarded {
		t.Errorf("stored user = %+v", u)
	}
	if h.Bale() {
		// Bale has no command menu: the bot tried once, turned it off with one log line, and lists the
		// commands in /help instead (TestHelpListsStaffCommandsWithoutAMenu).
		if n := h.Sim.Calls("setMyCommands"); n != 1 {
			t.Errorf("setMyCommands called %d times on Bale; want one try", n)
		}
		if n := strings.Count(h.Logs.String(), "method=setMyCommands"); n != 1 {
			t.Errorf("%d log lines about setMyCommands; want one:\n%s", n, h.Logs)
		}
		return
	}
	fa, en := h.Sim.Commands(""), h.Sim.Commands("en")
	if len(fa) == 0 || len(en) != len(fa) || fa[0].Description == en[0].Description {
		t.Errorf("command menus: fa %v, en %v; want both, in their languages", fa, en)
	}
}

func TestStartPayloadIsKept(t *testing.T) {
	h := apptest.New(t, nil)
	h.Send(apptest.Maryam, "/start ref_ab12")
	h.Send(apptest.Maryam, "/start other")
	h.Send(apptest.John, "/start "+strings.Repeat("x", 65)) // too long for a deep link: ignored
	if got := h.User(apptest.Maryam).StartPayload; got != "ref_ab12" {
		t.Errorf("payload = %q; want the first one", got)
	}
	if got := h.User(apptest.John).StartPayload; got != "" {
		t.Errorf("an invalid payload was kept: %q", got)
	}
}

func TestOnboardingEnglishTypedTime(t *testing.T) {
	h := apptest.New(t, nil)
	h.Send(apptest.John, "/start")
	if !strings.Contains(h.Last(apptest.John).Plain, "welcome to Tavan") {
		t.Fatalf("an en-US user got %q; want English", h.Last(apptest.John).Plain)
	}
	h.Press(apptest.John, h.Last(apptest.John), "English")
	h.Press(apptest.John, h.Last(apptest.John), "Home businesses")
	h.Press(apptest.John, h.Last(apptest.John), "Another time")
	if !strings.Contains(h.Last(apptest.John).Plain, "Type the time") {
		t.Fatalf("got %q; want a prompt to type the time", h.Last(apptest.John).Plain)
	}
	for _, bad := range []string{"25:99", "tomorrow", "۲۴:۳۰"} {
		h.Send(apptest.John, bad)
		if got := h.Last(apptest.John).Plain; !strings.Contains(got, "couldn't read that time") {
			t.Errorf("typed %q: reply %q; want a clear error", bad, got)
		}
	}
	h.Sim.SendMedia(apptest.John, apptest.StickerMedia())
	h.Settle()
	if got := h.Last(apptest.John).Plain; !strings.Contains(got, "type the time as text") {
		t.Errorf("a sticker instead of a time got %q", got)
	}
	h.Send(apptest.John, "۸٫۳۰") // Persian digits and decimal separator
	if got := h.Last(apptest.John).Plain; !strings.Contains(got, "All set") || !strings.Contains(got, "08:30") {
		t.Errorf("after a valid time: %q", got)
	}
	if u := h.User(apptest.John); u.DailyMinute != 8*60+30 || u.Step != "" {
		t.Errorf("stored DailyMinute=%d Step=%q; want 510 and no pending step", u.DailyMinute, u.Step)
	}
}

func TestSettingsSurviveRestart(t *testing.T) {
	h := apptest.New(t, nil)
	h.Onboard(apptest.Maryam, "fa", "home")
	h.Send(apptest.Maryam, "/settings")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "زبان")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "English")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "Learning path")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "Parents")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "Pause")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "7")

	h.Restart()

	h.Send(apptest.Maryam, "/settings")
	got := h.Last(apptest.Maryam).Plain
	for _, want := range []string{"Language: English", "Parents of young entrepreneurs", "paused until"} {
		if !strings.Contains(got, want) {
			t.Errorf("settings after restart %q lack %q", got, want)
		}
	}
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "Resume")
	if u := h.User(apptest.Maryam); u.Paused(h.Clock.Now()) {
		t.Error("resume did not clear the pause")
	}
}

func TestUnknownCommandAndGarbage(t *testing.T) {
	h := apptest.New(t, nil)
	h.Onboard(apptest.Maryam, "fa", "general")
	greeting := h.Sim.SendText(apptest.Maryam, "سلام")
	h.Settle()
	tests := []struct {
		name string
		act  func()
		want string // "" = no reply expected
	}{
		{"unknown command", func() { h.Sim.SendText(apptest.Maryam, "/frobnicate") }, "این فرمان را نمی‌شناسیم"},
		{"command for another bot", func() { h.Sim.SendText(apptest.Maryam, "/help@some_other_bot") }, "متوجه نشدیم"},
		{"sticker", func() { h.Sim.SendMedia(apptest.Maryam, apptest.StickerMedia()) }, "فقط متن و دکمه‌ها"},
		{"emoji only", func() { h.Sim.SendText(apptest.Maryam, "😀😀😀") }, "متوجه نشدیم"},
		{"4096 characters", func() { h.Sim.SendText(apptest.Maryam, strings.Repeat("آ", 4096)) }, "متوجه نشدیم"},
		{"edited message", func() { h.Sim.EditUserMessage(apptest.Maryam, greeting.ID, "سلام دوباره") }, ""},
		{"channel post", func() { h.Sim.ChannelPost(-100123, "خبر") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.Count(apptest.Maryam)
			tt.act()
			h.Settle()
			if tt.want == "" {
				if h.Count(apptest.Maryam) != before {
					t.Errorf("got a reply %q; want none", h.Last(apptest.Maryam).Plain)
				}
				return
			}
			if got := h.Last(apptest.Maryam).Plain; h.Count(apptest.Maryam) != before+1 || !strings.Contains(got, tt.want) {
				t.Errorf("reply %q; want one reply containing %q", got, tt.want)
			}
			// She has not opened a lesson yet: the menu's first entry starts the first one.
			want := append([]string{"▶️ شروع اولین درس"}, mainMenuFa[1:]...)
			if got := h.Last(apptest.Maryam).ButtonTexts(); !slices.Equal(got, want) {
				t.Errorf("reply's buttons %q; want the main menu %q", got, want)
			}
		})
	}
	if u := h.User(apptest.Maryam); u.Track != "general" || !u.Onboarded {
		t.Errorf("garbage changed the user: %+v", u)
	}
}

func TestHelpPrivacyAndNamesAreEscaped(t *testing.T) {
	apptest.EachPlatform(t, func(t *testing.T, p bot.Platform) { helpPrivacyAndNamesAreEscaped(t, p) })
}

func helpPrivacyAndNamesAreEscaped(t *testing.T, p bot.Platform) {
	h := apptest.NewOn(t, p, nil)
	// A name with Bale Markdown's markers must not open bold or italic there (nor break Telegram's HTML).
	h.Send(apptest.Sara, "/start")
	welcome := h.Last(apptest.Sara)
	if !strings.Contains(welcome.Plain, "Hello *Sara_, welcome") && !strings.Contains(welcome.Plain, "Hello ∗Sara＿, welcome") {
		t.Errorf("welcome %q; want the name shown as typed (or with look-alikes)", welcome.Plain)
	}
	if h.Bale() && !welcome.HasEntity("bold", "Tavan!") {
		t.Errorf("welcome %q: the bot's bold name did not arrive as Bale bold (spans %+v)", welcome.Plain, welcome.Entities)
	}
	for _, e := range welcome.Entities {
		if strings.Contains(e.Text, "Sara") {
			t.Errorf("the name %q became formatting on %s: %+v", apptest.Sara.FirstName, p.Name, e)
		}
	}
	h.Send(apptest.Reza, "/start") // a name with < & > must not break Telegram's HTML
	if got := h.Last(apptest.Reza).Plain; !strings.Contains(got, "رضا <&>") {
		t.Errorf("welcome %q; want the name shown literally", got)
	}
	h.Send(apptest.Reza, "/help")
	if !strings.Contains(h.Last(apptest.Reza).Plain, "/settings") {
		t.Errorf("help = %q", h.Last(apptest.Reza).Plain)
	}
	h.Send(apptest.Reza, "/privacy")
	if !strings.Contains(h.Last(apptest.Reza).Plain, "حریم خصوصی") {
		t.Errorf("privacy = %q", h.Last(apptest.Reza).Plain)
	}
	// The texts name the learner's messenger.
	messenger, other := "تلگرام", "بله"
	if h.Bale() {
		messenger, other = other, messenger
	}
	if got := h.Last(apptest.Reza).Plain; !strings.Contains(got, "نام و شناسهٔ "+messenger) || strings.Contains(got, other) {
		t.Errorf("privacy on %s = %q; want it to name %s only", p.Name, got, messenger)
	}
}

func TestDeleteMe(t *testing.T) {
	h := apptest.New(t, nil)
	h.Onboard(apptest.Maryam, "fa", "home")
	h.Send(apptest.Maryam, "/deleteme")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "منصرف")
	if _, err := h.DB.GetUser(apptest.Maryam.ID); err != nil {
		t.Fatalf("cancel deleted the user: %v", err)
	}
	h.Send(apptest.Maryam, "/deleteme")
	h.Press(apptest.Maryam, h.Last(apptest.Maryam), "همه را پاک کن")
	if got := h.Last(apptest.Maryam).Plain; !strings.Contains(got, "پاک شد") {
		t.Errorf("after delete: %q", got)
	}
	if _, err := h.DB.GetUser(apptest.Maryam.ID); err != store.ErrNotFound {
		t.Errorf("user still stored after /deleteme: %v", err)
	}
}

func TestStaleAndForgedButtons(t *testing.T) {
	h := apptest.New(t, nil)
	h.Onboard(apptest.Maryam, "fa", "home")
	m := h.Last(apptest.Maryam)
	for _, data := range []string{"0|lang|fa|o", "1|nosuchaction", "1|track|astronaut|s", "1|pause|100000", "garbage"} {
		if got := h.PressForged(apptest.Maryam, m, data); !strings.Contains(got, "این دکمه دیگر کار نمی‌کند") {
			t.Errorf("button %q answered %q; want the expired-button toast", data, got)
		}
	}
	if u := h.User(apptest.Maryam); u.Track != "home" || u.Paused(h.Clock.Now()) {
		t.Errorf("a forged button changed the user: %+v", u)
	}
}
