package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tavan7/tavan/internal/browsertest"
)

// A newcomer's first visit, in a real browser: /start, onboarding by buttons, the first lesson of a
// course, its quiz as native polls, and a screenshot of the result.
func TestBrowserLearnerJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	// Each has its own sandbox and Chromium: they overlap their waits (up to -parallel at once).
	t.Parallel()
	browser := browsertest.NewBrowser(t)
	sb := startSandbox(t, nil)
	p := browsertest.Open(t, browser, sb.URL+"/?user=101", "مریم")

	// The empty chat offers a start button, like Telegram for a bot never used.
	p.Do(chromedp.WaitVisible(chromedp.ID("start-button")))
	p.Screenshot("sandbox-first-visit.png")
	p.Do(chromedp.Click(chromedp.ID("start-button")))
	p.WaitBotText("به توان خوش آمدید")
	p.Press("فارسی")
	p.WaitBotText("مسیر یادگیری")
	p.Press("مشاغل خانگی")
	p.WaitBotText("چه ساعتی")
	p.Press("۸:۰۰")
	p.WaitBotText("همه‌چیز آماده است")
	if n := p.BotCount(); n != 1 {
		t.Errorf("onboarding shows %d bot messages; want one menu edited in place", n)
	}

	// The command menu lists what the bot published with setMyCommands.
	p.Do(chromedp.Click(chromedp.ID("commands-button")))
	p.Do(chromedp.WaitVisible(chromedp.JSPath(`[...document.querySelectorAll('#commands-menu button')].filter(b => b.innerText.includes('/courses'))`)))
	p.Do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('#commands-menu button')].filter(b => b.innerText.includes('/courses'))`)))
	p.WaitBotText("دوره‌های توان")
	first := browsertest.Eval[string](p, `[...document.querySelectorAll('.msg.bot')].pop().querySelector('.kb-btn').innerText`)
	p.Press(first)
	p.Press("شروع دوره")
	p.WaitBotText("درس ۱ از")
	browsertest.Eval[bool](p, `(() => { const m = [...document.querySelectorAll('.msg.bot')].find(m => m.innerText.includes('از مهارت تا محصول')); if (m) m.scrollIntoView(); return !!m; })()`)
	p.Screenshot("sandbox-lesson.png")
	p.Press("آزمون")

	// Answer every question of the quiz by tapping an option of the native quiz poll.
	for i := 0; ; i++ {
		if i > 12 {
			t.Fatalf("the quiz did not end after %d questions", i)
		}
		p.WaitJS(`document.querySelector('.msg.bot .poll .poll-option') || [...document.querySelectorAll('.msg.bot .bubble')].some(b => b.innerText.includes('نتیجهٔ آزمون'))`, "a question or the quiz result")
		id := browsertest.Eval[string](p, `(() => { const o = document.querySelector('.msg.bot .poll .poll-option'); return o ? o.closest('.poll').dataset.poll : ''; })()`)
		if id == "" {
			break
		}
		sel := fmt.Sprintf(`.poll[data-poll=%q]`, id)
		p.Do(chromedp.Click(chromedp.CSS(sel + ` .poll-option[data-option="0"]`)))
		p.Do(chromedp.WaitVisible(chromedp.CSS(sel + ` .verdict`)))
		verdict := browsertest.Eval[string](p, `document.querySelector(`+browsertest.JS(sel+" .verdict")+`).innerText`)
		if !strings.Contains(verdict, "درست است") && !strings.Contains(verdict, "درست نبود") {
			t.Errorf("question %d: verdict %q; want right or wrong", i+1, verdict)
		}
		p.Do(chromedp.WaitVisible(chromedp.CSS(sel + ` .explanation`)))
		p.Do(chromedp.WaitVisible(chromedp.CSS(sel + ` .poll-result.correct`)))
	}
	p.WaitBotText("نتیجهٔ آزمون")

	// Free text is a question: Ask Tavan answers with a card from the lessons, which opens the lesson.
	n := p.BotCount()
	p.Send("قیمت گذاری محصولات خونگی رو چطوری حساب کنم؟")
	card := p.WaitBotReplyAfter(n)
	if !strings.Contains(card, "📍 درس") {
		t.Fatalf("the question was answered %q; want an answer card from a lesson", card)
	}
	p.Screenshot("sandbox-ask.png")
	p.Press("📖 خواندن این درس")
	p.WaitJS(`[...document.querySelectorAll('.msg.bot .kb-btn')].some(b => b.innerText.includes('آزمون'))`, "the lesson the card opened")

	// Persian is laid out right to left with the shipped font.
	if dir := browsertest.Eval[string](p, `getComputedStyle(document.body).direction`); dir != "rtl" {
		t.Errorf("the page's direction is %q; want rtl", dir)
	}
	if !browsertest.Eval[bool](p, `document.fonts.check('16px Vazirmatn', 'سلام')`) {
		t.Errorf("the Vazirmatn font did not load")
	}
	browsertest.Eval[float64](p, `document.getElementById('messages').scrollTop = 1e9`)
	p.Screenshot("sandbox-learner-journey.png")

	// Time travel from the tools panel moves the bot's clock; the header shows how far ahead it is.
	p.Do(chromedp.Click(chromedp.CSS(`[data-advance="1d"]`)))
	p.WaitJS(`!document.getElementById('clock-ahead').hidden && document.getElementById('clock-ahead').innerText.includes('۱ روز')`, "the clock to show it is a day ahead")

	// On a phone the tools fold away and the chat keeps the whole width.
	p.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	p.Do(chromedp.Click(chromedp.ID("tools-close")))
	p.WaitJS(`!document.body.classList.contains('tools-open')`, "the tools to close")
	browsertest.Eval[float64](p, `document.getElementById('messages').scrollTop = 1e9`)
	p.Screenshot("sandbox-phone.png")
}
