package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot"
)

// Config is everything the operator sets, from the environment or equal flags (flags win).
type Config struct {
	Token     string
	Platform  bot.Platform // TAVAN_PLATFORM: telegram or bale
	APIURL    string
	DB        string
	Admins    []int64
	Location  *time.Location
	LogLevel  slog.Level
	LogFormat string
	Content   string // external content folder, "" = embedded only
	QuizMode  string // "poll" or "buttons"

	// Operations (bot/ops.go).
	GoalHours    int64
	HTTPAddr     string // the ops listener; "" = off
	HTTPToken    string
	DashboardURL string // public base URL of the staff dashboard's sign-in links; "" = none
	// DashboardRollup is the cron spec of the dashboard's rollup: "" = nightly; the sandbox's is every
	// minute, so a newcomer sees their own clicks in the funnels at once.
	DashboardRollup string
	BackupDir       string // "" = no daily backups
	BackupKeep      int
	BackupHour      int
	WebhookURL      string // "" = long polling
	WebhookListen   string
	WebhookSecret   string
	SandboxAddr     string // host:port of the sandbox's web chat; loopback unless a host is given
	SandboxDB       string // the sandbox's own bbolt file, never the production one

	SendRate      float64 // messages a second over all chats (0: the bot's default)
	PaidBroadcast bool
	QuietHours    string // "23:00-07:00" or "off"
}

// usageError is a bad command line or setting: one line for the operator, exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// setting is one configuration value: its variable, flag, default and help.
type setting struct {
	env, flag, def, help string
}

