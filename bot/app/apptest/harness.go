// Package apptest runs the whole bot (bot/app) through the real tgbotapi client over HTTP against tgsim,
// on an injected clock, for end-to-end tests of every feature. Nothing sleeps: tests move the clock and
// wait for the bot to confirm what it was sent.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/ask"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/lessons"
	"github.com/tavan7/tavan/locales"
)

// Token is the bot token tests use; the harness fails a test that logs it.
const Token = "123456:TEST-token-never-logged"

// Clock is the injected clock: tests move it, nothing sleeps.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Tehran is the program's zone.
var Tehran = mustLocation("Asia/Tehran")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// TehranTime is a wall-clock time in Tehran.
func TehranTime(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, Tehran)
}

// The people of the tests.
var (
	Maryam = tgsim.User{ID: 101, FirstName: "مریم", LastName: "احمدی", Username: "maryam_a", LanguageCode: "fa"}
	John   = tgsim.User{ID: 102, FirstName: "John", LastName: "Smith", LanguageCode: "en-US"}
	Reza   = tgsim.User{ID: 103, FirstName: "رضا <&>", LanguageCode: "fa"}
	Admin  = tgsim.User{ID: 900, FirstName: "کارشناس", LanguageCode: "fa"}
	// Sara's name carries Bale Markdown's markers: it must never open bold or italic.
	Sara = tgsim.User{ID: 190, FirstName: "*Sara_", LastName: "[x](https://e.example)", LanguageCode: "en"}
)

// Queued is an outbox job with its notice decoded.
type Queued struct {
	store.Job
	Notice bot.Notice
}

// Harness runs the real bot, through tgbotapi over HTTP, against tgsim.
type Harness struct {
	T      testing.TB
	Sim    *tgsim.Server
	TS     *httptest.Server
	Clock  *Clock
	DBPath string
	DB     *store.DB
	App    *app.App
	Bot    *bot.Bot // App's core
	Logs   *SyncBuffer
	// Platform is the messenger the bot serves and tgsim emulates (Telegram unless NewOn said otherwise).
	Platform bot.Platform

	configure func(*app.Config) // test-specific changes to the bot's configuration
	// Setup, if set, runs on every new app before it starts (routes a test adds must be registered
	// before updates are routed: a restart replays saved updates at once).
	Setup func(*app.App)
	// OnDelivered, if set, hears of each notice the outbox sender delivered instead of the harness keeping
	// it (Delivered stays empty): a soak delivers millions.
	OnDelivered func(store.Job, bot.Notice)
	// NoSync opens the store without fsync: for soaks, whose crashes are the process's (closing the file
	// under the bot), which the operating system's page cache survives; a machine's power cut is not
	// simulated, and every commit waiting for the disk made a soak measure the disk of a shared machine.
	NoSync bool
	cancel context.CancelFunc
	done   chan error

	deliveredMu sync.Mutex
	delivered   []Queued // what the outbox sender delivered, in order
}

// SyncBuffer is a bytes.Buffer safe for concurrent writes (the bot's log).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	catalogOnce sync.Once
	catalogVal  *lessons.Catalog
	catalogErr  error
)

// EmbeddedCatalog loads the shipped content once for all tests.
func EmbeddedCatalog(tb testing.TB) *lessons.Catalog {
	tb.Helper()
	catalogOnce.Do(func() { catalogVal, catalogErr = lessons.Load(lessons.Embedded()) })
	if catalogErr != nil {
		tb.Fatalf("load embedded content: %v", catalogErr)
	}
	return catalogVal
}

// loadTexts parses the message files once for all the bots of a test binary (a quarter of a harness's
// start under -race, hundreds of times a run): the bundle is read-only.
var loadTexts = sync.OnceValues(locales.Load)

// askIndex is Ask Tavan's index of the embedded content, built once for all the bots of a test binary:
// it is read-only once built. Building it takes about 8 s under -race on a busy machine, longer than a
// test waits for an update to be handled, so the first harness starts building it in the background:
// any test may type a question (a learner's text after a consultation ends is one).
var (
	askIndex     = sync.OnceValues(func() (*ask.Index, error) { return ask.Build(catalogVal) })
	askIndexWarm sync.Once
)

