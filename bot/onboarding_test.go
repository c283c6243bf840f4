package bot

import (
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/store"
)

func TestOnboardingPersian(t *testing.T) {
	h := newHarness(t, nil)
	h.send(maryam, "/start")
	welcome := h.last(maryam)
	if !strings.Contains(welcome.Plain, "به توان خوش آمدید") || !strings.Contains(welcome.Plain, "مریم") {
		t.Fatalf("welcome = %q; want a Persian welcome with the name", welcome.Plain)
	}
	h.press(maryam, welcome, "فارسی")
	trackMenu := h.last(maryam)
	if trackMenu.ID != welcome.ID || !trackMenu.Edited {
		t.Errorf("the language choice sent message %d; want the menu edited in place (message %d)", trackMenu.ID, welcome.ID)
	}
	if !strings.Contains(trackMenu.Plain, "مسیر یادگیری") {
		t.Fatalf("after language: %q; want the track question", trackMenu.Plain)
	}
	h.press(maryam, trackMenu, "مشاغل خانگی")
	timeMenu := h.last(maryam)
	if !strings.Contains(timeMenu.Plain, "چه ساعتی") {
		t.Fatalf("after track: %q; want the time question", timeMenu.Plain)
	}
	if labels := strings.Join(timeMenu.ButtonTexts(), " "); !strings.Contains(labels, "۸:۰۰") {
		t.Errorf("time buttons %q; want Persian digits like ۸:۰۰", labels)
	}
	h.press(maryam, timeMenu, "۸:۰۰")
	done := h.last(maryam)
	for _, want := range []string{"همه‌چیز آماده است", "فارسی", "مشاغل خانگی", "۸:۰۰"} {
		if !strings.Contains(done.Plain, want) {
			t.Errorf("confirmation %q lacks %q", done.Plain, want)
		}
	}
	if n := h.count(maryam); n != 1 {
		t.Errorf("onboarding left %d bot messages; want one menu edited step by step", n)
	}
	u := h.user(maryam)
	if u.Lang != "fa" || u.Track != "home" || u.DailyMinute != 480 || !u.Onboarded {
		t.Errorf("stored user = %+v", u)
	}
	fa, en := h.sim.Commands(""), h.sim.Commands("en")
	if len(fa) == 0 || len(en) != len(fa) || fa[0].Description == en[0].Description {
		t.Errorf("command menus: fa %v, en %v; want both, in their languages", fa, en)
	}
}

func TestStartPayloadIsKept(t *testing.T) {
	h := newHarness(t, nil)
	h.send(maryam, "/start ref_ab12")
	h.send(maryam, "/start other")
	h.send(john, "/start "+strings.Repeat("x", 65)) // too long for a deep link: ignored
	if got := h.user(maryam).StartPayload; got != "ref_ab12" {
		t.Errorf("payload = %q; want the first one", got)
	}
	if got := h.user(john).StartPayload; got != "" {
		t.Errorf("an invalid payload was kept: %q", got)
	}
}

func TestOnboardingEnglishTypedTime(t *testing.T) {
	h := newHarness(t, nil)
	h.send(john, "/start")
	if !strings.Contains(h.last(john).Plain, "welcome to Tavan") {
		t.Fatalf("an en-US user got %q; want English", h.last(john).Plain)
	}
	h.press(john, h.last(john), "English")
	h.press(john, h.last(john), "Home businesses")
	h.press(john, h.last(john), "Another time")
	if !strings.Contains(h.last(john).Plain, "Type the time") {
		t.Fatalf("got %q; want a prompt to type the time", h.last(john).Plain)
	}
	for _, bad := range []string{"25:99", "tomorrow", "۲۴:۳۰"} {
		h.send(john, bad)
		if got := h.last(john).Plain; !strings.Contains(got, "couldn't read that time") {
			t.Errorf("typed %q: reply %q; want a clear error", bad, got)
		}
	}
	h.sim.SendMedia(john, stickerMedia())
	h.settle()
	if got := h.last(john).Plain; !strings.Contains(got, "type the time as text") {
		t.Errorf("a sticker instead of a time got %q", got)
	}
	h.send(john, "۸٫۳۰") // Persian digits and decimal separator
	if got := h.last(john).Plain; !strings.Contains(got, "All set") || !strings.Contains(got, "08:30") {
		t.Errorf("after a valid time: %q", got)
	}
	if u := h.user(john); u.DailyMinute != 8*60+30 || u.Step != "" {
		t.Errorf("stored DailyMinute=%d Step=%q; want 510 and no pending step", u.DailyMinute, u.Step)
	}
}