var settings = []setting{
	{"TELEGRAM_BOT_TOKEN", "token", "", "bot token from @BotFather; without it `tavanbot` starts the local sandbox"},
	{"TAVAN_PLATFORM", "platform", "telegram", "the messenger: telegram or bale (Bale's Bot API, its links and its capabilities; one platform per process and database)"},
	{"TELEGRAM_API_URL", "api-url", "", "Bot API base URL; requests go to {URL}/bot{token}/{method} (default https://api.telegram.org, or https://tapi.bale.ai with TAVAN_PLATFORM=bale; a self-hosted Bot API server)"},
	{"TAVAN_DB", "db", "tavan.db", "bbolt database file"},
	{"TAVAN_ADMINS", "admins", "", "comma-separated Telegram user ids of program staff"},
	{"TAVAN_TIMEZONE", "timezone", "Asia/Tehran", "IANA time zone for schedules and dates"},
	{"TAVAN_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"TAVAN_LOG_FORMAT", "log-format", "text", "text or json"},
	{"TAVAN_CONTENT", "content", "", "folder of courses that extends or replaces the embedded ones by id (reload: /reload or SIGHUP)"},
	{"TAVAN_QUIZ_MODE", "quiz-mode", "poll", "poll (native quiz polls, falling back to buttons) or buttons"},
	{"TAVAN_GOAL_HOURS", "goal-hours", "10000000", "the program's learning-hours goal shown by /stats"},
	{"TAVAN_HTTP_ADDR", "http-addr", "", "ops listener host:port for /metrics, /healthz, /readyz, /backup and /export (off when empty)"},
	{"TAVAN_HTTP_TOKEN", "http-token", "", "bearer token for /metrics, /backup and /export; required with TAVAN_HTTP_ADDR, at least 16 characters"},
	{"TAVAN_DASHBOARD_URL", "dashboard-url", "", "public base URL of the staff dashboard (/dashboard on the ops listener, e.g. behind the webhook's TLS proxy); /dashboard in the bot sends admins one-time sign-in links to it"},
	{"TAVAN_BACKUP_DIR", "backup-dir", "", "directory for the daily local backup (off when empty)"},
	{"TAVAN_BACKUP_KEEP", "backup-keep", "7", "how many daily backups to keep"},
	{"TAVAN_BACKUP_HOUR", "backup-hour", "3", "hour of the day (TAVAN_TIMEZONE) after which the daily backup is taken, 0-23"},
	{"TAVAN_WEBHOOK_URL", "webhook-url", "", "public HTTPS URL for Telegram's webhook; when set the bot takes updates by webhook instead of long polling"},
	{"TAVAN_WEBHOOK_LISTEN", "webhook-listen", "127.0.0.1:8443", "where the webhook listener accepts Telegram's requests (behind a TLS reverse proxy)"},
	{"TAVAN_WEBHOOK_SECRET", "webhook-secret", "", "secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (32-256 of A-Z a-z 0-9 _ -); random per start when empty"},
	{"TAVAN_SANDBOX_ADDR", "sandbox-addr", "127.0.0.1:8080", "sandbox only: address of the web chat; a bare :port stays on 127.0.0.1, 0.0.0.0:port opens it to the network"},
	{"TAVAN_SANDBOX_DB", "sandbox-db", "tavan-sandbox.db", "sandbox only: its own bbolt database file (tavan-sandbox-bale.db by default on Bale)"},
	{"TAVAN_SEND_RATE", "send-rate", "", "messages per second over all chats (default 30; 1000 with paid broadcasts)"},
	{"TAVAN_PAID_BROADCAST", "paid-broadcast", "false", "true: bulk sends use allow_paid_broadcast (paid in Stars) and the rate may go up to 1000/s"},
	{"TAVAN_QUIET_HOURS", "quiet-hours", "23:00-07:00", "no bulk messages in this window of each learner's day, or off"},
}

// parseConfig reads env and flags into a Config. It is pure: tests pass their own getenv.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	values := map[string]*string{}
	for _, s := range settings {
		v := getenv(s.env)
		if v == "" {
			v = s.def
		}
		values[s.env] = fs.String(s.flag, v, fmt.Sprintf("%s (env %s)", s.help, s.env))
	}
	fs.Usage = func() { printUsage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return Config{}, nil, usageError{}
		}
		return Config{}, nil, usageError{err.Error()}
	}
	cfg := Config{
		Token:     strings.TrimSpace(*values["TELEGRAM_BOT_TOKEN"]),
		APIURL:    strings.TrimRight(*values["TELEGRAM_API_URL"], "/"),
		DB:        *values["TAVAN_DB"],
		LogFormat: *values["TAVAN_LOG_FORMAT"],
		Content:   *values["TAVAN_CONTENT"],
		QuizMode:  *values["TAVAN_QUIZ_MODE"],
	}
	platform, ok := bot.PlatformNamed(strings.ToLower(strings.TrimSpace(*values["TAVAN_PLATFORM"])))
	if !ok {
		return Config{}, nil, usageError{fmt.Sprintf("TAVAN_PLATFORM: %q is not telegram or bale", *values["TAVAN_PLATFORM"])}
	}
	cfg.Platform = platform
	if cfg.APIURL == "" {
		cfg.APIURL = platform.APIURL
	}
	if cfg.QuizMode != "poll" && cfg.QuizMode != "buttons" {
		return Config{}, nil, usageError{fmt.Sprintf("TAVAN_QUIZ_MODE: %q is not poll or buttons", cfg.QuizMode)}
	}
	if cfg.Content != "" {
		if info, err := os.Stat(cfg.Content); err != nil || !info.IsDir() {
			return Config{}, nil, usageError{fmt.Sprintf("TAVAN_CONTENT: %q is not a folder", cfg.Content)}
		}
	}
	if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, nil, usageError{fmt.Sprintf("TELEGRAM_API_URL: %q is not an http(s) URL", cfg.APIURL)}
	}
	if cfg.Token != "" && strings.ContainsAny(cfg.Token, " /?#") {
		return Config{}, nil, usageError{"TELEGRAM_BOT_TOKEN: the token has characters a bot token never has"}
	}
	if cfg.DB == "" {
		return Config{}, nil, usageError{"TAVAN_DB: empty database path"}
	}
	for _, part := range strings.Split(*values["TAVAN_ADMINS"], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return Config{}, nil, usageError{fmt.Sprintf("TAVAN_ADMINS: %q is not a Telegram user id", part)}
		}
		cfg.Admins = append(cfg.Admins, id)
	}
	loc, err := time.LoadLocation(*values["TAVAN_TIMEZONE"])
	if err != nil {
		return Config{}, nil, usageError{fmt.Sprintf("TAVAN_TIMEZONE: unknown time zone %q", *values["TAVAN_TIMEZONE"])}
	}
	cfg.Location = loc
	if err := cfg.LogLevel.UnmarshalText([]byte(*values["TAVAN_LOG_LEVEL"])); err != nil {
		return Config{}, nil, usageError{fmt.Sprintf("TAVAN_LOG_LEVEL: %q is not debug, info, warn or error", *values["TAVAN_LOG_LEVEL"])}
	}
	addr, err := sandboxAddr(*values["TAVAN_SANDBOX_ADDR"])
	if err != nil {
		return Config{}, nil, usageError{"TAVAN_SANDBOX_ADDR: " + err.Error()}
	}
	cfg.SandboxAddr = addr
	cfg.SandboxDB = *values["TAVAN_SANDBOX_DB"]
	if getenv("TAVAN_SANDBOX_DB") == "" && !flagGiven(fs, "sandbox-db") && cfg.Platform.Name != bot.TelegramPlatform.Name {
		// One platform per database: a Bale sandbox never opens the Telegram sandbox's records.
		cfg.SandboxDB = "tavan-sandbox-" + cfg.Platform.Name + ".db"
	}
	if cfg.SandboxDB == "" {
		return Config{}, nil, usageError{"TAVAN_SANDBOX_DB: empty database path"}
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return Config{}, nil, usageError{fmt.Sprintf("TAVAN_LOG_FORMAT: %q is not text or json", cfg.LogFormat)}
	}
	if err := parseOps(&cfg, values); err != nil {
		return Config{}, nil, err
	}
	if err := parseDelivery(&cfg, values); err != nil {
		return Config{}, nil, err
	}
	return cfg, fs.Args(), nil
}

