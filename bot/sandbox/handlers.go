package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot/tgsim"
)

type botJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

type clockJSON struct {
	Now           time.Time `json:"now"`
	OffsetSeconds int64     `json:"offset_seconds"`
	Zone          string    `json:"zone"`
}

func (s *Server) clockNow() clockJSON {
	off := s.opts.Clock.Offset()
	return clockJSON{Now: s.opts.Clock.Now().In(s.opts.Location), OffsetSeconds: int64(off / time.Second), Zone: s.opts.Location.String()}
}

// handleInfo is what the page needs to start: the bot, the people and the clock.
func (s *Server) handleInfo(w http.ResponseWriter, _ *http.Request) {
	b := s.opts.Sim.Bot()
	writeJSON(w, http.StatusOK, struct {
		Bot      botJSON   `json:"bot"`
		Platform string    `json:"platform"` // "telegram" or "bale": the messenger tgsim emulates
		Users    []User    `json:"users"`
		Clock    clockJSON `json:"clock"`
	}{botJSON{b.ID, b.Username, b.FirstName}, s.opts.Sim.Platform(), s.Users(), s.clockNow()})
}

func (s *Server) handleUsers(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Users())
}

// handleAddUser adds a person to the switcher: {"id":…, "first_name":…, "language_code":…, "role":…}.
func (s *Server) handleAddUser(w http.ResponseWriter, r *http.Request) {
	var u User
	if err := decode(w, r, &u); err != nil {
		s.fail(w, err)
		return
	}
	u, err := s.addUser(u)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.broadcast("users", s.Users())
	writeJSON(w, http.StatusCreated, u)
}

type chatJSON struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	Messages int       `json:"messages"`
	Last     time.Time `json:"last,omitempty"`
}

func (s *Server) handleChats(w http.ResponseWriter, _ *http.Request) {
	names := map[int64]string{}
	for _, u := range s.Users() {
		names[u.ID] = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	out := []chatJSON{}
	for _, id := range s.opts.Sim.Chats() {
		c := chatJSON{ID: id, Title: names[id]}
		if c.Title == "" {
			c.Title = strconv.FormatInt(id, 10)
		}
		for _, m := range s.opts.Sim.Messages(id) {
			if !m.Deleted {
				c.Messages++
				c.Last = m.Date
			}
		}
		out = append(out, c)
	}
	writeJSON(w, http.StatusOK, out)
}

// chatParam reads {chat} from the path; a user may read only their own private chat.
func chatParam(r *http.Request, u User) (int64, error) {
	v := r.PathValue("chat")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badf("chat %q is not a chat id", v)
	}
	if id != u.ID {
		return 0, badf("user %d can read only their own chat (%d), not chat %d", u.ID, u.ID, id)
	}
	return id, nil
}

