package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/metrics"
)

// Webhook mode: Telegram POSTs each update to WebhookURL (TLS ends at a reverse proxy in front of
// the listener cmd/tavanbot opens). The handler checks the secret header and saves the update in the
// store's inbox (the same inbox long polling uses) before it answers 200, so a crash at any instant loses
// nothing: an update Telegram got no 200 for is sent again, one already saved is handled after a restart.
// A reader dispatches the inbox in update order to the same workers as long polling (one chat in order,
// chats in parallel); an update leaves the inbox in the transaction that applies it, and handled ids make
// a resent update a no-op, exactly as in polling.

const (
	webhookBodyLimit   = 1 << 20          // an update is a few KB; anything near this is not Telegram
	webhookCheckEvery  = 30 * time.Second // getWebhookInfo: proves Telegram is reachable when no update comes
	webhookPruneEvery  = time.Hour        // as poll.go's pruneEvery
	webhookSecretField = "X-Telegram-Bot-Api-Secret-Token"
)

// WebhookHandler receives Telegram's webhook requests; mount it at WebhookPath.
func (b *Bot) WebhookHandler() http.Handler { return http.HandlerFunc(b.serveWebhook) }

// WebhookPath is where the webhook listener takes requests: the path of WebhookURL, and on a platform
// that sends no secret header (Bale), one more segment that is the secret.
func (b *Bot) WebhookPath() string {
	path := "/"
	if u, err := url.Parse(b.webhookEndpoint()); err == nil && u.Path != "" {
		path = u.Path
	}
	return path
}

