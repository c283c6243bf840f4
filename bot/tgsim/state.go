package tgsim

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// Messages returns the chat's history in order, in its current state; deleted messages are included
// with Deleted set. Nil for an unknown chat.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	if ch == nil {
		return nil
	}
	out := make([]Message, len(ch.msgs))
	for i, r := range ch.msgs {
		out[i] = r.export()
	}
	return out
}

// BotMessages returns the bot's messages in the chat that are not deleted, oldest first.
func (s *Server) BotMessages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botMessages(chatID)
}

func (s *Server) botMessages(chatID int64) []Message {
	ch := s.chats[chatID]
	if ch == nil {
		return nil
	}
	var out []Message
	for _, r := range ch.msgs {
		if r.msg.FromBot && !r.msg.Deleted {
			out = append(out, r.export())
		}
	}
	return out
}

// Message returns one message of a chat in its current state.
func (s *Server) Message(chatID int64, id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.chats[chatID]; ch != nil {
		if r := ch.byID[id]; r != nil {
			return r.export(), true
		}
	}
	return Message{}, false
}

// Chats returns the ids of every chat, in the order they appeared.
func (s *Server) Chats() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.chatOrder...)
}

// WaitFor blocks until the chat has a current (not deleted) bot message matching pred and returns it,
// searching newest first; a message that already matches returns at once. It wakes on every change
// (no polling) and fails when ctx ends or the server closes, describing the bot's last message.
// pred runs without the server's lock and may call the Server.
func (s *Server) WaitFor(ctx context.Context, chatID int64, pred func(Message) bool) (Message, error) {
	for {
		s.mu.Lock()
		msgs := s.botMessages(chatID)
		changed, closed := s.changed, s.closed
		s.mu.Unlock()
		for i := len(msgs) - 1; i >= 0; i-- {
			if pred(msgs[i]) {
				return msgs[i], nil
			}
		}
		last := "none"
		if len(msgs) > 0 {
			m := msgs[len(msgs)-1]
			last = fmt.Sprintf("#%d %s %q buttons %q", m.ID, m.Kind, m.Plain, m.ButtonTexts())
		}
		if closed {
			return Message{}, fmt.Errorf("tgsim: server closed; no matching bot message in chat %d (last: %s)", chatID, last)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("tgsim: no matching bot message in chat %d (last: %s): %w", chatID, last, ctx.Err())
		}
	}
}

// WaitText waits for a bot message whose visible text contains substr.
func (s *Server) WaitText(ctx context.Context, chatID int64, substr string) (Message, error) {
	return s.WaitFor(ctx, chatID, func(m Message) bool { return strings.Contains(m.Plain, substr) })
}

// CallbackAnswer returns the bot's answer to a button press; false if it has not answered yet.
func (s *Server) CallbackAnswer(queryID string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.callbacks[queryID]; q != nil && q.answered {
		return q.answer, true
	}
	return CallbackAnswer{}, false
}

// WaitCallbackAnswer blocks until the bot answers the callback query, ctx ends or the server closes.
func (s *Server) WaitCallbackAnswer(ctx context.Context, queryID string) (CallbackAnswer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		q := s.callbacks[queryID]
		if q == nil {
			return CallbackAnswer{}, fmt.Errorf("tgsim: no callback query %q", queryID)
		}
		if q.answered {
			return q.answer, nil
		}
		if s.closed {
			return CallbackAnswer{}, fmt.Errorf("tgsim: server closed before callback query %s was answered", queryID)
		}
		if err := s.wait(ctx); err != nil {
			return CallbackAnswer{}, fmt.Errorf("tgsim: callback query %s (data %q) not answered: %w", queryID, q.data, err)
		}
	}
}

// Commands returns the bot's commands for the default scope and languageCode ("" for all languages),
// exactly as set (no fallback between languages, like getMyCommands).
func (s *Server) Commands(languageCode string) []BotCommand {
	return s.CommandsFor(CommandScope{Type: "default"}, languageCode)
}

// CommandsFor returns the bot's commands for a scope and language.
func (s *Server) CommandsFor(scope CommandScope, languageCode string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	if scope.Type == "" {
		scope.Type = "default"
	}
	return append([]BotCommand(nil), s.commands[commandKey{scope: scope, lang: languageCode}]...)
}

// serveFile serves GET /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, filePath, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	f := s.filePaths[filePath]
	ok := token == s.opts.Token && f != nil && f.data != nil
	if !ok {
		s.recordViolation("file download", map[string]string{"file_path": filePath}, nil, 404, "Not Found")
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, &apiError{code: 404, description: "Not Found"})
		return
	}
	w.Header().Set("Content-Type", f.mime)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

