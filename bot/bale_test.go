package bot_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
)

// TestWebhookOnBaleTakesTheSecretAsAPathSegment: Bale's setWebhook takes the url only and its POSTs carry
// no secret header, so the secret is the URL's last segment: a missing or wrong segment is refused 401
// (even with Telegram's header), the right one is handled.
func TestWebhookOnBaleTakesTheSecretAsAPathSegment(t *testing.T) {
	h := &harness{apptest.NewOn(t, bot.BalePlatform, webhookDeps)}
	h.Drain() // the sender starts once the webhook is set
	url, secret := h.Sim.Webhook()
	if url != testWebhookURL+"/"+testWebhookSecret || secret != "" {
		t.Fatalf("webhook set to %q with secret %q; want the secret as the URL's last segment and no secret_token", url, secret)
	}
	if got := h.Bot.WebhookPath(); got != "/tg/hook/"+testWebhookSecret {
		t.Errorf("WebhookPath = %q", got)
	}

	start := h.Sim.SendText(maryam, "/start")
	req := h.Sim.WebhookRequest(start.UpdateID)
	if req == nil {
		t.Fatal("tgsim made no webhook request")
	}
	if req.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "" {
		t.Fatal("Bale's webhook request carries Telegram's secret header")
	}
	body, _ := io.ReadAll(req.Body)
	for _, path := range []string{"/tg/hook", "/tg/hook/", "/tg/hook/wrong", "/tg/hook/" + testWebhookSecret + "x"} {
		r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		r.Header.Set("X-Telegram-Bot-Api-Secret-Token", testWebhookSecret) // a header does not stand in for the segment
		rec := httptest.NewRecorder()
		h.App.WebhookHandler().ServeHTTP(rec, r)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("POST %s: %d; want 401", path, rec.Code)
		}
	}
	if n, _ := h.DB.InboxLen(); n != 0 {
		t.Errorf("%d updates recorded from unauthorized requests", n)
	}
	if strings.Contains(h.Logs.String(), testWebhookSecret) {
		t.Error("the webhook secret (a path segment on Bale) appeared in the logs")
	}

	req.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.App.WebhookHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("Bale's own request: %d %q", rec.Code, rec.Body.String())
	}
	h.waitReply(maryam, "به توان خوش آمدید")
}

// formRecorder keeps the bodies of the getUpdates requests the bot makes.
type formRecorder struct {
	next  http.RoundTripper
	mu    sync.Mutex
	forms []string
}

func (f *formRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/getUpdates") && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		f.mu.Lock()
		f.forms = append(f.forms, string(b))
		f.mu.Unlock()
	}
	return f.next.RoundTrip(r)
}

// TestLongPollingAllowedUpdatesOnlyOnTelegram: getUpdates names the update kinds the bot handles on
// Telegram and never on Bale, which has no such parameter (tgsim's Bale profile also fails the test if it
// sees one).
func TestLongPollingAllowedUpdatesOnlyOnTelegram(t *testing.T) {
	apptest.EachPlatform(t, func(t *testing.T, p bot.Platform) {
		rec := &formRecorder{}
		h := apptest.NewOn(t, p, func(c *app.Config) {
			rec.next = c.HTTP.Transport
			if rec.next == nil {
				rec.next = http.DefaultTransport
			}
			c.HTTP = &http.Client{Transport: rec}
		})
		h.Send(maryam, "/start")
		rec.mu.Lock()
		forms := append([]string(nil), rec.forms...)
		rec.mu.Unlock()
		if len(forms) == 0 {
			t.Fatal("no getUpdates seen")
		}
		for _, f := range forms {
			if got := strings.Contains(f, "allowed_updates"); got == h.Bale() {
				t.Errorf("getUpdates on %s sent %q; want allowed_updates only on Telegram", p.Name, f)
			}
		}
	})
}

// TestBlockedOnBaleFromA403Alone: Bale sends no my_chat_member, so a learner who blocked the bot is
// known from the first send it refuses: marked inactive then, no lesson tried after, active again once
// they write.
func TestBlockedOnBaleFromA403Alone(t *testing.T) {
	h := &harness{apptest.NewOn(t, bot.BalePlatform, nil)}
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "home")
	before := h.Count(maryam)
	h.Sim.BlockBot(maryam)
	h.Settle()
	if h.User(maryam).Blocked {
		t.Fatal("marked blocked before any send was refused: Bale told nothing")
	}
	h.At(apptest.TehranTime(2026, 11, 27, 8, 0))
	if !h.User(maryam).Blocked {
		t.Fatal("the refused daily lesson did not mark Maryam inactive")
	}
	if n := h.CountContaining(reza, homeLesson); n != 1 {
		t.Errorf("Reza got %d lessons; want 1", n)
	}
	sends := h.Sim.Calls("sendMessage") + h.Sim.Calls("sendPhoto") + h.Sim.Calls("sendVideo") + h.Sim.Calls("sendAudio")
	h.At(apptest.TehranTime(2026, 11, 28, 8, 0))
	if n := h.Count(maryam); n != before {
		t.Fatalf("a learner who blocked the bot got %d messages", n-before)
	}
	if after := h.Sim.Calls("sendMessage") + h.Sim.Calls("sendPhoto") + h.Sim.Calls("sendVideo") + h.Sim.Calls("sendAudio"); after-sends != 1 {
		t.Errorf("%d sends on the next day; want Reza's lesson only, none tried for Maryam", after-sends)
	}
	h.Send(maryam, "/start") // writing unblocks on Bale as on Telegram
	if h.User(maryam).Blocked {
		t.Fatal("writing to the bot did not make Maryam active again")
	}
	var u *store.User = h.User(maryam)
	if !u.Onboarded {
		t.Errorf("coming back lost her onboarding: %+v", u)
	}
}
