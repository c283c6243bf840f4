// Package dashboard is the staff dashboard: the program's figures as Persian web pages on the ops listener
// (and in the sandbox) at /dashboard, opened by a one-time link an admin asks the bot for with /dashboard.
// It reads running totals and per-day tallies from the store, a nightly rollup for what needs a scan, and
// the lessons catalog; it never writes anything but its sign-in records and the rollup.
package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tavan7/tavan/bot"
)

// Options configure the dashboard; the zero value serves it to bearer-token holders only.
type Options struct {
	// URL is the public base URL the one-time links are built on (https://staff.example.org, behind the
	// same TLS proxy as the webhook); requests must name its host. "" = no links.
	URL            string
	GoalHours      int64  // the program's learning-hours goal; default 10,000,000
	RollupSchedule string // cron spec of the rollup; default "0 3 * * *" (03:00, program zone)
}

const (
	defaultGoalHours = 10_000_000
	defaultRollup    = "0 3 * * *"
	linkLifetime     = 10 * time.Minute
	sessionLifetime  = 12 * time.Hour
)

// Feature is the dashboard on the core.
type Feature struct {
	*bot.Bot
	opts  Options
	base  *url.URL // parsed URL; nil when unset
	mux   *http.ServeMux
	sends sendMeter

	rolledOnce atomic.Bool // the rollup's first round (at start) ran
}

// Register adds the dashboard: the /dashboard command, its pages on the ops listener, the nightly rollup.
func Register(b *bot.Bot, o Options) (*Feature, error) {
	if o.GoalHours <= 0 {
		o.GoalHours = defaultGoalHours
	}
	if o.RollupSchedule == "" {
		o.RollupSchedule = defaultRollup
	}
	f := &Feature{Bot: b, opts: o}
	if o.URL != "" {
		u, err := url.Parse(strings.TrimRight(o.URL, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("dashboard: URL %q is not an http(s) URL", o.URL)
		}
		f.base = u
	}

	f.Routes(bot.AdminOnly).Command("dashboard", f.handleDashboardCommand) // auth.go

	f.Loop("dashboard", o.RollupSchedule, f.rollupLoop) // rollup.go
	f.Loop("dashboard-sends", "* * * * *", f.sampleSends)
	f.OnTimeJump(func(_ context.Context, _, to time.Time) error { return f.rollupNow(to) })

	f.mux = f.routes()
	f.OpsPage("/dashboard", f.mux)
	f.OpsPage("/dashboard/", f.mux)
	return f, nil
}

// Handler serves the dashboard (the sandbox mounts it on its own address).
func (f *Feature) Handler() http.Handler { return f.mux }

// sendMeter keeps the sends counter of the last two minutes' samples, for "sends per minute".
type sendMeter struct {
	mu         sync.Mutex
	prev, last sendSample
}

type sendSample struct {
	at    time.Time
	total float64
	r429  float64
}