// webhookEndpoint is the URL given to setWebhook.
func (b *Bot) webhookEndpoint() string {
	if b.Platform.SecretHeader || b.WebhookURL == "" {
		return b.WebhookURL
	}
	u, err := url.Parse(b.WebhookURL)
	if err != nil {
		return b.WebhookURL
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + b.WebhookSecret
	u.RawPath = ""
	return u.String()
}

// webhookAuthorized checks that the request comes from the platform: the secret header, or the secret
// path segment where the platform sends no header.
func (b *Bot) webhookAuthorized(r *http.Request) (ok, present bool) {
	got := r.Header.Get(webhookSecretField)
	if !b.Platform.SecretHeader {
		got = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	}
	return b.WebhookSecret != "" && subtle.ConstantTimeCompare([]byte(got), []byte(b.WebhookSecret)) == 1, got != ""
}

func (b *Bot) serveWebhook(w http.ResponseWriter, r *http.Request) {
	log := b.Logger.With("subsystem", "webhook")
	if r.Method != http.MethodPost {
		b.Metrics.Webhook("method")
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if ok, present := b.webhookAuthorized(r); !ok {
		b.Metrics.Webhook("unauthorized")
		log.Warn("webhook request refused: missing or wrong secret token", "remote", r.RemoteAddr, "secret_present", present)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookBodyLimit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			b.Metrics.Webhook("too_large")
			log.Warn("webhook request refused: body too large", "remote", r.RemoteAddr, "limit", webhookBodyLimit)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		b.Metrics.Webhook("bad_request")
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	var head struct {
		UpdateID *int `json:"update_id"`
	}
	if err := json.Unmarshal(body, &head); err != nil || head.UpdateID == nil || *head.UpdateID < 0 {
		b.Metrics.Webhook("bad_request")
		log.Warn("webhook request refused: not an update", "remote", r.RemoteAddr, "bytes", len(body))
		http.Error(w, "not a Telegram update", http.StatusBadRequest)
		return
	}
	stored, err := b.Store.SaveWebhookUpdate(*head.UpdateID, body)
	if err != nil {
		// No 200: Telegram sends it again later.
		b.Metrics.Webhook("error")
		log.Error("webhook: save update", "update_id", *head.UpdateID, "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	b.lastPoll.Store(b.Now().UnixNano())
	if stored {
		b.Metrics.Webhook("ok")
		select {
		case b.wake <- struct{}{}:
		default: // the reader is awake already
		}
	} else {
		b.Metrics.Webhook("duplicate")
	}
	w.WriteHeader(http.StatusOK)
}

// runWebhook handles what the webhook handler saves until ctx ends (Run has set the webhook). Updates
// still in the inbox at shutdown stay there for the next start, which handles them first.
func (b *Bot) runWebhook(ctx context.Context) error {
	log := b.Logger.With("subsystem", "webhook")
	b.lastPoll.Store(b.Now().UnixNano()) // setWebhook succeeded: Telegram is reachable
	log.Info("webhook set", "url_host", webhookHost(b.WebhookURL))
	fin := b.startFinisher()
	defer fin.stop() // last: what the workers finished leaves the inbox
	d := newDispatcher(b)
	defer d.stop() // in-flight updates finish
	// Handlers finish even when shutdown begins, so that their state commits.
	hctx := context.WithoutCancel(ctx)
	dispatched := map[int]bool{} // in the inbox and given to a worker; forgotten once out of the inbox
	check := time.NewTicker(webhookCheckEvery)
	defer check.Stop()
	lastPrune := time.Time{}
	for {
		if err := b.dispatchInbox(hctx, d, dispatched); err != nil {
			log.Error("webhook inbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-b.wake:
		case <-check.C:
			b.checkWebhook(log)
			if now := b.Now(); now.Sub(lastPrune) > webhookPruneEvery {
				lastPrune = now
				b.pruneStore(log)
			}
		}
	}
}

// dispatchInbox gives every saved update not yet dispatched to its chat's worker, in update order. An
// update leaves the inbox once handled, refused or failed (router.go); one still there at a stop is
// replayed by the next start.
func (b *Bot) dispatchInbox(ctx context.Context, d *dispatcher, dispatched map[int]bool) error {
	saved, err := b.Store.Inbox()
	if err != nil {
		return err
	}
	present := make(map[int]bool, len(saved))
	for _, s := range saved {
		id := s.ID
		present[id] = true
		if dispatched[id] {
			continue
		}
		dispatched[id] = true
		var u tgbotapi.Update
		if err := json.Unmarshal(s.Raw, &u); err != nil {
			// Not something tgbotapi can read (a newer Bot API shape): dropped, as poll.go's replay does.
			b.Logger.Error("webhook: undecodable update dropped", "update_id", id)
			b.finish(id)
			continue
		}
		d.dispatch(ctx, u, s.Received)
	}
	for id := range dispatched {
		if !present[id] {
			delete(dispatched, id)
		}
	}
	return nil
}

// pruneStore forgets old handled ids, quiz poll records and daily activity marks, as poll.go does hourly.
func (b *Bot) pruneStore(log *slog.Logger) {
	if _, err := b.Store.PruneHandled(); err != nil {
		log.Warn("prune handled updates", "err", err)
	}
	if _, err := b.Store.PrunePolls(); err != nil {
		log.Warn("prune quiz polls", "err", err)
	}
	if _, err := b.Store.PruneDayUsers(); err != nil {
		log.Warn("prune daily activity marks", "err", err)
	}
}

// setWebhook registers the webhook with its secret and the update types the bot handles. tgbotapi 5.5
// has no secret_token, hence MakeRequest.
func (b *Bot) setWebhook() error {
	p := tgbotapi.Params{"url": b.webhookEndpoint()}
	if b.Platform.SecretHeader {
		p["secret_token"] = b.WebhookSecret
	}
	if b.Platform.FilterUpdates {
		allowed, _ := json.Marshal(allowedUpdates)
		p["allowed_updates"] = string(allowed)
		p["max_connections"] = strconv.Itoa(40)
	}
	_, err := b.API.MakeRequest("setWebhook", p)
	return Describe("setWebhook", err)
}

// checkWebhook asks Telegram about the webhook: a successful answer counts for /healthz when no update
// came; a webhook that someone else changed is set again; Telegram's delivery errors are logged.
func (b *Bot) checkWebhook(log *slog.Logger) {
	resp, err := b.API.MakeRequest("getWebhookInfo", nil)
	if err != nil {
		log.Warn("getWebhookInfo failed", "err", Describe("getWebhookInfo", err)) // describe: no token
		b.Metrics.Sent(metrics.LaneReply, metrics.ResultOf(err))
		return
	}
	b.lastPoll.Store(b.Now().UnixNano())
	var info struct {
		URL              string `json:"url"`
		PendingCount     int    `json:"pending_update_count"`
		LastErrorDate    int64  `json:"last_error_date"`
		LastErrorMessage string `json:"last_error_message"`
	}
	if json.Unmarshal(resp.Result, &info) != nil {
		return
	}
	if info.URL != b.webhookEndpoint() {
		log.Warn("the webhook was changed elsewhere; setting it again", "found_host", webhookHost(info.URL))
		if err := b.setWebhook(); err != nil {
			log.Warn("setWebhook failed", "err", err)
		}
	}
	if info.LastErrorDate > 0 && b.Now().Sub(time.Unix(info.LastErrorDate, 0)) < 2*webhookCheckEvery {
		log.Warn("Telegram reports a webhook delivery error", "error", info.LastErrorMessage, "pending", info.PendingCount)
	}
}

// webhookHost is the host of a webhook URL, for logs (its path may be secret-ish).
func webhookHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
