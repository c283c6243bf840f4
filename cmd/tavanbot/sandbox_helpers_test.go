package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/sandbox"
)

// sandboxProcess is `tavanbot sandbox` running in this test process, through run like main does.
type sandboxProcess struct {
	URL    string
	cancel context.CancelFunc
	done   chan error
	logs   *lockedBuffer
}

// startSandbox runs the sandbox on a free loopback port with a fresh database and returns once it
// printed its URL. env adds or overrides settings.
func startSandbox(t *testing.T, env map[string]string) *sandboxProcess {
	t.Helper()
	return startSandboxArgs(t, nil, env)
}

// startSandboxArgs is startSandbox with command-line flags after `sandbox` (e.g. -platform bale).
func startSandboxArgs(t *testing.T, flags []string, env map[string]string) *sandboxProcess {
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
		err := run(ctx, append([]string{"sandbox"}, flags...), func(k string) string { return vars[k] }, pw, p.logs)
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
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the sandbox like Ctrl+C and waits for it; calling it again does nothing.
func (p *sandboxProcess) stop(t *testing.T) {
	t.Helper()
	if p.done == nil {
		return
	}
	p.cancel()
	{
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
	}
	p.done = nil
}

// pageCookie loads the sandbox's page at base, as a browser does, and returns the API token cookie it
// sets; every /api request must bring it.
func pageCookie(t *testing.T, base string) *http.Cookie {
	t.Helper()
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == sandbox.TokenCookie {
			return c
		}
	}
	t.Fatalf("the page at %s set no %s cookie", base, sandbox.TokenCookie)
	return nil
}
