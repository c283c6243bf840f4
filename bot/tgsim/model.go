package tgsim

import (
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// chat is a conversation the server knows.
type chat struct {
	id      int64
	typ     string // "private", "group", "channel"
	title   string
	user    User // private chats: the other party
	msgs    []*record
	byID    map[int]*record
	nextID  int
	forgot  int  // the newest message id Options.KeepMessages forgot (0: none)
	removed bool // RemoveChat: answers "chat not found" without a violation
}

// record is a stored message: the public snapshot plus what the wire form needs.
type record struct {
	msg      Message // Poll is always nil here; see poll
	chat     *chat
	entities json.RawMessage
	markup   string // canonical JSON of the inline keyboard markup, "" if none
	poll     *pollState
	media    mediaMeta
	replyTo  *record
	editDate time.Time
	fwdFrom  *record // forwardMessage: the original (its sender and chat make the forward header)
	fwdDate  time.Time
}

type mediaMeta struct {
	duration, width, height int
	performer, title, emoji string
}

type storedFile struct {
	id, uniqueID string
	kind         string
	name, mime   string
	data         []byte
	url          string
	path         string
}

type pollState struct {
	id          string
	question    string
	options     []string
	votes       []int
	typ         string
	multiple    bool
	correct     []int // quiz only: the right options, increasing
	explanation string
	anonymous   bool
	closed      bool
	voters      map[int64][]int
	chatID      int64
	messageID   int
}

type callbackState struct {
	id       string
	user     User
	chatID   int64
	msgID    int
	data     string
	answered bool
	answer   CallbackAnswer
}

type update struct {
	id   int
	kind string
	raw  json.RawMessage
}

func (p *pollState) export() *Poll {
	return &Poll{
		ID:                    p.id,
		Question:              p.question,
		Options:               append([]string(nil), p.options...),
		Votes:                 append([]int(nil), p.votes...),
		Type:                  p.typ,
		AllowsMultipleAnswers: p.multiple,
		CorrectOptionIDs:      slices.Clone(p.correct),
		Explanation:           p.explanation,
		IsAnonymous:           p.anonymous,
		Closed:                p.closed,
	}
}

func (r *record) export() Message {
	m := r.msg
	if r.poll != nil {
		m.Poll = r.poll.export()
	}
	return m
}

// chatFor returns the chat, creating it as typ when missing. Callers hold s.mu.
func (s *Server) chatFor(id int64, typ string) *chat {
	if ch, ok := s.chats[id]; ok {
		return ch
	}
	ch := &chat{id: id, typ: typ, byID: map[int]*record{}, nextID: 1}
	switch typ {
	case "group":
		ch.title = fmt.Sprintf("Group %d", -id)
	case "channel":
		ch.title = fmt.Sprintf("Channel %d", -id)
	}
	s.chats[id] = ch
	s.chatOrder = append(s.chatOrder, id)
	return ch
}

// privateChat returns u's private chat with the bot, refreshing the user's names.
func (s *Server) privateChat(u User) *chat {
	ch := s.chatFor(u.ID, "private")
	ch.user = u
	return ch
}

// add stores a new message in ch and announces it to subscribers. Callers hold s.mu.
func (s *Server) add(ch *chat, r *record) *record {
	r.chat = ch
	r.msg.ID = ch.nextID
	r.msg.ChatID = ch.id
	if r.msg.Date.IsZero() {
		r.msg.Date = s.opts.Now()
	}
	ch.nextID++
	ch.msgs = append(ch.msgs, r)
	ch.byID[r.msg.ID] = r
	if keep := s.opts.KeepMessages; keep > 0 && len(ch.msgs) > keep {
		s.forget(ch, len(ch.msgs)-keep)
	}
	s.emit(Event{Type: EventMessage, ChatID: ch.id, Message: r.export()})
	s.notify()
	return r
}

// forget drops ch's n oldest messages (Options.KeepMessages). Callers hold s.mu.
func (s *Server) forget(ch *chat, n int) {
	for _, old := range ch.msgs[:n] {
		delete(ch.byID, old.msg.ID)
		if old.poll != nil && old.poll.chatID == ch.id && old.poll.messageID == old.msg.ID {
			delete(s.polls, old.poll.id)
		}
		ch.forgot = max(ch.forgot, old.msg.ID)
	}
	// Copy down rather than reslice, so the backing array does not keep the forgotten records alive.
	kept := copy(ch.msgs, ch.msgs[n:])
	clear(ch.msgs[kept:])
	ch.msgs = ch.msgs[:kept]
}

// message is message id of ch, or nil. A message that KeepMessages forgot is recorded as a misuse by
// the test (its cap is too small for what it does) under the name of what used it.
func (s *Server) message(ch *chat, id int, usedBy string) *record {
	r := ch.byID[id]
	if r == nil && id > 0 && id <= ch.forgot {
		s.recordError("%s: message %d of chat %d was forgotten (Options.KeepMessages = %d is too small for this test)", usedBy, id, ch.id, s.opts.KeepMessages)
	}
	return r
}

func (s *Server) changedMessage(r *record) {
	s.emit(Event{Type: EventEdit, ChatID: r.chat.id, Message: r.export()})
	s.notify()
}

// pushUpdate queues an update of the given kind. Callers hold s.mu.
func (s *Server) pushUpdate(kind string, payload any) int {
	if s.bale && !slices.Contains(baleUpdates, kind) {
		s.recordError("tgsim queued a %s update, which Bale never sends", kind) // a bug in tgsim's Bale profile
		return 0
	}
	b, err := json.Marshal(payload)
	if err != nil {
		panic("tgsim: marshal update: " + err.Error()) // our own types always marshal
	}
	id := s.nextUpdate
	s.nextUpdate++
	raw := fmt.Appendf(nil, `{"update_id":%d,%q:%s}`, id, kind, b)
	s.queue = append(s.queue, update{id: id, kind: kind, raw: raw})
	s.lastUpdate = id
	s.notify()
	return id
}

// storeFile registers file content under a new file_id. Callers hold s.mu.
func (s *Server) storeFile(kind, name, mimeType string, data []byte, url string) *storedFile {
	s.nextFile++
	n := s.nextFile
	if name == "" {
		name = kind + defaultExt(kind)
		if url != "" {
			name = path.Base(url)
		}
	}
	ext := path.Ext(name)
	if ext == "" {
		ext = defaultExt(kind)
	}
	if mimeType == "" || mimeType == "application/octet-stream" {
		if t := mime.TypeByExtension(ext); t != "" {
			mimeType = t
		} else {
			mimeType = defaultMIME(kind)
		}
	}
	f := &storedFile{
		id:       fmt.Sprintf("tgsim-%s-%d", strings.ReplaceAll(kind, "_", ""), n),
		uniqueID: "u" + strconv.Itoa(n),
		kind:     kind,
		name:     name,
		mime:     mimeType,
		data:     data,
		url:      url,
		path:     fmt.Sprintf("%s/file_%d%s", fileDir(kind), n, ext),
	}
	s.files[f.id] = f
	s.filePaths[f.path] = f
	return f
}

func (f *storedFile) public(uploaded bool, sentURL string) *File {
	return &File{FileID: f.id, UniqueID: f.uniqueID, Name: f.name, MIME: f.mime, Size: len(f.data),
		Data: f.data, URL: sentURL, Uploaded: uploaded}
}

func defaultExt(kind string) string {
	switch kind {
	case "photo":
		return ".jpg"
	case "voice":
		return ".oga"
	case "audio":
		return ".mp3"
	case "video", "animation", "video_note":
		return ".mp4"
	case "sticker":
		return ".webp"
	}
	return ".bin"
}

func defaultMIME(kind string) string {
	switch kind {
	case "photo":
		return "image/jpeg"
	case "voice":
		return "audio/ogg"
	case "audio":
		return "audio/mpeg"
	case "video", "animation", "video_note":
		return "video/mp4"
	case "sticker":
		return "image/webp"
	}
	return "application/octet-stream"
}

func fileDir(kind string) string {
	switch kind {
	case "photo":
		return "photos"
	case "voice":
		return "voice"
	case "audio":
		return "music"
	case "video":
		return "videos"
	case "animation":
		return "animations"
	case "video_note":
		return "video_notes"
	case "sticker":
		return "stickers"
	}
	return "documents"
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// Wire forms: what Telegram puts in results and updates.

type wireUser struct {
	ID                      int64  `json:"id"`
	IsBot                   bool   `json:"is_bot"`
	FirstName               string `json:"first_name"`
	LastName                string `json:"last_name,omitempty"`
	Username                string `json:"username,omitempty"`
	LanguageCode            string `json:"language_code,omitempty"`
	CanJoinGroups           bool   `json:"can_join_groups,omitempty"`
	CanReadAllGroupMessages *bool  `json:"can_read_all_group_messages,omitempty"`
	SupportsInlineQueries   *bool  `json:"supports_inline_queries,omitempty"`
}

type wireChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

type wireFile struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Type         string `json:"type,omitempty"` // stickers
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
	Length       int    `json:"length,omitempty"` // video notes
	Duration     *int   `json:"duration,omitempty"`
	IsAnimated   *bool  `json:"is_animated,omitempty"`
	IsVideo      *bool  `json:"is_video,omitempty"`
	Emoji        string `json:"emoji,omitempty"`
	Performer    string `json:"performer,omitempty"`
	Title        string `json:"title,omitempty"`
	FileName     string `json:"file_name,omitempty"`
	MIMEType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"` // getFile
}

type wirePollOption struct {
	PersistentID string `json:"persistent_id"`
	Text         string `json:"text"`
	VoterCount   int    `json:"voter_count"`
}

type wirePoll struct {
	ID                    string           `json:"id"`
	Question              string           `json:"question"`
	Options               []wirePollOption `json:"options"`
	TotalVoterCount       int              `json:"total_voter_count"`
	IsClosed              bool             `json:"is_closed"`
	IsAnonymous           bool             `json:"is_anonymous"`
	Type                  string           `json:"type"`
	AllowsMultipleAnswers bool             `json:"allows_multiple_answers"`
	AllowsRevoting        bool             `json:"allows_revoting"`
	MembersOnly           bool             `json:"members_only"`
	CorrectOptionIDs      []int            `json:"correct_option_ids,omitempty"`
	Explanation           string           `json:"explanation,omitempty"`
}

type wireLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type wireVenue struct {
	Location wireLocation `json:"location"`
	Title    string       `json:"title"`
	Address  string       `json:"address"`
}

type wireContact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name,omitempty"`
	UserID      int64  `json:"user_id,omitempty"`
}

