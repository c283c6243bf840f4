package tgsim

import (
	"encoding/json"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handler serves one Bot API method. It runs with s.mu held; the request was already validated
// against the spec.
type handler func(s *Server, c *call) (any, *apiError)

// handlers is the table of emulated methods; spec/gen lists the same names.
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"getMe":                  (*Server).getMe,
		"getUpdates":             (*Server).getUpdates,
		"setWebhook":             (*Server).setWebhook,
		"deleteWebhook":          (*Server).deleteWebhook,
		"getWebhookInfo":         (*Server).getWebhookInfo,
		"sendMessage":            (*Server).sendMessage,
		"forwardMessage":         (*Server).forwardMessage,
		"copyMessage":            (*Server).copyMessage,
		"sendPhoto":              mediaHandler("photo"),
		"sendAudio":              mediaHandler("audio"),
		"sendDocument":           mediaHandler("document"),
		"sendVideo":              mediaHandler("video"),
		"sendAnimation":          mediaHandler("animation"),
		"sendVoice":              mediaHandler("voice"),
		"sendVideoNote":          mediaHandler("video_note"),
		"sendSticker":            mediaHandler("sticker"),
		"sendLocation":           (*Server).sendLocation,
		"sendVenue":              (*Server).sendVenue,
		"sendContact":            (*Server).sendContact,
		"sendPoll":               (*Server).sendPoll,
		"sendChatAction":         (*Server).sendChatAction,
		"getFile":                (*Server).getFile,
		"getChat":                (*Server).getChat,
		"answerCallbackQuery":    (*Server).answerCallbackQuery,
		"setMyCommands":          (*Server).setMyCommands,
		"getMyCommands":          (*Server).getMyCommands,
		"deleteMyCommands":       (*Server).deleteMyCommands,
		"setChatMenuButton":      (*Server).setChatMenuButton,
		"getChatMenuButton":      (*Server).getChatMenuButton,
		"editMessageText":        (*Server).editMessageText,
		"editMessageCaption":     (*Server).editMessageCaption,
		"editMessageReplyMarkup": (*Server).editMessageReplyMarkup,
		"stopPoll":               (*Server).stopPoll,
		"deleteMessage":          (*Server).deleteMessage,
	}
}

