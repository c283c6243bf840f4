package ops_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/store"
)

// The ops listener's /metrics, /healthz and /readyz and the shutdown are the core's; they are tested here,
// with the operations features, against the whole app.

func TestMetricsExposeNamedSeries(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.HTTPToken = testOpsToken })
	h.Onboard(maryam, "fa", "home")
	// One reply meets a 429 (retried after retry_after), one a 403.
	h.Sim.FailNext("sendMessage", 1, 429, "", 1)
	h.Send(maryam, "/help")
	h.Sim.FailNext("sendMessage", 1, 403, "", 0)
	before := h.Count(maryam)
	h.Send(maryam, "/help")
	// A 403 on a reply: the learner blocked the bot. They are marked inactive and nothing else is sent
	// to them — no apology into a chat that refuses messages.
	if got := h.Count(maryam); got != before {
		t.Errorf("after a 403 the bot sent %d more messages; want none", got-before)
	}
	if !h.User(maryam).Blocked {
		t.Error("a 403 on a reply did not mark the learner inactive")
	}
	h.App.Metrics.SchedulerLag(1500 * time.Millisecond) // what the scheduler reports on each tick
	if err := h.DB.Update(func(tx *store.Tx) error {
		// Due in an hour: it waits in the bulk lane while /metrics is read (due now, the sender could
		// deliver it first).
		return h.App.Enqueue(tx, bot.Notice{ChatID: maryam.ID, Text: "x", Bulk: true, NotBefore: h.Clock.Now().Add(time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}

	if rec := h.opsGet("/metrics", ""); rec.Code != 401 || rec.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("/metrics without a token = %d", rec.Code)
	}
	rec := h.opsGet("/metrics", testOpsToken)
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d", rec.Code)
	}
	body := rec.Body.String()
	containsAll(t, "/metrics", body,
		`tavan_updates_total{type="message"}`,
		`tavan_updates_total{type="callback_query"}`,
		`tavan_updates_handled_total{handler="/help",outcome="ok"} 1`,
		`tavan_updates_handled_total{handler="/help",outcome="gone"} 1`,
		`tavan_handler_duration_seconds_bucket{handler="/start",le="0.005"}`,
		`tavan_handler_duration_seconds_count{handler="cb:track"}`,
		`tavan_telegram_sends_total{lane="reply",result="429"} 1`,
		`tavan_telegram_sends_total{lane="reply",result="403"} 1`,
		`tavan_telegram_sends_total{lane="bulk",result="ok"} 0`,
		`tavan_outbox_depth{lane="bulk"} 1`,
		`tavan_outbox_depth{lane="notice"} 0`,
		`tavan_scheduler_lag_seconds 1.5`,
		`tavan_consultation_sessions_open 0`,
		`tavan_update_inbox_depth`,
		`tavan_handler_panics_total 0`,
		`tavan_backup_last_success_timestamp_seconds 0`,
		`go_goroutines`, `process_`,
	)
	// The consultations feature plugs in its figures; the gauge follows.
	seedEventsAndConsultations(t, h)
	containsAll(t, "/metrics with consultations", h.opsGet("/metrics", testOpsToken).Body.String(), "tavan_consultation_sessions_open 1")

	// Per-update log lines at info: ids, handler, outcome, duration; never what was typed.
	logs := h.Logs.String()
	containsAll(t, "logs", logs, "level=INFO msg=update", "handler=/help", "outcome=ok", "duration=", "update_id=")
	h.Send(maryam, "/my_secret_plan")
	h.Send(maryam, "نقشهٔ محرمانهٔ من")
	if logs := h.Logs.String(); strings.Contains(logs, "my_secret_plan") || strings.Contains(logs, "محرمانه") {
		t.Error("message contents reached the logs")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t, nil)
	h.Send(maryam, "/start")
	if rec := h.opsGet("/healthz", ""); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "ok" {
		t.Errorf("/healthz = %d %q", rec.Code, rec.Body.String())
	}
	if rec := h.opsGet("/readyz", ""); rec.Code != 200 {
		t.Errorf("/readyz while serving = %d", rec.Code)
	}
	// No successful getUpdates for three minutes (on the bot's clock): unhealthy until the next one.
	h.Clock.Advance(3 * time.Minute)
	if rec := h.opsGet("/healthz", ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "telegram: last successful getUpdates or webhook call 3m0s ago") {
		t.Errorf("/healthz after 3 silent minutes = %d %q", rec.Code, rec.Body.String())
	}
	h.Send(maryam, "/help")
	if rec := h.opsGet("/healthz", ""); rec.Code != 200 {
		t.Errorf("/healthz after a poll = %d %q", rec.Code, rec.Body.String())
	}
	h.Stop() // closes the store
	// The store check is reused for five seconds (an unauthenticated probe must not cost a write per
	// call): the closed store shows only once that has passed.
	if rec := h.opsGet("/healthz", ""); rec.Code != 200 {
		t.Errorf("/healthz within 5 s of a good store check = %d %q; want the cached result", rec.Code, rec.Body.String())
	}
	h.Clock.Advance(5 * time.Second)
	rec := h.opsGet("/healthz", "")
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "store: not writable") {
		t.Errorf("/healthz with the store closed = %d %q", rec.Code, rec.Body.String())
	}
	if rec := h.opsGet("/readyz", ""); rec.Code != 503 {
		t.Errorf("/readyz after shutdown = %d", rec.Code)
	}
}

// gatedAPI holds sendMessage calls until released, to catch the bot with an update in flight.
type gatedAPI struct {
	bot.Telegram
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (g *gatedAPI) Send(c tgbotapi.Chattable) (tgbotapi.Message, error) {
	if _, ok := c.(tgbotapi.MessageConfig); ok {
		g.once.Do(func() {
			close(g.entered)
			<-g.release
		})
	}
	return g.Telegram.Send(c)
}

// TestShutdownFinishesInFlightUpdate: SIGTERM (ctx cancelled) while a handler waits on Telegram: the
// handler finishes, its reply is delivered, its update is committed and confirmed, and Run returns well
// within 10 seconds.
func TestShutdownFinishesInFlightUpdate(t *testing.T) {
	gate := &gatedAPI{entered: make(chan struct{}), release: make(chan struct{})}
	h := newHarness(t, func(c *app.Config) {
		gate.Telegram = c.API
		c.API = gate
	})
	m := h.Sim.SendText(maryam, "/help")
	<-gate.entered
	stopped := make(chan struct{})
	go func() { h.Stop(); close(stopped) }() // SIGTERM, then wait for Run (Stop reports its error)
	for !h.shutdownBegun() {
		runtime.Gosched()
	}
	start := time.Now()
	close(gate.release)
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of the shutdown signal")
	}
	t.Logf("shutdown took %v after the signal", time.Since(start))
	if !strings.Contains(h.Last(maryam).Plain, "راهنمای توان") {
		t.Errorf("the in-flight reply was not delivered: %q", h.Last(maryam).Plain)
	}
	// Committed: the stored offset moved past it (its handled id is pruned then, as Telegram will not
	// send it again).
	db, err := store.Open(h.DBPath, store.Options{Now: h.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if off, _ := db.Offset(); off <= m.UpdateID {
		t.Errorf("stored offset %d; the in-flight update %d was not committed", off, m.UpdateID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Sim.WaitConfirmed(ctx, m.UpdateID); err != nil {
		t.Errorf("the last batch was not confirmed to Telegram at shutdown: %v", err)
	}
}