// sandboxAddr checks host:port; a missing host means 127.0.0.1, so the sandbox, which lets anyone act
// as any user including the admin, is never on the network by accident.
func sandboxAddr(v string) (string, error) {
	host, port, err := net.SplitHostPort(strings.TrimSpace(v))
	if err != nil {
		return "", fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8080)", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not a number from 0 to 65535", v, port)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

var webhookSecretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{32,256}$`) // Telegram allows 1–256; short ones are guessable

// parseOps reads the operations settings.
func parseOps(cfg *Config, values map[string]*string) error {
	v := func(env string) string { return strings.TrimSpace(*values[env]) }
	goal, err := strconv.ParseInt(v("TAVAN_GOAL_HOURS"), 10, 64)
	if err != nil || goal <= 0 || goal > 1e12 {
		return usageError{fmt.Sprintf("TAVAN_GOAL_HOURS: %q is not a positive whole number of hours", v("TAVAN_GOAL_HOURS"))}
	}
	cfg.GoalHours = goal

	cfg.HTTPAddr, cfg.HTTPToken = v("TAVAN_HTTP_ADDR"), v("TAVAN_HTTP_TOKEN")
	if cfg.HTTPAddr != "" {
		if !validHostPort(cfg.HTTPAddr) {
			return usageError{fmt.Sprintf("TAVAN_HTTP_ADDR: %q is not host:port (for example 127.0.0.1:9090)", cfg.HTTPAddr)}
		}
		if len(cfg.HTTPToken) < 16 || strings.ContainsAny(cfg.HTTPToken, " \t\r\n") {
			return usageError{"TAVAN_HTTP_TOKEN: set a token of at least 16 characters without spaces; it protects /metrics and /backup on TAVAN_HTTP_ADDR"}
		}
	}

	if cfg.DashboardURL = strings.TrimRight(v("TAVAN_DASHBOARD_URL"), "/"); cfg.DashboardURL != "" {
		u, err := url.Parse(cfg.DashboardURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			// No path: the pages live at /dashboard of the host, as on the ops listener.
			return usageError{fmt.Sprintf("TAVAN_DASHBOARD_URL: %q is not a base URL such as https://staff.example.org (scheme and host, no path)", cfg.DashboardURL)}
		}
	}

	cfg.BackupDir = v("TAVAN_BACKUP_DIR")
	keep, err := strconv.Atoi(v("TAVAN_BACKUP_KEEP"))
	if err != nil || keep < 1 || keep > 3650 {
		return usageError{fmt.Sprintf("TAVAN_BACKUP_KEEP: %q is not a number of backups from 1 to 3650", v("TAVAN_BACKUP_KEEP"))}
	}
	cfg.BackupKeep = keep
	hour, err := strconv.Atoi(v("TAVAN_BACKUP_HOUR"))
	if err != nil || hour < 0 || hour > 23 {
		return usageError{fmt.Sprintf("TAVAN_BACKUP_HOUR: %q is not an hour from 0 to 23", v("TAVAN_BACKUP_HOUR"))}
	}
	cfg.BackupHour = hour

	cfg.WebhookURL, cfg.WebhookListen, cfg.WebhookSecret = v("TAVAN_WEBHOOK_URL"), v("TAVAN_WEBHOOK_LISTEN"), v("TAVAN_WEBHOOK_SECRET")
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return usageError{fmt.Sprintf("TAVAN_WEBHOOK_URL: %q is not an https URL (Telegram sends webhooks over HTTPS only)", cfg.WebhookURL)}
		}
		if !validHostPort(cfg.WebhookListen) {
			return usageError{fmt.Sprintf("TAVAN_WEBHOOK_LISTEN: %q is not host:port (for example 127.0.0.1:8443)", cfg.WebhookListen)}
		}
		if cfg.HTTPAddr != "" && cfg.WebhookListen == cfg.HTTPAddr {
			return usageError{"TAVAN_WEBHOOK_LISTEN: the same address as TAVAN_HTTP_ADDR; give each its own port"}
		}
	}
	if cfg.WebhookSecret != "" && !webhookSecretPattern.MatchString(cfg.WebhookSecret) {
		return usageError{"TAVAN_WEBHOOK_SECRET: use 32 to 256 of the characters A-Z, a-z, 0-9, _ and - (or leave it empty for a random one)"}
	}
	return nil
}

// validHostPort accepts host:port and :port with a numeric port 0-65535.
func validHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, `Usage: tavanbot [command] [flags]

