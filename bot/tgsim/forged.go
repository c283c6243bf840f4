package tgsim

// PressButtonForged sends a callback query with data the message's keyboard does not carry: a button from
// an older release, or a modified client forging an admin action. The bot must reject it politely.
func (s *Server) PressButtonForged(u User, chatID int64, messageID int, data string) (queryID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	var r *record
	if ch != nil {
		r = s.message(ch, messageID, "PressButtonForged")
	}
	if r == nil {
		s.recordError("PressButtonForged: no message %d in chat %d", messageID, chatID)
		return ""
	}
	return s.pushCallback(u, chatID, r, data)
}
