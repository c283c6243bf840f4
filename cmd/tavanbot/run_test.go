package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

const runToken = "987654:RUN-token-must-never-appear"

// faultProxy sits between the bot and tgsim: it can cut the connection of a method's next calls (the
// client then sees a transport error whose text carries the request URL, and so the token), hold a
// method's first call until released, and tell when a method was called.
type faultProxy struct {
	next http.Handler

	mu      sync.Mutex
	cut     map[string]int
	hold    string
	held    chan struct{} // closed when the held call arrives
	release chan struct{}
	seen    map[string]chan struct{}
}

func newFaultProxy(next http.Handler) *faultProxy {
	return &faultProxy{next: next, cut: map[string]int{}, seen: map[string]chan struct{}{}}
}

// called returns a channel closed when method is first called.
func (p *faultProxy) called(method string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[method] == nil {
		p.seen[method] = make(chan struct{})
	}
	return p.seen[method]
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	p.mu.Lock()
	if p.seen[method] == nil {
		p.seen[method] = make(chan struct{})
	}
	select {
	case <-p.seen[method]:
	default:
		close(p.seen[method])
	}
	cut := p.cut[method] > 0
	if cut {
		p.cut[method]--
	}
	var wait chan struct{}
	if p.hold == method && p.held != nil {
		close(p.held)
		p.held = nil
		wait = p.release
	}
	p.mu.Unlock()
	if cut {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	if wait != nil {
		<-wait
	}
	p.next.ServeHTTP(w, r)
}

type runEnv struct {
	sim    *tgsim.Server
	proxy  *faultProxy
	ts     *httptest.Server
	env    map[string]string
	stderr *lockedBuffer
	stdout *lockedBuffer
	cancel context.CancelFunc
	done   chan error
}

func newRunEnv(t *testing.T, extra map[string]string) *runEnv {
	t.Helper()
	sim := tgsim.New(tgsim.Options{Token: runToken})
	proxy := newFaultProxy(sim)
	ts := httptest.NewServer(proxy)
	e := &runEnv{sim: sim, proxy: proxy, ts: ts, stderr: &lockedBuffer{}, stdout: &lockedBuffer{},
		env: map[string]string{
			"TELEGRAM_BOT_TOKEN": runToken,
			"TELEGRAM_API_URL":   ts.URL,
			"TAVAN_DB":           filepath.Join(t.TempDir(), "tavan.db"),
			"TAVAN_ADMINS":       "900",
			"TAVAN_LOG_LEVEL":    "debug",
		}}
	for k, v := range extra {
		e.env[k] = v
	}
	t.Cleanup(func() {
		if e.cancel != nil {
			e.cancel()
			<-e.done
		}
		sim.Close()
		ts.Close()
	})
	return e
}

func (e *runEnv) start() {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.done = make(chan error, 1)
	go func() { e.done <- run(ctx, nil, envOf(e.env), e.stdout, e.stderr) }()
}

// stop sends the equivalent of SIGTERM and returns run's error and how long it took to return.
func (e *runEnv) stop(t *testing.T) (error, time.Duration) {
	t.Helper()
	start := time.Now()
	e.cancel()
	select {
	case err := <-e.done:
		e.cancel = nil
		return err, time.Since(start)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return 15 s after the shutdown signal")
	}
	return nil, 0
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestTokenNeverInStderr runs the real program against tgsim while Telegram fails in every way it can:
// 5xx on getUpdates, cut connections (whose Go errors carry the request URL with the token), 429s, a
// failing setMyCommands. Whatever is logged, in text or JSON, the token is not in it.
func TestTokenNeverInStderr(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			e := newRunEnv(t, map[string]string{"TAVAN_LOG_FORMAT": format})
			e.sim.FailNext("getUpdates", 2, 502, "", 0)
			e.sim.FailNext("setMyCommands", 1, 500, "", 0)
			e.proxy.cut["getUpdates"] = 1
			e.proxy.cut["sendMessage"] = 1
			e.start()
			if err := e.sim.WaitPolling(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			u := tgsim.User{ID: 555, FirstName: "لیلا", LanguageCode: "fa"}
			e.sim.SendText(u, "/start")
			if _, err := e.sim.WaitFor(ctxT(t), u.ID, func(m tgsim.Message) bool { return m.FromBot }); err != nil {
				t.Fatal(err)
			}
			e.sim.FailNext("sendMessage", 1, 403, "", 0)
			e.sim.SendText(u, "رمز کارت من ۱۲۳۴ است")
			if err := e.sim.WaitAllConfirmed(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			err, _ := e.stop(t)
			logs := e.stderr.String()
			if err != nil {
				t.Errorf("run = %v", err)
			}
			if strings.Contains(logs, runToken) || strings.Contains(logs, "RUN-token") {
				t.Fatalf("the token is in stderr:\n%s", logs)
			}
			// The bot package strips the request URL from transport errors itself (bot.describe), so the
			// redacting writer is the second line of defence here; TestLoggerRedactsSecrets exercises it.
			if strings.Contains(logs, "رمز کارت") {
				t.Error("a message's contents reached the log")
			}
			for _, want := range []string{"getUpdates failed", "handler failed", "update_id", "tavanbot stopped"} {
				if !strings.Contains(logs, want) {
					t.Errorf("stderr lacks %q", want)
				}
			}
		})
	}
	// getMe fails at start with a transport error (nothing listens): the error returned to main is redacted too.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	var stderr lockedBuffer
	err := run(context.Background(), nil, envOf(map[string]string{
		"TELEGRAM_BOT_TOKEN": runToken, "TELEGRAM_API_URL": "http://" + addr, "TAVAN_DB": filepath.Join(t.TempDir(), "x.db"),
	}), &lockedBuffer{}, &stderr)
	if err == nil || strings.Contains(err.Error(), runToken) || strings.Contains(stderr.String(), runToken) {
		t.Errorf("start against a dead API: err %v, stderr %q", err, stderr.String())
	}
}

// TestLoggerRedactsSecrets: whatever a library puts in a log record, the token, the ops token and the
// webhook secret are cut out, in text and in JSON.
func TestLoggerRedactsSecrets(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var out bytes.Buffer
		log := newLogger(Config{Token: runToken, HTTPToken: "ops-secret-1", WebhookSecret: "hook-secret-2", LogFormat: format}, &out)
		log.Error("request failed", "err", fmt.Errorf(`Post "https://api.telegram.org/bot%s/sendMessage": EOF`, runToken),
			"ops", "ops-secret-1", "hook", "hook-secret-2")
		got := out.String()
		for _, secret := range []string{runToken, "ops-secret-1", "hook-secret-2"} {
			if strings.Contains(got, secret) {
				t.Errorf("%s log: %q is in %q", format, secret, got)
			}
		}
		if strings.Count(got, "[redacted]") != 3 {
			t.Errorf("%s log = %q; want the three secrets [redacted]", format, got)
		}
	}
}

