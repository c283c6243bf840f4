package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/tavan7/tavan/bot/outbox"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
	"github.com/tavan7/tavan/lessons"
)

// Delivery: every message the bot sends on its own initiative is a Notice in the durable outbox
// (notice.go); the sender (package outbox) delivers it through Deliver below. Every new message — an
// immediate reply too — passes the flood-limit Gate: replies first, then notices, then bulk traffic.

// Telegram's flood limits (Bot FAQ): about 30 messages a second overall, 1000 with paid broadcasts.
const (
	defaultSendRate = 30
	paidSendRate    = 1000
	maxFreeSendRate = 30
)

// gateHeadroom paces sends a little under the configured rate. Paced exactly at Telegram's limit, the
// network's jitter alone would now and then bring two sends closer together than the server's bucket
// allows (a queue at 100% load never settles): 1.5% of slack lets its bucket refill between them.
const gateHeadroom = 0.985

// deliveryState is the bot's delivery machinery; New sets it up, Run starts it.
type deliveryState struct {
	partLens sync.Map // Telegram length of lesson parts (partLen): a fan-out renders the same few thousand times

	gate   *outbox.Gate
	sender atomic.Pointer[outbox.Engine] // set while Run runs
	quiet  QuietHours
}

// QuietHours is a window of the learner's day without bulk messages; Start == End means none.
type QuietHours struct{ Start, End int } // minutes of the day

// DefaultQuietHours is 23:00–07:00.
var DefaultQuietHours = QuietHours{Start: 23 * 60, End: 7 * 60}

// ParseQuietHours reads "23:00-07:00" (Persian digits too), or "off".
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(persian.Normalize(s))
	if s == "" {
		return DefaultQuietHours, nil
	}
	if strings.EqualFold(s, "off") || strings.EqualFold(s, "none") {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM or off", s)
	}
	h1, m1, err1 := parseHHMM(from)
	h2, m2, err2 := parseHHMM(to)
	if err1 != nil || err2 != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM or off", s)
	}
	return QuietHours{Start: h1*60 + m1, End: h2*60 + m2}, nil
}

func parseHHMM(s string) (h, m int, err error) {
	hs, ms, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(hs) == 0 || len(hs) > 2 || len(ms) != 2 {
		return 0, 0, errors.New("not HH:MM")
	}
	if h, err = persian.ParseInt(hs); err != nil || h < 0 || h > 23 {
		return 0, 0, errors.New("bad hour")
	}
	if m, err = persian.ParseInt(ms); err != nil || m < 0 || m > 59 {
		return 0, 0, errors.New("bad minute")
	}
	return h, m, nil
}

// Contains reports whether minute of the day falls in the window (which may cross midnight).
func (q QuietHours) Contains(minute int) bool {
	switch {
	case q.Start == q.End:
		return false
	case q.Start < q.End:
		return minute >= q.Start && minute < q.End
	}
	return minute >= q.Start || minute < q.End
}

