// Package bot is Tavan's core: the update loop (long polling or webhook), dispatch by chat, the router
// and its guards, Ctx and Apply, the sender and the outbox's delivery, the callback codec, the one text
// helper (Voice), and the registries that features fill when app.New registers them: routes, deep-link
// prefixes, menu entries, loops, and contributions to shared screens. It names no feature.
package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/metrics"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
	"github.com/tavan7/tavan/locales"
)

// Telegram is the part of tgbotapi.BotAPI the bot uses.
type Telegram interface {
	Send(c tgbotapi.Chattable) (tgbotapi.Message, error)
	Request(c tgbotapi.Chattable) (*tgbotapi.APIResponse, error)
	MakeRequest(endpoint string, params tgbotapi.Params) (*tgbotapi.APIResponse, error)
}

// Deps is everything the core needs from outside; bot/app builds it from cmd/tavanbot's configuration.
// Features take their own options when they are registered.
type Deps struct {
	API      Telegram
	Platform Platform     // the messenger (platform.go); the zero value is TelegramPlatform
	APIURL   string       // e.g. https://api.telegram.org; getUpdates is called on APIURL/bot<token>/getUpdates
	Token    string       // used only to build the getUpdates URL, never logged
	HTTP     *http.Client // for getUpdates; its timeout must exceed PollTimeout
	Username string       // the bot's @username, for /cmd@username
	Store    *store.DB
	Texts    *locales.Bundle
	Admins   []int64
	Location *time.Location // the program's time zone (Asia/Tehran)
	Now      func() time.Time
	Sleep    func(ctx context.Context, d time.Duration) error // waits for retry_after and backoff; tests make it instant
	Logger   *slog.Logger

	Catalog     *lessons.Catalog                 // the content served at start
	LoadContent func() (*lessons.Catalog, error) // loads the content again for /reload and SIGHUP; nil = fixed

	PollTimeout time.Duration // long-poll seconds; default 25s
	Workers     int           // parallel chat workers; default 64

	Metrics *metrics.Metrics // Prometheus series; nil makes a fresh private registry

	// Webhook mode (webhook.go): the public HTTPS URL Telegram posts to ("" = long polling) and the
	// X-Telegram-Bot-Api-Secret-Token it must send (generated when empty).
	WebhookURL    string
	WebhookSecret string
	// HTTPToken is the bearer token of the ops listener's protected routes (/metrics and what features
	// add with OpsRoute); "" refuses them.
	HTTPToken string

	// Delivery (delivery.go): flood limits, quiet hours, and the timer the sender and loops wait on.
	SendRate      float64                                               // messages a second over all chats; default 30 (1000 when PaidBroadcast)
	PaidBroadcast bool                                                  // allow_paid_broadcast on bulk sends; allows SendRate up to 1000
	QuietHours    string                                                // no bulk sends then, in the learner's zone: "23:00-07:00" (default) or "off"
	After         func(d time.Duration) (<-chan time.Time, func() bool) // a timer on Now; nil = real timers
}

// Bot is the running core with the features registered into it.
type Bot struct {
	Deps
	router  *Router
	reg     registry
	content atomic.Pointer[lessons.Catalog]

	inflight inflightCounter
	lastPoll atomic.Int64 // unix nanos of the last successful getUpdates (or webhook call), for health checks
	panics   atomic.Int64

	// NoticeDelivered, when set (tests), is told of every notice the outbox sender delivered.
	NoticeDelivered func(store.Job, Notice)

	serving atomic.Bool   // the bot takes updates and is not shutting down (/readyz)
	wake    chan struct{} // the webhook handler wakes the inbox reader
	dl      deliveryState
	fin     atomic.Pointer[finisher] // set while the update loop runs
	recent  recentChats              // when each chat last wrote to the bot (replies vs bulk)
	health  healthProbe              // /healthz's cached store check
	api     *platformAPI             // Deps.API as given, seen through the platform
	menus   chan struct{}            // closed when Run has published the command menus (commands.go)
}

// New builds the core; features register into it (bot/app), then Run starts it.
func New(d Deps) (*Bot, error) {
	if d.API == nil || d.Store == nil || d.Texts == nil || d.Catalog == nil {
		return nil, errors.New("bot: API, Store, Texts and Catalog are required")
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sleep == nil {
		d.Sleep = sleepCtx
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.PollTimeout == 0 {
		d.PollTimeout = 25 * time.Second
	}
	if d.Workers == 0 {
		d.Workers = 64
	}
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: d.PollTimeout + 15*time.Second}
	}
	if d.WebhookURL != "" && d.WebhookSecret == "" {
		// Telegram echoes the secret in a header; without a configured one, a fresh one per run is as good.
		var raw [24]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, fmt.Errorf("webhook secret: %w", err)
		}
		d.WebhookSecret = hex.EncodeToString(raw[:])
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	if d.Platform.Name == "" {
		d.Platform = TelegramPlatform
	}
	d.Texts = d.Texts.ForMessenger(d.Platform.Name) // {{.Messenger}} names the platform in every text
	b := &Bot{Deps: d, router: newRouter(), wake: make(chan struct{}, 1), menus: make(chan struct{})}
	b.api = &platformAPI{Telegram: d.API, b: b}
	b.API = b.api
	b.reg.init()
	if err := b.initDelivery(); err != nil {
		return nil, err
	}
	b.content.Store(d.Catalog)
	b.initMetrics()
	return b, nil
}

// IsAdmin reports whether id may use admin commands: one of TAVAN_ADMINS or added with /admins (one
// short read of the store); checked on every request.
func (b *Bot) IsAdmin(id int64) bool { return slices.Contains(b.Admins, id) || b.Store.IsAdmin(id) }

// LocalNow is the current time in the program's zone.
func (b *Bot) LocalNow() time.Time { return b.Now().In(b.Location) }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run serves updates until ctx ends. It removes any webhook first (long polling and a webhook cannot
// coexist) and publishes the command menus. With WebhookURL it sets the webhook instead and handles what
// WebhookHandler receives (webhook.go). The features' services and loops run beside the update loop and
// the outbox sender, and end with ctx.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if b.WebhookURL != "" {
		if err := b.setWebhook(); err != nil {
			return err
		}
	} else if _, err := b.API.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		return Describe("deleteWebhook", err)
	}
	menus := b.publishMenus(ctx)
	defer func() { <-menus }()
	defer b.servingUntil(ctx)() // /readyz
	return b.serve(ctx)
}