// AskIndex builds Ask Tavan's index of cat, once for the embedded content.
func AskIndex(cat *lessons.Catalog) (*ask.Index, error) {
	if cat != nil && cat == catalogVal {
		return askIndex()
	}
	return ask.Build(cat)
}

// New starts the bot on Telegram on a fresh database; configure may adjust its configuration. The clock
// starts on Thursday 26 November 2026 (۵ آذر ۱۴۰۵), 10:00 in Tehran. At the end of the test, every Bot
// API violation tgsim saw, every misuse of tgsim and a token in the logs fail it.
func New(tb testing.TB, configure func(*app.Config)) *Harness {
	tb.Helper()
	return NewOn(tb, bot.TelegramPlatform, configure)
}

// NewOn is New on platform p: tgsim emulates p's profile (on Bale, any parse_mode, raw HTML, broken Bale
// Markdown or absent method is a violation that fails the test) and the bot serves p.
func NewOn(tb testing.TB, p bot.Platform, configure func(*app.Config)) *Harness {
	tb.Helper()
	return newHarness(tb, p, nil, configure)
}

// NewWithSim is New with tgsim's options adjusted by simOptions first (a soak's message retention).
func NewWithSim(tb testing.TB, simOptions func(*tgsim.Options), configure func(*app.Config)) *Harness {
	tb.Helper()
	return newHarness(tb, bot.TelegramPlatform, simOptions, configure)
}

func newHarness(tb testing.TB, p bot.Platform, simOptions func(*tgsim.Options), configure func(*app.Config)) *Harness {
	tb.Helper()
	clock := NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, Tehran))
	opts := tgsim.Options{Token: Token, Now: clock.Now, Platform: p.Name}
	if simOptions != nil {
		simOptions(&opts)
	}
	sim := tgsim.New(opts)
	ts := httptest.NewServer(sim)
	h := &Harness{
		T: tb, Sim: sim, TS: ts, Clock: clock, configure: configure, Logs: &SyncBuffer{}, Platform: p,
		DBPath: filepath.Join(tb.TempDir(), "tavan.db"),
	}
	tb.Cleanup(func() {
		h.Stop()
		sim.Close()
		ts.Close()
		for _, v := range sim.Violations() {
			tb.Errorf("Bot API violation: %v", v)
		}
		for _, e := range sim.Errors() {
			tb.Errorf("tgsim misuse: %v", e)
		}
		if strings.Contains(h.Logs.String(), Token) {
			tb.Errorf("the bot token appeared in the logs")
		}
	})
	h.Start()
	return h
}

