package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A newcomer's first visit, in a real browser: /start, onboarding by buttons, the first lesson of a
// course, its quiz as native polls, and a screenshot of the result.
func TestBrowserLearnerJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	browser := newBrowser(t)
	sb := startSandbox(t, nil)
	p := openTab(t, browser, sb.URL+"/?user=101", "مریم")

	// The empty chat offers a start button, like Telegram for a bot never used.
	p.do(chromedp.WaitVisible(chromedp.ID("start-button")))
	p.do(chromedp.Click(chromedp.ID("start-button")))
	p.waitBotText("به توان خوش آمدید")
	p.press("فارسی")
	p.waitBotText("مسیر یادگیری")
	p.press("مشاغل خانگی")
	p.waitBotText("چه ساعتی")
	p.press("۸:۰۰")
	p.waitBotText("همه‌چیز آماده است")
	if n := p.botCount(); n != 1 {
		t.Errorf("onboarding shows %d bot messages; want one menu edited in place", n)
	}

	// The command menu lists what the bot published with setMyCommands.
	p.do(chromedp.Click(chromedp.ID("commands-button")))
	p.do(chromedp.WaitVisible(chromedp.JSPath(`[...document.querySelectorAll('#commands-menu button')].filter(b => b.innerText.includes('/courses'))`)))
	p.do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('#commands-menu button')].filter(b => b.innerText.includes('/courses'))`)))
	p.waitBotText("دوره‌های توان")
	first := eval[string](p, `[...document.querySelectorAll('.msg.bot')].pop().querySelector('.kb-btn').innerText`)
	p.press(first)
	p.press("شروع دوره")
	p.waitBotText("درس ۱ از")
	eval[bool](p, `(() => { const m = [...document.querySelectorAll('.msg.bot')].find(m => m.innerText.includes('از مهارت تا محصول')); if (m) m.scrollIntoView(); return !!m; })()`)
	p.screenshot("sandbox-lesson.png")
	p.press("آزمون")

	// Answer every question of the quiz by tapping an option of the native quiz poll.
	for i := 0; ; i++ {
		if i > 12 {
			t.Fatalf("the quiz did not end after %d questions", i)
		}
		p.waitJS(`document.querySelector('.msg.bot .poll .poll-option') || [...document.querySelectorAll('.msg.bot .bubble')].some(b => b.innerText.includes('نتیجهٔ آزمون'))`, "a question or the quiz result")
		id := eval[string](p, `(() => { const o = document.querySelector('.msg.bot .poll .poll-option'); return o ? o.closest('.poll').dataset.poll : ''; })()`)
		if id == "" {
			break
		}
		sel := fmt.Sprintf(`.poll[data-poll=%q]`, id)
		p.do(chromedp.Click(chromedp.CSS(sel + ` .poll-option[data-option="0"]`)))
		p.do(chromedp.WaitVisible(chromedp.CSS(sel + ` .verdict`)))
		verdict := eval[string](p, `document.querySelector(`+js(sel+" .verdict")+`).innerText`)
		if !strings.Contains(verdict, "درست است") && !strings.Contains(verdict, "درست نبود") {
			t.Errorf("question %d: verdict %q; want right or wrong", i+1, verdict)
		}
		p.do(chromedp.WaitVisible(chromedp.CSS(sel + ` .explanation`)))
		p.do(chromedp.WaitVisible(chromedp.CSS(sel + ` .poll-result.correct`)))
	}
	p.waitBotText("نتیجهٔ آزمون")

	// Persian is laid out right to left with the shipped font.
	if dir := eval[string](p, `getComputedStyle(document.body).direction`); dir != "rtl" {
		t.Errorf("the page's direction is %q; want rtl", dir)
	}
	if !eval[bool](p, `document.fonts.check('16px Vazirmatn', 'سلام')`) {
		t.Errorf("the Vazirmatn font did not load")
	}
	eval[float64](p, `document.getElementById('messages').scrollTop = 1e9`)
	p.screenshot("sandbox-learner-journey.png")
}