type wireMessage struct {
	MessageID            int             `json:"message_id"`
	From                 *wireUser       `json:"from,omitempty"`
	SenderChat           *wireChat       `json:"sender_chat,omitempty"`
	Date                 int64           `json:"date"`
	Chat                 wireChat        `json:"chat"`
	ForwardOrigin        any             `json:"forward_origin,omitempty"`
	ForwardFrom          *wireUser       `json:"forward_from,omitempty"`
	ForwardFromChat      *wireChat       `json:"forward_from_chat,omitempty"`
	ForwardFromMessageID int             `json:"forward_from_message_id,omitempty"`
	ForwardDate          int64           `json:"forward_date,omitempty"`
	ReplyToMessage       *wireMessage    `json:"reply_to_message,omitempty"`
	EditDate             int64           `json:"edit_date,omitempty"`
	Text                 string          `json:"text,omitempty"`
	Entities             json.RawMessage `json:"entities,omitempty"`
	Animation            *wireFile       `json:"animation,omitempty"`
	Audio                *wireFile       `json:"audio,omitempty"`
	Document             *wireFile       `json:"document,omitempty"`
	Photo                []wireFile      `json:"photo,omitempty"`
	Sticker              *wireFile       `json:"sticker,omitempty"`
	Video                *wireFile       `json:"video,omitempty"`
	VideoNote            *wireFile       `json:"video_note,omitempty"`
	Voice                *wireFile       `json:"voice,omitempty"`
	Caption              string          `json:"caption,omitempty"`
	CaptionEntities      json.RawMessage `json:"caption_entities,omitempty"`
	Contact              *wireContact    `json:"contact,omitempty"`
	Poll                 *wirePoll       `json:"poll,omitempty"`
	Venue                *wireVenue      `json:"venue,omitempty"`
	Location             *wireLocation   `json:"location,omitempty"`
	ReplyMarkup          json.RawMessage `json:"reply_markup,omitempty"`
}

