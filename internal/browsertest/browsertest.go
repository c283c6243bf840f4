// Package browsertest drives the sandbox's web chat in headless Chromium (Debian's chromium) for tests,
// through chromedp: open a tab as a user, press buttons, type, wait on the page and take screenshots.
// Tests that use it skip, naming the install command, where Chromium is missing.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's Chromium; TAVAN_CHROMIUM overrides it.
func ChromiumPath() string {
	if p := os.Getenv("TAVAN_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// NewBrowser starts headless Chromium with a fresh profile, or skips the test when it is not installed.
// It ends with the test.
func NewBrowser(t *testing.T) context.Context {
	t.Helper()
	path := ChromiumPath()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("headless Chromium is not installed at %s: install it with `apt-get install -y chromium` (or set TAVAN_CHROMIUM)", path)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("lang", "fa-IR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // start the browser now, so that a broken install fails here
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return ctx
}

// Page is one browser tab acting as one sandbox user.
type Page struct {
	T    *testing.T
	Ctx  context.Context
	Name string

	mu     sync.Mutex
	errors []string // JavaScript errors from the console
}

// Open opens url in a new tab of the browser and waits until the page is live (its event stream said
// hello). JavaScript errors on the page fail the test.
func Open(t *testing.T, browser context.Context, url, name string) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	p := &Page{T: t, Ctx: ctx, Name: name}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if text := fmt.Sprint(m); strings.Contains(strings.ToLower(text), "error") {
				p.mu.Lock()
				p.errors = append(p.errors, text)
				p.mu.Unlock()
			}
		}
	}()
	p.Do(chromedp.Navigate(url))
	p.WaitJS(`document.body.dataset.live === 'yes'`, "the page to connect to the sandbox")
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.errors {
			t.Errorf("%s: browser console: %s", name, e)
		}
	})
	return p
}

// Do runs actions, failing the test with the chat so far.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.T.Helper()
	if err := chromedp.Do(p.Ctx, actions...); err != nil {
		p.T.Fatalf("%s: %v\nchat so far:\n%s", p.Name, err, p.Transcript())
	}
}

// JS is a JavaScript string literal of s.
func JS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// WaitJS waits, in the page and on animation frames (no sleeping), until expr is truthy.
func (p *Page) WaitJS(expr, what string) {
	p.T.Helper()
	_, err := chromedp.Run(p.Ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		p.T.Fatalf("%s: waiting for %s: %v\nchat so far:\n%s", p.Name, what, err, p.Transcript())
	}
}

// Eval runs expr in the page and returns its value.
func Eval[T any](p *Page, expr string) T {
	p.T.Helper()
	v, err := chromedp.Run(p.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.T.Fatalf("%s: evaluate %s: %v", p.Name, expr, err)
	}
	return v
}

// BotCount is how many bot messages the page shows.
func (p *Page) BotCount() int { return Eval[int](p, `document.querySelectorAll('.msg.bot').length`) }

// LastBotText is the visible text of the newest bot message.
func (p *Page) LastBotText() string {
	return Eval[string](p, `(() => { const m = [...document.querySelectorAll('.msg.bot')].pop(); return m ? m.querySelector('.bubble').innerText : ''; })()`)
}

// Transcript is the chat as the page shows it, for failure messages.
func (p *Page) Transcript() string {
	v, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.msg')].map(m => (m.classList.contains('bot') ? 'bot:  ' : 'user: ') + m.innerText.replace(/\s+/g, ' ').slice(0, 300)).join('\n')`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return v
}

// WaitBotText waits for a bot message whose text contains substr.
func (p *Page) WaitBotText(substr string) {
	p.T.Helper()
	p.WaitJS(`[...document.querySelectorAll('.msg.bot .bubble')].some(b => b.innerText.includes(`+JS(substr)+`))`, "a bot message with «"+substr+"»")
}

// WaitBotReplyAfter waits until the page shows more than n bot messages and returns the newest's text.
func (p *Page) WaitBotReplyAfter(n int) string {
	p.T.Helper()
	p.WaitJS(fmt.Sprintf(`document.querySelectorAll('.msg.bot').length > %d`, n), "the bot's reply")
	return p.LastBotText()
}

// Button selects the newest inline button labelled label, or else the newest whose label contains it.
func Button(label string) chromedp.JSPath {
	return chromedp.JSPath(`(() => { const all = [...document.querySelectorAll('.msg.bot .kb-btn')]; const l = ` + JS(label) + `;
		const exact = all.filter(b => b.innerText.trim() === l); return (exact.length ? exact : all.filter(b => b.innerText.includes(l))).slice(-1); })()`)
}

// HasButton reports whether the page shows an inline button whose label contains label.
func (p *Page) HasButton(label string) bool {
	return Eval[bool](p, `[...document.querySelectorAll('.msg.bot .kb-btn')].some(b => b.innerText.includes(`+JS(label)+`))`)
}

// Press clicks the newest inline button labelled label (waiting for it) and waits for the bot's answer.
func (p *Page) Press(label string) {
	p.T.Helper()
	p.Do(chromedp.WaitVisible(Button(label)))
	p.Do(chromedp.Click(Button(label)))
	// The button spins until the bot answers the callback query.
	p.WaitJS(`!document.querySelector('.kb-btn.pending')`, "the bot to answer the button «"+label+"»")
}

// Send types text in the composer and presses the send button.
func (p *Page) Send(text string) {
	p.T.Helper()
	p.Do(
		chromedp.WaitVisible(chromedp.ID("composer-input")),
		chromedp.Focus(chromedp.ID("composer-input")),
		chromedp.SetValue(chromedp.ID("composer-input"), text),
		chromedp.Click(chromedp.ID("send-button")),
	)
	p.WaitJS(`document.getElementById('composer-input').value === ''`, "the message to be sent")
}

// Screenshot saves the tab's viewport as a PNG in ArtifactDir and returns its path.
func (p *Page) Screenshot(name string) string {
	p.T.Helper()
	p.WaitJS(`document.getAnimations().every(a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)`, "animations to finish")
	// The viewport, not CaptureBeyondViewport: that one shifts right-to-left pages sideways.
	png, err := chromedp.Run(p.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.T.Fatalf("%s: screenshot: %v", p.Name, err)
	}
	path := filepath.Join(ArtifactDir(p.T), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.T.Fatalf("save screenshot: %v", err)
	}
	p.T.Logf("screenshot: %s", path)
	return path
}

// ArtifactDir is $TAVAN_ARTIFACTS (CI collects it), made absolute, or else the test's temporary folder.
func ArtifactDir(t *testing.T) string {
	dir := os.Getenv("TAVAN_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		t.Fatalf("artifacts folder: %v", err)
	}
	return abs
}
