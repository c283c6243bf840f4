package tgsim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The simulation API: what users do. These methods never fail a test by themselves: a misuse (a button
// that is not there …) is recorded in Errors and returns a zero value.

var commandToken = regexp.MustCompile(`^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{1,64})?$`)

// commandEntities marks a leading /command (or /command@botname) as Telegram does.
func commandEntities(text string) json.RawMessage {
	tok := text
	if i := strings.IndexAny(text, " \n\t"); i >= 0 {
		tok = text[:i]
	}
	if !commandToken.MatchString(tok) {
		return nil
	}
	return json.RawMessage(fmt.Sprintf(`[{"offset":0,"length":%d,"type":"bot_command"}]`, utf16Len(tok)))
}

// userChat returns u's private chat; a user who blocked the bot and writes again unblocks it, as
// pressing Start does in Telegram.
func (s *Server) userChat(u User) *chat {
	ch := s.privateChat(u)
	ch.removed = false
	if s.blocked[u.ID] {
		s.setBlocked(u, false)
	}
	return ch
}

// post stores a user's message and queues the update announcing it.
func (s *Server) post(ch *chat, r *record, kind string) Message {
	r.msg.UpdateID = s.nextUpdate
	s.add(ch, r)
	s.heardFrom(ch.id)
	s.pushUpdate(kind, s.wire(r, true))
	return r.export()
}

func textRecord(u User, text string) *record {
	return &record{msg: Message{From: u, Kind: "text", Text: text, Plain: text}, entities: commandEntities(text)}
}

// SendText sends text from u to the bot in their private chat (chat id = u.ID). A leading /command gets
// a bot_command entity.
func (s *Server) SendText(u User, text string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.post(s.userChat(u), textRecord(u, text), "message")
}

// PressReplyButton is SendText: pressing a reply-keyboard button sends its text.
func (s *Server) PressReplyButton(u User, text string) Message { return s.SendText(u, text) }

// SendTextTo sends text from u in the group chat chatID (negative), creating the group if needed.
func (s *Server) SendTextTo(chatID int64, u User, text string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if chatID >= 0 {
		s.recordError("SendTextTo: group chat ids are negative, got %d", chatID)
		return Message{}
	}
	ch := s.chatFor(chatID, "group")
	if ch.typ != "group" {
		s.recordError("SendTextTo: chat %d is a %s", chatID, ch.typ)
		return Message{}
	}
	ch.removed = false
	return s.post(ch, textRecord(u, text), "message")
}

var mediaKinds = []string{"photo", "audio", "video", "voice", "document", "sticker", "animation", "video_note"}

// SendMedia sends a file from u to the bot (private chat), with new file ids the bot can getFile and
// download.
func (s *Server) SendMedia(u User, m Media) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(mediaKinds, m.Kind) {
		s.recordError("SendMedia: unknown kind %q (want one of %v)", m.Kind, mediaKinds)
		return Message{}
	}
	f := s.storeFile(m.Kind, m.FileName, m.MIME, m.Data, "")
	r := &record{msg: Message{From: u, Kind: m.Kind, Text: m.Caption, Plain: m.Caption, File: f.public(true, "")},
		media: mediaMeta{emoji: m.Emoji}}
	return s.post(s.userChat(u), r, "message")
}

// SendLocation sends a location from u.
func (s *Server) SendLocation(u User, lat, lon float64) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &record{msg: Message{From: u, Kind: "location", Location: &Location{Lat: lat, Lon: lon}}}
	return s.post(s.userChat(u), r, "message")
}

// SendContact sends a contact from u, as the "share my phone number" button does: user_id is u's.
func (s *Server) SendContact(u User, phone, firstName string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &record{msg: Message{From: u, Kind: "contact", Contact: &Contact{Phone: phone, FirstName: firstName, UserID: u.ID}}}
	return s.post(s.userChat(u), r, "message")
}