func wireUserOf(u User) *wireUser {
	return &wireUser{ID: u.ID, IsBot: u.IsBot, FirstName: u.FirstName, LastName: u.LastName,
		Username: u.Username, LanguageCode: u.LanguageCode}
}

func wireChatOf(ch *chat) wireChat {
	w := wireChat{ID: ch.id, Type: ch.typ, Title: ch.title}
	if ch.typ == "private" {
		w.FirstName, w.LastName, w.Username = ch.user.FirstName, ch.user.LastName, ch.user.Username
	}
	return w
}

func wirePollOf(p *pollState) *wirePoll {
	w := &wirePoll{ID: p.id, Question: p.question, IsClosed: p.closed, IsAnonymous: p.anonymous,
		Type: p.typ, AllowsMultipleAnswers: p.multiple, Explanation: p.explanation,
		AllowsRevoting: p.typ != "quiz"} // revoting is the default for regular polls only
	voters := map[int64]bool{}
	for id := range p.voters {
		voters[id] = true
	}
	w.TotalVoterCount = len(voters)
	for i, o := range p.options {
		w.Options = append(w.Options, wirePollOption{PersistentID: strconv.Itoa(i), Text: o, VoterCount: p.votes[i]})
	}
	if p.typ == "quiz" {
		w.CorrectOptionIDs = slices.Clone(p.correct)
	}
	return w
}

