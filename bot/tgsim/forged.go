package tgsim

import "strconv"

// PressButtonForged sends a callback query with data the message's keyboard does not carry: a button from
// an older release, or a modified client forging an admin action. The bot must reject it politely.
func (s *Server) PressButtonForged(u User, chatID int64, messageID int, data string) (queryID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	var r *record
	if ch != nil {
		r = ch.byID[messageID]
	}
	if r == nil {
		s.recordError("PressButtonForged: no message %d in chat %d", messageID, chatID)
		return ""
	}
	s.nextQuery++
	id := strconv.FormatInt(4_000_000_000_000_000_000+int64(s.nextQuery), 10)
	s.callbacks[id] = &callbackState{id: id, user: u, chatID: chatID, msgID: messageID, data: data}
	s.pushUpdate("callback_query", wireCallbackQuery{ID: id, From: wireUserOf(u), Message: s.wire(r, true),
		ChatInstance: "ci" + strconv.FormatInt(chatID, 10), Data: data})
	return id
}