// Until is the end of the window that local (in quiet hours) is in.
func (q QuietHours) Until(local time.Time) time.Time {
	end := time.Date(local.Year(), local.Month(), local.Day(), q.End/60, q.End%60, 0, 0, local.Location())
	if !end.After(local) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

func (q QuietHours) String() string {
	if q.Start == q.End {
		return "off"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.Start/60, q.Start%60, q.End/60, q.End%60)
}

// initDelivery checks the delivery settings and builds the Gate; New calls it.
func (b *Bot) initDelivery() error {
	rate := b.SendRate
	if rate == 0 {
		rate = defaultSendRate
		if b.PaidBroadcast {
			rate = paidSendRate
		}
	}
	switch {
	case rate < 0 || rate > paidSendRate:
		return fmt.Errorf("bot: send rate %v outside 1–%d messages a second", rate, paidSendRate)
	case rate > maxFreeSendRate && !b.PaidBroadcast:
		return fmt.Errorf("bot: send rate %v is above Telegram's free %d a second: enable paid broadcasts", rate, maxFreeSendRate)
	}
	b.SendRate = rate
	q, err := ParseQuietHours(b.QuietHours)
	if err != nil {
		return fmt.Errorf("bot: %w", err)
	}
	b.dl.quiet = q
	// The Gate paces in real time whatever clock the bot runs on: flood limits are physical. Tests make
	// Sleep instant, and the Gate trusts Sleep, so pacing never holds them up.
	b.dl.gate = outbox.NewGate(outbox.GateOptions{Rate: rate * gateHeadroom, Now: time.Now, Sleep: b.Sleep})
	return nil
}

// serve runs the update loop, the outbox sender, and the features' services and loops until ctx ends.
// Each ends with ctx; the sender commits what its last sends did before it returns.
func (b *Bot) serve(ctx context.Context) error {
	eng := b.newSender()
	b.registerSenderMetrics()
	defer b.dl.sender.Store(nil)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if b.WebhookURL != "" {
			return b.runWebhook(ctx)
		}
		return b.poll(ctx)
	})
	g.Go(func() error { return eng.Run(ctx) })
	for _, s := range b.reg.services {
		g.Go(func() error {
			if err := s.run(ctx); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			return nil
		})
	}
	g.Go(func() error { return b.runLoops(ctx) })
	return g.Wait()
}

// registerSenderMetrics exports the sender's counters (read at scrape time) next to the bot's series.
func (b *Bot) registerSenderMetrics() {
	if b.Metrics == nil {
		return
	}
	counter := func(name, help string, read func(outbox.Stats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(read(b.SenderStats())) })
	}
	for _, c := range []prometheus.Collector{
		counter("tavan_outbox_possible_repeats_total", "Jobs found marked as sending after a restart and sent again: a learner may have them twice.",
			func(s outbox.Stats) int64 { return s.PossibleRepeats }),
		counter("tavan_outbox_dead_letters_total", "Jobs dead-lettered since start.", func(s outbox.Stats) int64 { return s.Failed }),
		counter("tavan_outbox_retries_total", "Transient send failures retried with backoff.", func(s outbox.Stats) int64 { return s.Retried }),
		counter("tavan_outbox_rate_limited_total", "429 answers to outbox sends (the lane waited retry_after).", func(s outbox.Stats) int64 { return s.RateLimited }),
		counter("tavan_outbox_expired_total", "Time-bound notices (reminders, seat offers) not sent because their time had passed.",
			func(s outbox.Stats) int64 { return s.Expired }),
		counter("tavan_outbox_dropped_total", "Bulk jobs dropped because their chat is gone (blocked or deleted).", func(s outbox.Stats) int64 { return s.Dropped }),
	} {
		_ = b.Metrics.Registry().Register(c) // a bot run twice (tests) keeps its first registration
	}
}

// newSender builds the outbox sender on the bot's store and makes it the one enqueue wakes.
func (b *Bot) newSender() *outbox.Engine {
	eng := outbox.New(outbox.Options{
		Store:    b.Store,
		Deliver:  b.deliverJob,
		Gate:     b.dl.gate,
		Now:      b.Now,
		After:    b.After,
		Quiet:    b.quietUntil,
		Gone:     b.markGone,
		OnFinish: b.jobFinished,
		Logger:   b.Logger.With("subsystem", "outbox"),
	})
	b.dl.sender.Store(eng)
	return eng
}

// jobFinished tells the features that asked (OnJobFinished) that the sender finished a job.
func (b *Bot) jobFinished(j *store.Job, outcome string) {
	for _, fn := range b.reg.jobDone {
		fn(j, outcome)
	}
}

// Sender is the outbox sender while the bot runs, else nil.
func (b *Bot) Sender() *outbox.Engine { return b.dl.sender.Load() }

// wakeSender tells the sender that jobs were committed.
func (b *Bot) wakeSender() {
	if eng := b.dl.sender.Load(); eng != nil {
		eng.Wake()
	}
}

// SenderStats are the sender's counters (zero while it is not running).
func (b *Bot) SenderStats() outbox.Stats {
	if eng := b.dl.sender.Load(); eng != nil {
		return eng.Stats()
	}
	return outbox.Stats{}
}

