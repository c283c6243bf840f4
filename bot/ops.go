package bot

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tavan7/tavan/bot/metrics"
	"github.com/tavan7/tavan/bot/store"
)

// Operations: the admins' figures and files (/stats, /export, /backup, /admins), the ops HTTP listener
// (/metrics, /healthz, /readyz, /backup, /export), daily local backups and webhook mode. The pieces live
// in admins.go, stats.go, chart.go, export.go, backup.go and webhook.go; this file holds their options,
// their shared state and the HTTP listener.

// OpsOptions configure the operations features; the zero value works (no backups, long polling).
type OpsOptions struct {
	GoalHours     int64  // the program's learning-hours goal; default 10,000,000
	HTTPAddr      string // where the ops listener is (only mentioned to admins; cmd/tavanbot listens)
	HTTPToken     string // bearer token of /metrics, /backup and /export on the ops listener; "" refuses them
	BackupDir     string // daily local backups go here; "" = none
	BackupKeep    int    // how many daily backups to keep; default 7
	BackupHour    int    // the daily backup is taken at the first check after this hour (program zone); default 3
	WebhookURL    string // webhook mode: the public HTTPS URL Telegram posts to; "" = long polling
	WebhookSecret string // the X-Telegram-Bot-Api-Secret-Token Telegram must send; generated when empty
	MaxDocument   int64  // the largest file sent in a chat; default 50 MB, Telegram's upload limit
}

const (
	defaultGoalHours   = 10_000_000
	defaultBackupKeep  = 7
	defaultBackupHour  = 3
	defaultMaxDocument = 50 << 20
	healthWindow       = 2 * time.Minute // /healthz wants a Telegram call this recent
)

// Figures of other features come through these hooks (ops_features.go wires events and consultations);
// a feature without a hook shows "—" in /stats, has nothing to export and reads NaN in /metrics.
type (
	// eventFiguresFunc reads the event figures in the /stats transaction.
	eventFiguresFunc func(tx *store.Tx, now time.Time) (EventFigures, error)
	// consultFiguresFunc reads the consultation figures in the /stats transaction.
	consultFiguresFunc func(tx *store.Tx, now time.Time) (ConsultFigures, error)
)

// opsState is the operations features' runtime state.
type opsState struct {
	serving atomic.Bool   // the bot takes updates and is not shutting down (/readyz)
	wake    chan struct{} // the webhook handler wakes the inbox reader

	eventFigures   eventFiguresFunc
	consultFigures consultFiguresFunc
	exports        map[string]exportFunc // by export kind; events and consultations come from their features
}

// opsRoutes registers the admin commands of the operations features.
func (b *Bot) opsRoutes(r *Router) {
	b.adminsRoutes(r)
	b.statsRoutes(r)
	b.exportRoutes(r)
	b.backupRoutes(r)
	b.wireFeatureFigures() // ops_features.go: events and consultations
}

// initOps fills the defaults and the metrics sources; New calls it before the routes are built.
func (b *Bot) initOps() error {
	o := &b.Ops
	if o.GoalHours <= 0 {
		o.GoalHours = defaultGoalHours
	}
	if o.BackupKeep <= 0 {
		o.BackupKeep = defaultBackupKeep
	}
	if o.BackupHour < 0 || o.BackupHour > 23 {
		o.BackupHour = defaultBackupHour
	}
	if o.MaxDocument <= 0 {
		o.MaxDocument = defaultMaxDocument
	}
	if o.WebhookURL != "" && o.WebhookSecret == "" {
		// Telegram echoes the secret in a header; without a configured one, a fresh one per run is as good.
		var raw [24]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return fmt.Errorf("webhook secret: %w", err)
		}
		o.WebhookSecret = hex.EncodeToString(raw[:])
	}
	if b.Metrics == nil {
		b.Metrics = metrics.New()
	}
	b.ops.wake = make(chan struct{}, 1)
	b.ops.exports = map[string]exportFunc{
		exportLearners: b.exportLearnerRows,
		exportProgress: b.exportProgressRows,
	}
	b.Metrics.SetSources(metrics.Sources{
		Lanes:             []string{store.LaneNotice, store.LaneBulk},
		OutboxDepth:       b.Store.CountJobs,
		OpenConsultations: b.openConsultations,
		InboxDepth:        b.Store.InboxLen,
		Panics:            b.panics.Load,
	})
	return nil
}

// servingUntil marks the bot ready until ctx ends: /readyz fails as soon as shutdown begins.
func (b *Bot) servingUntil(ctx context.Context) (stop func()) {
	b.ops.serving.Store(true)
	cancel := context.AfterFunc(ctx, func() { b.ops.serving.Store(false) })
	return func() {
		cancel()
		b.ops.serving.Store(false)
	}
}

// openConsultations is the metrics source of open sessions, from the consultations feature's figures.
func (b *Bot) openConsultations() (int, bool) {
	if b.ops.consultFigures == nil {
		return 0, false
	}
	var open int
	err := b.Store.View(func(tx *store.Tx) error {
		f, err := b.ops.consultFigures(tx, b.now())
		open = f.Open
		return err
	})
	return open, err == nil
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
	allowed, _ := json.Marshal(allowedUpdates)
	form := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {"1"}, "timeout": {"0"}, "allowed_updates": {string(allowed)}}
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

// OpsHandler serves the ops listener: /healthz and /readyz to anyone who can reach it; /metrics, /backup
// and /export/{kind} (learners, progress, events, consultations) to holders of the bearer token.
func (b *Bot) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", b.serveHealthz)
	mux.HandleFunc("GET /readyz", b.serveReadyz)
	mux.Handle("GET /metrics", b.authorized(b.Metrics.Handler()))
	mux.Handle("GET /backup", b.authorized(http.HandlerFunc(b.serveBackup)))
	mux.Handle("GET /export/{kind}", b.authorized(http.HandlerFunc(b.serveExport)))
	return mux
}

// authorized lets a request through with the right bearer token; the comparison takes the same time
// whatever the token, and a refusal is logged without the token that was sent.
func (b *Bot) authorized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.Ops.HTTPToken == "" {
			http.Error(w, "forbidden: TAVAN_HTTP_TOKEN is not set", http.StatusForbidden)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(b.Ops.HTTPToken)) != 1 {
			b.Logger.Warn("ops request refused: missing or wrong bearer token", "path", r.URL.Path, "remote", r.RemoteAddr)
			w.Header().Set("WWW-Authenticate", `Bearer realm="tavan"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// serveHealthz answers 200 when the store commits a write and Telegram answered a getUpdates (or sent a
// webhook, or answered the webhook check) in the last two minutes; else 503 with the reasons.
func (b *Bot) serveHealthz(w http.ResponseWriter, _ *http.Request) {
	var problems []string
	if err := b.Store.Writable(); err != nil {
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
	if !b.ops.serving.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not serving")
		return
	}
	fmt.Fprintln(w, "ready")
}
