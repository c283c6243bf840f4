package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// allowedUpdates are the update types the bot handles; Telegram sends no others.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "poll_answer", "my_chat_member"}

const (
	backoffMin = 100 * time.Millisecond
	backoffMax = 5 * time.Second
)

// poll is the update loop. The offset is committed only after every update of a batch was handled and its
// state committed, so a crash at any instant loses nothing: Telegram redelivers what was not confirmed,
// and the store's handled-update ids keep a redelivered update from applying twice.
func (b *Bot) poll(ctx context.Context) error {
	offset, err := b.Store.Offset()
	if err != nil {
		return fmt.Errorf("read offset: %w", err)
	}
	d := newDispatcher(b)
	defer d.stop()
	log := b.Logger.With("subsystem", "poll")
	backoff := backoffMin
	for ctx.Err() == nil {
		updates, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait := backoff
			var apiErr *tgbotapi.Error
			if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
				wait = time.Duration(apiErr.RetryAfter) * time.Second
			} else {
				backoff = min(backoff*2, backoffMax)
			}
			log.Warn("getUpdates failed", "err", err, "retry_in", wait)
			if b.Sleep(ctx, wait) != nil {
				break
			}
			continue
		}
		backoff = backoffMin
		b.lastPoll.Store(b.Now().UnixNano())
		if len(updates) == 0 {
			continue
		}
		// Handlers finish even when shutdown begins, so that the batch can be confirmed.
		d.handleBatch(context.WithoutCancel(ctx), updates)
		next := updates[len(updates)-1].UpdateID + 1
		if err := b.Store.SetOffset(next); err != nil {
			log.Error("commit offset", "err", err)
			continue // the batch will be redelivered and recognised as handled
		}
		offset = next
	}
	// Confirm the last batch to Telegram so a restart does not fetch it again (harmless if it fails: the
	// stored offset and handled ids cover a redelivery).
	if offset > 0 {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if _, err := b.fetchUpdates(cctx, offset, 1, 0); err != nil {
			log.Debug("confirm the last batch", "err", err)
		}
		cancel()
	}
	return nil
}

// LastPoll is when getUpdates last succeeded (zero before the first call).
func (b *Bot) LastPoll() time.Time {
	n := b.lastPoll.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// getUpdates long-polls Telegram. It is our own call rather than tgbotapi's so that it follows ctx.
func (b *Bot) getUpdates(ctx context.Context, offset int) ([]tgbotapi.Update, error) {
	return b.fetchUpdates(ctx, offset, 100, b.PollTimeout)
}

func (b *Bot) fetchUpdates(ctx context.Context, offset, limit int, timeout time.Duration) ([]tgbotapi.Update, error) {
	allowed, _ := json.Marshal(allowedUpdates)
	form := url.Values{
		"offset":          {strconv.Itoa(offset)},
		"limit":           {strconv.Itoa(limit)},
		"timeout":         {strconv.Itoa(int(timeout / time.Second))},
		"allowed_updates": {string(allowed)},
	}
	endpoint := strings.TrimRight(b.APIURL, "/") + "/bot" + b.Token + "/getUpdates"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, errors.New("getUpdates: bad API URL")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.HTTP.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error's text carries the URL, and so the token
		}
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	defer resp.Body.Close()
	var apiResp tgbotapi.APIResponse
	if err := json.NewDecoder(resp.Body).Decode(&apiResp); err != nil {
		return nil, fmt.Errorf("getUpdates: decode: HTTP %d", resp.StatusCode)
	}
	if !apiResp.Ok {
		e := &tgbotapi.Error{Code: apiResp.ErrorCode, Message: apiResp.Description}
		if apiResp.Parameters != nil {
			e.ResponseParameters = *apiResp.Parameters
		}
		return nil, e
	}
	var updates []tgbotapi.Update
	if err := json.Unmarshal(apiResp.Result, &updates); err != nil {
		return nil, fmt.Errorf("getUpdates: decode result: %w", err)
	}
	return updates, nil
}