// handleHistory lists a chat's messages, oldest first, without the deleted ones: GET
// /api/chats/{chat}/messages?user=<id>.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	u, err := s.userParam(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	chat, err := chatParam(r, u)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := []messageJSON{}
	for _, m := range s.opts.Sim.Messages(chat) {
		if !m.Deleted {
			out = append(out, s.view(m, u.ID))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleCommands is the bot's command menu for a user, resolved the way Telegram clients do.
func (s *Server) handleCommands(w http.ResponseWriter, r *http.Request) {
	u, err := s.userParam(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	lang := u.Lang
	if i := strings.IndexByte(lang, '-'); i >= 0 {
		lang = lang[:i]
	}
	sim := s.opts.Sim
	scopes := []tgsim.CommandScope{
		{Type: "chat", ChatID: u.ID}, {Type: "all_private_chats"}, {Type: "default"},
	}
	cmds := []tgsim.BotCommand{}
	for _, sc := range scopes {
		if c := sim.CommandsFor(sc, lang); len(c) > 0 {
			cmds = c
			break
		}
		if c := sim.CommandsFor(sc, ""); len(c) > 0 {
			cmds = c
			break
		}
	}
	writeJSON(w, http.StatusOK, cmds)
}

type sendRequest struct {
	userRef
	Text    string `json:"text"`
	ReplyTo int    `json:"reply_to,omitempty"`
}

// handleSend types a message (or a /command) as a user.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	u, ok := s.decodeUser(w, r, &req)
	if !ok {
		return
	}
	if err := checkText(req.Text); err != nil {
		s.fail(w, err)
		return
	}
	var m tgsim.Message
	if req.ReplyTo != 0 {
		if old, ok := s.opts.Sim.Message(u.ID, req.ReplyTo); !ok || old.Deleted {
			s.fail(w, badf("reply_to: no message %d in the chat", req.ReplyTo))
			return
		}
		m = s.opts.Sim.ReplyTo(u.tg(), req.ReplyTo, req.Text)
	} else {
		m = s.opts.Sim.SendText(u.tg(), req.Text)
	}
	s.sent(w, m, u)
}

// checkText applies Telegram's limits on what a user can type.
func checkText(t string) error {
	switch {
	case !utf8.ValidString(t):
		return badf("text is not valid UTF-8")
	case strings.TrimSpace(t) == "":
		return badf("text is empty")
	case len(utf16.Encode([]rune(t))) > 4096:
		return badf("text is longer than Telegram's 4096 characters")
	}
	return nil
}

// sent answers with the user's new message, or 500 when tgsim refused it.
func (s *Server) sent(w http.ResponseWriter, m tgsim.Message, u User) {
	if m.ID == 0 {
		s.fail(w, errors.New("the emulator refused the message"))
		return
	}
	writeJSON(w, http.StatusOK, s.view(m, u.ID))
}

type pressRequest struct {
	userRef
	Chat    int64  `json:"chat,omitempty"` // default: the user's private chat
	Message int    `json:"message"`
	Data    string `json:"data"`
}

// handlePress presses an inline button; the bot's answer (a toast) comes later as a callback_answer event.
func (s *Server) handlePress(w http.ResponseWriter, r *http.Request) {
	var req pressRequest
	u, ok := s.decodeUser(w, r, &req)
	if !ok {
		return
	}
	if req.Chat == 0 {
		req.Chat = u.ID
	}
	if req.Chat != u.ID {
		s.fail(w, badf("user %d can press buttons only in their own chat", u.ID))
		return
	}
	m, ok := s.opts.Sim.Message(req.Chat, req.Message)
	switch {
	case req.Message <= 0:
		s.fail(w, badf("message: a message id is required"))
		return
	case !ok || m.Deleted:
		s.fail(w, badf("no message %d in chat %d", req.Message, req.Chat))
		return
	case req.Data == "" || !m.HasButton(req.Data):
		s.fail(w, badf("message %d has no button with data %q (its buttons: %q)", req.Message, req.Data, m.ButtonTexts()))
		return
	}
	q := s.opts.Sim.PressButton(u.tg(), req.Chat, req.Message, req.Data)
	if q == "" {
		s.fail(w, badf("the button is gone: the message changed meanwhile"))
		return
	}
	writeJSON(w, http.StatusOK, struct {
		QueryID string `json:"query_id"`
	}{q})
}

// activeReplyKeyboard is the reply keyboard a user sees: the newest bot message that set or removed one.
func activeReplyKeyboard(msgs []tgsim.Message) [][]string {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if !m.FromBot || m.Deleted {
			continue
		}
		if m.RemoveKeyboard {
			return nil
		}
		if len(m.ReplyKeyboard) > 0 {
			return m.ReplyKeyboard
		}
	}
	return nil
}

type replyButtonRequest struct {
	userRef
	Text string `json:"text"`
}

// handleReplyButton presses a button of the user's reply keyboard (it sends its text).
func (s *Server) handleReplyButton(w http.ResponseWriter, r *http.Request) {
	var req replyButtonRequest
	u, ok := s.decodeUser(w, r, &req)
	if !ok {
		return
	}
	kb := activeReplyKeyboard(s.opts.Sim.Messages(u.ID))
	if !slices.ContainsFunc(kb, func(row []string) bool { return slices.Contains(row, req.Text) }) {
		s.fail(w, badf("no reply-keyboard button %q: the keyboard is %q", req.Text, kb))
		return
	}
	s.sent(w, s.opts.Sim.PressReplyButton(u.tg(), req.Text), u)
}

type pollRequest struct {
	userRef
	PollID  string `json:"poll_id"`
	Options []int  `json:"options"`
}

// handlePoll answers a poll (a quiz once, for good), as tapping an option does.
func (s *Server) handlePoll(w http.ResponseWriter, r *http.Request) {
	var req pollRequest
	u, ok := s.decodeUser(w, r, &req)
	if !ok {
		return
	}
	var msg *tgsim.Message
	for _, m := range s.opts.Sim.Messages(u.ID) {
		if m.Poll != nil && m.Poll.ID == req.PollID && !m.Deleted {
			msg = &m
		}
	}
	if msg == nil {
		s.fail(w, badf("no poll %q in user %d's chat", req.PollID, u.ID))
		return
	}
	p := msg.Poll
	s.mu.Lock()
	prev := s.votes[p.ID][u.ID]
	s.mu.Unlock()
	seen := map[int]bool{}
	for _, o := range req.Options {
		if o < 0 || o >= len(p.Options) || seen[o] {
			s.fail(w, badf("options %v: the poll has options 0 to %d, each chosen once", req.Options, len(p.Options)-1))
			return
		}
		seen[o] = true
	}
	switch {
	case p.IsAnonymous:
		s.fail(w, badf("the poll is anonymous: Telegram tells the bot nothing about the votes"))
		return
	case p.Closed:
		s.fail(w, badf("the poll is closed"))
		return
	case len(req.Options) > 1 && !p.AllowsMultipleAnswers:
		s.fail(w, badf("the poll allows one answer"))
		return
	case p.Type == "quiz" && len(prev) > 0:
		s.fail(w, badf("a quiz is answered once"))
		return
	case p.Type == "quiz" && len(req.Options) == 0:
		s.fail(w, badf("options: choose an answer"))
		return
	}
	s.opts.Sim.AnswerPoll(u.tg(), p.ID, req.Options)
	s.mu.Lock()
	if s.votes[p.ID] == nil {
		s.votes[p.ID] = map[int64][]int{}
	}
	if len(req.Options) == 0 {
		delete(s.votes[p.ID], u.ID)
	} else {
		s.votes[p.ID][u.ID] = slices.Clone(req.Options)
	}
	s.mu.Unlock()
	m, _ := s.opts.Sim.Message(msg.ChatID, msg.ID)
	writeJSON(w, http.StatusOK, s.view(m, u.ID))
}

type locationRequest struct {
	userRef
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
}

// handleLocation shares a point on the map.
func (s *Server) handleLocation(w http.ResponseWriter, r *http.Request) {
	var req locationRequest
	u, ok := s.decodeUser(w, r, &req)
	if !ok {
		return
	}
	if req.Lat == nil || req.Lon == nil || math.IsNaN(*req.Lat) || math.IsNaN(*req.Lon) ||
		math.Abs(*req.Lat) > 90 || math.Abs(*req.Lon) > 180 {
		s.fail(w, badf("lat (-90…90) and lon (-180…180) are required"))
		return
	}
	s.sent(w, s.opts.Sim.SendLocation(u.tg(), *req.Lat, *req.Lon), u)
}

type contactRequest struct {
	userRef
	Phone string `json:"phone"`
}

// handleContact shares the user's own phone number, as Telegram's "share contact" button does.
func (s *Server) handleContact(w http.ResponseWriter, r *http.Request) {
	var req contactRequest
	u, ok := s.decodeUser(w, r, &req)
	if !ok {
		return
	}
	phone := strings.TrimSpace(req.Phone)
	digits := strings.TrimPrefix(phone, "+")
	if len(digits) < 5 || len(digits) > 20 || strings.Trim(digits, "0123456789") != "" {
		s.fail(w, badf("phone %q: digits, optionally after +", req.Phone))
		return
	}
	s.sent(w, s.opts.Sim.SendContact(u.tg(), phone, u.FirstName), u)
}

var uploadKinds = []string{"photo", "document", "audio", "voice", "video", "sticker", "animation", "video_note"}

// handleUpload sends a file as a user: multipart form with user, file, optional kind and caption.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxUpload+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, badf("the file is larger than %d MB", s.opts.MaxUpload>>20))
			return
		}
		s.fail(w, badf("malformed upload: send multipart/form-data with user and file (%v)", err))
		return
	}
	defer r.MultipartForm.RemoveAll()
	id, err := strconv.ParseInt(r.FormValue("user"), 10, 64)
	if err != nil {
		s.fail(w, badf("user %q is not a user id", r.FormValue("user")))
		return
	}
	u, err := s.user(id)
	if err != nil {
		s.fail(w, err)
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.fail(w, badf("file: attach the file as the form field \"file\""))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, s.opts.MaxUpload+1))
	if err != nil {
		s.fail(w, badf("read the upload: %v", err))
		return
	}
	if int64(len(data)) > s.opts.MaxUpload {
		s.fail(w, badf("the file is larger than %d MB", s.opts.MaxUpload>>20))
		return
	}
	if len(data) == 0 {
		s.fail(w, badf("the file is empty"))
		return
	}
	caption := r.FormValue("caption")
	if !utf8.ValidString(caption) || len(utf16.Encode([]rune(caption))) > 1024 {
		s.fail(w, badf("caption: at most 1024 characters of UTF-8"))
		return
	}
	name := path.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
	mimeType := hdr.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(mimeType); err == nil {
		mimeType = mt
	} else {
		mimeType = ""
	}
	kind := r.FormValue("kind")
	if kind == "" {
		kind = kindOf(mimeType)
	}
	if !slices.Contains(uploadKinds, kind) {
		s.fail(w, badf("kind %q: one of %s", kind, strings.Join(uploadKinds, ", ")))
		return
	}
	if kind == "photo" && !strings.HasPrefix(mimeType, "image/") {
		kind = "document" // Telegram sends an image it cannot show as a file
	}
	m := s.opts.Sim.SendMedia(u.tg(), tgsim.Media{Kind: kind, FileName: name, MIME: mimeType, Data: data, Caption: caption})
	s.sent(w, m, u)
}

