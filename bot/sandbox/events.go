package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tavan7/tavan/bot/tgsim"
)

// keepAlive is how often an idle event stream gets a comment, so proxies and browsers keep it open.
const keepAlive = 20 * time.Second

// handleEvents streams a user's live updates as server-sent events: GET /api/events?user=<id>.
//
// Events: hello (the clock, first thing on every connection: the page then reloads the history),
// message, edit and delete (a messageJSON), callback_answer ({query_id, message_id, text, show_alert,
// url}), chat_action ({action}), clock (a clockJSON after a time jump) and users (the new list).
// Messages carry their whole current state, so applying an event twice or after the history is harmless.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	u, err := s.userParam(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	events, cancel := s.opts.Sim.Subscribe()
	defer cancel()
	local := make(chan pageEvent, 64)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "the sandbox is shutting down")
		return
	}
	s.subs[local] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, local)
		s.mu.Unlock()
	}()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(name string, data any) bool {
		b, err := json.Marshal(data)
		if err != nil {
			s.log.Error("sandbox event", "err", err)
			return true
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	if !send("hello", s.clockNow()) {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case ev := <-local:
			if !send(ev.name, ev.data) {
				return
			}
		case ev, ok := <-events:
			if !ok {
				return // the emulator closed
			}
			if ev.ChatID != u.ID {
				continue
			}
			if !s.sendSimEvent(send, ev, u) {
				return
			}
		}
	}
}

func (s *Server) sendSimEvent(send func(string, any) bool, ev tgsim.Event, u User) bool {
	switch ev.Type {
	case tgsim.EventMessage, tgsim.EventEdit, tgsim.EventDelete:
		return send(ev.Type, s.view(ev.Message, u.ID))
	case tgsim.EventCallbackAnswer:
		return send(ev.Type, struct {
			QueryID   string `json:"query_id"`
			MessageID int    `json:"message_id"`
			Text      string `json:"text,omitempty"`
			ShowAlert bool   `json:"show_alert,omitempty"`
			URL       string `json:"url,omitempty"`
		}{ev.CallbackQueryID, ev.Message.ID, ev.Answer.Text, ev.Answer.ShowAlert, safeHref(ev.Answer.URL)})
	case tgsim.EventChatAction:
		return send(ev.Type, struct {
			Action string `json:"action"`
		}{ev.Action})
	}
	return true
}
