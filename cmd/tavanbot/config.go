package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot"
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
	{"TELEGRAM_API_URL", "api-url", "https://api.telegram.org", "Bot API base URL; requests go to {URL}/bot{token}/{method} (a self-hosted Bot API server or a Telegram-compatible platform)"},
	{"TAVAN_DB", "db", "tavan.db", "bbolt database file"},
	{"TAVAN_ADMINS", "admins", "", "comma-separated Telegram user ids of program staff"},
	{"TAVAN_TIMEZONE", "timezone", "Asia/Tehran", "IANA time zone for schedules and dates"},
	{"TAVAN_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"TAVAN_LOG_FORMAT", "log-format", "text", "text or json"},
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
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return Config{}, nil, usageError{fmt.Sprintf("TAVAN_LOG_FORMAT: %q is not text or json", cfg.LogFormat)}
	}
	if err := parseDelivery(&cfg, values); err != nil {
		return Config{}, nil, err
	}
	return cfg, fs.Args(), nil
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, `Usage: tavanbot [command] [flags]

Commands:
  (none)          serve Telegram if TELEGRAM_BOT_TOKEN is set, else start the local sandbox
  run             serve Telegram (fails without a token)
  sandbox         chat with the bot in a browser, against the built-in Telegram emulator
  lessons check   validate a content folder
  version         print the version

Settings (environment variable, or the flag):
`)
	for _, s := range settings {
		def := ""
		if s.def != "" {
			def = fmt.Sprintf(" (default %s)", s.def)
		}
		fmt.Fprintf(w, "  %-20s -%-11s %s%s\n", s.env, s.flag, s.help, def)
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