Commands:
  (none)          serve Telegram if TELEGRAM_BOT_TOKEN is set, else start the local sandbox
  run             serve Telegram (fails without a token)
  restore FILE    install a backup as TAVAN_DB (stop the bot first); the current file is kept as .bak
  sandbox         chat with the bot in a browser, against the built-in Telegram emulator
  lessons check [DIR]  validate a content folder (default: the embedded content)
  version         print the version

Settings (environment variable, or the flag):
`)
	for _, s := range settings {
		def := ""
		if s.def != "" {
			def = fmt.Sprintf(" (default %s)", s.def)
		}
		fmt.Fprintf(w, "  %-20s -%-14s %s%s\n", s.env, s.flag, s.help, def)
	}
}

// parseDelivery reads the outbox settings: the send rate within Telegram's limits (30/s, or 1000/s with
// paid broadcasts) and the quiet hours.
func parseDelivery(cfg *Config, values map[string]*string) error {
	paid, err := strconv.ParseBool(strings.TrimSpace(*values["TAVAN_PAID_BROADCAST"]))
	if err != nil {
		return usageError{fmt.Sprintf("TAVAN_PAID_BROADCAST: %q is not true or false", *values["TAVAN_PAID_BROADCAST"])}
	}
	cfg.PaidBroadcast = paid
	if paid && !cfg.Platform.PaidBroadcast {
		return usageError{fmt.Sprintf("TAVAN_PAID_BROADCAST: %s has no paid broadcasts", cfg.Platform.Name)}
	}
	if raw := strings.TrimSpace(*values["TAVAN_SEND_RATE"]); raw != "" {
		rate, err := strconv.ParseFloat(raw, 64)
		limit := 30.0
		if paid {
			limit = 1000
		}
		switch {
		case err != nil || rate <= 0 || math.IsNaN(rate):
			return usageError{fmt.Sprintf("TAVAN_SEND_RATE: %q is not a positive number of messages per second", raw)}
		case rate > limit && !paid:
			return usageError{fmt.Sprintf("TAVAN_SEND_RATE: %v is above Telegram's 30 messages per second; set TAVAN_PAID_BROADCAST=true to go up to 1000", rate)}
		case rate > limit:
			return usageError{fmt.Sprintf("TAVAN_SEND_RATE: %v is above Telegram's 1000 paid messages per second", rate)}
		}
		cfg.SendRate = rate
	}
	q := strings.TrimSpace(*values["TAVAN_QUIET_HOURS"])
	if _, err := bot.ParseQuietHours(q); err != nil {
		return usageError{fmt.Sprintf("TAVAN_QUIET_HOURS: %q is not HH:MM-HH:MM or off", q)}
	}
	cfg.QuietHours = q
	return nil
}

// flagGiven reports whether the command line set the flag name.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
