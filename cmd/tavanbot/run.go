package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/locales"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// run is the whole program; main only maps its error to an exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "tavanbot", version)
		return nil
	case "", "run", "sandbox":
	default:
		return usageError{fmt.Sprintf("unknown command %q (see tavanbot -h)", cmd)}
	}
	cfg, _, err := parseConfig("tavanbot", args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	switch {
	case cmd == "sandbox" || (cmd == "" && cfg.Token == ""):
		return runSandbox(ctx, cfg, getenv, stdout, logger)
	case cfg.Token == "":
		return usageError{"TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and set it (or run `tavanbot sandbox` to try the bot locally)"}
	}
	return serve(ctx, cfg, logger)
}

// serve runs the bot against a real Bot API server until ctx ends.
func serve(ctx context.Context, cfg Config, logger *slog.Logger) error {
	db, err := store.Open(cfg.DB, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close() // closed last, after the bot stopped
	b, err := newBot(cfg, db, logger, nil)
	if err != nil {
		return err
	}
	logger.Info("tavanbot started", "version", version, "api", cfg.APIURL, "db", cfg.DB, "bot", b.Username)
	return b.Run(ctx)
}

// newBot connects to the Bot API (getMe) and builds the bot. clock is nil in production.
func newBot(cfg Config, db *store.DB, logger *slog.Logger, clock func() time.Time) (*bot.Bot, error) {
	texts, err := locales.Load()
	if err != nil {
		return nil, err
	}
	pollTimeout := 25 * time.Second
	// Many sends run at once (the outbox sender's workers): keep their connections alive.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 256
	client := &http.Client{Timeout: pollTimeout + 15*time.Second, Transport: transport}
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, cfg.APIURL+"/bot%s/%s", client)
	if err != nil {
		return nil, fmt.Errorf("connect to the Bot API at %s: %s", cfg.APIURL, redact(err.Error(), cfg.Token))
	}
	return bot.New(bot.Deps{
		API:         api,
		APIURL:      cfg.APIURL,
		Token:       cfg.Token,
		HTTP:        client,
		Username:    api.Self.UserName,
		Store:       db,
		Texts:       texts,
		Admins:      cfg.Admins,
		Location:    cfg.Location,
		Now:         clock,
		Logger:      logger,
		PollTimeout: pollTimeout,

		SendRate:      cfg.SendRate,
		PaidBroadcast: cfg.PaidBroadcast,
		QuietHours:    cfg.QuietHours,
	})
}