// Config is the configuration the harness starts the bot with, before configure changes it.
func (h *Harness) Config(db *store.DB) app.Config {
	h.T.Helper()
	texts, err := loadTexts()
	if err != nil {
		h.T.Fatal(err)
	}
	api, err := tgbotapi.NewBotAPIWithClient(Token, h.TS.URL+"/bot%s/%s", h.TS.Client())
	if err != nil {
		h.T.Fatalf("connect to tgsim: %v", err)
	}
	cfg := app.Config{Deps: bot.Deps{
		API:      api,
		APIURL:   h.TS.URL,
		Token:    Token,
		HTTP:     h.TS.Client(),
		Username: api.Self.UserName,
		Store:    db,
		Texts:    texts,
		Catalog:  EmbeddedCatalog(h.T),
		Admins:   []int64{Admin.ID},
		Location: Tehran,
		Platform: h.Platform,
		Now:      h.Clock.Now,
		Sleep:    func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		Logger:   slog.New(slog.NewTextHandler(h.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Workers:  8,
	}}
	cfg.Consult.SweepEvery = -1 // tests sweep the club themselves
	cfg.Ask.Build = AskIndex
	askIndexWarm.Do(func() { go func() { _, _ = askIndex() }() })
	return cfg
}

// Start opens the database and starts the bot on it.
func (h *Harness) Start() {
	h.T.Helper()
	db, err := store.Open(h.DBPath, store.Options{Now: h.Clock.Now, NoSync: h.NoSync})
	if err != nil {
		h.T.Fatalf("open store: %v", err)
	}
	h.DB = db
	cfg := h.Config(db)
	if h.configure != nil {
		h.configure(&cfg)
	}
	a, err := app.New(cfg)
	if err != nil {
		h.T.Fatal(err)
	}
	h.App, h.Bot = a, a.Bot
	if h.Setup != nil {
		h.Setup(a)
	}
	a.NoticeDelivered = func(j store.Job, n bot.Notice) {
		if h.OnDelivered != nil {
			h.OnDelivered(j, n)
			return
		}
		h.deliveredMu.Lock()
		h.delivered = append(h.delivered, Queued{Job: j, Notice: n})
		h.deliveredMu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- a.Run(ctx) }()
}

// Stop ends the bot like SIGTERM: in-flight updates finish, then the store closes.
func (h *Harness) Stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	if err := <-h.done; err != nil {
		h.T.Errorf("bot.Run: %v", err)
	}
	h.cancel = nil
	h.DB.Close()
}

// Crash ends the bot as a power cut would. The database file is closed under the running bot first, so
// nothing of a graceful shutdown reaches the disk (the finisher's last commit of handled updates, the
// sender's record of finished jobs): the bot's writes fail from then on. Only then are its goroutines
// stopped, so that the next Start can open the file in this process. A transaction that was committing
// completes first (bbolt's Close waits for it), as one the disk had already written would.
func (h *Harness) Crash() {
	h.T.Helper()
	if h.cancel == nil {
		return
	}
	h.DB.Close()
	h.cancel()
	<-h.done // its error is the crash's own (a closed database)
	h.cancel = nil
	h.App, h.Bot = nil, nil // the dead bot is gone (a soak measures the heap it leaves)
}

// WaitReplayed waits until a bot started on a database with saved updates (after a crash) has handled
// and finished them all: its inbox is empty. The replay runs inside Run, so a Settle right after Start
// may come before it begins.
func (h *Harness) WaitReplayed() {
	h.T.Helper()
	ctx := h.Ctx()
	for {
		saved, err := h.DB.InboxLen()
		if err != nil {
			h.T.Fatalf("read the inbox: %v", err)
		}
		if saved == 0 {
			return
		}
		if ctx.Err() != nil {
			h.T.Fatalf("%d saved updates were never replayed", saved)
		}
		runtime.Gosched()
	}
}

// Restart stops the bot and starts a new one on the same database file.
func (h *Harness) Restart() {
	h.Stop()
	h.Start()
}

// Ctx is a context that ends with the test, or after 10 seconds.
func (h *Harness) Ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.T.Cleanup(cancel)
	return ctx
}

// Settle waits until the bot confirmed every update sent so far, i.e. handled them and committed.
func (h *Harness) Settle() {
	h.T.Helper()
	if err := h.Sim.WaitAllConfirmed(h.Ctx()); err != nil {
		h.T.Fatalf("bot did not fetch the updates: %v", err)
	}
	if err := h.Bot.WaitIdle(h.Ctx()); err != nil {
		h.T.Fatalf("bot did not finish handling the updates: %v", err)
	}
}

// Send types text as u and waits until the bot handled it.
func (h *Harness) Send(u tgsim.User, text string) {
	h.T.Helper()
	h.Sim.SendText(u, text)
	h.Settle()
}

// Last is the newest bot message in u's chat.
func (h *Harness) Last(u tgsim.User) tgsim.Message {
	h.T.Helper()
	msgs := h.Sim.BotMessages(u.ID)
	if len(msgs) == 0 {
		h.T.Fatalf("no bot message in chat %d", u.ID)
	}
	return msgs[len(msgs)-1]
}

// Count is the number of bot messages in u's chat.
func (h *Harness) Count(u tgsim.User) int { return len(h.Sim.BotMessages(u.ID)) }

// Press presses the button of m whose label contains label, waits for the bot, and returns the
// callback answer text.
func (h *Harness) Press(u tgsim.User, m tgsim.Message, label string) string {
	h.T.Helper()
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return h.PressData(u, m, b.CallbackData)
			}
		}
	}
	h.T.Fatalf("message %d has no button %q; buttons: %q", m.ID, label, m.ButtonTexts())
	return ""
}

