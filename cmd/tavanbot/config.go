package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything the operator sets, from the environment or equal flags (flags win).
type Config struct {
	Token     string
	APIURL    string
	DB        string
	Admins    []int64
	Location  *time.Location
	LogLevel  slog.Level
	LogFormat string
	Content   string // external content folder, "" = embedded only
	QuizMode  string // "poll" or "buttons"

	SandboxAddr string // host:port of the sandbox's web chat; loopback unless a host is given
	SandboxDB   string // the sandbox's own bbolt file, never the production one
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
	{"TELEGRAM_API_URL", "api-url", "https://api.telegram.org", "Bot API base URL; requests go to {URL}/bot{token}/{method} (a self-hosted Bot API server or a Telegram-compatible platform)"},
	{"TAVAN_DB", "db", "tavan.db", "bbolt database file"},
	{"TAVAN_ADMINS", "admins", "", "comma-separated Telegram user ids of program staff"},
	{"TAVAN_TIMEZONE", "timezone", "Asia/Tehran", "IANA time zone for schedules and dates"},
	{"TAVAN_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"TAVAN_LOG_FORMAT", "log-format", "text", "text or json"},
	{"TAVAN_CONTENT", "content", "", "folder of courses that extends or replaces the embedded ones by id (reload: /reload or SIGHUP)"},
	{"TAVAN_QUIZ_MODE", "quiz-mode", "poll", "poll (native quiz polls, falling back to buttons) or buttons"},
	{"TAVAN_SANDBOX_ADDR", "sandbox-addr", "127.0.0.1:8080", "sandbox only: address of the web chat; a bare :port stays on 127.0.0.1, 0.0.0.0:port opens it to the network"},
	{"TAVAN_SANDBOX_DB", "sandbox-db", "tavan-sandbox.db", "sandbox only: its own bbolt database file"},
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
	if cfg.SandboxDB == "" {
		return Config{}, nil, usageError{"TAVAN_SANDBOX_DB: empty database path"}
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return Config{}, nil, usageError{fmt.Sprintf("TAVAN_LOG_FORMAT: %q is not text or json", cfg.LogFormat)}
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

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, `Usage: tavanbot [command] [flags]

Commands:
  (none)          serve Telegram if TELEGRAM_BOT_TOKEN is set, else start the local sandbox
  run             serve Telegram (fails without a token)
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
		fmt.Fprintf(w, "  %-20s -%-12s %s%s\n", s.env, s.flag, s.help, def)
	}
}
