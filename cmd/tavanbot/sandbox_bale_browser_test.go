package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/internal/browsertest"
)

// The sandbox as Bale, in a real browser: the page says it is Bale and draws Bale Markdown as formatting;
// a learner onboards, takes the first lesson's quiz by buttons (Bale has no polls) and signs up for an event.
func TestBrowserBaleJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	// Each has its own sandbox and Chromium: they overlap their waits (up to -parallel at once).
	t.Parallel()
	browser := browsertest.NewBrowser(t)
	dbPath := filepath.Join(t.TempDir(), "sandbox-bale.db")
	// Two hours ahead: the hour-before reminder is due after one hour of time travel, at any time of day
	// (reminders are notices, which quiet hours do not hold back).
	seedEventIn(t, dbPath, "کارگاه فروش در بله", 2*time.Hour)
	sb := startSandboxArgs(t, []string{"-platform", "bale"}, map[string]string{"TAVAN_SANDBOX_DB": dbPath})
	p := browsertest.Open(t, browser, sb.URL+"/?user=101", "مریم (Bale)")

	p.WaitJS(`(document.getElementById('platform-badge') || {}).innerText === 'بله'`, "the page to say it is Bale")
	onboardInBrowser(p)
	p.Press("شروع اولین درس")
	p.WaitBotText("درس ۱ از")
	p.Press("آزمون")
	for i := 1; ; i++ {
		if i > 12 {
			t.Fatalf("the quiz did not end after %d questions:\n%s", i, p.Transcript())
		}
		question := `[...document.querySelectorAll('.msg.bot')].filter(m => m.innerText.includes(` + browsertest.JS("پرسش "+persian.Digits(strconv.Itoa(i))+" از") + `) && m.querySelector('.kb-btn'))`
		result := `[...document.querySelectorAll('.msg.bot .bubble')].some(b => b.innerText.includes('نتیجهٔ آزمون'))`
		p.WaitJS(result+` || `+question+`.length > 0`, "a question as buttons or the quiz result")
		if browsertest.Eval[bool](p, result) {
			break
		}
		p.Do(chromedp.Click(chromedp.JSPath(question + `.pop().querySelectorAll('.kb-btn')[0]`)))
		p.WaitJS(`!document.querySelector('.kb-btn.pending')`, "the bot to answer the option")
	}
	if browsertest.Eval[bool](p, `!!document.querySelector('.msg.bot .poll')`) {
		t.Error("a native poll was shown on Bale")
	}
	// The result's label is bold in the bot's HTML: on Bale it arrives as *…* and is drawn bold.
	if !browsertest.Eval[bool](p, `[...document.querySelectorAll('.msg.bot .bubble strong')].some(s => s.innerText.includes('نتیجهٔ آزمون'))`) ||
		browsertest.Eval[bool](p, `[...document.querySelectorAll('.msg.bot .bubble')].some(b => b.innerText.includes('*'))`) {
		t.Errorf("the bot's Bale Markdown is not drawn as bold (or shows its markers):\n%s", p.Transcript())
	}
	p.Screenshot("sandbox-bale-quiz.png")

	p.Send("/events")
	p.Press("کارگاه فروش در بله")
	p.Press("شرکت می‌کنم")
	p.WaitJS(`[...document.querySelectorAll('.msg.bot .kb-btn')].some(b => b.innerText.includes('بلیت من'))`, "the [my ticket] button")
	p.Screenshot("sandbox-bale-rsvp.png")

	// An hour later by the tools panel's time travel, the reminder arrives.
	travelled := time.Now()
	p.Do(chromedp.Click(chromedp.CSS(`[data-advance="1h"]`)))
	// (The reservation's card says «یادآوری» too: the reminder is the message that starts with ⏰.)
	reminderJS := `[...document.querySelectorAll('.msg.bot .bubble')].filter(b => b.innerText.trim().startsWith('⏰'))`
	p.WaitJS(reminderJS+`.length > 0`, "the hour-before reminder")
	if took := time.Since(travelled); took > 15*time.Second {
		// The sender sleeps until a job's time on a real timer: time travel must wake it, not its idle poll.
		t.Errorf("the reminder came %v after the time travel; want it at once", took.Round(time.Second))
	}
	reminder := browsertest.Eval[string](p, reminderJS+`.pop().innerText`)
	if !strings.Contains(reminder, "یادآوری") || !strings.Contains(reminder, "کارگاه فروش در بله") || strings.Contains(reminder, "*") {
		t.Errorf("the reminder reads %q; want the event's title, in Bale's bold (no markers shown)", reminder)
	}
	if !browsertest.Eval[bool](p, reminderJS+`.pop().querySelector('strong') !== null`) {
		t.Errorf("the reminder's bold label is not drawn bold on Bale")
	}
	browsertest.Eval[float64](p, `document.getElementById('messages').scrollTop = 1e9`)
	p.Screenshot("sandbox-bale-reminder.png")
}