// PressData presses a button of m by its callback data.
func (h *Harness) PressData(u tgsim.User, m tgsim.Message, data string) string {
	h.T.Helper()
	q := h.Sim.PressButton(u, m.ChatID, m.ID, data)
	if q == "" {
		h.T.Fatalf("could not press %q on message %d", data, m.ID)
	}
	ans, err := h.Sim.WaitCallbackAnswer(h.Ctx(), q)
	if err != nil {
		h.T.Fatalf("callback %q was never answered: %v", data, err)
	}
	h.Settle()
	return ans.Text
}

// PressForged sends callback data that the message's keyboard does not carry (an old or forged
// button) by injecting the callback query directly.
func (h *Harness) PressForged(u tgsim.User, m tgsim.Message, data string) string {
	h.T.Helper()
	q := h.Sim.PressButtonForged(u, m.ChatID, m.ID, data)
	ans, err := h.Sim.WaitCallbackAnswer(h.Ctx(), q)
	if err != nil {
		h.T.Fatalf("forged callback %q was never answered: %v", data, err)
	}
	h.Settle()
	return ans.Text
}

// ButtonData is the callback data of m's first button whose data starts with prefix ("1|lang|fa").
func (h *Harness) ButtonData(m tgsim.Message, prefix string) string {
	h.T.Helper()
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, prefix) {
				return b.CallbackData
			}
		}
	}
	h.T.Fatalf("message %d has no button with data %q…; buttons: %q", m.ID, prefix, m.ButtonTexts())
	return ""
}

// User loads u's stored record.
func (h *Harness) User(u tgsim.User) *store.User {
	h.T.Helper()
	rec, err := h.DB.GetUser(u.ID)
	if err != nil {
		h.T.Fatalf("GetUser(%d): %v", u.ID, err)
	}
	return rec
}

// Onboard takes u through onboarding by pressing its buttons: language lang, track, the first preset
// time (08:00).
func (h *Harness) Onboard(u tgsim.User, lang, track string) {
	h.T.Helper()
	h.Send(u, "/start")
	h.PressData(u, h.Last(u), h.ButtonData(h.Last(u), "1|lang|"+lang+"|"))
	h.PressData(u, h.Last(u), h.ButtonData(h.Last(u), "1|track|"+track+"|"))
	h.PressData(u, h.Last(u), h.ButtonData(h.Last(u), "1|time|480|"))
	if !h.User(u).Onboarded {
		h.T.Fatalf("%s not onboarded", u.FirstName)
	}
}

// StickerMedia is a sticker a user can send.
func StickerMedia() tgsim.Media {
	return tgsim.Media{Kind: "sticker", Data: []byte("RIFF-webp"), Emoji: "😀"}
}

// LoadTests reports whether the long-running load tests were asked for (TAVAN_LOAD=1).
func LoadTests() bool { return os.Getenv("TAVAN_LOAD") == "1" }

// Drain waits until the outbox sender has nothing to do before some future time: every job that can go
// now went. Tests assert on what was (not) delivered after it.
func (h *Harness) Drain() {
	h.T.Helper()
	ctx := h.Ctx()
	deadline := time.Now().Add(5 * time.Second)
	for h.Bot.Sender() == nil { // Run has just been started
		if time.Now().After(deadline) {
			h.T.Fatal("the sender never started")
		}
		runtime.Gosched()
	}
	if err := h.Bot.Sender().WaitIdle(ctx); err != nil {
		h.T.Fatalf("the sender did not finish: %v", err)
	}
}

// At sets the clock, runs the daily scheduler's round for that minute (as its loop would) and drains the
// sender.
func (h *Harness) At(t time.Time) {
	h.T.Helper()
	h.Clock.Set(t)
	if err := h.Bot.Tick(h.Ctx(), "schedule", t); err != nil {
		h.T.Fatalf("schedule tick at %v: %v", t, err)
	}
	h.Drain()
}

// Advance moves the clock by d and lets the sender do what became due.
func (h *Harness) Advance(d time.Duration) {
	h.T.Helper()
	h.Clock.Advance(d)
	h.Drain()
}

// Notify enqueues a notice as a feature would, in its own transaction, and drains the sender.
func (h *Harness) Notify(n bot.Notice) {
	h.T.Helper()
	if err := h.DB.Update(func(tx *store.Tx) error { return h.Bot.Enqueue(tx, n) }); err != nil {
		h.T.Fatal(err)
	}
	h.Drain()
}

