package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/sandbox"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// The sandbox's people. The admin's id is added to the bot's admins (TAVAN_ADMINS) in the sandbox only;
// the consultant becomes one through the admin's invitation, like in production.
const sandboxAdminID = 900

var sandboxUsers = []sandbox.User{
	{ID: 101, FirstName: "مریم", LastName: "احمدی", Username: "maryam_a", Lang: "fa", Role: "learner"},
	{ID: 102, FirstName: "رضا", LastName: "کریمی", Lang: "fa", Role: "learner"},
	{ID: 103, FirstName: "Sara", LastName: "Miller", Username: "sara_m", Lang: "en", Role: "learner"},
	{ID: 201, FirstName: "نیلوفر", LastName: "صادقی", Username: "dr_sadeghi", Lang: "fa", Role: "consultant"},
	{ID: sandboxAdminID, FirstName: "مدیر برنامه", Lang: "fa", Role: "admin"},
}

const sandboxBotUsername = "tavan_sandbox_bot"

// runSandbox runs the whole bot in-process against tgsim, with its own database and an injected clock,
// and serves the web chat until ctx ends. Nothing here is reachable from `tavanbot run`.
func runSandbox(ctx context.Context, cfg Config, _ func(string) string, stdout io.Writer, logger *slog.Logger) error {
	logger = logger.With("subsystem", "sandbox")
	// The web chat's port first: a port in use is the likeliest failure and must read as one line.
	web, err := net.Listen("tcp", cfg.SandboxAddr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s is already in use: stop the program using it, or choose another address, e.g. TAVAN_SANDBOX_ADDR=127.0.0.1:8081", cfg.SandboxAddr)
		}
		return fmt.Errorf("listen on %s (TAVAN_SANDBOX_ADDR): %w", cfg.SandboxAddr, err)
	}
	defer web.Close()

	clock := sandbox.NewClock(0)
	db, err := store.Open(cfg.SandboxDB, store.Options{Now: clock.Now})
	if err != nil {
		return fmt.Errorf("%w (TAVAN_SANDBOX_DB)", err)
	}
	defer db.Close() // closed last, after the bot stopped
	offset, err := db.SandboxClockOffset()
	if err != nil {
		return err
	}
	if offset > 0 {
		_, _, _ = clock.Advance(offset) // where the last time travel left it
	}

	token := sandboxToken()
	sim := tgsim.New(tgsim.Options{Token: token, BotUsername: sandboxBotUsername, Now: clock.Now, Platform: cfg.Platform.Name})
	defer sim.Close()
	// tgsim starts with empty chats; the bot's database remembers which updates it confirmed. Carry on
	// from there so that the bot does not take new updates for old ones.
	if next, err := db.Offset(); err == nil && next > 1 {
		sim.InjectUpdate(json.RawMessage(fmt.Sprintf(`{"update_id":%d}`, next-1)))
	}
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the emulator: %w", err)
	}
	apiSrv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}

	botCfg := cfg
	botCfg.Token = token
	// The sandbox long-polls its emulator and serves nothing but its web chat: production's webhook, ops
	// listener and backups never start here, whatever the environment says.
	botCfg.WebhookURL, botCfg.WebhookSecret = "", ""
	botCfg.HTTPAddr, botCfg.HTTPToken = "", ""
	botCfg.BackupDir = ""
	botCfg.APIURL = "http://" + apiLn.Addr().String()
	// The dashboard at /dashboard of the web chat's own address, its figures counted every minute.
	botCfg.DashboardURL = "http://" + reachableAddr(web.Addr())
	botCfg.DashboardRollup = "@every 1m"
	if !slices.Contains(botCfg.Admins, sandboxAdminID) {
		botCfg.Admins = append(slices.Clone(botCfg.Admins), sandboxAdminID)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := apiSrv.Serve(apiLn); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("emulator: %w", err)
		}
		return nil
	})

	b, err := newBot(botCfg, db, logger, clock.Now)
	if err != nil {
		sim.Close()
		_ = apiSrv.Close()
		_ = g.Wait()
		return err
	}

	users := slices.Clone(sandboxUsers)
	_ = db.View(func(tx *store.Tx) error {
		return tx.EachUser(func(u *store.User) error {
			if u.ID > 0 && !slices.ContainsFunc(users, func(s sandbox.User) bool { return s.ID == u.ID }) && strings.TrimSpace(u.FirstName) != "" {
				users = append(users, sandbox.User{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, Lang: u.LanguageCode})
			}
			return nil
		})
	})
	chat := sandbox.New(sandbox.Options{
		Sim:      sim,
		Clock:    clock,
		Location: cfg.Location,
		Users:    users,
		Admins:   botCfg.Admins,
		Logger:   logger,
		Addr:     web.Addr().String(),
		Host:     sandboxHostName(cfg.SandboxAddr),
		// After a jump: keep the offset, so that a restarted sandbox never runs back under the stored
		// records, then let every feature catch up at once on what fell due in between instead of at its
		// next round (daily lessons, seat offers lapse, waitlists move).
		OnTimeTravel: func(from, to time.Time) {
			if err := db.PutSandboxClockOffset(clock.Offset()); err != nil {
				logger.Warn("keep the sandbox clock", "err", err)
			}
			tctx, cancel := context.WithTimeout(gctx, 30*time.Second)
			defer cancel()
			if err := b.TimeJumped(tctx, from, to); err != nil && gctx.Err() == nil {
				logger.Warn("catch-up after time travel", "err", err)
			}
		},
	})
	site := http.NewServeMux()
	site.Handle("/dashboard", b.Dashboard.Handler())
	site.Handle("/dashboard/", b.Dashboard.Handler())
	site.Handle("/", chat)
	webSrv := &http.Server{Handler: site, ReadHeaderTimeout: 10 * time.Second}

	g.Go(func() error {
		if err := webSrv.Serve(web); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("web chat: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if err := b.Run(gctx); err != nil && gctx.Err() == nil {
			return err
		}
		return nil // stopping early (Ctrl+C at once) makes the bot's first call fail: not an error
	})
	g.Go(func() error {
		<-gctx.Done()
		// Streams and long polls end first, so that the servers can shut down at once.
		chat.Close()
		sim.Close()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = webSrv.Shutdown(sctx)
		_ = apiSrv.Shutdown(sctx)
		return nil
	})

	printSandboxBanner(stdout, web.Addr().String(), cfg, users)
	logger.Info("sandbox started", "url", "http://"+web.Addr().String(), "db", cfg.SandboxDB, "clock_offset", offset)
	return g.Wait()
}

