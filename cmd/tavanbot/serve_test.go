package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/tgsim"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// TestServeAgainstEmulator runs the real program with a token against tgsim at TELEGRAM_API_URL: a user
// gets an answer, getUpdates failures are retried, and the token never reaches the logs.
func TestServeAgainstEmulator(t *testing.T) {
	const token = "4242:SECRET-token-value"
	sim := tgsim.New(tgsim.Options{Token: token})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	defer sim.Close()
	env := envOf(map[string]string{
		"TELEGRAM_BOT_TOKEN": token,
		"TELEGRAM_API_URL":   ts.URL,
		"TAVAN_DB":           filepath.Join(t.TempDir(), "t.db"),
		"TAVAN_LOG_LEVEL":    "debug",
	})
	sim.FailNext("getUpdates", 2, 502, "Bad Gateway", 0)
	var stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, env, &bytes.Buffer{}, &stderr) }()

	wait, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	u := tgsim.User{ID: 5, FirstName: "سارا", LanguageCode: "fa"}
	sim.SendText(u, "/start")
	if _, err := sim.WaitText(wait, u.ID, "خوش آمدید"); err != nil {
		t.Fatalf("no welcome: %v\nlogs:\n%s", err, stderr.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run = %v", err)
	}
	logs := stderr.String()
	if strings.Contains(logs, token) || strings.Contains(logs, "SECRET") {
		t.Errorf("the token leaked into the logs:\n%s", logs)
	}
	if !strings.Contains(logs, "getUpdates failed") {
		t.Errorf("injected getUpdates failures were not logged:\n%s", logs)
	}
	if v := sim.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
}
