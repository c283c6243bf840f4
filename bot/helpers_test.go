package bot_test

// The core's end-to-end tests run the whole app (bot/app) through apptest. The helpers below are the
// few the core's tests need from the features' test helpers (which live in the features' own test
// packages): the consultants' club, events and the ops listener, written against the store and Telegram
// only. Feature values that tests cannot import (unexported button actions, steps, dedupe keys) are
// spelled out: they are part of the bot's stored state and of its buttons, which must not change.

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// harness is apptest's, with the helpers of the core's tests. apptest's configuration leaves the club's
// sweeps to the tests (Consult.SweepEvery = -1), as the old clubHarness did.
type harness struct{ *apptest.Harness }

func newHarness(tb testing.TB, configure func(*app.Config)) *harness {
	tb.Helper()
	return &harness{apptest.New(tb, configure)}
}

// The people of the tests.
var (
	maryam    = apptest.Maryam
	john      = apptest.John
	reza      = apptest.Reza
	adminUser = apptest.Admin
	// Two consultants of the club; their last names and usernames must never reach a learner.
	amir = tgsim.User{ID: 201, FirstName: "امیر", LastName: "کاظمی", Username: "amir_kazemi", LanguageCode: "fa"}
	sara = tgsim.User{ID: 202, FirstName: "Sara", LastName: "Rahimi", Username: "sara_rahimi", LanguageCode: "en"}
)

// cb is the callback data of a button: action and arguments, as the features' bot.Action values make it.
func cb(action string, args ...string) string { return bot.Action(action).Data(args...) }

// Values of the features that the tests use.
const (
	homeLesson       = "📘 راه‌اندازی کسب‌وکار خانگی — درس" // the daily lesson of the home track
	testOpsToken     = "ops-token-0123456789abcdef"
	stepSearch       = "srch"    // library: waiting for a search query
	stepEvDesc       = "ev_desc" // events: the admin types an event's description
	stepConsQuestion = "csq"     // consult: a learner types their question
	editDesc         = "d"       // events: the «edit description» field of the admin's card
)

// consultTopics are the club's topics.
var consultTopics = []string{"marketing", "finance", "legal", "home", "digital", "social"}

func idArg(id uint64) string { return strconv.FormatUint(id, 10) }

// fa renders a Persian message as the bot would.
func (h *harness) fa(id string, kv ...any) string { return h.App.Texts.T("fa", id, kv...) }

// lastWith is the newest bot message in u's chat whose text contains substr.
func (h *harness) lastWith(u tgsim.User, substr string) tgsim.Message {
	h.T.Helper()
	msgs := h.Sim.BotMessages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.Contains(msgs[i].Plain, substr) {
			return msgs[i]
		}
	}
	h.T.Fatalf("no bot message in chat %d contains %q", u.ID, substr)
	return tgsim.Message{}
}

// since lists the bot messages of u's chat after the first n.
func (h *harness) since(u tgsim.User, n int) []tgsim.Message {
	msgs := h.Sim.BotMessages(u.ID)
	if n > len(msgs) {
		return nil
	}
	return msgs[n:]
}

// botSaid reports whether any current bot message in u's chat contains substr.
func (h *harness) botSaid(u tgsim.User, substr string) bool {
	for _, m := range h.Sim.BotMessages(u.ID) {
		if strings.Contains(m.Plain, substr) {
			return true
		}
	}
	return false
}

// buttonData is the callback data of m's button whose label contains label, or "".
func buttonData(m tgsim.Message, label string) string {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.CallbackData
			}
		}
	}
	return ""
}

func hasData(m tgsim.Message, data string) bool {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == data {
				return true
			}
		}
	}
	return false
}

// notices lets the outbox sender deliver what is due and returns the notices for chatID: those delivered
// since the bot started, then those still waiting (not yet due).
func (h *harness) notices(chatID int64) []bot.Notice {
	h.T.Helper()
	h.Drain()
	var out []bot.Notice
	for _, q := range h.Delivered() {
		if q.Notice.ChatID == chatID || (q.Notice.ChatID == 0 && q.ChatID == chatID) {
			out = append(out, q.Notice)
		}
	}
	for _, q := range h.Pending(store.LaneNotice) {
		if q.ChatID == chatID {
			out = append(out, q.Notice)
		}
	}
	return out
}

// noticeWith is the first notice to chatID whose text contains substr.
func (h *harness) noticeWith(chatID int64, substr string) (bot.Notice, bool) {
	for _, n := range h.notices(chatID) {
		if strings.Contains(n.Text, substr) {
			return n, true
		}
	}
	return bot.Notice{}, false
}

// noticesWaiting decodes what went through the notice lane: delivered, then still waiting of the outbox.
func (h *harness) noticesWaiting() []bot.Notice {
	h.T.Helper()
	h.Drain()
	var out []bot.Notice
	for _, q := range h.Delivered() {
		if q.Lane == store.LaneNotice {
			out = append(out, q.Notice)
		}
	}
	for _, q := range h.Pending(store.LaneNotice) {
		out = append(out, q.Notice)
	}
	return out
}

// botMessageCounts counts the bot's messages in every chat.
func (h *harness) botMessageCounts() map[int64]int {
	out := map[int64]int{}
	for _, id := range h.Sim.Chats() {
		out[id] = len(h.Sim.BotMessages(id))
	}
	return out
}