// BotTexts are the plain texts of the bot's messages in u's chat.
func (h *Harness) BotTexts(u tgsim.User) []string {
	var out []string
	for _, m := range h.Sim.BotMessages(u.ID) {
		out = append(out, m.Plain)
	}
	return out
}

// CountContaining counts the bot's messages to u that contain substr.
func (h *Harness) CountContaining(u tgsim.User, substr string) int {
	n := 0
	for _, t := range h.BotTexts(u) {
		if strings.Contains(t, substr) {
			n++
		}
	}
	return n
}

// AddLearners makes n learners who have a chat with the bot and an onboarded record, without going
// through onboarding (for tests that need many recipients): the bot is stopped meanwhile, their first
// messages are confirmed away, and their records are written directly. mod adjusts each record.
func (h *Harness) AddLearners(firstID int64, n int, mod func(*store.User)) []tgsim.User {
	h.T.Helper()
	h.Stop()
	users := make([]tgsim.User, n)
	for i := range users {
		users[i] = tgsim.User{ID: firstID + int64(i), FirstName: fmt.Sprintf("فراگیر %d", i+1), LanguageCode: "fa"}
		h.Sim.SendText(users[i], "سلام")
	}
	h.ConfirmAllUpdates()
	db, err := store.Open(h.DBPath, store.Options{Now: h.Clock.Now})
	if err != nil {
		h.T.Fatal(err)
	}
	now := h.Clock.Now()
	err = db.Update(func(tx *store.Tx) error {
		for _, tu := range users {
			u := &store.User{ID: tu.ID, FirstName: tu.FirstName, LanguageCode: "fa", Lang: "fa", Track: "home",
				DailyMinute: 8 * 60, Onboarded: true, Created: now, LastActive: now}
			if mod != nil {
				mod(u)
			}
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		h.T.Fatal(err)
	}
	h.Start()
	return users
}

// ConfirmAllUpdates tells tgsim that every queued update was handled, as a getUpdates with a later
// offset does; the bot never sees them.
func (h *Harness) ConfirmAllUpdates() {
	h.T.Helper()
	form := url.Values{"offset": {fmt.Sprint(h.Sim.LastUpdateID() + 1)}, "timeout": {"0"}}
	resp, err := h.TS.Client().PostForm(h.TS.URL+"/bot"+Token+"/getUpdates", form)
	if err != nil {
		h.T.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct{ OK bool }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || !r.OK {
		h.T.Fatalf("confirm updates: %v %v", r, err)
	}
}

// FarFuture is later than anything a test schedules.
var FarFuture = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)

// PendingNotices decodes the jobs waiting in a lane.
func (h *Harness) PendingNotices(lane string) []bot.Notice {
	h.T.Helper()
	var out []bot.Notice
	for _, q := range h.Pending(lane) {
		out = append(out, q.Notice)
	}
	return out
}

// Pending lists the jobs waiting in a lane (at any time), with their notices decoded.
func (h *Harness) Pending(lane string) []Queued {
	h.T.Helper()
	jobs, err := h.DB.PendingJobs(lane, FarFuture, 100000)
	if err != nil {
		h.T.Fatal(err)
	}
	var out []Queued
	for _, j := range jobs {
		var n bot.Notice
		if err := json.Unmarshal(j.Payload, &n); err != nil {
			h.T.Fatalf("decode notice %d: %v", j.ID, err)
		}
		out = append(out, Queued{Job: j, Notice: n})
	}
	return out
}

// Delivered lists what the outbox sender delivered so far, in order.
func (h *Harness) Delivered() []Queued {
	h.deliveredMu.Lock()
	defer h.deliveredMu.Unlock()
	return append([]Queued(nil), h.delivered...)
}

// QueuedFor lists the notice-lane jobs for chatID, oldest first: those the sender already delivered
// and those still waiting (at any time).
func (h *Harness) QueuedFor(chatID int64) []Queued {
	h.T.Helper()
	h.Drain()
	var out []Queued
	for _, q := range h.Delivered() {
		if q.ChatID == chatID && q.Lane == store.LaneNotice {
			out = append(out, q)
		}
	}
	for _, q := range h.Pending(store.LaneNotice) {
		if q.ChatID == chatID {
			out = append(out, q)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}