// deliverJob decodes an outbox job and delivers it.
func (b *Bot) deliverJob(ctx context.Context, j *store.Job) error {
	var n Notice
	if err := json.Unmarshal(j.Payload, &n); err != nil {
		return outbox.Permanent(fmt.Errorf("decode notice %d: %w", j.ID, err))
	}
	if n.ChatID == 0 {
		n.ChatID = j.ChatID
	}
	n.Bulk = j.Lane == store.LaneBulk
	if !n.Expires.IsZero() && !b.Now().Before(n.Expires) {
		return outbox.Skip(store.OutcomeExpired) // never stale: a reminder after the start is worse than none
	}
	for _, skip := range b.reg.jobSkip {
		if skip(j) {
			return outbox.Skip(store.OutcomeCanceled)
		}
	}
	class := outbox.Notice
	if n.Bulk {
		class = outbox.Bulk
	}
	d := &delivery{class: class, paid: n.Bulk && b.PaidBroadcast}
	err := b.Deliver(withSendLane(context.WithValue(ctx, deliveryKey{}, d), j.Lane), n) // ops.go: sends metric by lane
	if err == nil && b.NoticeDelivered != nil {
		b.NoticeDelivered(*j, n)
	}
	if err != nil && ctx.Err() != nil && d.sent > 0 {
		return errors.Join(outbox.ErrPartial, err) // shutdown in the middle of a lesson: counted as a possible repeat
	}
	return err
}

// Deliver turns a notice into Telegram calls: a copied message, a lesson (as the learner would open it),
// the text, a venue, a document — in that order, whichever are set. The keyboard goes with the text, or
// with the copy when there is no text. A bulk notice to a learner who paused or left is skipped.
func (b *Bot) Deliver(ctx context.Context, n Notice) error {
	lang := "fa"
	var u *store.User
	if n.ChatID > 0 {
		got, err := b.Store.GetUser(n.ChatID)
		switch {
		case err == nil:
			u, lang = got, UserLang(got)
			if n.Bulk && !u.Active(b.Now()) {
				return outbox.Skip(store.OutcomeSkipped)
			}
		case errors.Is(err, store.ErrNotFound):
			if n.Bulk {
				return outbox.Skip(store.OutcomeSkipped) // the learner deleted their data
			}
		default:
			return err
		}
	}
	sent := false
	if c := n.CopyFrom; c != nil {
		cp := tgbotapi.NewCopyMessage(n.ChatID, c.ChatID, c.MessageID)
		if n.Keyboard != nil && n.Text == "" {
			cp.ReplyMarkup = n.Keyboard // no text to carry the keyboard: the copy does
		}
		if _, err := b.Send(ctx, cp); err != nil {
			return err
		}
		sent = true
	}
	if n.LessonID != "" {
		if l := b.Content().Lesson(n.LessonID); l != nil && b.reg.lesson != nil {
			if u == nil {
				u = &store.User{ID: n.ChatID}
			}
			if err := b.reg.lesson(ctx, n.ChatID, b.Voice(lang), u, l); err != nil {
				return err
			}
			sent = true
		} else {
			b.Logger.Warn("notice names a lesson that is gone", "lesson", n.LessonID)
		}
	}
	if n.Text != "" {
		var markup any
		if n.Keyboard != nil {
			markup = n.Keyboard
		}
		if _, err := b.SendText(ctx, n.ChatID, n.Text, markup); err != nil {
			return err
		}
		sent = true
	}
	if v := n.Venue; v != nil {
		if err := b.SendVenue(ctx, n.ChatID, v.Title, v.Address, v.Lat, v.Lon); err != nil {
			return err
		}
		sent = true
	}
	if d := n.Document; d != nil {
		doc := tgbotapi.NewDocument(n.ChatID, tgbotapi.FileBytes{Name: d.Name, Bytes: d.Data})
		doc.Caption, doc.ParseMode = d.Caption, tgbotapi.ModeHTML
		if _, err := b.Send(ctx, doc); err != nil {
			return err
		}
		sent = true
	}
	if !sent {
		return outbox.Skip(store.OutcomeSkipped)
	}
	return nil
}