var (
	errBlocked      = &apiError{code: 403, description: "Forbidden: bot was blocked by the user"}
	errRemovedChat  = &apiError{code: 400, description: "Bad Request: chat not found"}
	errWrongFile    = "wrong file identifier/HTTP URL specified"
	commandPattern  = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2}$`)
)

func (s *Server) getMe(*call) (any, *apiError) {
	// A bot process starts with getMe (tgbotapi's constructor calls it): on Bale, probing an absent
	// method once more is allowed to each new process.
	clear(s.probed)
	u := wireUserOf(s.bot)
	f := false
	u.CanJoinGroups, u.CanReadAllGroupMessages, u.SupportsInlineQueries = true, &f, &f
	return u, nil
}

// chatByID resolves a chat_id-like field. Chats removed by RemoveChat answer "chat not found" without a
// violation; chats never seen are a bug in the bot.
func (s *Server) chatByID(c *call, field string) (*chat, *apiError) {
	raw := strings.TrimSpace(c.str(field))
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil { // an @username: tgsim's chats have none
		return nil, badRequest("chat not found")
	}
	ch, ok := s.chats[id]
	if !ok {
		return nil, badRequest("chat not found")
	}
	if ch.removed {
		return nil, errRemovedChat
	}
	return ch, nil
}

// writableChat is chatByID plus the blocked-user check.
func (s *Server) writableChat(c *call) (*chat, *apiError) {
	ch, e := s.chatByID(c, "chat_id")
	if e != nil {
		return nil, e
	}
	if ch.typ == "private" && s.blocked[ch.id] {
		return nil, errBlocked
	}
	return ch, nil
}

// replyTarget resolves reply_parameters or the legacy reply_to_message_id.
func (s *Server) replyTarget(c *call, ch *chat) (*record, *apiError) {
	id := 0
	allow := c.bool("allow_sending_without_reply")
	if c.has("reply_parameters") {
		var rp struct {
			MessageID int  `json:"message_id"`
			Allow     bool `json:"allow_sending_without_reply"`
		}
		if err := c.json("reply_parameters", &rp); err != nil {
			return nil, badRequest("can't parse reply parameters JSON object")
		}
		id, allow = rp.MessageID, allow || rp.Allow
	} else if c.has("reply_to_message_id") {
		id = c.int("reply_to_message_id")
	}
	if id == 0 {
		return nil, nil
	}
	r := s.message(ch, id, "reply target")
	if r == nil || r.msg.Deleted {
		if allow {
			return nil, nil
		}
		return nil, badRequest("message to be replied not found")
	}
	return r, nil
}

// newBotMessage prepares a bot message in ch with the common send options (reply markup, reply target).
func (s *Server) newBotMessage(c *call, ch *chat, kind string) (*record, *apiError) {
	mk, e := parseMarkup(c.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	reply, e := s.replyTarget(c, ch)
	if e != nil {
		return nil, e
	}
	r := &record{msg: Message{FromBot: true, From: s.bot, Kind: kind}, replyTo: reply}
	if reply != nil {
		r.msg.ReplyTo = reply.msg.ID
	}
	mk.apply(r)
	return r, nil
}

// deliver stores a bot message after the flood limits allow it.
func (s *Server) deliver(ch *chat, r *record) (*record, *apiError) {
	if e := s.throttle(ch.id); e != nil {
		return nil, e
	}
	return s.add(ch, r), nil
}

func (s *Server) sendMessage(c *call) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	f, e := s.format(c, "text", "parse_mode", "entities", 4096, true)
	if e != nil {
		return nil, e
	}
	r, e := s.newBotMessage(c, ch, "text")
	if e != nil {
		return nil, e
	}
	f.applyTo(r)
	if r, e = s.deliver(ch, r); e != nil {
		return nil, e
	}
	return s.wire(r, true), nil
}

func mediaHandler(kind string) handler {
	return func(s *Server, c *call) (any, *apiError) { return s.sendMedia(c, kind) }
}

// resolveFile finds the file a send refers to: an upload, an attach:// upload, an http(s) URL or a
// known file_id. uploaded and url describe how it came.
func (s *Server) resolveFile(c *call, field, kind string) (f *storedFile, uploaded bool, url string, e *apiError) {
	if up := c.files[field]; up != nil {
		return s.storeFile(kind, path.Base(up.name), up.mime, up.data, ""), true, "", nil
	}
	v := strings.TrimSpace(c.str(field))
	if name, ok := strings.CutPrefix(v, "attach://"); ok {
		up := c.files[name]
		if up == nil {
			return nil, false, "", badRequest("%s", errWrongFile)
		}
		return s.storeFile(kind, path.Base(up.name), up.mime, up.data, ""), true, "", nil
	}
	if strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") {
		if kind == "document" {
			switch strings.ToLower(path.Ext(strings.SplitN(v, "?", 2)[0])) {
			case ".pdf", ".gif", ".zip":
			default:
				return nil, false, "", badRequest("%s", errWrongFile)
			}
		}
		return s.storeFile(kind, "", "", nil, v), false, v, nil
	}
	f = s.files[v]
	if f == nil {
		return nil, false, "", badRequest("%s", errWrongFile)
	}
	return f, false, "", nil
}

func (s *Server) sendMedia(c *call, kind string) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	var capt formatted
	if kind != "sticker" && kind != "video_note" {
		if capt, e = s.format(c, "caption", "parse_mode", "caption_entities", 1024, false); e != nil {
			return nil, e
		}
	}
	r, e := s.newBotMessage(c, ch, kind)
	if e != nil {
		return nil, e
	}
	f, uploaded, url, e := s.resolveFile(c, kind, kind)
	if e != nil {
		return nil, e
	}
	r.msg.File = f.public(uploaded, url)
	capt.applyTo(r)
	r.media = mediaMeta{duration: c.int("duration"), width: c.int("width"), height: c.int("height"),
		performer: c.str("performer"), title: c.str("title"), emoji: c.str("emoji")}
	if r, e = s.deliver(ch, r); e != nil {
		return nil, e
	}
	return s.wire(r, true), nil
}

func (s *Server) sendLocation(c *call) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	lat, lon := c.float("latitude"), c.float("longitude")
	if e := checkLatLon(lat, lon); e != nil {
		return nil, e
	}
	r, e := s.newBotMessage(c, ch, "location")
	if e != nil {
		return nil, e
	}
	r.msg.Location = &Location{Lat: lat, Lon: lon}
	if r, e = s.deliver(ch, r); e != nil {
		return nil, e
	}
	return s.wire(r, true), nil
}

func checkLatLon(lat, lon float64) *apiError {
	if math.IsNaN(lat) || lat < -90 || lat > 90 || math.IsNaN(lon) || lon < -180 || lon > 180 {
		return badRequest("wrong location specified")
	}
	return nil
}

func (s *Server) sendVenue(c *call) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	lat, lon := c.float("latitude"), c.float("longitude")
	if e := checkLatLon(lat, lon); e != nil {
		return nil, e
	}
	r, e := s.newBotMessage(c, ch, "venue")
	if e != nil {
		return nil, e
	}
	r.msg.Venue = &Venue{Lat: lat, Lon: lon, Title: c.str("title"), Address: c.str("address")}
	if r, e = s.deliver(ch, r); e != nil {
		return nil, e
	}
	return s.wire(r, true), nil
}

func (s *Server) sendContact(c *call) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	r, e := s.newBotMessage(c, ch, "contact")
	if e != nil {
		return nil, e
	}
	r.msg.Contact = &Contact{Phone: c.str("phone_number"), FirstName: c.str("first_name"), LastName: c.str("last_name")}
	if r, e = s.deliver(ch, r); e != nil {
		return nil, e
	}
	return s.wire(r, true), nil
}

func (s *Server) sendPoll(c *call) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	q := c.str("question")
	switch n := utf16Len(q); {
	case strings.TrimSpace(q) == "":
		return nil, badRequest("poll question must be non-empty")
	case n > 300:
		return nil, badRequest("poll question length must not exceed 300")
	}
	var rawOpts []json.RawMessage
	if err := c.json("options", &rawOpts); err != nil {
		return nil, badRequest("can't parse options JSON object")
	}
	var opts []string
	for _, raw := range rawOpts {
		var text string
		if json.Unmarshal(raw, &text) != nil {
			var o struct {
				Text string `json:"text"`
			}
			_ = json.Unmarshal(raw, &o)
			text = o.Text
		}
		switch n := utf16Len(text); {
		case strings.TrimSpace(text) == "":
			return nil, badRequest("poll options must be non-empty")
		case n > 100:
			return nil, badRequest("poll options length must not exceed 100")
		}
		opts = append(opts, text)
	}
	switch {
	case len(opts) < 2:
		return nil, badRequest("poll must have at least 2 option")
	case len(opts) > 10:
		return nil, badRequest("poll can't have more than 10 options")
	}
	p := &pollState{question: q, options: opts, votes: make([]int, len(opts)), typ: "regular",
		anonymous: true, voters: map[int64][]int{}, multiple: c.bool("allows_multiple_answers")}
	if c.has("is_anonymous") {
		p.anonymous = c.bool("is_anonymous")
	}
	switch t := c.str("type"); t {
	case "", "regular":
	case "quiz":
		p.typ = "quiz"
	default:
		return nil, badRequest("wrong poll type specified")
	}
	if p.typ == "quiz" {
		if p.multiple {
			return nil, badRequest("quiz poll can't allow multiple answers")
		}
		// Bot API 10: correct_option_ids, a monotonically increasing list (several right answers are
		// possible); the older correct_option_id, which tgbotapi 5.5.1 sends, is still accepted.
		var correct []int
		if c.has("correct_option_ids") {
			if err := c.json("correct_option_ids", &correct); err != nil || len(correct) == 0 {
				return nil, badRequest("can't parse correct_option_ids JSON array")
			}
		} else if c.has("correct_option_id") {
			id, err := strconv.Atoi(strings.TrimSpace(c.str("correct_option_id")))
			if err != nil {
				id = -1
			}
			correct = []int{id}
		}
		if len(correct) == 0 {
			return nil, badRequest("quiz poll must have a correct option")
		}
		for i, id := range correct {
			if id < 0 || id >= len(opts) || i > 0 && id <= correct[i-1] {
				return nil, badRequest("wrong correct_option_ids specified")
			}
		}
		p.correct = correct
		ex, e := s.format(c, "explanation", "explanation_parse_mode", "explanation_entities", 200, false)
		if e != nil {
			return nil, e
		}
		if strings.Count(ex.plain, "\n") > 2 {
			return nil, badRequest("explanation can't contain more than 2 line feeds")
		}
		p.explanation = ex.plain
	} else if c.str("explanation") != "" {
		return nil, badRequest("explanation can be specified only for quizzes")
	}
	p.closed = c.bool("is_closed")
	r, e := s.newBotMessage(c, ch, "poll")
	if e != nil {
		return nil, e
	}
	r.msg.Text, r.msg.Plain = q, q
	s.nextPoll++
	p.id = strconv.FormatInt(5_000_000_000_000_000_000+int64(s.nextPoll), 10)
	r.poll = p
	if r, e = s.deliver(ch, r); e != nil {
		return nil, e
	}
	p.chatID, p.messageID = ch.id, r.msg.ID
	s.polls[p.id] = p
	return s.wire(r, true), nil
}

var chatActions = map[string]bool{"typing": true, "upload_photo": true, "record_video": true,
	"upload_video": true, "record_voice": true, "upload_voice": true, "upload_document": true,
	"choose_sticker": true, "find_location": true, "record_video_note": true, "upload_video_note": true,
	// Pre-5.0 names that Telegram still accepts.
	"record_audio": true, "upload_audio": true}

func (s *Server) sendChatAction(c *call) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	action := c.str("action")
	if !chatActions[action] {
		return nil, badRequest("wrong parameter action in request")
	}
	s.emit(Event{Type: EventChatAction, ChatID: ch.id, Action: action})
	return true, nil
}

// sourceMessage resolves from_chat_id + message_id for copies and forwards.
func (s *Server) sourceMessage(c *call, what string) (*record, *apiError) {
	src, e := s.chatByID(c, "from_chat_id")
	if e != nil {
		return nil, e
	}
	r := s.message(src, c.int("message_id"), c.method)
	if r == nil || r.msg.Deleted {
		return nil, badRequest("message to %s not found", what)
	}
	return r, nil
}

// cloneContent copies a message's content (not its keyboard, reply or forward header) into a new bot message.
func (s *Server) cloneContent(src *record, r *record) {
	m := src.msg
	r.msg.Kind, r.msg.Text, r.msg.ParseMode, r.msg.Plain = m.Kind, m.Text, m.ParseMode, m.Plain
	r.msg.Location, r.msg.Venue, r.msg.Contact, r.msg.Entities = m.Location, m.Venue, m.Contact, m.Entities
	if m.File != nil {
		f := *m.File
		f.Uploaded, f.URL = false, ""
		r.msg.File = &f
	}
	r.entities, r.media = src.entities, src.media
	if p := src.poll; p != nil {
		s.nextPoll++
		np := &pollState{id: strconv.FormatInt(5_000_000_000_000_000_000+int64(s.nextPoll), 10),
			question: p.question, options: append([]string(nil), p.options...), votes: make([]int, len(p.options)),
			typ: p.typ, multiple: p.multiple, correct: slices.Clone(p.correct), explanation: p.explanation,
			anonymous: p.anonymous, voters: map[int64][]int{}}
		r.poll = np
	}
}

func (s *Server) copyMessage(c *call) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	src, e := s.sourceMessage(c, "copy")
	if e != nil {
		return nil, e
	}
	r, e := s.newBotMessage(c, ch, src.msg.Kind)
	if e != nil {
		return nil, e
	}
	s.cloneContent(src, r)
	if c.has("caption") && src.msg.Kind != "text" {
		capt, e := s.format(c, "caption", "parse_mode", "caption_entities", 1024, false)
		if e != nil {
			return nil, e
		}
		capt.applyTo(r)
	}
	r.msg.CopyOf = &MessageRef{ChatID: src.chat.id, MessageID: src.msg.ID}
	if r, e = s.deliver(ch, r); e != nil {
		return nil, e
	}
	s.registerPoll(r)
	return map[string]int{"message_id": r.msg.ID}, nil
}

func (s *Server) forwardMessage(c *call) (any, *apiError) {
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	src, e := s.sourceMessage(c, "forward")
	if e != nil {
		return nil, e
	}
	r := &record{msg: Message{FromBot: true, From: s.bot}}
	s.cloneContent(src, r)
	orig := src
	for orig.fwdFrom != nil {
		orig = orig.fwdFrom
	}
	r.fwdFrom = orig
	r.msg.ForwardOf = &MessageRef{ChatID: src.chat.id, MessageID: src.msg.ID}
	if r, e = s.deliver(ch, r); e != nil {
		return nil, e
	}
	s.registerPoll(r)
	return s.wire(r, true), nil
}

func (s *Server) registerPoll(r *record) {
	if r.poll != nil {
		r.poll.chatID, r.poll.messageID = r.chat.id, r.msg.ID
		s.polls[r.poll.id] = r.poll
	}
}

func (s *Server) getFile(c *call) (any, *apiError) {
	f := s.files[strings.TrimSpace(c.str("file_id"))]
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	if len(f.data) > 20<<20 {
		return nil, badRequest("file is too big")
	}
	return &wireFile{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: len(f.data), FilePath: f.path}, nil
}

func (s *Server) getChat(c *call) (any, *apiError) {
	ch, e := s.chatByID(c, "chat_id")
	if e != nil {
		return nil, e
	}
	return struct {
		wireChat
		AccentColorID    int `json:"accent_color_id"`
		MaxReactionCount int `json:"max_reaction_count"`
	}{wireChat: wireChatOf(ch), MaxReactionCount: 11}, nil
}

func (s *Server) answerCallbackQuery(c *call) (any, *apiError) {
	q := s.callbacks[c.str("callback_query_id")]
	if q == nil || q.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	text := c.str("text")
	if utf16Len(text) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	q.answered = true
	q.answer = CallbackAnswer{Text: text, ShowAlert: c.bool("show_alert"), URL: c.str("url"), CacheTime: c.int("cache_time")}
	ev := Event{Type: EventCallbackAnswer, ChatID: q.chatID, CallbackQueryID: q.id, Answer: q.answer}
	if ch := s.chats[q.chatID]; ch != nil {
		if r := ch.byID[q.msgID]; r != nil {
			ev.Message = r.export()
		}
	}
	s.emit(ev)
	s.notify()
	return true, nil
}

// commandKeyOf reads scope and language_code.
func commandKeyOf(c *call) (commandKey, *apiError) {
	k := commandKey{scope: CommandScope{Type: "default"}, lang: c.str("language_code")}
	if k.lang != "" && !languagePattern.MatchString(k.lang) {
		return k, badRequest("LANG_CODE_INVALID")
	}
	if c.has("scope") {
		var sc struct {
			Type   string          `json:"type"`
			ChatID json.RawMessage `json:"chat_id"`
			UserID int64           `json:"user_id"`
		}
		if err := c.json("scope", &sc); err != nil {
			return k, badRequest("can't parse BotCommandScope")
		}
		k.scope.Type, k.scope.UserID = sc.Type, sc.UserID
		if len(sc.ChatID) > 0 {
			id, err := strconv.ParseInt(strings.Trim(string(sc.ChatID), `"`), 10, 64)
			if err != nil {
				return k, badRequest("chat not found")
			}
			k.scope.ChatID = id
		}
	}
	return k, nil
}