// ---- the consultants' club ----

// lastCopy is the newest bot message in chat that is a copy (copyMessage) of a message in from.
func (h *harness) lastCopy(chat, from int64) (tgsim.Message, bool) {
	msgs := h.Sim.BotMessages(chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		if c := msgs[i].CopyOf; c != nil && c.ChatID == from {
			return msgs[i], true
		}
	}
	return tgsim.Message{}, false
}

// ---- events ----

// eventJobPrefix starts the dedupe keys of an event's notices.
func eventJobPrefix(eventID int64) string { return "ev:" + strconv.FormatInt(eventID, 10) + ":" }

func evID(e *store.Event) string { return fmt.Sprint(e.ID) }

// queuedWith returns the jobs for chatID whose dedupe key starts with prefix.
func (h *harness) queuedWith(chatID int64, prefix string) []apptest.Queued {
	h.T.Helper()
	var out []apptest.Queued
	for _, q := range h.QueuedFor(chatID) {
		if strings.HasPrefix(q.Dedupe, prefix) {
			out = append(out, q)
		}
	}
	return out
}

func keysOf(qs []apptest.Queued) []string {
	var out []string
	for _, q := range qs {
		out = append(out, q.Dedupe)
	}
	slices.Sort(out)
	return out
}

// addEvent stores an event directly (learner-side tests need no wizard); change adjusts the defaults:
// «کارگاه فروش اینترنتی», Sunday 15 Azar 1405 (6 December 2026) 18:30–20:30, capacity 40.
func (h *harness) addEvent(change func(e *store.Event)) *store.Event {
	h.T.Helper()
	buf := make([]byte, 16) // a door token as the events feature makes one
	if _, err := rand.Read(buf); err != nil {
		h.T.Fatal(err)
	}
	e := &store.Event{
		Title:    "کارگاه فروش اینترنتی",
		Start:    time.Date(2026, 12, 6, 18, 30, 0, 0, apptest.Tehran),
		End:      time.Date(2026, 12, 6, 20, 30, 0, 0, apptest.Tehran),
		Place:    store.Place{Name: "خانهٔ کارآفرینی", Address: "تهران، خیابان انقلاب، پلاک ۱۲", Lat: 35.7009, Lon: 51.3912, HasGeo: true},
		Capacity: 40,
		Token:    base64.RawURLEncoding.EncodeToString(buf),
	}
	if change != nil {
		change(e)
	}
	if err := h.DB.Update(func(tx *store.Tx) error { return tx.CreateEvent(e) }); err != nil {
		h.T.Fatalf("CreateEvent: %v", err)
	}
	return e
}

// event reloads an event.
func (h *harness) event(id int64) *store.Event {
	h.T.Helper()
	var e *store.Event
	if err := h.DB.View(func(tx *store.Tx) error {
		var err error
		e, err = tx.Event(id)
		return err
	}); err != nil {
		h.T.Fatalf("Event(%d): %v", id, err)
	}
	return e
}

// openCard sends /events as u and opens the card of event e from the list.
func (h *harness) openCard(u tgsim.User, e *store.Event) tgsim.Message {
	h.T.Helper()
	h.Send(u, "/events")
	h.PressData(u, h.Last(u), cb("evc", strconv.FormatInt(e.ID, 10)))
	return h.Last(u)
}

// attend opens e's card as u and presses [I'll attend]; it returns the toast.
func (h *harness) attend(u tgsim.User, e *store.Event) string {
	h.T.Helper()
	card := h.openCard(u, e)
	return h.PressData(u, card, cb("evr", strconv.FormatInt(e.ID, 10)))
}

// ---- the ops listener and webhook mode ----

// opsGet calls the ops listener's handler in process; token "" sends no Authorization header.
func (h *harness) opsGet(path, token string) *httptest.ResponseRecorder {
	h.T.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.App.OpsHandler().ServeHTTP(rec, req)
	return rec
}

// webhookUpdate is the JSON Telegram would POST for a user's text message m (sent through tgsim so that
// the chat exists there).
func webhookUpdate(u tgsim.User, m tgsim.Message) []byte {
	upd := map[string]any{
		"update_id": m.UpdateID,
		"message": map[string]any{
			"message_id": m.ID,
			"date":       m.Date.Unix(),
			"chat":       map[string]any{"id": u.ID, "type": "private", "first_name": u.FirstName},
			"from":       map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName, "language_code": u.LanguageCode},
			"text":       m.Text,
		},
	}
	b, _ := json.Marshal(upd)
	return b
}

// postWebhook POSTs body to the bot's webhook handler with secret ("" sends no header).
func (h *harness) postWebhook(body []byte, secret string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/tg/hook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	rec := httptest.NewRecorder()
	h.App.WebhookHandler().ServeHTTP(rec, req)
	return rec
}

func containsAll(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// counterValue reads one series of a gathered counter family by its labels (0 when absent).
func counterValue(t *testing.T, h *harness, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := h.App.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// panics is the number of handler panics the bot recovered since it started (its metric).
func (h *harness) panics(t *testing.T) float64 {
	t.Helper()
	return counterValue(t, h, "tavan_handler_panics_total", nil)
}