// delivery describes the send in progress, carried in ctx: its class at the Gate, whether it is a paid
// broadcast, and how many messages of the job went out already.
type delivery struct {
	class outbox.Class
	paid  bool
	sent  int
}

type deliveryKey struct{}

func deliveryOf(ctx context.Context) *delivery {
	d, _ := ctx.Value(deliveryKey{}).(*delivery)
	return d
}

// Quiet are the quiet hours bulk sends keep.
func (b *Bot) Quiet() QuietHours { return b.dl.quiet }

// quietUntil holds a bulk job during quiet hours in the learner's zone. A daily lesson at a time the
// learner chose inside the window is theirs to have: it is not held.
func (b *Bot) quietUntil(j *store.Job, now time.Time) time.Time {
	if b.dl.quiet.Start == b.dl.quiet.End || j.ChatID <= 0 {
		return time.Time{}
	}
	u, err := b.Store.GetUser(j.ChatID)
	if err != nil {
		return time.Time{} // nothing to hold for: Deliver skips or sends it
	}
	local := now.In(b.ZoneOf(u))
	if !b.dl.quiet.Contains(local.Hour()*60 + local.Minute()) {
		return time.Time{}
	}
	if strings.HasPrefix(j.Dedupe, "daily:") && u.DailyMinute >= 0 && b.dl.quiet.Contains(u.DailyMinute) {
		return time.Time{}
	}
	return b.dl.quiet.Until(local)
}

// PartLen is the length Telegram counts for a lesson part (HTML), measured once per part: a daily
// fan-out sends the same parts to thousands of learners. Parts are complete HTML, so the length of a
// part followed by a footer is the sum of the two. A part that does not parse counts as too long.
func (b *Bot) PartLen(part string) int {
	if n, ok := b.dl.partLens.Load(part); ok {
		return n.(int)
	}
	n, err := tghtml.Len(part)
	if err != nil {
		n = lessons.MaxMessage + 1
	}
	b.dl.partLens.Store(part, n)
	return n
}

// ZoneOf is the learner's time zone.
func (b *Bot) ZoneOf(u *store.User) *time.Location {
	if u.TZ != "" {
		if loc, err := LoadZone(u.TZ); err == nil {
			return loc
		}
	}
	return b.Location
}

var zoneCache sync.Map // name → *time.Location

// LoadZone loads a time zone by name, once.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

