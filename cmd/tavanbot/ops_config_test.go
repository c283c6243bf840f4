package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestParseConfigOpsGood(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(Config) bool
	}{
		{"defaults", nil, func(c Config) bool {
			return c.GoalHours == 10_000_000 && c.HTTPAddr == "" && c.BackupDir == "" && c.BackupKeep == 7 &&
				c.BackupHour == 3 && c.WebhookURL == "" && c.WebhookListen == "127.0.0.1:8443"
		}},
		{"goal", map[string]string{"TAVAN_GOAL_HOURS": "2500000"}, func(c Config) bool { return c.GoalHours == 2_500_000 }},
		{"ops listener", map[string]string{"TAVAN_HTTP_ADDR": "127.0.0.1:9090", "TAVAN_HTTP_TOKEN": "0123456789abcdef"},
			func(c Config) bool { return c.HTTPAddr == "127.0.0.1:9090" && c.HTTPToken == "0123456789abcdef" }},
		{"port only", map[string]string{"TAVAN_HTTP_ADDR": ":9090", "TAVAN_HTTP_TOKEN": "0123456789abcdef"},
			func(c Config) bool { return c.HTTPAddr == ":9090" }},
		{"backups", map[string]string{"TAVAN_BACKUP_DIR": "/var/lib/tavan/backups", "TAVAN_BACKUP_KEEP": "30", "TAVAN_BACKUP_HOUR": "0"},
			func(c Config) bool {
				return c.BackupDir == "/var/lib/tavan/backups" && c.BackupKeep == 30 && c.BackupHour == 0
			}},
		{"webhook", map[string]string{"TAVAN_WEBHOOK_URL": "https://bot.example.ir/tg/hook", "TAVAN_WEBHOOK_LISTEN": "[::1]:8443", "TAVAN_WEBHOOK_SECRET": "abc_DEF-123-abc_DEF-123-abc_DEF-1"},
			func(c Config) bool {
				return c.WebhookURL == "https://bot.example.ir/tg/hook" && c.WebhookListen == "[::1]:8443" && c.WebhookSecret == "abc_DEF-123-abc_DEF-123-abc_DEF-1"
			}},
		{"log json", map[string]string{"TAVAN_LOG_FORMAT": "json"}, func(c Config) bool { return c.LogFormat == "json" }},
		{"dashboard", map[string]string{"TAVAN_DASHBOARD_URL": "https://staff.example.ir/"}, func(c Config) bool { return c.DashboardURL == "https://staff.example.ir" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := parseConfig("tavanbot", nil, envOf(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("parseConfig(%v) = %v", tt.env, err)
			}
			if !tt.check(cfg) {
				t.Errorf("parseConfig(%v) = %+v", tt.env, cfg)
			}
		})
	}
	// Flags win over the environment.
	cfg, _, err := parseConfig("tavanbot", []string{"-goal-hours", "42", "-backup-keep", "2"}, envOf(map[string]string{"TAVAN_GOAL_HOURS": "7"}), io.Discard)
	if err != nil || cfg.GoalHours != 42 || cfg.BackupKeep != 2 {
		t.Errorf("flags: %+v, %v", cfg, err)
	}
}

