package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/ask"
	"github.com/tavan7/tavan/bot/dashboard"
	"github.com/tavan7/tavan/bot/events"
	"github.com/tavan7/tavan/bot/learning"
	"github.com/tavan7/tavan/bot/ops"
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
	case "lessons":
		return lessonsCheck(args, stdout)
	case "", "run", "sandbox", "restore":
	default:
		return usageError{fmt.Sprintf("unknown command %q (see tavanbot -h)", cmd)}
	}
	cfg, rest, err := parseConfig("tavanbot", args, getenv, stderr)
	if err != nil {
		return err
	}
	if cmd == "restore" {
		return runRestore(cfg, rest, stdout)
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

// shutdownTimeout bounds a graceful stop (SIGTERM): in-flight updates finish, listeners drain, the offset
// is confirmed and the store closes within it. systemd's TimeoutStopSec is set above it.
const shutdownTimeout = 10 * time.Second

// serve runs the bot against a real Bot API server until ctx ends: the update loop (long polling or
// webhook), the ops listener and the daily backups, each stopping when ctx ends; the store closes last.
func serve(ctx context.Context, cfg Config, logger *slog.Logger) error {
	db, err := store.Open(cfg.DB, store.Options{})
	if err != nil {
		return err
	}
	b, err := newBot(cfg, db, logger, nil)
	if err != nil {
		db.Close()
		return err
	}
	// Listen before starting anything, so a taken port fails the start at once.
	var servers []*listener
	if cfg.HTTPAddr != "" {
		l, err := listen(cfg.HTTPAddr, b.OpsHandler(), "ops")
		if err != nil {
			db.Close()
			return err
		}
		servers = append(servers, l)
	}
	if cfg.WebhookURL != "" {
		mux := http.NewServeMux()
		mux.Handle(b.WebhookPath(), b.WebhookHandler())
		l, err := listen(cfg.WebhookListen, mux, "webhook")
		if err != nil {
			for _, s := range servers {
				s.ln.Close()
			}
			db.Close()
			return err
		}
		servers = append(servers, l)
	}
	mode := "long polling"
	if cfg.WebhookURL != "" {
		mode = "webhook"
	}
	logger.Info("tavanbot started", "version", version, "platform", cfg.Platform.Name, "api", cfg.APIURL, "db", cfg.DB, "bot", b.Username, "mode", mode)

	go reloadOnHangup(ctx, b.Bot, logger)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return b.Run(gctx) })
	for _, s := range servers {
		g.Go(func() error { return s.serve(gctx, logger) })
	}
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		logger.Info("stopping: finishing the updates in flight")
		t := time.NewTimer(shutdownTimeout)
		defer t.Stop()
		select {
		case err = <-done:
		case <-t.C:
			// Every change was committed when it happened; what is cut off now is redelivered after a restart.
			return fmt.Errorf("shutdown took longer than %s; exiting without waiting (no committed change is lost)", shutdownTimeout)
		}
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	logger.Info("tavanbot stopped")
	return err
}

// listener is an HTTP server on an open socket.
type listener struct {
	name string
	ln   net.Listener
	srv  *http.Server
}

func listen(addr string, h http.Handler, name string) (*listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener on %s: %w", name, addr, err)
	}
	return &listener{name: name, ln: ln, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}}, nil
}

// serve answers requests until ctx ends, then lets requests in flight finish.
func (l *listener) serve(ctx context.Context, logger *slog.Logger) error {
	logger.Info("listening", "listener", l.name, "addr", l.ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- l.srv.Serve(l.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("%s listener: %w", l.name, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout-time.Second)
	defer cancel()
	if err := l.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("%s listener shutdown: %w", l.name, err)
	}
	return nil
}

// runRestore is `tavanbot restore FILE`: verify a snapshot and install it as the database.
func runRestore(cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError{"restore: name one backup file: tavanbot restore FILE"}
	}
	info, err := store.Restore(cfg.DB, args[0])
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("restore: %s is in use: stop the bot first (systemctl stop tavanbot)", cfg.DB)
	}
	if err != nil {
		return err
	}
	// Open it once as the bot would: migrations of an older snapshot run now, not at the next start.
	db, err := store.Open(cfg.DB, store.Options{})
	if err != nil {
		return fmt.Errorf("restore: the installed database does not open: %w (the previous one is %s.bak)", err, cfg.DB)
	}
	version, _ := db.Version()
	if cerr := db.Close(); cerr != nil {
		return cerr
	}
	fmt.Fprintf(stdout, "restored %s into %s: %d learners, schema %d (now %d), sha256 %s\nthe previous database is kept as %s.bak\n",
		args[0], cfg.DB, info.Users, info.Version, version, info.Digest, cfg.DB)
	return nil
}

// newBot connects to the Bot API (getMe) and builds the bot. clock is nil in production.
func newBot(cfg Config, db *store.DB, logger *slog.Logger, clock func() time.Time) (*app.App, error) {
	texts, err := locales.Load()
	if err != nil {
		return nil, err
	}
	load := contentLoader(cfg.Content)
	catalog, err := load()
	if err != nil {
		return nil, err // refuse to start on broken content, naming file and line
	}
	warnWritingRules(logger, catalog)
	pollTimeout := 25 * time.Second
	// Many sends run at once (the outbox sender's workers): keep their connections alive.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 256
	client := &http.Client{Timeout: pollTimeout + 15*time.Second, Transport: transport}
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, cfg.APIURL+"/bot%s/%s", client)
	if err != nil {
		return nil, fmt.Errorf("connect to the Bot API at %s: %s", cfg.APIURL, redact(err.Error(), cfg.Token))
	}
	a, err := app.New(app.Config{
		Deps: bot.Deps{
			API:         api,
			Platform:    cfg.Platform,
			APIURL:      cfg.APIURL,
			Token:       cfg.Token,
			HTTP:        client,
			Username:    api.Self.UserName,
			Store:       db,
			Texts:       texts,
			Catalog:     catalog,
			LoadContent: load,
			Admins:      cfg.Admins,
			Location:    cfg.Location,
			Now:         clock,
			Logger:      logger,
			PollTimeout: pollTimeout,

			WebhookURL:    cfg.WebhookURL,
			WebhookSecret: cfg.WebhookSecret,
			HTTPToken:     cfg.HTTPToken,

			SendRate:      cfg.SendRate,
			PaidBroadcast: cfg.PaidBroadcast,
			QuietHours:    cfg.QuietHours,
		},
		Learning:  learning.Options{QuizMode: cfg.QuizMode},
		Ask:       ask.Options{BuildAtStart: true},
		Dashboard: dashboard.Options{URL: cfg.DashboardURL, GoalHours: cfg.GoalHours, RollupSchedule: cfg.DashboardRollup},
		// Only the sandbox sets the clock; its browser cannot scan a QR, so tickets show their link.
		Events: events.Options{ShowTicketLinks: clock != nil},
		Ops: ops.Options{
			GoalHours:  cfg.GoalHours,
			HTTPAddr:   cfg.HTTPAddr,
			BackupDir:  cfg.BackupDir,
			BackupKeep: cfg.BackupKeep,
			BackupHour: cfg.BackupHour,
		},
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