// markGone marks a learner whose chat refuses messages (they blocked the bot, or the account is gone)
// as inactive: no bulk messages, no daily lessons, until they come back (my_chat_member, or any
// message from them).
func (b *Bot) markGone(chatID int64) error {
	return b.Store.Update(func(tx *store.Tx) error {
		u, err := tx.User(chatID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil || u.Blocked {
			return err
		}
		u.Blocked = true
		return tx.PutUser(u)
	})
}

// newMessageChat returns the chat of a request that creates a message (those count against the flood
// limits; edits and callback answers do not).
func newMessageChat(c tgbotapi.Chattable) (int64, bool) {
	switch m := c.(type) {
	case tgbotapi.MessageConfig:
		return m.ChatID, true
	case tgbotapi.PhotoConfig:
		return m.ChatID, true
	case tgbotapi.AudioConfig:
		return m.ChatID, true
	case tgbotapi.DocumentConfig:
		return m.ChatID, true
	case tgbotapi.VideoConfig:
		return m.ChatID, true
	case tgbotapi.VoiceConfig:
		return m.ChatID, true
	case tgbotapi.AnimationConfig:
		return m.ChatID, true
	case tgbotapi.VideoNoteConfig:
		return m.ChatID, true
	case tgbotapi.StickerConfig:
		return m.ChatID, true
	case tgbotapi.LocationConfig:
		return m.ChatID, true
	case tgbotapi.VenueConfig:
		return m.ChatID, true
	case tgbotapi.ContactConfig:
		return m.ChatID, true
	case tgbotapi.SendPollConfig:
		return m.ChatID, true
	case tgbotapi.DiceConfig:
		return m.ChatID, true
	case tgbotapi.CopyMessageConfig:
		return m.ChatID, true
	case tgbotapi.ForwardConfig:
		return m.ChatID, true
	}
	return 0, false
}

// paidRequest sends c with allow_paid_broadcast through MakeRequest (tgbotapi 5.5.1 has no such field).
// ok is false for requests it cannot rebuild (uploads): those go the usual way, unpaid.
func (b *Bot) paidRequest(c tgbotapi.Chattable) (tgbotapi.Message, bool, error) {
	method, p, ok := paidParams(c)
	if !ok {
		return tgbotapi.Message{}, false, nil
	}
	resp, err := b.API.MakeRequest(method, p)
	if err != nil {
		return tgbotapi.Message{}, true, err
	}
	var m tgbotapi.Message
	if err := json.Unmarshal(resp.Result, &m); err != nil {
		return m, true, fmt.Errorf("decode %s result: %w", method, err)
	}
	return m, true, nil
}

// paidParams rebuilds the parameters of the requests bulk notices use, plus allow_paid_broadcast.
func paidParams(c tgbotapi.Chattable) (string, tgbotapi.Params, bool) {
	p := tgbotapi.Params{"allow_paid_broadcast": "true"}
	base := func(bc tgbotapi.BaseChat) error {
		p.AddNonZero64("chat_id", bc.ChatID)
		p.AddBool("disable_notification", bc.DisableNotification)
		return p.AddInterface("reply_markup", bc.ReplyMarkup)
	}
	file := func(field string, f tgbotapi.RequestFileData, caption, mode string) bool {
		if f == nil || f.NeedsUpload() {
			return false
		}
		p[field] = f.SendData()
		p.AddNonEmpty("caption", caption)
		p.AddNonEmpty("parse_mode", mode)
		return true
	}
	var method string
	var err error
	switch m := c.(type) {
	case tgbotapi.MessageConfig:
		method, err = "sendMessage", base(m.BaseChat)
		p["text"] = m.Text
		p.AddNonEmpty("parse_mode", m.ParseMode)
		p.AddBool("disable_web_page_preview", m.DisableWebPagePreview)
	case tgbotapi.CopyMessageConfig:
		method, err = "copyMessage", base(m.BaseChat)
		p.AddNonZero64("from_chat_id", m.FromChatID)
		p.AddNonZero("message_id", m.MessageID)
		p.AddNonEmpty("caption", m.Caption)
		p.AddNonEmpty("parse_mode", m.ParseMode)
	case tgbotapi.VenueConfig:
		method, err = "sendVenue", base(m.BaseChat)
		p["latitude"] = fmt.Sprint(m.Latitude)
		p["longitude"] = fmt.Sprint(m.Longitude)
		p["title"], p["address"] = m.Title, m.Address
	case tgbotapi.PhotoConfig:
		method, err = "sendPhoto", base(m.BaseChat)
		if !file("photo", m.File, m.Caption, m.ParseMode) {
			return "", nil, false
		}
	case tgbotapi.AudioConfig:
		method, err = "sendAudio", base(m.BaseChat)
		if !file("audio", m.File, m.Caption, m.ParseMode) {
			return "", nil, false
		}
	case tgbotapi.VideoConfig:
		method, err = "sendVideo", base(m.BaseChat)
		if !file("video", m.File, m.Caption, m.ParseMode) {
			return "", nil, false
		}
	case tgbotapi.VoiceConfig:
		method, err = "sendVoice", base(m.BaseChat)
		if !file("voice", m.File, m.Caption, m.ParseMode) {
			return "", nil, false
		}
	case tgbotapi.DocumentConfig:
		method, err = "sendDocument", base(m.BaseChat)
		if !file("document", m.File, m.Caption, m.ParseMode) {
			return "", nil, false
		}
	default:
		return "", nil, false
	}
	if err != nil {
		return "", nil, false
	}
	return method, p, true
}
