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
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/metrics"
)

// Webhook mode: Telegram POSTs each update to Ops.WebhookURL (TLS ends at a reverse proxy in front of
// the listener cmd/tavanbot opens). The handler checks the secret header, writes the update to the
// store's inbox and only then answers 200, so a crash at any instant loses nothing: an update Telegram
// got no 200 for is sent again, one already in the inbox is handled after a restart. A reader takes the
// inbox in update order through the same dispatcher as long polling (one chat in order, chats in
// parallel); handled ids make a redelivered update a no-op, exactly as in polling.

const (
	webhookBodyLimit   = 1 << 20          // an update is a few KB; anything near this is not Telegram
	webhookCheckEvery  = 30 * time.Second // getWebhookInfo: proves Telegram is reachable when no update comes
	handledRetention   = 48 * time.Hour   // how long handled ids are kept in webhook mode
	inboxBatch         = 100
	webhookSecretField = "X-Telegram-Bot-Api-Secret-Token"
)

// WebhookHandler receives Telegram's webhook requests; mount it at the path of Ops.WebhookURL.
func (b *Bot) WebhookHandler() http.Handler { return http.HandlerFunc(b.serveWebhook) }

func (b *Bot) serveWebhook(w http.ResponseWriter, r *http.Request) {
	log := b.Logger.With("subsystem", "webhook")
	if r.Method != http.MethodPost {
		b.Metrics.Webhook("method")
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get(webhookSecretField)
	if b.Ops.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(b.Ops.WebhookSecret)) != 1 {
		b.Metrics.Webhook("unauthorized")
		log.Warn("webhook request refused: missing or wrong secret token", "remote", r.RemoteAddr, "header_present", got != "")
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
	stored, err := b.Store.PutInbox(*head.UpdateID, body)
	if err != nil {
		// No 200: Telegram sends it again later.
		b.Metrics.Webhook("error")
		log.Error("webhook: record update", "update_id", *head.UpdateID, "err", err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	b.lastPoll.Store(b.Now().UnixNano())
	if stored {
		b.Metrics.Webhook("ok")
		select {
		case b.ops.wake <- struct{}{}:
		default: // the reader is awake already
		}
	} else {
		b.Metrics.Webhook("duplicate")
	}
	w.WriteHeader(http.StatusOK)
}

// runWebhook sets the webhook and handles the inbox until ctx ends. Updates still in the inbox at
// shutdown stay there for the next start.
func (b *Bot) runWebhook(ctx context.Context) error {
	log := b.Logger.With("subsystem", "webhook")
	if err := b.setWebhook(); err != nil {
		return err
	}
	b.lastPoll.Store(b.Now().UnixNano())
	log.Info("webhook set", "url_host", webhookHost(b.Ops.WebhookURL))
	b.setCommands()
	defer b.servingUntil(ctx)()

	d := newDispatcher(b)
	defer d.stop()
	check := time.NewTicker(webhookCheckEvery)
	defer check.Stop()
	for {
		n, err := b.drainInbox(ctx, d)
		if err != nil {
			log.Error("webhook inbox", "err", err)
		}
		if n == inboxBatch && ctx.Err() == nil {
			continue // more waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-b.ops.wake:
		case <-check.C:
			b.checkWebhook(log)
			if _, err := b.Store.PruneHandled(b.Now().Add(-handledRetention), pruneBatch); err != nil {
				log.Warn("prune handled ids", "err", err)
			}
		}
	}
}

const pruneBatch = 5000

// drainInbox handles one batch of the inbox, in update order, and forgets what it handled.
func (b *Bot) drainInbox(ctx context.Context, d *dispatcher) (int, error) {
	items, err := b.Store.Inbox(inboxBatch)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	updates := make([]tgbotapi.Update, 0, len(items))
	ids := make([]int, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.UpdateID)
		var u tgbotapi.Update
		if err := json.Unmarshal(it.Raw, &u); err != nil {
			// Not something tgbotapi can read (a newer Bot API shape): dropped, like an unknown update type.
			b.Logger.Error("webhook: undecodable update dropped", "update_id", it.UpdateID, "err", err)
			continue
		}
		updates = append(updates, u)
	}
	if len(updates) > 0 {
		// Handlers finish even when shutdown begins, as in polling.
		d.handleBatch(context.WithoutCancel(ctx), updates)
	}
	return len(items), b.Store.DeleteInbox(ids)
}

// setWebhook registers the webhook with its secret and the update types the bot handles. tgbotapi 5.5
// has no secret_token, hence MakeRequest.
func (b *Bot) setWebhook() error {
	allowed, _ := json.Marshal(allowedUpdates)
	_, err := b.API.MakeRequest("setWebhook", tgbotapi.Params{
		"url":             b.Ops.WebhookURL,
		"secret_token":    b.Ops.WebhookSecret,
		"allowed_updates": string(allowed),
		"max_connections": strconv.Itoa(40),
	})
	return describe("setWebhook", err)
}

// checkWebhook asks Telegram about the webhook: a successful answer counts for /healthz when no update
// came; a webhook that someone else changed is set again; Telegram's delivery errors are logged.
func (b *Bot) checkWebhook(log *slog.Logger) {
	resp, err := b.API.MakeRequest("getWebhookInfo", nil)
	if err != nil {
		log.Warn("getWebhookInfo failed", "err", err)
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
	if info.URL != b.Ops.WebhookURL {
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