// ReplyTo sends text from u as a reply to message replyToMessageID of their private chat.
func (s *Server) ReplyTo(u User, replyToMessageID int, text string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.userChat(u)
	target := s.message(ch, replyToMessageID, "ReplyTo")
	if target == nil || target.msg.Deleted {
		s.recordError("ReplyTo: no message %d in chat %d", replyToMessageID, u.ID)
		return Message{}
	}
	r := textRecord(u, text)
	r.replyTo, r.msg.ReplyTo = target, target.msg.ID
	return s.post(ch, r, "message")
}

// EditUserMessage changes the text (or caption) of u's earlier message and sends an edited_message update.
func (s *Server) EditUserMessage(u User, messageID int, newText string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[u.ID]
	var r *record
	if ch != nil {
		r = s.message(ch, messageID, "EditUserMessage")
	}
	switch {
	case r == nil || r.msg.Deleted:
		s.recordError("EditUserMessage: no message %d in chat %d", messageID, u.ID)
		return
	case r.msg.FromBot || r.msg.From.ID != u.ID:
		s.recordError("EditUserMessage: message %d in chat %d is not %d's", messageID, u.ID, u.ID)
		return
	}
	r.msg.Text, r.msg.Plain = newText, newText
	if r.msg.Kind == "text" {
		r.entities = commandEntities(newText)
	}
	r.msg.Edited = true
	r.msg.EditCount++
	r.editDate = s.opts.Now()
	s.changedMessage(r)
	s.pushUpdate("edited_message", s.wire(r, true))
}

type wireCallbackQuery struct {
	ID           string       `json:"id"`
	From         *wireUser    `json:"from"`
	Message      *wireMessage `json:"message,omitempty"`
	ChatInstance string       `json:"chat_instance"`
	Data         string       `json:"data,omitempty"`
}

// PressButton presses the inline button with callback data data on a message and returns the callback
// query id. It returns "" (and records an error) when the message does not exist, is deleted, or has no
// such button in its current keyboard.
func (s *Server) PressButton(u User, chatID int64, messageID int, data string) (queryID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chats[chatID]
	var r *record
	if ch != nil {
		r = s.message(ch, messageID, "PressButton")
	}
	switch {
	case r == nil || r.msg.Deleted:
		s.recordError("PressButton: no message %d in chat %d", messageID, chatID)
		return ""
	case !r.msg.HasButton(data):
		s.recordError("PressButton: message %d in chat %d has no button with callback_data %q (buttons: %q)",
			messageID, chatID, data, r.msg.ButtonTexts())
		return ""
	}
	return s.pushCallback(u, chatID, r, data)
}

// pushCallback queues a callback query from u on message r with data; the caller holds s.mu.
func (s *Server) pushCallback(u User, chatID int64, r *record, data string) string {
	s.nextQuery++
	id := strconv.FormatInt(4_000_000_000_000_000_000+int64(s.nextQuery), 10)
	s.callbacks[id] = &callbackState{id: id, user: u, chatID: chatID, msgID: r.msg.ID, data: data}
	s.heardFrom(chatID)
	s.pushUpdate("callback_query", wireCallbackQuery{ID: id, From: wireUserOf(u), Message: s.wire(r, true),
		ChatInstance: "ci" + strconv.FormatInt(chatID, 10), Data: data})
	return id
}

