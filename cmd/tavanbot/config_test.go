package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, _, err := parseConfig("tavanbot", nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIURL != "https://api.telegram.org" || cfg.DB != "tavan.db" || cfg.Location.String() != "Asia/Tehran" || cfg.QuizMode != "poll" {
		t.Errorf("defaults = %+v", cfg)
	}
}

// TAVAN_PLATFORM=bale (or -platform bale) points the bot at Bale's Bot API unless TELEGRAM_API_URL says
// otherwise, and brings Bale's capability profile.
func TestParseConfigPlatform(t *testing.T) {
	cfg, _, err := parseConfig("tavanbot", []string{"-platform", "bale"}, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Platform.Name != "bale" || cfg.APIURL != "https://tapi.bale.ai" || cfg.Platform.QuizPolls {
		t.Errorf("bale: platform %q, API %q, quiz polls %v", cfg.Platform.Name, cfg.APIURL, cfg.Platform.QuizPolls)
	}
	cfg, _, err = parseConfig("tavanbot", nil, envOf(map[string]string{"TAVAN_PLATFORM": "Bale", "TELEGRAM_API_URL": "http://127.0.0.1:9000"}), io.Discard)
	if err != nil || cfg.Platform.Name != "bale" || cfg.APIURL != "http://127.0.0.1:9000" {
		t.Errorf("bale with its own API URL: %q %q %v", cfg.Platform.Name, cfg.APIURL, err)
	}
	cfg, _, _ = parseConfig("tavanbot", nil, envOf(nil), io.Discard)
	if cfg.Platform.Name != "telegram" || !cfg.Platform.QuizPolls {
		t.Errorf("default platform = %+v", cfg.Platform)
	}
}

func TestParseConfigFlagsOverrideEnv(t *testing.T) {
	env := envOf(map[string]string{"TAVAN_DB": "env.db", "TAVAN_ADMINS": "1, 2", "TELEGRAM_API_URL": "http://127.0.0.1:8081/"})
	cfg, _, err := parseConfig("tavanbot", []string{"-db", "flag.db"}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "flag.db" || len(cfg.Admins) != 2 || cfg.Admins[1] != 2 || cfg.APIURL != "http://127.0.0.1:8081" {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestParseConfigBadValues(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"TAVAN_ADMINS": "12,abc"}, `TAVAN_ADMINS: "abc" is not a Telegram user id`},
		{map[string]string{"TAVAN_TIMEZONE": "Mars/Olympus"}, "TAVAN_TIMEZONE: unknown time zone"},
		{map[string]string{"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"},
		{map[string]string{"TAVAN_LOG_LEVEL": "loud"}, "TAVAN_LOG_LEVEL"},
		{map[string]string{"TAVAN_LOG_FORMAT": "xml"}, "TAVAN_LOG_FORMAT"},
		{map[string]string{"TAVAN_QUIZ_MODE": "essay"}, "TAVAN_QUIZ_MODE"},
		{map[string]string{"TAVAN_CONTENT": "/no/such/dir"}, "TAVAN_CONTENT"},
		{map[string]string{"TELEGRAM_BOT_TOKEN": "12 34"}, "TELEGRAM_BOT_TOKEN"},
		{map[string]string{"TAVAN_PLATFORM": "whatsapp"}, `TAVAN_PLATFORM: "whatsapp" is not telegram or bale`},
		{map[string]string{"TAVAN_PLATFORM": "bale", "TAVAN_PAID_BROADCAST": "true"}, "TAVAN_PAID_BROADCAST: bale has no paid broadcasts"},
	}
	for _, tt := range tests {
		_, _, err := parseConfig("tavanbot", nil, envOf(tt.env), io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("parseConfig(%v) = %v; want one usage line containing %q", tt.env, err, tt.want)
		}
	}
}

func TestHelpDocumentsEverySetting(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-h"}, envOf(nil), io.Discard, &stderr)
	var ue usageError
	if !errors.As(err, &ue) {
		t.Fatalf("run -h = %v; want a usage exit", err)
	}
	for _, s := range settings {
		if !strings.Contains(stderr.String(), s.env) {
			t.Errorf("-h does not document %s", s.env)
		}
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, envOf(nil), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "tavanbot ") {
		t.Errorf("version = %q, %v", out.String(), err)
	}
	err := run(context.Background(), []string{"frobnicate"}, envOf(nil), io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("unknown command = %v; want a usage error", err)
	}
}

func TestRunWithoutTokenFailsClearly(t *testing.T) {
	err := run(context.Background(), []string{"run"}, envOf(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN is not set") {
		t.Errorf("run without a token = %v", err)
	}
}

func TestLessonsCheck(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"lessons", "check"}, envOf(nil), &out, io.Discard); err != nil {
		t.Fatalf("lessons check of the embedded content: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "home-business") {
		t.Errorf("summary %q lacks the courses", out.String())
	}
	dir := t.TempDir()
	writeTestFile(t, dir+"/courses/01-x/course.toml", "id = \"x\"\norder = 1\ncategory = \"business\"\ntracks = [\"astronauts\"]\ndescription = \"d\"\n")
	out.Reset()
	err := run(context.Background(), []string{"lessons", "check", dir}, envOf(nil), &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "courses/01-x/course.toml") {
		t.Errorf("broken folder: err=%v output=%q; want a failure naming the file", err, out.String())
	}
}
