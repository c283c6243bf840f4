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
	pruneEvery = time.Hour
)

// poll is the update loop. Each batch is saved to the store's inbox together with the next offset before
// the next getUpdates confirms it to Telegram, then dispatched; so the next long poll is already waiting
// while the batch is handled (replies to different chats overlap), and a crash at any instant loses
// nothing: unconfirmed updates are redelivered by Telegram, saved ones are replayed from the inbox, and
// handled ids keep either from applying twice.
func (b *Bot) poll(ctx context.Context) error {
	offset, err := b.Store.Offset()
	if err != nil {
		return fmt.Errorf("read offset: %w", err)
	}
	fin := b.startFinisher()
	defer fin.stop() // last: what the workers finished leaves the inbox
	d := newDispatcher(b)
	defer d.stop() // after the loop: in-flight updates finish, the rest stay in the inbox
	// Handlers finish even when shutdown begins, so that their state commits.
	hctx := context.WithoutCancel(ctx)
	if err := b.replayInbox(hctx, d); err != nil {
		return err
	}
	log := b.Logger.With("subsystem", "poll")
	backoff := backoffMin
	lastPrune := time.Time{}
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
		batch := make(map[int]json.RawMessage, len(updates))
		for _, u := range updates {
			batch[u.UpdateID] = u.raw
		}
		next := updates[len(updates)-1].UpdateID + 1
		saved, err := b.Store.SaveUpdates(batch, next)
		if err != nil {
			// Not confirmed: the same batch comes again.
			log.Error("save updates", "err", err)
			if b.Sleep(ctx, backoff) != nil {
				break
			}
			continue
		}
		offset = next
		isSaved := make(map[int]bool, len(saved))
		for _, id := range saved {
			isSaved[id] = true
		}
		received := b.Now()
		for _, u := range updates {
			switch {
			case !isSaved[u.UpdateID]:
			case u.decoded == nil:
				b.finish(u.UpdateID) // logged by getUpdates; out of the inbox, never retried
			default:
				d.dispatch(hctx, *u.decoded, received)
			}
		}
		if now := b.Now(); now.Sub(lastPrune) > pruneEvery {
			lastPrune = now
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
	}
	b.confirmOffset(ctx, offset) // at shutdown, tell Telegram the saved batch arrived
	return nil
}

// replayInbox dispatches updates saved before the last stop whose answers may not have gone out, in
// order: those never handled, and those applied but not finished (they answer again, changing nothing).
func (b *Bot) replayInbox(ctx context.Context, d *dispatcher) error {
	saved, err := b.Store.Inbox()
	if err != nil {
		return fmt.Errorf("read inbox: %w", err)
	}
	for _, s := range saved {
		var u tgbotapi.Update
		if err := json.Unmarshal(s.Raw, &u); err != nil {
			b.Logger.Error("undecodable update in inbox; dropping it", "update_id", s.ID)
			b.finish(s.ID)
			continue
		}
		d.dispatch(ctx, u, s.Received)
	}
	if len(saved) > 0 {
		b.Logger.Info("replaying saved updates", "count", len(saved))
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

// polled is one update of a getUpdates answer: its raw JSON (kept for the inbox) and, when it decodes,
// the update. An update this client cannot read is saved and dropped on its own, never holding up the
// others.
type polled struct {
	UpdateID int
	raw      json.RawMessage
	decoded  *tgbotapi.Update
}

// filterUpdates asks for only the update types the bot handles, where the platform takes the list.
func (b *Bot) filterUpdates(form url.Values) {
	if b.Platform.FilterUpdates {
		allowed, _ := json.Marshal(allowedUpdates)
		form.Set("allowed_updates", string(allowed))
	}
}

// getUpdates long-polls Telegram. It is our own call rather than tgbotapi's so that it follows ctx and
// keeps each update's raw JSON for the inbox.
func (b *Bot) getUpdates(ctx context.Context, offset int) ([]polled, error) {
	form := url.Values{
		"offset":  {strconv.Itoa(offset)},
		"limit":   {"100"},
		"timeout": {strconv.Itoa(int(b.PollTimeout / time.Second))},
	}
	b.filterUpdates(form)
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
	var raws []json.RawMessage
	if err := json.Unmarshal(apiResp.Result, &raws); err != nil {
		return nil, fmt.Errorf("getUpdates: decode result: %w", err)
	}
	out := make([]polled, 0, len(raws))
	for _, raw := range raws {
		var head struct {
			UpdateID *int `json:"update_id"`
		}
		if json.Unmarshal(raw, &head) != nil || head.UpdateID == nil {
			b.Logger.Error("getUpdates: an update without an id; skipping it")
			continue
		}
		p := polled{UpdateID: *head.UpdateID, raw: raw}
		var u tgbotapi.Update
		if err := json.Unmarshal(raw, &u); err != nil {
			b.Logger.Error("undecodable update; dropping it", "update_id", p.UpdateID) // the id only: its contents are the user's
		} else {
			p.decoded = &u
		}
		out = append(out, p)
	}
	return out, nil
}