// wire renders r as Telegram would; a replied-to message is rendered one level deep.
func (s *Server) wire(r *record, withReply bool) *wireMessage {
	m := r.msg
	w := &wireMessage{MessageID: m.ID, Date: m.Date.Unix(), Chat: wireChatOf(r.chat)}
	if r.chat.typ == "channel" { // channel posts are signed by the channel, whoever wrote them
		c := wireChatOf(r.chat)
		w.SenderChat = &c
	} else {
		w.From = wireUserOf(m.From)
	}
	if !r.editDate.IsZero() {
		w.EditDate = r.editDate.Unix()
	}
	if withReply && r.replyTo != nil {
		w.ReplyToMessage = s.wire(r.replyTo, false)
	}
	if r.fwdFrom != nil {
		o := r.fwdFrom
		w.ForwardDate = o.msg.Date.Unix()
		if o.chat.typ == "channel" {
			c := wireChatOf(o.chat)
			w.ForwardFromChat = &c
			w.ForwardFromMessageID = o.msg.ID
			w.ForwardOrigin = map[string]any{"type": "channel", "chat": c, "message_id": o.msg.ID, "date": w.ForwardDate}
		} else {
			w.ForwardFrom = wireUserOf(o.msg.From)
			w.ForwardOrigin = map[string]any{"type": "user", "sender_user": w.ForwardFrom, "date": w.ForwardDate}
		}
	}
	if r.markup != "" {
		w.ReplyMarkup = json.RawMessage(r.markup)
	}
	switch {
	case m.Kind == "text":
		w.Text = m.Plain
		w.Entities = r.entities
	case m.File != nil:
		w.Caption = m.Plain
		w.CaptionEntities = r.entities
	}
	if f := m.File; f != nil {
		wf := &wireFile{FileID: f.FileID, FileUniqueID: f.UniqueID, FileSize: f.Size}
		dur := r.media.duration
		switch m.Kind {
		case "photo":
			wf.Width, wf.Height = 1280, 960
			if r.media.width > 0 {
				wf.Width, wf.Height = r.media.width, r.media.height
			}
			w.Photo = []wireFile{*wf}
		case "audio":
			wf.Duration, wf.Performer, wf.Title = &dur, r.media.performer, r.media.title
			wf.FileName, wf.MIMEType = f.Name, f.MIME
			w.Audio = wf
		case "voice":
			wf.Duration, wf.MIMEType = &dur, f.MIME
			w.Voice = wf
		case "video", "animation":
			wf.Duration, wf.Width, wf.Height = &dur, 640, 480
			wf.FileName, wf.MIMEType = f.Name, f.MIME
			if m.Kind == "video" {
				w.Video = wf
			} else {
				w.Animation = wf
			}
		case "video_note":
			wf.Duration, wf.Length = &dur, 240
			w.VideoNote = wf
		case "sticker":
			no := false
			wf.Type, wf.Width, wf.Height, wf.IsAnimated, wf.IsVideo, wf.Emoji = "regular", 512, 512, &no, &no, r.media.emoji
			w.Sticker = wf
		default:
			wf.FileName, wf.MIMEType = f.Name, f.MIME
			w.Document = wf
		}
	}
	if r.poll != nil {
		w.Poll = wirePollOf(r.poll)
	}
	if l := m.Location; l != nil {
		w.Location = &wireLocation{Latitude: l.Lat, Longitude: l.Lon}
	}
	if v := m.Venue; v != nil {
		loc := wireLocation{Latitude: v.Lat, Longitude: v.Lon}
		w.Venue = &wireVenue{Location: loc, Title: v.Title, Address: v.Address}
		w.Location = &loc
	}
	if c := m.Contact; c != nil {
		w.Contact = &wireContact{PhoneNumber: c.Phone, FirstName: c.FirstName, LastName: c.LastName, UserID: c.UserID}
	}
	return w
}