// TestSIGTERMFinishesInFlightUpdate: the signal arrives while a reply is on its way to Telegram; the
// reply is delivered, the update confirmed, the store closed, and run returns within 10 s.
func TestSIGTERMFinishesInFlightUpdate(t *testing.T) {
	e := newRunEnv(t, nil)
	e.proxy.hold, e.proxy.held, e.proxy.release = "sendMessage", make(chan struct{}), make(chan struct{})
	held := e.proxy.held
	e.start()
	if err := e.sim.WaitPolling(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	u := tgsim.User{ID: 556, FirstName: "Sam", LanguageCode: "en"}
	m := e.sim.SendText(u, "/help")
	<-held // the handler is waiting on Telegram
	stopped := make(chan struct{})
	var runErr error
	var took time.Duration
	go func() { runErr, took = e.stop(t); close(stopped) }()
	close(e.proxy.release)
	<-stopped
	if runErr != nil {
		t.Errorf("run = %v", runErr)
	}
	if took > 10*time.Second {
		t.Errorf("shutdown took %v; want under 10 s", took)
	}
	t.Logf("shutdown took %v", took)
	if err := e.sim.WaitConfirmed(ctxT(t), m.UpdateID); err != nil {
		t.Errorf("the in-flight update was not confirmed: %v", err)
	}
	msgs := e.sim.BotMessages(u.ID)
	if len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Plain, "Tavan help") {
		t.Errorf("the in-flight reply was not delivered: %+v", msgs)
	}
	// The store was closed: another process may open it now.
	db, err := store.Open(e.env["TAVAN_DB"], store.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("the store is still held after run returned: %v", err)
	}
	db.Close()
}

