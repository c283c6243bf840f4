package bot

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tavan7/tavan/bot/metrics"
	"github.com/tavan7/tavan/bot/store"
)

// The ops listener's core: /healthz, /readyz and /metrics (features add their routes with OpsRoute),
// the metrics' sources, and the shutdown courtesy that confirms the last batch of updates.

const healthWindow = 2 * time.Minute // /healthz wants a Telegram call this recent

// initMetrics points the metrics at their sources; New calls it.
func (b *Bot) initMetrics() {
	b.Metrics.SetSources(metrics.Sources{
		Lanes:       []string{store.LaneNotice, store.LaneBulk},
		OutboxDepth: b.Store.CountJobs,
		InboxDepth:  b.Store.InboxLen,
		Panics:      b.panics.Load,
	})
}

// servingUntil marks the bot ready until ctx ends: /readyz fails as soon as shutdown begins.
func (b *Bot) servingUntil(ctx context.Context) (stop func()) {
	b.serving.Store(true)
	cancel := context.AfterFunc(ctx, func() { b.serving.Store(false) })
	return func() {
		cancel()
		b.serving.Store(false)
	}
}

// confirmOffset tells Telegram at shutdown that every update below offset arrived (they are saved in the
// inbox already), so a restart does not fetch the last batch again: a getUpdates that returns at once.
// It is a courtesy; if it fails, the saved offset and the handled ids cover the redelivery.
func (b *Bot) confirmOffset(ctx context.Context, offset int) {
	if offset <= 0 {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	form := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {"1"}, "timeout": {"0"}}
	b.filterUpdates(form)
	endpoint := strings.TrimRight(b.APIURL, "/") + "/bot" + b.Token + "/getUpdates"
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.HTTP.Do(req)
	if err != nil {
		b.Logger.Debug("confirm the last batch", "err", "request failed") // a url.Error would carry the token
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// sendLaneKey carries the lane a send belongs to, for the sends metric.
type sendLaneKey struct{}

// withSendLane marks sends made with ctx as belonging to an outbox lane (the outbox sender uses it);
// sends without it are replies.
func withSendLane(ctx context.Context, lane string) context.Context {
	return context.WithValue(ctx, sendLaneKey{}, lane)
}

func sendLane(ctx context.Context) string {
	if lane, ok := ctx.Value(sendLaneKey{}).(string); ok {
		return lane
	}
	return metrics.LaneReply
}

// OpsHandler serves the ops listener: /healthz and /readyz to anyone who can reach it; /metrics and the
// features' routes (OpsRoute: /backup, /export/{kind} …) to holders of the bearer token.
func (b *Bot) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", b.serveHealthz)
	mux.HandleFunc("GET /readyz", b.serveReadyz)
	mux.Handle("GET /metrics", b.authorized(b.Metrics.Handler()))
	for _, r := range b.reg.opsRoutes {
		mux.Handle(r.pattern, b.authorized(r.h))
	}
	for _, r := range b.reg.opsPages {
		mux.Handle(r.pattern, r.h)
	}
	return mux
}

// authorized lets a request through with the right bearer token; the comparison takes the same time
// whatever the token, and a refusal is logged without the token that was sent.
func (b *Bot) authorized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.HTTPToken == "" {
			http.Error(w, "forbidden: TAVAN_HTTP_TOKEN is not set", http.StatusForbidden)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(b.HTTPToken)) != 1 {
			b.Logger.Warn("ops request refused: missing or wrong bearer token", "path", r.URL.Path, "remote", r.RemoteAddr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="tavan"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// healthEvery is how long a /healthz result is reused: the listener is unauthenticated, and a probe that
// wrote to the store on every call let anyone slow the bot's own writes down.
const healthEvery = 5 * time.Second

// healthProbe is the last store-write check, shared by every /healthz caller until it is healthEvery old.
type healthProbe struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// storeWritable checks that the store commits a write, at most once per healthEvery.
func (b *Bot) storeWritable() error {
	p := &b.health
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := b.Now(); p.at.IsZero() || now.Sub(p.at) >= healthEvery || now.Before(p.at) {
		p.err, p.at = b.Store.Writable(), now
	}
	return p.err
}

// serveHealthz answers 200 when the store commits a write (checked at most every few seconds) and
// Telegram answered a getUpdates (or sent a webhook, or answered the webhook check) in the last two
// minutes; else 503 with the reasons.
func (b *Bot) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	var problems []string
	if err := b.storeWritable(); err != nil {
		problems = append(problems, "store: not writable: "+err.Error())
	}
	switch last := b.LastPoll(); {
	case last.IsZero():
		problems = append(problems, "telegram: no successful getUpdates or webhook call yet")
	case b.Now().Sub(last) > healthWindow:
		problems = append(problems, fmt.Sprintf("telegram: last successful getUpdates or webhook call %s ago", b.Now().Sub(last).Round(time.Second)))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(problems) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(problems, "\n"))
		return
	}
	fmt.Fprintln(w, "ok")
}

// serveReadyz answers 200 while the bot takes updates, 503 before it starts and once shutdown begins.
func (b *Bot) serveReadyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !b.serving.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not serving")
		return
	}
	fmt.Fprintln(w, "ready")
}
