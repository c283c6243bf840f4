package main

import (
	"strings"
	"testing"

	"github.com/tavan7/tavan/internal/browsertest"
)

// The handoff of issue 7 in three tabs: the admin invites a consultant, the consultant opens the
// invitation and fills the profile, a learner asks with /consult, the consultant takes the request and
// replies, and the learner reads the reply (relayed by the bot).
//
// It skips while the bot answers /consult as an unknown command (a build without the consultants club).
func TestBrowserConsultantHandoff(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	// Each has its own sandbox and Chromium: they overlap their waits (up to -parallel at once).
	t.Parallel()
	for _, platform := range []string{"telegram", "bale"} {
		t.Run(platform, func(t *testing.T) {
			t.Parallel()
			testBrowserConsultantHandoff(t, platform)
		})
	}
}

func testBrowserConsultantHandoff(t *testing.T, platform string) {
	browser := browsertest.NewBrowser(t)
	sb := startSandboxArgs(t, []string{"-platform", platform}, nil)

	learner := browsertest.Open(t, browser, sb.URL+"/?user=102", "رضا (learner)")
	onboardInBrowser(learner)
	n := learner.BotCount()
	learner.Send("/consult")
	if reply := learner.WaitBotReplyAfter(n); strings.Contains(reply, "این فرمان را نمی‌شناسیم") {
		t.Skip("the bot has no /consult command (the consultants club of issue 7 is not in this build)")
	}

	// The admin invites a consultant; the invitation is a deep link to the bot.
	admin := browsertest.Open(t, browser, sb.URL+"/?user=900", "admin")
	admin.Send("/invite_consultant")
	admin.WaitJS(inviteLinkJS+` !== ''`, "an invitation link (t.me/…?start=…) from /invite_consultant")
	link := browsertest.Eval[string](admin, inviteLinkJS)

	// The consultant opens it in their own tab (pasting the link opens it, as tapping does in Telegram)
	// and builds the profile: name, topics, bio, hours.
	consultant := browsertest.Open(t, browser, sb.URL+"/?user=201", "نیلوفر (consultant)")
	consultant.Send(link)
	consultant.WaitBotText("چه نامی")
	consultant.Send("دکتر نیلوفر صادقی")
	consultant.WaitBotText("در چه موضوع")
	consultant.Press("کسب‌وکار خانگی")
	consultant.Press("تمام")
	consultant.WaitBotText("معرفی کوتاهی")
	consultant.Send("استاد بازاریابی با پانزده سال تجربهٔ مشاورهٔ کسب‌وکارهای کوچک و خانگی.")
	consultant.WaitBotText("ساعت‌هایی از هفته")
	consultant.Send("شنبه تا چهارشنبه، ۱۰ تا ۱۶")
	consultant.WaitBotText("نمایهٔ شما کامل شد")

	// The learner picks a topic and asks.
	learner.Press("کسب‌وکار خانگی")
	learner.Send("سلام، برای قیمت‌گذاری غذای خانگی‌ام راهنمایی می‌خواهم.")
	learner.WaitBotText("در صف است")

	// The consultant gets the request with a [Take it] button, takes it and replies.
	consultant.WaitJS(`[...document.querySelectorAll('.msg.bot')].some(m => m.innerText.includes('قیمت‌گذاری غذای خانگی'))`, "the learner's request")
	// The card with the button follows the copied question: wait for it rather than race it.
	consultant.WaitJS(`[...document.querySelectorAll('.msg.bot .kb-btn')].some(b => `+takeRE+`.test(b.innerText))`, "the [Take it] button")
	take := browsertest.Eval[string](consultant, `(() => { const b = [...document.querySelectorAll('.msg.bot .kb-btn')].filter(b => `+takeRE+`.test(b.innerText)).pop(); return b ? b.innerText.trim() : ''; })()`)
	if take == "" {
		t.Fatalf("the request reached the consultant without a [Take it] button; chat:\n%s", consultant.Transcript())
	}
	consultant.Press(take)
	consultant.Send("سلام رضا، در خدمتم. اول هزینهٔ مواد هر پرس را حساب کنیم.")
	learner.WaitBotText("اول هزینهٔ مواد هر پرس را حساب کنیم")
	if strings.Contains(consultant.Transcript(), "کریمی") {
		t.Errorf("the consultant's tab shows the learner's last name before consent:\n%s", consultant.Transcript())
	}
	learner.Screenshot("sandbox-consult-learner-" + platform + ".png")
	consultant.Screenshot("sandbox-consult-consultant-" + platform + ".png")
}

// inviteLinkJS finds the newest link to the bot with a start payload on the page, in text or a button.
const inviteLinkJS = `(() => {
	const hrefs = [...document.querySelectorAll('.msg.bot a.deeplink')].map(a => a.href)
		.concat([...document.querySelectorAll('.msg.bot .kb-btn.url')].map(b => b.title));
	return hrefs.filter(h => /start=/.test(h)).pop() || '';
})()`

// takeRE matches the label of the consultant's [Take it] button («✋ می‌پذیرم»).
const takeRE = `/take|پذیر|بردار/i`

// onboardInBrowser takes the tab's user through onboarding in Persian.
func onboardInBrowser(p *browsertest.Page) {
	p.T.Helper()
	p.Send("/start")
	p.Press("فارسی")
	p.Press("مشاغل خانگی")
	p.Press("۸:۰۰")
	p.WaitBotText("همه‌چیز آماده است")
}