// freeAddr finds a loopback port that is free now.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeOpsAndWebhookListeners runs the real program in webhook mode with the ops listener on.
func TestServeOpsAndWebhookListeners(t *testing.T) {
	opsAddr, hookAddr := freeAddr(t), freeAddr(t)
	e := newRunEnv(t, map[string]string{
		"TAVAN_HTTP_ADDR": opsAddr, "TAVAN_HTTP_TOKEN": "ops-token-0123456789",
		"TAVAN_WEBHOOK_URL": "https://bot.example.ir/tg/hook", "TAVAN_WEBHOOK_LISTEN": hookAddr, "TAVAN_WEBHOOK_SECRET": "hook_secret-1-0123456789abcdef0123456",
		"TAVAN_BACKUP_DIR": filepath.Join(t.TempDir(), "backups"), "TAVAN_BACKUP_HOUR": "0",
	})
	webhookSet := e.proxy.called("setWebhook")
	e.start()
	select { // the listeners are open before the bot starts
	case <-webhookSet:
	case err := <-e.done:
		e.cancel = nil
		t.Fatalf("run ended before setting the webhook: %v\n%s", err, e.stderr.String())
	case <-ctxT(t).Done():
		t.Fatalf("no setWebhook:\n%s", e.stderr.String())
	}
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+opsAddr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, _ := get("/metrics", ""); code != 401 {
		t.Errorf("/metrics without token = %d", code)
	}
	if code, body := get("/metrics", "ops-token-0123456789"); code != 200 || !strings.Contains(body, "tavan_updates_total") && !strings.Contains(body, "tavan_webhook_requests_total") {
		t.Errorf("/metrics = %d", code)
	}

	u := tgsim.User{ID: 557, FirstName: "نگار", LanguageCode: "fa"}
	m := e.sim.SendText(u, "/start")
	body := []byte(`{"update_id":` + itoa(m.UpdateID) + `,"message":{"message_id":` + itoa(m.ID) + `,"date":1,"chat":{"id":557,"type":"private"},"from":{"id":557,"is_bot":false,"first_name":"نگار","language_code":"fa"},"text":"/start"}}`)
	post := func(secret string) int {
		req, _ := http.NewRequest("POST", "http://"+hookAddr+"/tg/hook", bytes.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong"); code != 401 {
		t.Errorf("webhook with a wrong secret = %d", code)
	}
	if code := post("hook_secret-1-0123456789abcdef0123456"); code != 200 {
		t.Errorf("webhook with the secret = %d", code)
	}
	if _, err := e.sim.WaitText(ctxT(t), u.ID, "به توان خوش آمدید"); err != nil {
		t.Fatal(err)
	}
	// Checked once the bot has served an update: setWebhook being called (above) is not its answer having
	// been taken in, and the bot publishes its command menus before it starts serving.
	if url, secret := e.sim.Webhook(); url != "https://bot.example.ir/tg/hook" || secret != "hook_secret-1-0123456789abcdef0123456" {
		t.Errorf("webhook = %q, %q", url, secret)
	}
	if code, body := get("/healthz", ""); code != 200 {
		t.Errorf("/healthz = %d %q", code, body)
	}
	err, took := e.stop(t)
	if err != nil || took > 10*time.Second {
		t.Errorf("stop = %v after %v", err, took)
	}
	entries, _ := os.ReadDir(e.env["TAVAN_BACKUP_DIR"])
	if len(entries) != 1 {
		t.Errorf("daily backup directory holds %d files; want today's", len(entries))
	}
	if strings.Contains(e.stderr.String(), "hook_secret-1-0123456789abcdef0123456") || strings.Contains(e.stderr.String(), "ops-token-0123456789") {
		t.Error("a secret reached the logs")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRestoreSubcommand(t *testing.T) {
	dir := t.TempDir()
	src, err := store.Open(filepath.Join(dir, "src.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src.Update(func(tx *store.Tx) error {
		return tx.PutUser(&store.User{ID: 1, FirstName: "فاطمه", Track: "home", DailyMinute: 480, Onboarded: true, MinutesLearned: 90})
	})
	want, _ := src.Digest()
	snap := filepath.Join(dir, "tavan-2026-11-26.db")
	if _, err := src.WriteBackup(snap); err != nil {
		t.Fatal(err)
	}
	src.Close()

	target := filepath.Join(dir, "live.db")
	old, _ := store.Open(target, store.Options{})
	old.Update(func(tx *store.Tx) error { return tx.PutUser(&store.User{ID: 2, FirstName: "old", DailyMinute: -1}) })
	env := envOf(map[string]string{"TAVAN_DB": target})

	// While "the bot" holds the database, restore refuses and changes nothing.
	var out lockedBuffer
	err = run(context.Background(), []string{"restore", snap}, env, &out, &lockedBuffer{})
	if err == nil || !strings.Contains(err.Error(), "stop the bot first") {
		t.Errorf("restore while running = %v; want a refusal that says to stop the bot", err)
	}
	old.Close()

	if err := run(context.Background(), []string{"restore", snap}, env, &out, &lockedBuffer{}); err != nil {
		t.Fatalf("restore = %v", err)
	}
	if !strings.Contains(out.String(), "1 learners") || !strings.Contains(out.String(), ".bak") {
		t.Errorf("restore said %q", out.String())
	}
	db, err := store.Open(target, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := db.Digest()
	u, _ := db.GetUser(1)
	db.Close()
	if got != want || u == nil || u.FirstName != "فاطمه" {
		t.Errorf("restored digest %s (want %s), user %+v", got, want, u)
	}
	if _, err := store.VerifySnapshot(target + ".bak"); err != nil {
		t.Errorf("the previous database was not kept: %v", err)
	}

	bad := filepath.Join(dir, "bad.db")
	os.WriteFile(bad, []byte("not a database"), 0o600)
	if err := run(context.Background(), []string{"restore", bad}, env, &out, &lockedBuffer{}); err == nil || !strings.Contains(err.Error(), "not a valid Tavan snapshot") {
		t.Errorf("restore of garbage = %v", err)
	}
	db, _ = store.Open(target, store.Options{})
	after, _ := db.Digest()
	db.Close()
	if after != want {
		t.Error("a refused restore changed the database")
	}
	if err := run(context.Background(), []string{"restore"}, env, &out, &lockedBuffer{}); err == nil {
		t.Error("restore without a file was accepted")
	}
}
