// Package bot is Tavan's application: the update loop, the router and one file per feature. It talks to
// Telegram through tgbotapi and keeps its state in package store.
package bot

import (
	"context"
	"errors"
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

// Deps is everything the bot needs from outside; cmd/tavanbot wires it.
type Deps struct {
	API      Telegram
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
	QuizMode    string                           // "poll" (native quiz polls, the default) or "buttons"
	PassShare   float64                          // share of right answers that passes a lesson quiz; default 0.5

	PollTimeout time.Duration // long-poll seconds; default 25s
	Workers     int           // parallel chat workers; default 64

	// The consultants club (consult.go); zero values take the defaults there.
	ConsultOfferTimeout   time.Duration // a request unclaimed this long is offered to every available consultant; 10m
	ConsultIdleTimeout    time.Duration // an open session silent this long closes itself; 24h
	ConsultDailyLimit     int           // requests a learner may make per day; 3
	ConsultSweepEvery     time.Duration // how often Run checks those timeouts; 1m; negative: never (tests sweep themselves)
	ConsultRelayPerMinute int           // messages one chat may relay per minute before being asked to slow down; 20

	Ops     OpsOptions       // figures, backups, ops listener, webhook mode (ops.go)
	Metrics *metrics.Metrics // Prometheus series; nil makes a fresh private registry
	// Delivery (delivery.go): flood limits, quiet hours, and the timer the sender and scheduler wait on.
	SendRate      float64                                               // messages a second over all chats; default 30 (1000 when PaidBroadcast)
	PaidBroadcast bool                                                  // allow_paid_broadcast on bulk sends; allows SendRate up to 1000
	QuietHours    string                                                // no bulk sends then, in the learner's zone: "23:00-07:00" (default) or "off"
	After         func(d time.Duration) (<-chan time.Time, func() bool) // a timer on Now; nil = real timers
}

// Bot is the running application.
type Bot struct {
	Deps
	router  *Router
	content atomic.Pointer[lessons.Catalog]

	pollsUnsupported atomic.Bool // the Bot API server refused sendPoll: quizzes use buttons from then on

	inflight        inflightCounter
	noticeDelivered func(store.Job, Notice) // tests observe what the outbox sender delivered
	lastPoll        atomic.Int64            // unix nanos of the last successful getUpdates (or webhook call), for health checks
	panics          atomic.Int64

	club clubState     // consult_relay.go, consult_sweep.go: the club's in-memory state
	ops  opsState      // ops.go: readiness, webhook wake-up, figure hooks
	dl   deliveryState // the outbox sender, the Gate, the scheduler and broadcasts (delivery.go)
}

// New builds a bot; Run starts it.
func New(d Deps) (*Bot, error) {
	if d.API == nil || d.Store == nil || d.Texts == nil || d.Catalog == nil {
		return nil, errors.New("bot: API, Store, Texts and Catalog are required")
	}
	if d.PassShare <= 0 || d.PassShare > 1 {
		d.PassShare = 0.5
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
	b := &Bot{Deps: d}
	if err := b.initDelivery(); err != nil {
		return nil, err
	}
	b.content.Store(d.Catalog)
	if err := b.initOps(); err != nil {
		return nil, err
	}
	b.router = b.routes()
	return b, nil
}

// IsAdmin reports whether id may use admin commands: one of TAVAN_ADMINS or added with /admins (one
// short read of the store); checked on every request.
func (b *Bot) IsAdmin(id int64) bool { return slices.Contains(b.Admins, id) || b.Store.IsAdmin(id) }

// now is the current time in the program's zone.
func (b *Bot) now() time.Time { return b.Now().In(b.Location) }

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
// coexist) and publishes the command menus. With Ops.WebhookURL it sets the webhook instead and handles
// what WebhookHandler receives (webhook.go).
func (b *Bot) Run(ctx context.Context) error {
	if b.Ops.WebhookURL != "" {
		if err := b.setWebhook(); err != nil {
			return err
		}
	} else if _, err := b.API.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		return describe("deleteWebhook", err)
	}
	b.setCommands()
	stopEvents := b.startEventsLoop(ctx) // events.go: seat offers lapse on time
	defer stopEvents()
	// consult_sweep.go: the club's timeouts, until ctx ends; waited for so the store outlives the sweep.
	wait := b.startConsultSweeps(ctx)
	defer wait()
	defer b.servingUntil(ctx)() // ops.go: /readyz
	return b.serve(ctx)         // updates (polling or webhook) with the outbox sender, the scheduler and broadcasts (delivery.go)
}
