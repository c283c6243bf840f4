package tgsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// defaultUpdates is what Telegram delivers when allowed_updates was never set (or set to []).
var defaultUpdates = []string{"message", "edited_message", "channel_post", "edited_channel_post",
	"business_connection", "business_message", "edited_business_message", "deleted_business_messages",
	"inline_query", "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
	"purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost",
	"removed_chat_boost"}

func (s *Server) wants(kind string) bool {
	if s.allowed == nil {
		return slices.Contains(defaultUpdates, kind)
	}
	return slices.Contains(s.allowed, kind)
}

// confirm applies getUpdates' offset: every update below offset is forgotten; a negative offset keeps
// only the last -offset updates.
func (s *Server) confirm(offset int) {
	switch {
	case offset > 0:
		if offset-1 > s.confirmed {
			s.confirmed = offset - 1
		}
		i := 0
		for i < len(s.queue) && s.queue[i].id < offset {
			i++
		}
		s.queue = s.queue[i:]
	case offset < 0:
		keep := -offset
		if len(s.queue) > keep {
			cut := len(s.queue) - keep
			for _, u := range s.queue[:cut] {
				s.dropped[u.id] = "forgotten by a negative getUpdates offset"
			}
			s.queue = s.queue[cut:]
		}
	}
	s.notify()
}

// batch returns up to limit deliverable updates. Updates the bot did not ask for are forgotten, as
// Telegram never stores them.
func (s *Server) batch(limit int) []json.RawMessage {
	out := []json.RawMessage{}
	kept := s.queue[:0]
	for _, u := range s.queue {
		if !s.wants(u.kind) {
			s.dropped[u.id] = fmt.Sprintf("a %s update, not in allowed_updates", u.kind)
			continue
		}
		kept = append(kept, u)
		if len(out) < limit {
			out = append(out, u.raw)
		}
	}
	clear(s.queue[len(kept):])
	s.queue = kept
	return out
}

func (s *Server) getUpdates(c *call) (any, *apiError) {
	if s.webhook.url != "" {
		return nil, &apiError{code: 409, violation: true,
			description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	limit := 100
	if c.has("limit") {
		limit = c.int("limit")
		if limit < 1 || limit > 100 {
			s.recordViolation(c.method, c.p, c.files, 0, fmt.Sprintf("limit %d out of range 1-100 (Telegram clamps it)", limit))
			limit = min(max(limit, 1), 100)
		}
	}
	timeout := max(c.int("timeout"), 0)
	if c.has("allowed_updates") {
		var au []string
		if err := c.json("allowed_updates", &au); err != nil {
			return nil, badRequest("can't parse allowed_updates JSON array")
		}
		if len(au) == 0 {
			s.allowed = nil
		} else {
			s.allowed = au
		}
	}
	s.pollGen++
	gen := s.pollGen
	s.confirm(c.int("offset")) // also wakes an older poll, which then ends with 409
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		deadline = t.C
	}
	for {
		if s.closed {
			return []json.RawMessage{}, nil
		}
		if gen != s.pollGen {
			// Like Telegram. Not recorded: after a client gives up on a poll, its successor usually
			// arrives before the server notices the first one's context ending.
			return nil, &apiError{code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		}
		if b := s.batch(limit); len(b) > 0 || deadline == nil {
			return b, nil
		}
		s.polling++
		s.notify() // for WaitPolling
		ch := s.changed
		s.mu.Unlock()
		var done bool
		select {
		case <-ch:
		case <-deadline:
			done = true
		case <-c.ctx.Done():
			done = true
		}
		s.mu.Lock()
		s.polling--
		if done {
			return s.batch(limit), nil
		}
	}
}

var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(c *call) (any, *apiError) {
	raw := c.str("url")
	if raw == "" {
		s.webhook = webhookState{}
		s.notify()
		return true, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, badRequest("bad webhook: Failed to resolve host: Name or service not known")
	}
	if u.Scheme != "https" {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := c.str("secret_token")
	if secret != "" && !secretPattern.MatchString(secret) {
		return nil, badRequest("bad webhook: secret token contains unallowed characters")
	}
	var au []string
	if c.has("allowed_updates") {
		if err := c.json("allowed_updates", &au); err != nil {
			return nil, badRequest("can't parse allowed_updates JSON array")
		}
		if len(au) == 0 {
			au = nil
		}
		s.allowed = au
	}
	s.webhook = webhookState{url: raw, secret: secret, allowed: au, maxConnections: c.int("max_connections")}
	if c.bool("drop_pending_updates") {
		s.dropPending("dropped by setWebhook drop_pending_updates")
	}
	s.notify()
	return true, nil
}

func (s *Server) dropPending(why string) {
	for _, u := range s.queue {
		s.dropped[u.id] = why
	}
	s.queue = nil
}

func (s *Server) deleteWebhook(c *call) (any, *apiError) {
	s.webhook = webhookState{}
	if c.bool("drop_pending_updates") {
		s.dropPending("dropped by deleteWebhook drop_pending_updates")
	}
	s.notify()
	return true, nil
}

func (s *Server) getWebhookInfo(*call) (any, *apiError) {
	info := struct {
		URL                  string   `json:"url"`
		HasCustomCertificate bool     `json:"has_custom_certificate"`
		PendingUpdateCount   int      `json:"pending_update_count"`
		MaxConnections       int      `json:"max_connections,omitempty"`
		AllowedUpdates       []string `json:"allowed_updates,omitempty"`
	}{URL: s.webhook.url, PendingUpdateCount: len(s.queue), AllowedUpdates: s.webhook.allowed}
	if s.webhook.url != "" {
		info.MaxConnections = s.webhook.maxConnections
		if info.MaxConnections == 0 {
			info.MaxConnections = 40
		}
	}
	return info, nil
}

// Webhook returns the webhook the bot set ("" when none).
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook.url, s.webhook.secret
}

// WaitPolling blocks until a getUpdates long poll is parked waiting for updates: the bot is ready.
func (s *Server) WaitPolling(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.polling == 0 {
		if s.closed {
			return fmt.Errorf("tgsim: server closed while waiting for a long poll")
		}
		if err := s.wait(ctx); err != nil {
			return fmt.Errorf("tgsim: the bot is not long polling: %w", err)
		}
	}
	return nil
}

// LastUpdateID returns the id of the newest queued update (0 before the first).
func (s *Server) LastUpdateID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastUpdate
}

// Pending returns how many updates are queued and not yet confirmed by the bot.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// WaitConfirmed blocks until the bot confirmed update updateID, i.e. called getUpdates with a greater
// offset after handling it. It fails at once if the update was forgotten undelivered (not in the bot's
// allowed_updates, or dropped), and when ctx ends or the server closes.
func (s *Server) WaitConfirmed(ctx context.Context, updateID int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if why, ok := s.dropped[updateID]; ok {
			return fmt.Errorf("tgsim: update %d was never delivered: %s", updateID, why)
		}
		if s.confirmed >= updateID {
			return nil
		}
		if s.closed {
			return fmt.Errorf("tgsim: server closed before update %d was confirmed", updateID)
		}
		if err := s.wait(ctx); err != nil {
			return fmt.Errorf("tgsim: update %d not confirmed (bot confirmed up to %d): %w", updateID, s.confirmed, err)
		}
	}
}

