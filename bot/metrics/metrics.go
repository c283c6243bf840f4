// Package metrics keeps Tavan's Prometheus series on a private registry (never the global one, so tests
// and two bots in one process do not collide). The bot, the outbox sender and the scheduler record into
// one *Metrics; the ops listener serves it at /metrics.
//
// For the engines being written elsewhere:
//   - the outbox sender calls Sent(lane, ResultOf(err)) once per Telegram request it makes itself (sends
//     through the bot's own send helpers are counted already) and may register its own series (repeats
//     after a crash, say) on Registry();
//   - the scheduler calls SchedulerLag(now - tick.scheduled) on every tick;
//   - the outbox depth and the open consultation sessions are read at scrape time from SetSources.
package metrics

import (
	"errors"
	"math"
	"net/http"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Results of a Telegram request, the values of the result label of tavan_telegram_sends_total.
const (
	ResultOK          = "ok"
	ResultRateLimited = "429"     // Too Many Requests: the sender must wait retry_after
	ResultForbidden   = "403"     // the user blocked the bot
	ResultBadRequest  = "4xx"     // any other client error (400 chat not found, bad HTML, …)
	ResultServerError = "5xx"     // Telegram's side
	ResultNetwork     = "network" // no HTTP answer: timeouts, refused connections, cancelled requests
)

// Lanes of sends, the values of the lane label.
const (
	LaneReply  = "reply"  // immediate answers to a user's own action
	LaneNotice = "notice" // outbox: time-sensitive notices
	LaneBulk   = "bulk"   // outbox: daily lessons, nudges, broadcasts
)

// ResultOf classifies the error of a Telegram request (nil is ResultOK).
func ResultOf(err error) string {
	if err == nil {
		return ResultOK
	}
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code == 0 {
		return ResultNetwork
	}
	switch c := apiErr.Code; {
	case c == 429:
		return ResultRateLimited
	case c == 403:
		return ResultForbidden
	case c >= 500:
		return ResultServerError
	}
	return ResultBadRequest
}

// Sources are read at scrape time. A nil function means the figure is not available (yet): its series
// reads NaN rather than a misleading zero.
type Sources struct {
	Lanes             []string                       // outbox lanes to report
	OutboxDepth       func(lane string) (int, error) // jobs waiting in a lane
	OpenConsultations func() (int, bool)             // open consultation sessions; false until that feature lands
	InboxDepth        func() (int, error)            // webhook updates received and not yet handled
	Panics            func() int64                   // handler panics recovered since start
}

// Metrics are the series of one bot process.
type Metrics struct {
	reg *prometheus.Registry

	updates  *prometheus.CounterVec
	handled  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	sends    *prometheus.CounterVec
	schedLag prometheus.Gauge
	webhook  *prometheus.CounterVec
	tooOld   prometheus.Counter
	dropped  prometheus.Counter

	backupTime    prometheus.Gauge
	backupSize    prometheus.Gauge
	backupFailure prometheus.Counter

	mu  sync.RWMutex
	src Sources
}

// New makes the series on a fresh private registry, with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tavan_updates_total", Help: "Updates received from Telegram, by type.",
		}, []string{"type"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tavan_updates_handled_total", Help: "Updates handled, by handler and outcome (ok, error, duplicate, replay, gone, panic, ignored).",
		}, []string{"handler", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tavan_handler_duration_seconds",
			Help:    "Time to handle one update, replies included, by handler.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"handler"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tavan_telegram_sends_total", Help: "Requests to the Bot API that deliver something, by lane and result (ok, 429, 403, 4xx, 5xx, network).",
		}, []string{"lane", "result"}),
		schedLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tavan_scheduler_lag_seconds", Help: "How late the last scheduler tick ran after its minute began.",
		}),
		webhook: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tavan_webhook_requests_total", Help: "Webhook requests, by result (ok, duplicate, unauthorized, too_large, bad_request, method, error).",
		}, []string{"result"}),
		tooOld: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tavan_callback_answers_too_old_total", Help: "Button presses replayed after Telegram's answer window (about 15 s): not answered, their edits and sends still carried out.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tavan_updates_dropped_total", Help: "Updates dropped because their chat's backlog was full (a flood).",
		}),
		backupTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tavan_backup_last_success_timestamp_seconds", Help: "When the last local backup was written (Unix time; 0 before the first).",
		}),
		backupSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tavan_backup_size_bytes", Help: "Size of the last local backup.",
		}),
		backupFailure: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tavan_backup_failures_total", Help: "Local backups that failed.",
		}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.updates, m.handled, m.latency, m.sends, m.schedLag, m.webhook, m.tooOld, m.dropped,
		m.backupTime, m.backupSize, m.backupFailure,
		&scrapeCollector{m: m},
	)
	// Pre-create the series whose absence would hide a problem: a dashboard sees 0, not "no data".
	for _, lane := range []string{LaneReply, LaneNotice, LaneBulk} {
		for _, r := range []string{ResultOK, ResultRateLimited, ResultForbidden, ResultBadRequest, ResultServerError, ResultNetwork} {
			m.sends.WithLabelValues(lane, r)
		}
	}
	for _, r := range []string{"ok", "unauthorized"} {
		m.webhook.WithLabelValues(r)
	}
	return m
}