// sandboxHostName is the host name in TAVAN_SANDBOX_ADDR when it is a name, not an IP literal: someone
// opened the sandbox under that name on purpose, and the web chat accepts requests addressed to it.
func sandboxHostName(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || net.ParseIP(host) != nil {
		return ""
	}
	return host
}

// sandboxToken is a fresh token for the emulator; it never leaves the process.
func sandboxToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "1000:sandbox-" + hex.EncodeToString(b[:])
}

func printSandboxBanner(w io.Writer, addr string, cfg Config, users []sandbox.User) {
	host, port, _ := net.SplitHostPort(addr)
	public := host != "127.0.0.1" && host != "::1" && host != "localhost"
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port)
	var people []string
	for _, u := range users {
		role := u.Role
		if role == "" {
			role = "learner"
		}
		people = append(people, fmt.Sprintf("%s %d", role, u.ID))
	}
	messenger, howTo := "Telegram", "To serve real Telegram, get a token from @BotFather and run:\n\n  TELEGRAM_BOT_TOKEN=… go run ./cmd/tavanbot run"
	if cfg.Platform.Name == bot.BalePlatform.Name {
		messenger, howTo = "Bale", "To serve real Bale, get a token from Bale's @BotFather and run:\n\n  TAVAN_PLATFORM=bale TELEGRAM_BOT_TOKEN=… go run ./cmd/tavanbot run"
	}
	fmt.Fprintf(w, `Tavan sandbox: the real bot against a built-in %s emulator, no token needed.

  Open the chat:   %s
  Act as someone:  %s/?user=%d  (one tab per person; people: %s)
  Database:        %s (TAVAN_SANDBOX_DB); time travel and admin %d exist only here.
  Staff dashboard: send /dashboard as the admin (%[3]s/?user=%[4]d) and open the link it gives.

%s

Press Ctrl+C to stop.
`, messenger, url, url, sandboxAdminID, strings.Join(people, ", "), cfg.SandboxDB, sandboxAdminID, howTo)
	if public {
		fmt.Fprintf(w, "\nWARNING: the sandbox listens on %s, beyond this machine: anyone who reaches it can act as any user, the admin included.\n", addr)
	}
}

// reachableAddr is the address a browser on this machine uses for a listener: an unspecified IP
// (0.0.0.0, ::) becomes 127.0.0.1.
func reachableAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		if ok {
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
		}
		return a.String()
	}
	return tcp.String()
}
