package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSandboxSettings(t *testing.T) {
	tests := []struct {
		env           map[string]string
		addr, db, err string
	}{
		{env: nil, addr: "127.0.0.1:8080", db: "tavan-sandbox.db"},
		{env: map[string]string{"TAVAN_SANDBOX_ADDR": ":9090"}, addr: "127.0.0.1:9090", db: "tavan-sandbox.db"},
		{env: map[string]string{"TAVAN_SANDBOX_ADDR": "0.0.0.0:8081", "TAVAN_SANDBOX_DB": "/tmp/x.db"}, addr: "0.0.0.0:8081", db: "/tmp/x.db"},
		{env: map[string]string{"TAVAN_SANDBOX_ADDR": "[::1]:8080"}, addr: "[::1]:8080", db: "tavan-sandbox.db"},
		{env: map[string]string{"TAVAN_PLATFORM": "bale"}, addr: "127.0.0.1:8080", db: "tavan-sandbox-bale.db"},
		{env: map[string]string{"TAVAN_PLATFORM": "bale", "TAVAN_SANDBOX_DB": "tavan-sandbox.db"}, addr: "127.0.0.1:8080", db: "tavan-sandbox.db"},
		{env: map[string]string{"TAVAN_SANDBOX_ADDR": "8080"}, err: "TAVAN_SANDBOX_ADDR"},
		{env: map[string]string{"TAVAN_SANDBOX_ADDR": "localhost:http"}, err: "not a number"},
		{env: map[string]string{"TAVAN_SANDBOX_ADDR": "127.0.0.1:70000"}, err: "not a number"},
	}
	for _, tt := range tests {
		cfg, _, err := parseConfig("tavanbot", nil, func(k string) string { return tt.env[k] }, io.Discard)
		if tt.err != "" {
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseConfig(%v) error = %v; want a usage error about %s", tt.env, err, tt.err)
			}
			continue
		}
		if err != nil || cfg.SandboxAddr != tt.addr || cfg.SandboxDB != tt.db {
			t.Errorf("parseConfig(%v) = %q, %q, %v; want %q, %q", tt.env, cfg.SandboxAddr, cfg.SandboxDB, err, tt.addr, tt.db)
		}
	}
	if cfg, _, err := parseConfig("tavanbot", []string{"-platform", "bale"}, func(string) string { return "" }, io.Discard); err != nil || cfg.SandboxDB != "tavan-sandbox-bale.db" {
		t.Errorf("-platform bale: sandbox database %q, %v; want tavan-sandbox-bale.db", cfg.SandboxDB, err)
	}
	if cfg, _, err := parseConfig("tavanbot", []string{"-platform", "bale", "-sandbox-db", "mine.db"}, func(string) string { return "" }, io.Discard); err != nil || cfg.SandboxDB != "mine.db" {
		t.Errorf("-platform bale -sandbox-db mine.db: sandbox database %q, %v", cfg.SandboxDB, err)
	}
	var help bytes.Buffer
	parseConfig("tavanbot", []string{"-h"}, func(string) string { return "" }, &help)
	for _, want := range []string{"TAVAN_SANDBOX_ADDR", "TAVAN_SANDBOX_DB", "sandbox"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("-h does not mention %s:\n%s", want, help.String())
		}
	}
}

func TestSandboxPortInUseIsOneClearLine(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	env := map[string]string{"TAVAN_SANDBOX_ADDR": busy.Addr().String(), "TAVAN_SANDBOX_DB": filepath.Join(t.TempDir(), "s.db")}
	var out bytes.Buffer
	err = run(context.Background(), nil, func(k string) string { return env[k] }, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "TAVAN_SANDBOX_ADDR=") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a busy port gave %q; want one line saying it is in use and how to choose another", err)
	}
	var ue usageError
	if errors.As(err, &ue) {
		t.Errorf("a busy port is a usage error (exit 2); want exit 1")
	}
}

// api calls the sandbox's JSON API.
func api(t *testing.T, base, method, path, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(pageCookie(t, base))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
}

type apiMessage struct {
	ID      int    `json:"id"`
	FromBot bool   `json:"from_bot"`
	Plain   string `json:"plain"`
}

// say sends text as user 101 and returns the bot's first reply, read from the page's event stream.
func say(t *testing.T, base, text string) apiMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/events?user=101", nil)
	req.AddCookie(pageCookie(t, base))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	next := func() (string, string) {
		var name string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				name = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				return name, v
			}
		}
		t.Fatalf("the event stream ended waiting for the reply to %q: %v", text, sc.Err())
		return "", ""
	}
	if name, _ := next(); name != "hello" {
		t.Fatalf("first event %q; want hello", name)
	}
	var sent apiMessage
	api(t, base, "POST", "/api/send", fmt.Sprintf(`{"user":101,"text":%q}`, text), &sent)
	for {
		name, data := next()
		var m apiMessage
		if name == "message" && json.Unmarshal([]byte(data), &m) == nil && m.FromBot && m.ID > sent.ID {
			return m
		}
	}
}