// SetSources sets the functions read at scrape time.
func (m *Metrics) SetSources(s Sources) {
	m.mu.Lock()
	m.src = s
	m.mu.Unlock()
}

// SetOpenConsultations sets the source of the open-sessions gauge (the consultations feature's).
func (m *Metrics) SetOpenConsultations(fn func() (int, bool)) {
	m.mu.Lock()
	m.src.OpenConsultations = fn
	m.mu.Unlock()
}

// Registry is the private registry, for engines that add their own series.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Update counts one update received, by type (message, callback_query, …).
func (m *Metrics) Update(kind string) { m.updates.WithLabelValues(kind).Inc() }

// CallbackTooOld counts a button press not answered because Telegram's window had passed.
func (m *Metrics) CallbackTooOld() { m.tooOld.Inc() }

// Dropped counts an update dropped from a flooding chat.
func (m *Metrics) Dropped() { m.dropped.Inc() }

// Handled records one handled update. handler must come from a fixed set (the router's route names),
// never from user input, or the series multiply without bound.
func (m *Metrics) Handled(handler, outcome string, d time.Duration) {
	m.handled.WithLabelValues(handler, outcome).Inc()
	m.latency.WithLabelValues(handler).Observe(d.Seconds())
}

// Sent counts one Telegram request's result in a lane.
func (m *Metrics) Sent(lane, result string) { m.sends.WithLabelValues(lane, result).Inc() }

// SchedulerLag records how late a scheduler tick ran.
func (m *Metrics) SchedulerLag(d time.Duration) { m.schedLag.Set(max(d, 0).Seconds()) }

// Webhook counts one webhook request by result.
func (m *Metrics) Webhook(result string) { m.webhook.WithLabelValues(result).Inc() }

// Backup records a local backup: its time and size, or a failure.
func (m *Metrics) Backup(at time.Time, size int64, err error) {
	if err != nil {
		m.backupFailure.Inc()
		return
	}
	m.backupTime.Set(float64(at.Unix()))
	m.backupSize.Set(float64(size))
}

// scrapeCollector reads the Sources at scrape time.
type scrapeCollector struct{ m *Metrics }

var (
	descOutbox   = prometheus.NewDesc("tavan_outbox_depth", "Jobs waiting in the outbox, by lane.", []string{"lane"}, nil)
	descConsult  = prometheus.NewDesc("tavan_consultation_sessions_open", "Open consultation sessions (NaN until the consultations feature reports them).", nil, nil)
	descInbox    = prometheus.NewDesc("tavan_update_inbox_depth", "Updates saved (polled or by webhook) and not yet handled; a handler that failed leaves its update here until the next start.", nil, nil)
	descPanics   = prometheus.NewDesc("tavan_handler_panics_total", "Handler panics recovered.", nil, nil)
	descScrapeOK = prometheus.NewDesc("tavan_scrape_source_errors", "Scrape-time sources that failed in this scrape.", nil, nil)
)

func (c *scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutbox
	ch <- descConsult
	ch <- descInbox
	ch <- descPanics
	ch <- descScrapeOK
}

func (c *scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.RLock()
	src := c.m.src
	c.m.mu.RUnlock()
	failed := 0
	for _, lane := range src.Lanes {
		v := math.NaN()
		if src.OutboxDepth != nil {
			if n, err := src.OutboxDepth(lane); err == nil {
				v = float64(n)
			} else {
				failed++
			}
		}
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, v, lane)
	}
	open := math.NaN()
	if src.OpenConsultations != nil {
		if n, ok := src.OpenConsultations(); ok {
			open = float64(n)
		}
	}
	ch <- prometheus.MustNewConstMetric(descConsult, prometheus.GaugeValue, open)
	inbox := math.NaN()
	if src.InboxDepth != nil {
		if n, err := src.InboxDepth(); err == nil {
			inbox = float64(n)
		} else {
			failed++
		}
	}
	ch <- prometheus.MustNewConstMetric(descInbox, prometheus.GaugeValue, inbox)
	var panics int64
	if src.Panics != nil {
		panics = src.Panics()
	}
	ch <- prometheus.MustNewConstMetric(descPanics, prometheus.CounterValue, float64(panics))
	ch <- prometheus.MustNewConstMetric(descScrapeOK, prometheus.GaugeValue, float64(failed))
}