// kindOf picks how Telegram would send a file of this type.
func kindOf(mimeType string) string {
	switch {
	case mimeType == "image/jpeg" || mimeType == "image/png" || mimeType == "image/webp":
		return "photo"
	case mimeType == "audio/ogg":
		return "voice"
	case strings.HasPrefix(mimeType, "audio/"):
		return "audio"
	case mimeType == "video/mp4":
		return "video"
	}
	return "document"
}

// handleFile serves a message's file: inline for the page, as an attachment with ?download=1.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	chat, err := strconv.ParseInt(r.PathValue("chat"), 10, 64)
	if err != nil {
		s.fail(w, badf("chat %q is not a chat id", r.PathValue("chat")))
		return
	}
	id, err := strconv.Atoi(r.PathValue("message"))
	if err != nil {
		s.fail(w, badf("message %q is not a message id", r.PathValue("message")))
		return
	}
	m, ok := s.opts.Sim.Message(chat, id)
	if !ok || m.Deleted || m.File == nil || m.File.Data == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no file in message %d of chat %d", id, chat))
		return
	}
	f := m.File
	ctype := f.MIME
	if ctype == "" {
		ctype = mime.TypeByExtension(path.Ext(f.Name))
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	// Inline only what the page shows; anything else (HTML, SVG …) downloads, so it never runs here.
	inline := r.URL.Query().Get("download") == "" &&
		(strings.HasPrefix(ctype, "image/") && ctype != "image/svg+xml" ||
			strings.HasPrefix(ctype, "audio/") || strings.HasPrefix(ctype, "video/"))
	disp := "attachment"
	if inline {
		disp = "inline"
	}
	name := f.Name
	if name == "" {
		name = m.Kind
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Data))
}