func (s *Server) setMyCommands(c *call) (any, *apiError) {
	k, e := commandKeyOf(c)
	if e != nil {
		return nil, e
	}
	var cmds []BotCommand
	if err := c.json("commands", &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, cmd := range cmds {
		if !commandPattern.MatchString(cmd.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		switch n := utf16Len(cmd.Description); {
		case strings.TrimSpace(cmd.Description) == "":
			return nil, badRequest("command description must be non-empty")
		case n > 256:
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	if len(cmds) == 0 {
		delete(s.commands, k)
	} else {
		s.commands[k] = cmds
	}
	s.notify()
	return true, nil
}

func (s *Server) getMyCommands(c *call) (any, *apiError) {
	k, e := commandKeyOf(c)
	if e != nil {
		return nil, e
	}
	out := append([]BotCommand{}, s.commands[k]...)
	return out, nil
}

func (s *Server) deleteMyCommands(c *call) (any, *apiError) {
	k, e := commandKeyOf(c)
	if e != nil {
		return nil, e
	}
	delete(s.commands, k)
	s.notify()
	return true, nil
}

func (s *Server) setChatMenuButton(c *call) (any, *apiError) {
	var id int64
	if c.has("chat_id") {
		ch, e := s.chatByID(c, "chat_id")
		if e != nil {
			return nil, e
		}
		id = ch.id
	}
	if c.has("menu_button") {
		s.menus[id] = json.RawMessage(c.str("menu_button"))
	} else {
		delete(s.menus, id)
	}
	return true, nil
}

func (s *Server) getChatMenuButton(c *call) (any, *apiError) {
	var id int64
	if c.has("chat_id") {
		ch, e := s.chatByID(c, "chat_id")
		if e != nil {
			return nil, e
		}
		id = ch.id
	}
	if m, ok := s.menus[id]; ok {
		return m, nil
	}
	if m, ok := s.menus[0]; ok {
		return m, nil
	}
	return map[string]string{"type": "default"}, nil
}

// editTarget resolves the message an edit method refers to.
func (s *Server) editTarget(c *call, notFound string) (*record, *apiError) {
	if c.has("inline_message_id") {
		return nil, badRequest("tgsim does not emulate inline messages (inline_message_id)")
	}
	if !c.has("chat_id") {
		return nil, badRequest("chat_id is empty")
	}
	if !c.has("message_id") {
		return nil, badRequest("message identifier is not specified")
	}
	ch, e := s.writableChat(c)
	if e != nil {
		return nil, e
	}
	r := s.message(ch, c.int("message_id"), c.method)
	if r == nil || r.msg.Deleted {
		return nil, badRequest("%s", notFound)
	}
	if !r.msg.FromBot {
		return nil, badRequest("message can't be edited")
	}
	return r, nil
}

var errNotModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func (s *Server) edited(r *record) any {
	r.msg.Edited = true
	r.msg.EditCount++
	r.editDate = s.opts.Now()
	s.changedMessage(r)
	return s.wire(r, true)
}

func (s *Server) editMessageText(c *call) (any, *apiError) {
	return s.editFormatted(c, "text", "entities", 4096, true, func(m Message) bool { return m.Kind == "text" },
		"there is no text in the message to edit")
}

func (s *Server) editMessageCaption(c *call) (any, *apiError) {
	return s.editFormatted(c, "caption", "caption_entities", 1024, false,
		func(m Message) bool { return m.File != nil && m.Kind != "sticker" && m.Kind != "video_note" },
		"there is no caption in the message to edit")
}

// editFormatted replaces a message's text or caption (field, with its entities field and limit) and its
// keyboard; editable says whether the message has such a field, else the edit fails with noField.
func (s *Server) editFormatted(c *call, field, entitiesField string, limit int, required bool,
	editable func(Message) bool, noField string) (any, *apiError) {
	r, e := s.editTarget(c, "message to edit not found")
	if e != nil {
		return nil, e
	}
	if !editable(r.msg) {
		return nil, badRequest("%s", noField)
	}
	f, e := s.format(c, field, "parse_mode", entitiesField, limit, required)
	if e != nil {
		return nil, e
	}
	mk, e := parseMarkup(c.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	if f.text == r.msg.Text && f.mode == r.msg.ParseMode && string(f.entities) == string(r.entities) && mk.canonical == r.markup {
		return nil, badRequest("%s", errNotModified)
	}
	f.applyTo(r)
	mk.apply(r)
	return s.edited(r), nil
}

func (s *Server) editMessageReplyMarkup(c *call) (any, *apiError) {
	r, e := s.editTarget(c, "message to edit not found")
	if e != nil {
		return nil, e
	}
	mk, e := parseMarkup(c.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	if mk.canonical == r.markup {
		return nil, badRequest("%s", errNotModified)
	}
	mk.apply(r)
	return s.edited(r), nil
}

func (s *Server) stopPoll(c *call) (any, *apiError) {
	r, e := s.editTarget(c, "message with poll to stop not found")
	if e != nil {
		return nil, e
	}
	if r.poll == nil {
		return nil, badRequest("message with poll to stop not found")
	}
	if r.poll.closed {
		return nil, badRequest("poll has already been closed")
	}
	mk, e := parseMarkup(c.str("reply_markup"))
	if e != nil {
		return nil, e
	}
	r.poll.closed = true
	if c.has("reply_markup") {
		mk.apply(r)
	}
	s.changedMessage(r)
	s.pushUpdate("poll", wirePollOf(r.poll))
	return wirePollOf(r.poll), nil
}

func (s *Server) deleteMessage(c *call) (any, *apiError) {
	ch, e := s.chatByID(c, "chat_id")
	if e != nil {
		return nil, e
	}
	r := s.message(ch, c.int("message_id"), c.method)
	if r == nil || r.msg.Deleted {
		return nil, badRequest("message to delete not found")
	}
	if s.opts.Now().Sub(r.msg.Date) > 48*time.Hour {
		return nil, badRequest("message can't be deleted for everyone")
	}
	r.msg.Deleted = true
	s.emit(Event{Type: EventDelete, ChatID: ch.id, Message: r.export()})
	s.notify()
	return true, nil
}
