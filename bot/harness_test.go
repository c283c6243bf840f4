package bot

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/lessons"
	"github.com/tavan7/tavan/locales"
)

const testToken = "123456:TEST-token-never-logged"

// testClock is the injected clock: tests move it, nothing sleeps.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

var tehran = mustLocation("Asia/Tehran")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// harness runs the real bot, through tgbotapi over HTTP, against tgsim.
type harness struct {
	t      testing.TB
	sim    *tgsim.Server
	ts     *httptest.Server
	clock  *testClock
	dbPath string
	db     *store.DB
	bot    *Bot
	logs   *syncBuffer
	deps   func(*Deps) // test-specific changes to the bot's dependencies

	cancel context.CancelFunc
	done   chan error

	deliveredMu sync.Mutex
	delivered   []queued // what the outbox sender delivered, in order
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	catalogOnce sync.Once
	catalogVal  *lessons.Catalog
	catalogErr  error
)

// embeddedCatalog loads the shipped content once for all tests.
func embeddedCatalog(tb testing.TB) *lessons.Catalog {
	tb.Helper()
	catalogOnce.Do(func() { catalogVal, catalogErr = lessons.Load(lessons.Embedded()) })
	if catalogErr != nil {
		tb.Fatalf("load embedded content: %v", catalogErr)
	}
	return catalogVal
}

// newHarness starts a bot on a fresh database; deps may adjust its dependencies.
func newHarness(tb testing.TB, deps func(*Deps)) *harness {
	tb.Helper()
	// Thursday 27 November 2026 (۶ آذر ۱۴۰۵), 10:00 in Tehran.
	clock := &testClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, tehran)}
	sim := tgsim.New(tgsim.Options{Token: testToken, Now: clock.Now})
	ts := httptest.NewServer(sim)
	h := &harness{
		t: tb, sim: sim, ts: ts, clock: clock, deps: deps, logs: &syncBuffer{},
		dbPath: filepath.Join(tb.TempDir(), "tavan.db"),
	}
	tb.Cleanup(func() {
		h.stop()
		sim.Close()
		ts.Close()
		for _, v := range sim.Violations() {
			tb.Errorf("Bot API violation: %v", v)
		}
		for _, e := range sim.Errors() {
			tb.Errorf("tgsim misuse: %v", e)
		}
		if strings.Contains(h.logs.String(), testToken) {
			tb.Errorf("the bot token appeared in the logs")
		}
	})
	h.start()
	return h
}

func (h *harness) start() {
	h.t.Helper()
	db, err := store.Open(h.dbPath, store.Options{Now: h.clock.Now})
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.db = db
	texts, err := locales.Load()
	if err != nil {
		h.t.Fatal(err)
	}
	api, err := tgbotapi.NewBotAPIWithClient(testToken, h.ts.URL+"/bot%s/%s", h.ts.Client())
	if err != nil {
		h.t.Fatalf("connect to tgsim: %v", err)
	}
	d := Deps{
		API:      api,
		APIURL:   h.ts.URL,
		Token:    testToken,
		HTTP:     h.ts.Client(),
		Username: api.Self.UserName,
		Store:    db,
		Texts:    texts,
		Catalog:  embeddedCatalog(h.t),
		Admins:   []int64{adminUser.ID},
		Location: tehran,
		Now:      h.clock.Now,
		Sleep:    func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		Logger:   slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Workers:  8,
	}
	if h.deps != nil {
		h.deps(&d)
	}
	b, err := New(d)
	if err != nil {
		h.t.Fatal(err)
	}
	h.bot = b
	b.noticeDelivered = func(j store.Job, n Notice) {
		h.deliveredMu.Lock()
		h.delivered = append(h.delivered, queued{Job: j, Notice: n})
		h.deliveredMu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- b.Run(ctx) }()
}

// stop ends the bot like SIGTERM: in-flight updates finish, then the store closes.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("bot.Run: %v", err)
	}
	h.cancel = nil
	h.db.Close()
}

