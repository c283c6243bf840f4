package bot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/locales"
)

const (
	testWebhookURL    = "https://bot.example.com/tg/hook"
	testWebhookSecret = "s3cret_Token-for-tests"
)

func webhookDeps(c *app.Config) {
	c.WebhookURL = testWebhookURL
	c.WebhookSecret = testWebhookSecret
	c.HTTPToken = testOpsToken
}

// waitReply waits until the bot's newest message to u contains substr.
func (h *harness) waitReply(u tgsim.User, substr string) tgsim.Message {
	h.T.Helper()
	m, err := h.Sim.WaitFor(h.Ctx(), u.ID, func(m tgsim.Message) bool { return m.FromBot && strings.Contains(m.Plain, substr) })
	if err != nil {
		h.T.Fatalf("no reply containing %q to %s: %v", substr, u.FirstName, err)
	}
	return m
}

func TestWebhookModeHandlesUpdatesExactlyOnce(t *testing.T) {
	webhook := true // until the test goes back to long polling
	h := newHarness(t, func(c *app.Config) {
		if webhook {
			webhookDeps(c)
		}
	})

	// The secret header is checked first: missing or wrong → 401, a log line, nothing recorded.
	start := h.Sim.SendText(maryam, "/start") // tgsim holds it; Telegram would POST it to us
	body := webhookUpdate(maryam, start)
	for _, secret := range []string{"", "wrong", testWebhookSecret + "x"} {
		if rec := h.postWebhook(body, secret); rec.Code != 401 {
			t.Errorf("secret %q: %d; want 401", secret, rec.Code)
		}
	}
	if n, _ := h.DB.InboxLen(); n != 0 {
		t.Errorf("%d updates recorded from unauthorized requests", n)
	}
	if !strings.Contains(h.Logs.String(), "webhook request refused: missing or wrong secret token") {
		t.Error("no log line for a refused webhook request")
	}
	if rec := h.postWebhook(bytes.Repeat([]byte("x"), bot.WebhookBodyLimit+1), testWebhookSecret); rec.Code != 413 {
		t.Errorf("an oversized body: %d; want 413", rec.Code)
	}
	for _, bad := range []string{"", "[]", `{"message":{}}`, "not json", `{"update_id":-1}`} {
		if rec := h.postWebhook([]byte(bad), testWebhookSecret); rec.Code != 400 {
			t.Errorf("body %q: %d; want 400", bad, rec.Code)
		}
	}

	// The right secret: 200 only once the update is in the store (inbox, or handled already).
	rec := h.postWebhook(body, testWebhookSecret)
	if rec.Code != 200 {
		t.Fatalf("the right secret: %d %q", rec.Code, rec.Body.String())
	}
	inInbox := false
	for _, id := range inboxIDs(h.DB) {
		inInbox = inInbox || id == start.UpdateID
	}
	done, _ := h.DB.Handled(start.UpdateID)
	if !inInbox && !done {
		t.Error("200 was answered before the update was recorded")
	}
	// Telegram did not get our 200 and sends it again, twice.
	h.postWebhook(body, testWebhookSecret)
	h.postWebhook(body, testWebhookSecret)
	h.waitReply(maryam, "به توان خوش آمدید")

	help := h.Sim.SendText(maryam, "/help")
	if rec := h.postWebhook(webhookUpdate(maryam, help), testWebhookSecret); rec.Code != 200 {
		t.Fatalf("/help: %d", rec.Code)
	}
	h.waitReply(maryam, "راهنمای توان") // one chat is handled in order: /start is done by now
	welcomes := 0
	for _, m := range h.Sim.BotMessages(maryam.ID) {
		if strings.Contains(m.Plain, "به توان خوش آمدید") {
			welcomes++
		}
	}
	if welcomes != 1 {
		t.Errorf("the redelivered /start was answered %d times; want once", welcomes)
	}
	if url, secret := h.Sim.Webhook(); url != testWebhookURL || secret != testWebhookSecret {
		t.Errorf("webhook set to %q with secret %q", url, secret)
	}
	resp, err := h.App.API.MakeRequest("getWebhookInfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		AllowedUpdates []string `json:"allowed_updates"`
	}
	json.Unmarshal(resp.Result, &info)
	if strings.Join(info.AllowedUpdates, ",") != strings.Join(bot.AllowedUpdates, ",") {
		t.Errorf("allowed_updates = %v; want %v", info.AllowedUpdates, bot.AllowedUpdates)
	}
	if rec := h.opsGet("/healthz", ""); rec.Code != 200 {
		t.Errorf("/healthz in webhook mode = %d %q", rec.Code, rec.Body.String())
	}
	containsAll(t, "/metrics", h.opsGet("/metrics", testOpsToken).Body.String(),
		`tavan_webhook_requests_total{result="unauthorized"} 3`, `tavan_webhook_requests_total{result="too_large"} 1`)

	// Back to long polling: the webhook is deleted, and the updates tgsim still holds (delivered by
	// webhook already) come in by getUpdates too: handled ids make them no-ops.
	webhook = false
	h.Restart()
	h.Settle()
	if url, _ := h.Sim.Webhook(); url != "" {
		t.Errorf("webhook still set after going back to polling: %q", url)
	}
	welcomes = 0
	for _, m := range h.Sim.BotMessages(maryam.ID) {
		if strings.Contains(m.Plain, "به توان خوش آمدید") {
			welcomes++
		}
	}
	if welcomes != 1 {
		t.Errorf("after switching to polling /start was answered %d times; want once", welcomes)
	}
}