// AnswerPoll votes in a poll the bot sent: a poll_answer update (and a poll update with the new counts).
// An empty optionIDs retracts the vote. Anonymous polls, closed polls, invalid options and changing a
// quiz answer are recorded in Errors instead, as Telegram would not let the user do them.
func (s *Server) AnswerPoll(u User, pollID string, optionIDs []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.polls[pollID]
	switch {
	case s.bale:
		s.recordError("AnswerPoll: Bale has no polls and sends no poll_answer")
		return
	case p == nil:
		s.recordError("AnswerPoll: no poll %q", pollID)
		return
	case p.anonymous:
		s.recordError("AnswerPoll: poll %s is anonymous: Telegram sends the bot no poll_answer for it", pollID)
		return
	case p.closed:
		s.recordError("AnswerPoll: poll %s is closed", pollID)
		return
	case len(optionIDs) > 1 && !p.multiple:
		s.recordError("AnswerPoll: poll %s allows one answer, got %v", pollID, optionIDs)
		return
	case p.typ == "quiz" && len(p.voters[u.ID]) > 0:
		s.recordError("AnswerPoll: quiz answers can't be changed (poll %s)", pollID)
		return
	case p.typ == "quiz" && len(optionIDs) == 0:
		s.recordError("AnswerPoll: quiz votes can't be retracted (poll %s)", pollID)
		return
	}
	seen := map[int]bool{}
	for _, o := range optionIDs {
		if o < 0 || o >= len(p.options) || seen[o] {
			s.recordError("AnswerPoll: bad option ids %v for poll %s with %d options", optionIDs, pollID, len(p.options))
			return
		}
		seen[o] = true
	}
	for _, o := range p.voters[u.ID] {
		p.votes[o]--
	}
	if len(optionIDs) == 0 {
		delete(p.voters, u.ID)
	} else {
		p.voters[u.ID] = append([]int(nil), optionIDs...)
	}
	for _, o := range optionIDs {
		p.votes[o]++
	}
	ids := append([]int{}, optionIDs...)
	s.heardFrom(u.ID)
	s.pushUpdate("poll_answer", struct {
		PollID    string    `json:"poll_id"`
		User      *wireUser `json:"user"`
		OptionIDs []int     `json:"option_ids"`
	}{pollID, wireUserOf(u), ids})
	s.pushUpdate("poll", wirePollOf(p))
	if ch := s.chats[p.chatID]; ch != nil {
		if r := ch.byID[p.messageID]; r != nil {
			s.changedMessage(r)
		}
	}
}

type wireChatMember struct {
	User      *wireUser `json:"user"`
	Status    string    `json:"status"`
	UntilDate *int64    `json:"until_date,omitempty"`
}

// setBlocked records the block state and queues the my_chat_member update. Callers hold s.mu.
func (s *Server) setBlocked(u User, blocked bool) {
	ch := s.privateChat(u)
	s.blocked[u.ID] = blocked
	if s.bale {
		return // Bale sends no my_chat_member: the bot learns of a block from the 403s alone
	}
	var zero int64
	member := wireChatMember{User: wireUserOf(s.bot), Status: "member"}
	kicked := wireChatMember{User: wireUserOf(s.bot), Status: "kicked", UntilDate: &zero}
	old, now := member, kicked
	if !blocked {
		old, now = kicked, member
	}
	s.pushUpdate("my_chat_member", struct {
		Chat wireChat       `json:"chat"`
		From *wireUser      `json:"from"`
		Date int64          `json:"date"`
		Old  wireChatMember `json:"old_chat_member"`
		New  wireChatMember `json:"new_chat_member"`
	}{wireChatOf(ch), wireUserOf(u), s.opts.Now().Unix(), old, now})
}

// BlockBot makes u block the bot: a my_chat_member update (kicked), then 403 for every send to u. On Bale
// only the 403s.
func (s *Server) BlockBot(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.blocked[u.ID] {
		s.setBlocked(u, true)
	}
}

// UnblockBot makes u unblock the bot: a my_chat_member update (member; none on Bale). Sending anything
// to the bot unblocks it too.
func (s *Server) UnblockBot(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[u.ID] {
		s.setBlocked(u, false)
	}
}

// ChannelPost posts text in the channel chatID (negative), which the bot administers: a channel_post update.
func (s *Server) ChannelPost(chatID int64, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if chatID >= 0 {
		s.recordError("ChannelPost: channel ids are negative, got %d", chatID)
		return
	}
	if s.bale {
		s.recordError("ChannelPost: Bale delivers no channel_post updates")
		return
	}
	ch := s.chatFor(chatID, "channel")
	if ch.typ != "channel" {
		s.recordError("ChannelPost: chat %d is a %s", chatID, ch.typ)
		return
	}
	s.post(ch, &record{msg: Message{Kind: "text", Text: text, Plain: text}}, "channel_post")
}

// RemoveChat makes the chat disappear for the bot (a deleted account or group): its requests there get
// 400 "chat not found", which is not a violation. A user who writes again brings the chat back.
func (s *Server) RemoveChat(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.chats[chatID]; ch != nil {
		ch.removed = true
	} else {
		s.recordError("RemoveChat: no chat %d", chatID)
	}
}
