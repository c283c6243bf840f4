package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium; TAVAN_CHROMIUM overrides it.
func chromiumPath() string {
	if p := os.Getenv("TAVAN_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// sandboxProcess is `tavanbot sandbox` running in this test process, through run like main does.
type sandboxProcess struct {
	URL    string
	cancel context.CancelFunc
	done   chan error
	logs   *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startSandbox runs the sandbox on a free loopback port with a fresh database and returns once it
// printed its URL. env adds or overrides settings.
func startSandbox(t *testing.T, env map[string]string) *sandboxProcess {
	t.Helper()
	vars := map[string]string{
		"TAVAN_SANDBOX_ADDR": "127.0.0.1:0",
		"TAVAN_SANDBOX_DB":   filepath.Join(t.TempDir(), "sandbox.db"),
		"TAVAN_LOG_LEVEL":    "warn",
	}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	p := &sandboxProcess{cancel: cancel, done: make(chan error, 1), logs: &lockedBuffer{}}
	go func() {
		err := run(ctx, []string{"sandbox"}, func(k string) string { return vars[k] }, pw, p.logs)
		pw.Close()
		p.done <- err
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "Open the chat:"); ok {
				urls <- strings.TrimSpace(u)
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("the sandbox stopped before printing its URL: %v\nlogs:\n%s", <-p.done, p.logs)
		}
		p.URL = u
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("the sandbox printed no URL in 30s; logs:\n%s", p.logs)
	}
	t.Cleanup(func() {
		p.cancel()
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("sandbox run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("the sandbox did not stop within 20s of its context ending")
		}
		if t.Failed() {
			t.Logf("sandbox logs:\n%s", p.logs)
		}
	})
	return p
}

// newBrowser starts headless Chromium with a fresh profile, or skips the test when it is not installed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
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
	if err := chromedp.Do(ctx); err != nil { // start the browser now, so a broken install fails here
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return ctx
}

// page is one browser tab acting as one sandbox user.
type page struct {
	t    *testing.T
	ctx  context.Context
	name string

	mu     sync.Mutex
	errors []string // JavaScript errors and failed console messages
}

// openTab opens url in a new tab of the browser and waits until the page is live (its event stream said
// hello and the history loaded).
func openTab(t *testing.T, browser context.Context, url, name string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	p := &page{t: t, ctx: ctx, name: name}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			text := fmt.Sprint(m)
			if strings.Contains(strings.ToLower(text), "error") {
				p.mu.Lock()
				p.errors = append(p.errors, text)
				p.mu.Unlock()
			}
		}
	}()
	p.do(chromedp.Navigate(url))
	p.waitJS(`document.body.dataset.live === 'yes'`, "the page to connect to the sandbox")
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.errors {
			t.Errorf("%s: browser console: %s", name, e)
		}
	})
	return p
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v\nchat so far:\n%s", p.name, err, p.transcript())
	}
}

// js is a JavaScript string literal of s.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitJS waits (in the page, on animation frames) until expr is truthy.
func (p *page) waitJS(expr, what string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		p.t.Fatalf("%s: waiting for %s: %v\nchat so far:\n%s", p.name, what, err, p.transcript())
	}
}

// eval runs expr and returns its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("%s: evaluate %s: %v", p.name, expr, err)
	}
	return v
}

// botCount is how many bot messages the page shows.
func (p *page) botCount() int { return eval[int](p, `document.querySelectorAll('.msg.bot').length`) }

// lastBotText is the text of the newest bot message on the page.
func (p *page) lastBotText() string {
	return eval[string](p, `(() => { const m = [...document.querySelectorAll('.msg.bot')].pop(); return m ? m.querySelector('.bubble').innerText : ''; })()`)
}

// transcript is the chat as the page shows it, for failure messages.
func (p *page) transcript() string {
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.msg')].map(m => (m.classList.contains('bot') ? 'bot:  ' : 'user: ') + m.innerText.replace(/\s+/g, ' ').slice(0, 300)).join('\n')`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return v
}

// waitBotText waits for a bot message containing substr.
func (p *page) waitBotText(substr string) {
	p.t.Helper()
	p.waitJS(`[...document.querySelectorAll('.msg.bot .bubble')].some(b => b.innerText.includes(`+js(substr)+`))`, "a bot message with «"+substr+"»")
}

// waitBotReplyAfter waits until the page shows more than n bot messages and returns the newest one's text.
func (p *page) waitBotReplyAfter(n int) string {
	p.t.Helper()
	p.waitJS(fmt.Sprintf(`document.querySelectorAll('.msg.bot').length > %d`, n), "the bot's reply")
	return p.lastBotText()
}

// buttonJS selects the newest inline button labelled label, or else the newest whose label contains it.
func buttonJS(label string) chromedp.JSPath {
	return chromedp.JSPath(`(() => { const all = [...document.querySelectorAll('.msg.bot .kb-btn')]; const l = ` + js(label) + `;
		const exact = all.filter(b => b.innerText.trim() === l); return (exact.length ? exact : all.filter(b => b.innerText.includes(l))).slice(-1); })()`)
}

// press clicks the newest inline button labelled label (waiting for it) and waits for the bot's answer.
func (p *page) press(label string) {
	p.t.Helper()
	p.do(chromedp.WaitVisible(buttonJS(label)))
	p.do(chromedp.Click(buttonJS(label)))
	// The button spins until the bot answers the callback query.
	p.waitJS(`!document.querySelector('.kb-btn.pending')`, "the bot to answer the button «"+label+"»")
}

// send types text in the composer and presses the send button.
func (p *page) send(text string) {
	p.t.Helper()
	p.do(
		chromedp.WaitVisible(chromedp.ID("composer-input")),
		chromedp.Focus(chromedp.ID("composer-input")),
		chromedp.SetValue(chromedp.ID("composer-input"), text),
		chromedp.Click(chromedp.ID("send-button")),
	)
	p.waitJS(`document.getElementById('composer-input').value === ''`, "the message to be sent")
}

// screenshot saves the tab as a PNG artifact and returns its path.
func (p *page) screenshot(name string) string {
	p.t.Helper()
	p.waitJS(`document.getAnimations().every(a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)`, "animations to finish")
	// The viewport, not CaptureBeyondViewport: that one shifts right-to-left pages sideways.
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("%s: screenshot: %v", p.name, err)
	}
	dir := artifactDir(p.t)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatalf("save screenshot: %v", err)
	}
	p.t.Logf("screenshot: %s", path)
	return path
}

// artifactDir is $TAVAN_ARTIFACTS (CI collects it) or the test's temporary folder.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("TAVAN_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts folder: %v", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