// TestWebhookInboxSurvivesCrash: the process died after answering 200 and before handling the update; the
// next start handles it from the inbox.
func TestWebhookInboxSurvivesCrash(t *testing.T) {
	h := newHarness(t, webhookDeps)
	h.Stop()
	m := h.Sim.SendText(reza, "/start")
	db, err := store.Open(h.DBPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := db.SaveWebhookUpdate(m.UpdateID, webhookUpdate(reza, m)); !ok || err != nil {
		t.Fatalf("SaveWebhookUpdate = %v, %v", ok, err)
	}
	db.Close()
	h.Start()
	h.waitReply(reza, "به توان خوش آمدید")
	// The reader takes the inbox batch by batch: once a later update is answered, the first is forgotten.
	help := h.Sim.SendText(reza, "/help")
	h.postWebhook(webhookUpdate(reza, help), testWebhookSecret)
	h.waitReply(reza, "راهنمای توان")
	if err := h.Bot.WaitIdle(h.Ctx()); err != nil { // answered and taken out of the inbox
		t.Fatal(err)
	}
	for _, id := range inboxIDs(h.DB) {
		if id == m.UpdateID {
			t.Error("a handled update stayed in the inbox")
		}
	}
}

// stubAPI answers every request with an error; enough for a bot that is built but not run.
type stubAPI struct{}

func (stubAPI) Send(tgbotapi.Chattable) (tgbotapi.Message, error) {
	return tgbotapi.Message{}, errors.New("stub")
}
func (stubAPI) Request(tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	return nil, errors.New("stub")
}
func (stubAPI) MakeRequest(string, tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	return nil, errors.New("stub")
}

// FuzzWebhookBody: whatever arrives with the right secret, the handler answers 200, 400 or 413 without
// panicking, and a 200 means the update is in the store.
func FuzzWebhookBody(f *testing.F) {
	db, err := store.Open(filepath.Join(f.TempDir(), "fuzz.db"), store.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	texts, _ := locales.Load()
	b, err := bot.New(bot.Deps{API: stubAPI{}, Store: db, Texts: texts, Catalog: apptest.EmbeddedCatalog(f),
		WebhookURL: testWebhookURL, WebhookSecret: testWebhookSecret})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{`{"update_id":1,"message":{"text":"سلام"}}`, `{"update_id":null}`, `{"update_id":"7"}`, `{}`, `[`, ``, `{"update_id":1e3}`, `{"update_id":99999999999999999999}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/tg/hook", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", testWebhookSecret)
		rec := httptest.NewRecorder()
		b.WebhookHandler().ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
			var head struct {
				UpdateID int `json:"update_id"`
			}
			if err := json.Unmarshal(body, &head); err != nil {
				t.Fatalf("200 for a body that is not an update: %q", body)
			}
			found := false
			for _, id := range inboxIDs(db) {
				found = found || id == head.UpdateID
			}
			if done, _ := db.Handled(head.UpdateID); !found && !done {
				t.Fatalf("200 but update %d is neither saved nor handled", head.UpdateID)
			}
			db.Apply(head.UpdateID, nil) // out of the inbox, like a handled update
		case 400, 413:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}

// inboxIDs lists the ids of the updates waiting in the inbox.
func inboxIDs(db *store.DB) []int {
	saved, _ := db.Inbox()
	ids := make([]int, len(saved))
	for i, s := range saved {
		ids[i] = s.ID
	}
	return ids
}