func TestSettingsSurviveRestart(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.send(maryam, "/settings")
	h.press(maryam, h.last(maryam), "زبان")
	h.press(maryam, h.last(maryam), "English")
	h.press(maryam, h.last(maryam), "Learning path")
	h.press(maryam, h.last(maryam), "Parents")
	h.press(maryam, h.last(maryam), "Pause")
	h.press(maryam, h.last(maryam), "7")

	h.restart()

	h.send(maryam, "/settings")
	got := h.last(maryam).Plain
	for _, want := range []string{"Language: English", "Parents of young entrepreneurs", "paused until"} {
		if !strings.Contains(got, want) {
			t.Errorf("settings after restart %q lack %q", got, want)
		}
	}
	h.press(maryam, h.last(maryam), "Resume")
	if u := h.user(maryam); u.Paused(h.clock.Now()) {
		t.Error("resume did not clear the pause")
	}
}

func TestUnknownCommandAndGarbage(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "general")
	greeting := h.sim.SendText(maryam, "سلام")
	h.settle()
	tests := []struct {
		name string
		act  func()
		want string // "" = no reply expected
	}{
		{"unknown command", func() { h.sim.SendText(maryam, "/frobnicate") }, "این فرمان را نمی‌شناسم"},
		{"command for another bot", func() { h.sim.SendText(maryam, "/help@some_other_bot") }, "متوجه نشدم"},
		{"sticker", func() { h.sim.SendMedia(maryam, stickerMedia()) }, "فقط متن و دکمه‌ها"},
		{"emoji only", func() { h.sim.SendText(maryam, "😀😀😀") }, "متوجه نشدم"},
		{"4096 characters", func() { h.sim.SendText(maryam, strings.Repeat("آ", 4096)) }, "متوجه نشدم"},
		{"edited message", func() { h.sim.EditUserMessage(maryam, greeting.ID, "سلام دوباره") }, ""},
		{"channel post", func() { h.sim.ChannelPost(-100123, "خبر") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.count(maryam)
			tt.act()
			h.settle()
			if tt.want == "" {
				if h.count(maryam) != before {
					t.Errorf("got a reply %q; want none", h.last(maryam).Plain)
				}
				return
			}
			if got := h.last(maryam).Plain; h.count(maryam) != before+1 || !strings.Contains(got, tt.want) {
				t.Errorf("reply %q; want one reply containing %q", got, tt.want)
			}
		})
	}
	if u := h.user(maryam); u.Track != "general" || !u.Onboarded {
		t.Errorf("garbage changed the user: %+v", u)
	}
}

func TestHelpPrivacyAndNamesAreEscaped(t *testing.T) {
	h := newHarness(t, nil)
	h.send(reza, "/start") // a name with < & > must not break Telegram's HTML
	if got := h.last(reza).Plain; !strings.Contains(got, "رضا <&>") {
		t.Errorf("welcome %q; want the name shown literally", got)
	}
	h.send(reza, "/help")
	if !strings.Contains(h.last(reza).Plain, "/settings") {
		t.Errorf("help = %q", h.last(reza).Plain)
	}
	h.send(reza, "/privacy")
	if !strings.Contains(h.last(reza).Plain, "حریم خصوصی") {
		t.Errorf("privacy = %q", h.last(reza).Plain)
	}
}

func TestDeleteMe(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.send(maryam, "/deleteme")
	h.press(maryam, h.last(maryam), "منصرف")
	if _, err := h.db.GetUser(maryam.ID); err != nil {
		t.Fatalf("cancel deleted the user: %v", err)
	}
	h.send(maryam, "/deleteme")
	h.press(maryam, h.last(maryam), "همه را پاک کن")
	if got := h.last(maryam).Plain; !strings.Contains(got, "پاک شد") {
		t.Errorf("after delete: %q", got)
	}
	if _, err := h.db.GetUser(maryam.ID); err != store.ErrNotFound {
		t.Errorf("user still stored after /deleteme: %v", err)
	}
}

func TestStaleAndForgedButtons(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	m := h.last(maryam)
	for _, data := range []string{"0|lang|fa|o", "1|nosuchaction", "1|track|astronaut|s", "1|pause|100000", "garbage"} {
		if got := h.pressDataForged(maryam, m, data); !strings.Contains(got, "این دکمه دیگر کار نمی‌کند") {
			t.Errorf("button %q answered %q; want the expired-button toast", data, got)
		}
	}
	if u := h.user(maryam); u.Track != "home" || u.Paused(h.clock.Now()) {
		t.Errorf("a forged button changed the user: %+v", u)
	}
}
