package tgsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/tgsim"
)

const token = "123456:test-token"

var (
	alice = tgsim.User{ID: 42, FirstName: "Alice", Username: "alice", LanguageCode: "fa"}
	bob   = tgsim.User{ID: 43, FirstName: "Bob", LanguageCode: "en"}
)

// env is a server, the HTTP server around it and a real tgbotapi client pointed at it.
type env struct {
	srv *tgsim.Server
	ts  *httptest.Server
	api *tgbotapi.BotAPI
}

func newEnv(tb testing.TB, opts ...func(*tgsim.Options)) *env {
	tb.Helper()
	o := tgsim.Options{Token: token}
	for _, f := range opts {
		f(&o)
	}
	srv := tgsim.New(o)
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	tb.Cleanup(srv.Close) // runs first, waking long polls
	client := ts.Client()
	client.Timeout = 30 * time.Second
	api, err := tgbotapi.NewBotAPIWithClient(token, ts.URL+"/bot%s/%s", client)
	if err != nil {
		tb.Fatalf("NewBotAPIWithClient: %v", err)
	}
	return &env{srv: srv, ts: ts, api: api}
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 21, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// mustSend sends through tgbotapi and fails the test on error.
func (e *env) mustSend(tb testing.TB, c tgbotapi.Chattable) tgbotapi.Message {
	tb.Helper()
	m, err := e.api.Send(c)
	if err != nil {
		tb.Fatalf("Send: %v", err)
	}
	return m
}

func (e *env) mustRequest(tb testing.TB, c tgbotapi.Chattable) {
	tb.Helper()
	if _, err := e.api.Request(c); err != nil {
		tb.Fatalf("Request: %v", err)
	}
}

// updates fetches pending updates without waiting.
func (e *env) updates(tb testing.TB, offset int) []tgbotapi.Update {
	tb.Helper()
	u, err := e.api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset})
	if err != nil {
		tb.Fatalf("GetUpdates: %v", err)
	}
	return u
}

// assertClean fails if the bot side broke the API or the test misused the simulator.
func (e *env) assertClean(tb testing.TB) {
	tb.Helper()
	if v := e.srv.Violations(); len(v) > 0 {
		tb.Errorf("Violations() = %v; want none", v)
	}
	if errs := e.srv.Errors(); len(errs) > 0 {
		tb.Errorf("Errors() = %v; want none", errs)
	}
}

// apiError unwraps a tgbotapi error.
func apiError(tb testing.TB, err error) *tgbotapi.Error {
	tb.Helper()
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v (%T); want *tgbotapi.Error", err, err)
	}
	return e
}

// rawCall posts a form request and decodes Telegram's envelope.
func (e *env) rawCall(tb testing.TB, method, contentType, body string) (int, map[string]any) {
	tb.Helper()
	resp, err := e.ts.Client().Post(e.ts.URL+"/bot"+token+"/"+method, contentType, strings.NewReader(body))
	if err != nil {
		tb.Fatalf("POST %s: %v", method, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		tb.Fatalf("decode %s answer: %v", method, err)
	}
	return resp.StatusCode, out
}

func inlineKeyboard(pairs ...string) tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for i := 0; i+1 < len(pairs); i += 2 {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(pairs[i], pairs[i+1]))
	}
	return tgbotapi.NewInlineKeyboardMarkup(row)
}

var _ http.Handler = (*tgsim.Server)(nil)