func TestParseConfigOpsBad(t *testing.T) {
	token := "0123456789abcdef"
	tests := []struct {
		env      map[string]string
		variable string
	}{
		{map[string]string{"TAVAN_GOAL_HOURS": "ten million"}, "TAVAN_GOAL_HOURS"},
		{map[string]string{"TAVAN_GOAL_HOURS": "0"}, "TAVAN_GOAL_HOURS"},
		{map[string]string{"TAVAN_GOAL_HOURS": "-5"}, "TAVAN_GOAL_HOURS"},
		{map[string]string{"TAVAN_GOAL_HOURS": "۱۰۰"}, "TAVAN_GOAL_HOURS"},
		{map[string]string{"TAVAN_HTTP_ADDR": "9090", "TAVAN_HTTP_TOKEN": token}, "TAVAN_HTTP_ADDR"},
		{map[string]string{"TAVAN_HTTP_ADDR": "localhost:http-alt", "TAVAN_HTTP_TOKEN": token}, "TAVAN_HTTP_ADDR"},
		{map[string]string{"TAVAN_HTTP_ADDR": "127.0.0.1:70000", "TAVAN_HTTP_TOKEN": token}, "TAVAN_HTTP_ADDR"},
		{map[string]string{"TAVAN_HTTP_ADDR": "127.0.0.1:9090"}, "TAVAN_HTTP_TOKEN"},
		{map[string]string{"TAVAN_HTTP_ADDR": "127.0.0.1:9090", "TAVAN_HTTP_TOKEN": "short"}, "TAVAN_HTTP_TOKEN"},
		{map[string]string{"TAVAN_HTTP_ADDR": "127.0.0.1:9090", "TAVAN_HTTP_TOKEN": "has a space in it!!"}, "TAVAN_HTTP_TOKEN"},
		{map[string]string{"TAVAN_BACKUP_KEEP": "0"}, "TAVAN_BACKUP_KEEP"},
		{map[string]string{"TAVAN_BACKUP_KEEP": "a week"}, "TAVAN_BACKUP_KEEP"},
		{map[string]string{"TAVAN_BACKUP_HOUR": "24"}, "TAVAN_BACKUP_HOUR"},
		{map[string]string{"TAVAN_BACKUP_HOUR": "3am"}, "TAVAN_BACKUP_HOUR"},
		{map[string]string{"TAVAN_WEBHOOK_URL": "http://bot.example.ir/hook"}, "TAVAN_WEBHOOK_URL"},
		{map[string]string{"TAVAN_WEBHOOK_URL": "bot.example.ir/hook"}, "TAVAN_WEBHOOK_URL"},
		{map[string]string{"TAVAN_WEBHOOK_URL": "https:///hook"}, "TAVAN_WEBHOOK_URL"},
		{map[string]string{"TAVAN_WEBHOOK_URL": "https://bot.example.ir/hook", "TAVAN_WEBHOOK_LISTEN": "8443"}, "TAVAN_WEBHOOK_LISTEN"},
		{map[string]string{"TAVAN_WEBHOOK_URL": "https://bot.example.ir/hook", "TAVAN_WEBHOOK_LISTEN": "127.0.0.1:9090",
			"TAVAN_HTTP_ADDR": "127.0.0.1:9090", "TAVAN_HTTP_TOKEN": token}, "TAVAN_WEBHOOK_LISTEN"},
		{map[string]string{"TAVAN_WEBHOOK_SECRET": "no spaces please"}, "TAVAN_WEBHOOK_SECRET"},
		{map[string]string{"TAVAN_WEBHOOK_SECRET": "x"}, "TAVAN_WEBHOOK_SECRET"}, // guessable
		{map[string]string{"TAVAN_WEBHOOK_SECRET": strings.Repeat("a", 31)}, "TAVAN_WEBHOOK_SECRET"},
		{map[string]string{"TAVAN_WEBHOOK_SECRET": "رمز"}, "TAVAN_WEBHOOK_SECRET"},
		{map[string]string{"TAVAN_WEBHOOK_SECRET": strings.Repeat("a", 257)}, "TAVAN_WEBHOOK_SECRET"},
		{map[string]string{"TAVAN_LOG_FORMAT": "xml"}, "TAVAN_LOG_FORMAT"},
		{map[string]string{"TAVAN_ADMINS": "12,abc"}, "TAVAN_ADMINS"},
		{map[string]string{"TAVAN_DASHBOARD_URL": "staff.example.ir"}, "TAVAN_DASHBOARD_URL"},
		{map[string]string{"TAVAN_DASHBOARD_URL": "ftp://staff.example.ir"}, "TAVAN_DASHBOARD_URL"},
		{map[string]string{"TAVAN_DASHBOARD_URL": "https://staff.example.ir/staff"}, "TAVAN_DASHBOARD_URL"},
	}
	for _, tt := range tests {
		_, _, err := parseConfig("tavanbot", nil, envOf(tt.env), io.Discard)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("parseConfig(%v) = %v; want a usage error (exit code 2)", tt.env, err)
			continue
		}
		if !strings.HasPrefix(ue.msg, tt.variable+": ") || strings.Contains(ue.msg, "\n") {
			t.Errorf("parseConfig(%v) says %q; want one line starting with %s", tt.env, ue.msg, tt.variable)
		}
		if tok := tt.env["TAVAN_HTTP_TOKEN"]; tok != "" && len(tok) >= 16 && strings.Contains(ue.msg, tok) {
			t.Errorf("the error repeats the token: %q", ue.msg)
		}
	}
}

func TestUsageListsOpsSettings(t *testing.T) {
	var out strings.Builder
	_, _, err := parseConfig("tavanbot", []string{"-h"}, envOf(nil), &out)
	if err == nil {
		t.Fatal("-h returned no error")
	}
	for _, want := range []string{"TAVAN_GOAL_HOURS", "TAVAN_HTTP_ADDR", "TAVAN_HTTP_TOKEN", "TAVAN_BACKUP_DIR", "TAVAN_BACKUP_KEEP",
		"TAVAN_WEBHOOK_URL", "TAVAN_WEBHOOK_LISTEN", "TAVAN_WEBHOOK_SECRET", "restore FILE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %s", want)
		}
	}
}

// TestBadSettingExitsWithCode2 runs main itself in a child process: a bad operations setting stops the
// program with one line naming the variable and exit code 2.
func TestBadSettingExitsWithCode2(t *testing.T) {
	if os.Getenv("TAVAN_TEST_RUN_MAIN") == "1" {
		os.Args = []string{"tavanbot", "run"}
		main()
		return
	}
	for _, bad := range []string{"TAVAN_GOAL_HOURS=lots", "TAVAN_BACKUP_KEEP=0", "TAVAN_WEBHOOK_URL=http://insecure.example", "TAVAN_HTTP_ADDR=127.0.0.1:9090"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBadSettingExitsWithCode2$")
		cmd.Env = append(os.Environ(), "TAVAN_TEST_RUN_MAIN=1", "TELEGRAM_BOT_TOKEN=", bad)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("%s: %v; want exit code 2", bad, err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		variable, _, _ := strings.Cut(bad, "=")
		if variable == "TAVAN_HTTP_ADDR" {
			variable = "TAVAN_HTTP_TOKEN" // the address is fine; the token it needs is missing
		}
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "tavanbot: "+variable+": ") {
			t.Errorf("%s printed %q; want one line naming %s", bad, out, variable)
		}
	}
}