// limitConfig is a token bucket's shape.
type limitConfig struct {
	rate  float64
	burst int
}

// bucket is a token bucket on the server's clock.
type bucket struct {
	limitConfig
	tokens float64
	last   time.Time
}

func newBucket(cfg limitConfig, now time.Time) *bucket {
	return &bucket{limitConfig: cfg, tokens: float64(cfg.burst), last: now}
}

func (b *bucket) refill(now time.Time) {
	if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = math.Min(float64(b.burst), b.tokens+d*b.rate)
		b.last = now
	}
}

// retryAfter is how long until a token is available, in whole seconds (at least 1), or 0 if one is.
func (b *bucket) retryAfter(now time.Time) int {
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return max(1, int(math.Ceil((1-b.tokens)/b.rate)))
}

// SetRateLimit limits sends over all chats to perSecond with bursts of burst, like Telegram's flood
// control: excess sends get 429 with retry_after. perSecond <= 0 removes the limit. The bucket runs on
// Options.Now, so a fake clock makes it deterministic.
func (s *Server) SetRateLimit(perSecond float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.global = nil
	if perSecond > 0 {
		s.global = newBucket(limitConfig{rate: perSecond, burst: max(burst, 1)}, s.opts.Now())
	}
}

// SetChatRateLimit limits sends per chat, with the same behaviour as SetRateLimit.
func (s *Server) SetChatRateLimit(perSecond float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatLimit = nil
	clear(s.perChat)
	if perSecond > 0 {
		s.chatLimit = &limitConfig{rate: perSecond, burst: max(burst, 1)}
	}
}

// replyWindow is how long after a chat's last update the bot's messages to it are replies: Telegram's
// bot-wide limit is for bulk notifications, messages to people who are not talking to the bot.
const replyWindow = 60 * time.Second

// throttle applies Telegram's flood limits to a message for chatID, or answers 429. Every message counts
// toward its chat's bucket; toward the bot-wide bucket only when the chat sent no update within
// replyWindow. Sending while a retry_after runs is a violation (what gets bots banned): a chat's own
// 429, or the bot's when two chats drew 429s within a second. Callers hold s.mu.
func (s *Server) throttle(chatID int64) *apiError {
	now := s.opts.Now()
	if ban := s.banOf(chatID); now.Before(ban) {
		s.violations = append(s.violations, Violation{Method: "send", Params: map[string]string{"chat_id": fmt.Sprint(chatID)},
			Description: fmt.Sprintf("a message sent while a retry_after was running (%s left): bots get banned for this", ban.Sub(now).Round(time.Millisecond))})
	}
	var chatBucket *bucket
	if s.chatLimit != nil {
		chatBucket = s.perChat[chatID]
		if chatBucket == nil {
			chatBucket = newBucket(*s.chatLimit, now)
			s.perChat[chatID] = chatBucket
		}
	}
	global := s.global
	if t, ok := s.heard[chatID]; ok && now.Sub(t) <= replyWindow {
		global = nil // a reply to someone talking to the bot
	}
	wait, scope := 0, chatID
	for _, b := range []*bucket{global, chatBucket} {
		if b != nil {
			if w := b.retryAfter(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		s.banned(now, scope, time.Duration(wait)*time.Second)
		return &apiError{code: 429, description: fmt.Sprintf("Too Many Requests: retry after %d", wait), retryAfter: wait}
	}
	for _, b := range []*bucket{global, chatBucket} {
		if b != nil {
			b.tokens--
		}
	}
	return nil
}

// banOf is when the retry_after that binds chatID ends.
func (s *Server) banOf(chatID int64) time.Time {
	if t := s.chatBan[chatID]; t.After(s.globalBan) {
		return t
	}
	return s.globalBan
}

// banned records a 429 served for chatID: the chat's, and the bot's when another chat drew one within a
// second (the scope a client can infer, since a 429 does not name it). Callers hold s.mu.
func (s *Server) banned(now time.Time, chatID int64, d time.Duration) {
	until := now.Add(d)
	if now.Sub(s.last429) < time.Second && s.last429At != chatID {
		if until.After(s.globalBan) {
			s.globalBan = until
		}
	} else if until.After(s.chatBan[chatID]) {
		s.chatBan[chatID] = until
	}
	s.last429, s.last429At = now, chatID
}

// heardFrom records that chatID sent the bot an update now. Callers hold s.mu.
func (s *Server) heardFrom(chatID int64) { s.heard[chatID] = s.opts.Now() }