// restart stops the bot and starts a new one on the same database file.
func (h *harness) restart() {
	h.stop()
	h.start()
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// settle waits until the bot confirmed every update sent so far, i.e. handled them and committed.
func (h *harness) settle() {
	h.t.Helper()
	if err := h.sim.WaitAllConfirmed(h.ctx()); err != nil {
		h.t.Fatalf("bot did not fetch the updates: %v", err)
	}
	if err := h.bot.WaitIdle(h.ctx()); err != nil {
		h.t.Fatalf("bot did not finish handling the updates: %v", err)
	}
}

// send types text as u and waits until the bot handled it.
func (h *harness) send(u tgsim.User, text string) {
	h.t.Helper()
	h.sim.SendText(u, text)
	h.settle()
}

// last is the newest bot message in u's chat.
func (h *harness) last(u tgsim.User) tgsim.Message {
	h.t.Helper()
	msgs := h.sim.BotMessages(u.ID)
	if len(msgs) == 0 {
		h.t.Fatalf("no bot message in chat %d", u.ID)
	}
	return msgs[len(msgs)-1]
}

// count is the number of bot messages in u's chat.
func (h *harness) count(u tgsim.User) int { return len(h.sim.BotMessages(u.ID)) }

// press presses the button of m whose label contains label, waits for the bot, and returns the
// callback answer text.
func (h *harness) press(u tgsim.User, m tgsim.Message, label string) string {
	h.t.Helper()
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return h.pressData(u, m, b.CallbackData)
			}
		}
	}
	h.t.Fatalf("message %d has no button %q; buttons: %q", m.ID, label, m.ButtonTexts())
	return ""
}

// pressData presses a button by its callback data (which may be stale or forged).
func (h *harness) pressData(u tgsim.User, m tgsim.Message, data string) string {
	h.t.Helper()
	q := h.sim.PressButton(u, m.ChatID, m.ID, data)
	if q == "" {
		h.t.Fatalf("could not press %q on message %d", data, m.ID)
	}
	ans, err := h.sim.WaitCallbackAnswer(h.ctx(), q)
	if err != nil {
		h.t.Fatalf("callback %q was never answered: %v", data, err)
	}
	h.settle()
	return ans.Text
}

// user loads u's stored record.
func (h *harness) user(u tgsim.User) *store.User {
	h.t.Helper()
	rec, err := h.db.GetUser(u.ID)
	if err != nil {
		h.t.Fatalf("GetUser(%d): %v", u.ID, err)
	}
	return rec
}

// onboard takes u through onboarding with the first preset time.
func (h *harness) onboard(u tgsim.User, lang, track string) {
	h.t.Helper()
	h.send(u, "/start")
	m := h.last(u)
	h.pressData(u, m, cb("lang", lang, modeOnboarding))
	h.pressData(u, h.last(u), cb("track", track, modeOnboarding))
	h.pressData(u, h.last(u), cb("time", "480", modeOnboarding))
	if !h.user(u).Onboarded {
		h.t.Fatalf("%s not onboarded", u.FirstName)
	}
}

var (
	maryam    = tgsim.User{ID: 101, FirstName: "مریم", LastName: "احمدی", Username: "maryam_a", LanguageCode: "fa"}
	john      = tgsim.User{ID: 102, FirstName: "John", LastName: "Smith", LanguageCode: "en-US"}
	reza      = tgsim.User{ID: 103, FirstName: "رضا <&>", LanguageCode: "fa"}
	adminUser = tgsim.User{ID: 900, FirstName: "کارشناس", LanguageCode: "fa"}
)

func stickerMedia() tgsim.Media {
	return tgsim.Media{Kind: "sticker", Data: []byte("RIFF-webp"), Emoji: "😀"}
}

// pressDataForged sends callback data that the message's keyboard does not carry (an old or forged
// button) by injecting the callback query directly.
func (h *harness) pressDataForged(u tgsim.User, m tgsim.Message, data string) string {
	h.t.Helper()
	q := h.sim.PressButtonForged(u, m.ChatID, m.ID, data)
	ans, err := h.sim.WaitCallbackAnswer(h.ctx(), q)
	if err != nil {
		h.t.Fatalf("forged callback %q was never answered: %v", data, err)
	}
	h.settle()
	return ans.Text
}

type storeTx = store.Tx

// loadTests reports whether the long-running load tests were asked for (TAVAN_LOAD=1).
func loadTests() bool { return os.Getenv("TAVAN_LOAD") == "1" }