// The sandbox keeps its database and its time travel across restarts, and the bot takes the new chat's
// updates as new: the learner is welcomed back, not ignored.
func TestSandboxRestartKeepsTheLearnerAndTheClock(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	env := map[string]string{"TAVAN_SANDBOX_DB": db}

	// Production settings in the environment do not leak into the sandbox: no webhook, no backups.
	env["TAVAN_WEBHOOK_URL"] = "https://bot.example.org/hook"
	env["TAVAN_BACKUP_DIR"] = filepath.Join(t.TempDir(), "backups")
	first := startSandbox(t, env)
	if got := say(t, first.URL, "/start").Plain; !strings.Contains(got, "خوش آمدید") {
		t.Fatalf("first /start got %q", got)
	}
	for i := 0; i < 3; i++ { // a few more updates, so that the stored offset is well past 1
		say(t, first.URL, "سلام")
	}
	var jump struct {
		To time.Time `json:"to"`
	}
	api(t, first.URL, "POST", "/api/time", `{"advance":"3d"}`, &jump)
	first.stop(t)

	second := startSandbox(t, env)
	var clock struct {
		Now           time.Time `json:"now"`
		OffsetSeconds int64     `json:"offset_seconds"`
	}
	api(t, second.URL, "GET", "/api/time", "", &clock)
	if clock.Now.Before(jump.To) || clock.OffsetSeconds < 3*86400 {
		t.Errorf("after a restart the clock is %v (offset %ds); want it still after %v", clock.Now, clock.OffsetSeconds, jump.To)
	}
	if got := say(t, second.URL, "/start").Plain; !strings.Contains(got, "مریم") {
		t.Errorf("/start after a restart got %q; want مریم welcomed", got)
	}
}

func TestSandboxHostName(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "", ":8080": "", "0.0.0.0:8080": "", "[::1]:8080": "", "box.lan:8080": "box.lan", "bad": "",
	} {
		if got := sandboxHostName(addr); got != want {
			t.Errorf("sandboxHostName(%q) = %q; want %q", addr, got, want)
		}
	}
}

// The running sandbox checks Host against the port it bound (issue 18: DNS rebinding).
func TestSandboxRefusesOtherHostNames(t *testing.T) {
	p := startSandbox(t, nil)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(p.URL, "http://"))
	req, _ := http.NewRequest("GET", p.URL+"/api/info", nil)
	req.Host = "evil.example:" + port
	req.AddCookie(pageCookie(t, p.URL))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("GET /api/info with Host evil.example = %d; want 421", resp.StatusCode)
	}
	var info map[string]any
	api(t, p.URL, "GET", "/api/info", "", &info) // its own address still works
}

// TestSandboxOnBale: `tavanbot sandbox -platform bale` runs the bot against tgsim's Bale profile; the page
// says so and draws the bot's Bale Markdown as formatting (the bold name of the bot), never its markers.
func TestSandboxOnBale(t *testing.T) {
	p := startSandboxArgs(t, []string{"-platform", "bale"}, nil)
	var info struct {
		Platform string `json:"platform"`
	}
	api(t, p.URL, "GET", "/api/info", "", &info)
	if info.Platform != "bale" {
		t.Fatalf("/api/info platform = %q; want bale", info.Platform)
	}
	welcome := say(t, p.URL, "/start")
	if !strings.Contains(welcome.Plain, "به توان خوش آمدید") || strings.Contains(welcome.Plain, "*") {
		t.Fatalf("welcome on Bale %q; want it without Markdown markers", welcome.Plain)
	}
	var history []struct {
		ID      int    `json:"id"`
		FromBot bool   `json:"from_bot"`
		Text    []node `json:"text"`
	}
	api(t, p.URL, "GET", "/api/chats/101/messages?user=101", "", &history)
	found := false
	for _, m := range history {
		if m.ID == welcome.ID {
			found = true
			if !hasTag(m.Text, "b", "توان") {
				t.Errorf("the welcome's nodes %+v; want توان bold, as Bale shows it", m.Text)
			}
		}
	}
	if !found {
		t.Fatalf("the welcome is not in the chat's history")
	}
	if !strings.Contains(p.logs.String(), "method=setMyCommands") {
		t.Errorf("no line saying Bale has no command menu; logs:\n%s", p.logs)
	}
}

type node struct {
	Text     string `json:"text"`
	Tag      string `json:"tag"`
	Children []node `json:"children"`
}

// hasTag reports whether nodes hold a tag node whose text is text.
func hasTag(nodes []node, tag, text string) bool {
	for _, n := range nodes {
		if n.Tag == tag && len(n.Children) == 1 && n.Children[0].Text == text || hasTag(n.Children, tag, text) {
			return true
		}
	}
	return false
}