func (s *Server) handleTime(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.clockNow())
}

type timeRequest struct {
	Advance string `json:"advance,omitempty"`  // a Go duration: "1h", "24h", "90m"; or days: "1d", "7d"
	To      string `json:"to,omitempty"`       // RFC 3339
	ToLocal string `json:"to_local,omitempty"` // "2006-01-02T15:04" in the program's zone (a datetime-local input)
}

// handleTimeTravel moves the clock forward by a duration or to a later time, then calls OnTimeTravel.
func (s *Server) handleTimeTravel(w http.ResponseWriter, r *http.Request) {
	var req timeRequest
	if err := decode(w, r, &req); err != nil {
		s.fail(w, err)
		return
	}
	given := 0
	for _, v := range []string{req.Advance, req.To, req.ToLocal} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		s.fail(w, badf("give exactly one of advance (\"1h\", \"1d\"), to (RFC 3339) or to_local (\"2006-01-02T15:04\")"))
		return
	}
	s.travel.Lock()
	defer s.travel.Unlock()
	var from, to time.Time
	var err error
	switch {
	case req.Advance != "":
		d, perr := parseAdvance(req.Advance)
		if perr != nil {
			s.fail(w, perr)
			return
		}
		from, to, err = s.opts.Clock.Advance(d)
	case req.To != "":
		t, perr := time.Parse(time.RFC3339, req.To)
		if perr != nil {
			s.fail(w, badf("to %q: not an RFC 3339 time such as 2026-11-27T08:00:00+03:30", req.To))
			return
		}
		from, to, err = s.opts.Clock.Set(t)
	default:
		t, perr := time.ParseInLocation("2006-01-02T15:04", req.ToLocal, s.opts.Location)
		if perr != nil {
			t, perr = time.ParseInLocation("2006-01-02T15:04:05", req.ToLocal, s.opts.Location)
		}
		if perr != nil {
			s.fail(w, badf("to_local %q: not a time such as 2026-11-27T08:00", req.ToLocal))
			return
		}
		from, to, err = s.opts.Clock.Set(t)
	}
	if err != nil {
		s.fail(w, badf("%v: the clock is at %s", err, from.In(s.opts.Location).Format(time.RFC3339)))
		return
	}
	s.log.Info("sandbox time travel", "from", from, "to", to)
	if s.opts.OnTimeTravel != nil {
		s.opts.OnTimeTravel(from, to)
	}
	now := s.clockNow()
	s.broadcast("clock", now)
	writeJSON(w, http.StatusOK, struct {
		From time.Time `json:"from"`
		To   time.Time `json:"to"`
		clockJSON
	}{from.In(s.opts.Location), to.In(s.opts.Location), now})
}

// parseAdvance reads a forward jump: a Go duration, or whole days as "3d".
func parseAdvance(v string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, badf("advance %q: a duration such as 1h, 30m or 1d", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, badf("advance %q: a duration such as 1h, 30m or 1d", v)
		}
	}
	switch {
	case d <= 0:
		return 0, badf("advance %q: %v", v, ErrBackwards)
	case d > 3650*24*time.Hour:
		return 0, badf("advance %q: at most ten years at a time", v)
	}
	return d, nil
}

// userRef is the "user" field every action request carries: who acts.
type userRef struct {
	User int64 `json:"user"`
}

func (u userRef) userID() int64 { return u.User }

// decodeUser reads an action request and the user it names; when either is bad it has answered the
// request (400 or 404 JSON) and ok is false.
func (s *Server) decodeUser(w http.ResponseWriter, r *http.Request, req interface{ userID() int64 }) (User, bool) {
	if err := decode(w, r, req); err != nil {
		s.fail(w, err)
		return User{}, false
	}
	u, err := s.user(req.userID())
	if err != nil {
		s.fail(w, err)
		return User{}, false
	}
	return u, true
}