// WaitAllConfirmed blocks until every update queued so far is confirmed by the bot or forgotten
// undelivered: the bot has handled everything the users did.
func (s *Server) WaitAllConfirmed(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.lastUpdate
	for {
		if len(s.queue) == 0 || s.queue[0].id > last {
			return nil
		}
		if s.closed {
			return fmt.Errorf("tgsim: server closed before update %d was confirmed", s.queue[0].id)
		}
		if err := s.wait(ctx); err != nil {
			return fmt.Errorf("tgsim: update %d (%s) not confirmed: %w", s.queue[0].id, s.queue[0].kind, err)
		}
	}
}

// InjectUpdate queues a raw update (any type, e.g. one tgsim has no helper for). A missing update_id is
// assigned; the id is returned. Invalid JSON is recorded in Errors and returns 0.
func (s *Server) InjectUpdate(raw json.RawMessage) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		s.recordError("InjectUpdate: not a JSON object: %s", raw)
		return 0
	}
	kind := ""
	for _, k := range sortedKeys(obj) {
		if k != "update_id" {
			kind = k
			break
		}
	}
	if s.bale && !slices.Contains(baleUpdates, kind) {
		s.recordError("InjectUpdate: Bale never sends %s updates", kind)
		return 0
	}
	id := s.nextUpdate
	if v, ok := obj["update_id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil {
			s.recordError("InjectUpdate: bad update_id %s", v)
			return 0
		}
	}
	if id >= s.nextUpdate {
		s.nextUpdate = id + 1
	}
	s.lastUpdate = max(s.lastUpdate, id)
	obj["update_id"] = json.RawMessage(fmt.Sprint(id))
	b, _ := json.Marshal(obj)
	i, _ := slices.BinarySearchFunc(s.queue, id, func(u update, id int) int { return u.id - id })
	s.queue = slices.Insert(s.queue, i, update{id: id, kind: kind, raw: b})
	s.notify()
	return id
}
