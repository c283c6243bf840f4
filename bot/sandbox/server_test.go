package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/sandbox"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/lessons"
	"github.com/tavan7/tavan/locales"
)

const token = "1000:sandbox-test"

var tehran = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		panic(err)
	}
	return loc
}()

// env is the sandbox of a test: tgsim, the real bot and the sandbox's HTTP server.
type env struct {
	t      *testing.T
	sim    *tgsim.Server
	clock  *sandbox.Clock
	srv    *sandbox.Server
	bot    *bot.Bot
	web    *httptest.Server
	travel chan [2]time.Time // OnTimeTravel calls
}

var (
	catalogOnce sync.Once
	catalog     *lessons.Catalog
	catalogErr  error
)

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: sandbox.NewClock(0), travel: make(chan [2]time.Time, 8)}
	e.sim = tgsim.New(tgsim.Options{Token: token, BotUsername: "tavan_sandbox_bot", Now: e.clock.Now})
	api := httptest.NewServer(e.sim)
	db, err := store.Open(filepath.Join(t.TempDir(), "sandbox.db"), store.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	texts, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	catalogOnce.Do(func() { catalog, catalogErr = lessons.Load(lessons.Embedded()) })
	if catalogErr != nil {
		t.Fatal(catalogErr)
	}
	client, err := tgbotapi.NewBotAPIWithClient(token, api.URL+"/bot%s/%s", api.Client())
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Config{Deps: bot.Deps{
		API: client, APIURL: api.URL, Token: token, HTTP: api.Client(), Username: client.Self.UserName,
		Store: db, Texts: texts, Catalog: catalog, Admins: []int64{900}, Location: tehran, Now: e.clock.Now,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }, Workers: 4,
		Logger: slog.New(slog.DiscardHandler),
	}})
	if err != nil {
		t.Fatal(err)
	}
	b := a.Bot
	e.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	ready, cancelReady := context.WithTimeout(ctx, 10*time.Second)
	defer cancelReady()
	if err := e.sim.WaitPolling(ready); err != nil {
		t.Fatalf("the bot did not start polling: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0") // bound first: the sandbox checks Host against its port
	if err != nil {
		t.Fatal(err)
	}
	e.srv = sandbox.New(sandbox.Options{
		Sim: e.sim, Clock: e.clock, Location: tehran, Admins: []int64{900}, Addr: ln.Addr().String(),
		Users: []sandbox.User{
			{ID: 101, FirstName: "مریم", LastName: "احمدی", Lang: "fa"},
			{ID: 900, FirstName: "مدیر", Lang: "fa", Role: "admin"},
		},
		OnTimeTravel: func(from, to time.Time) { e.travel <- [2]time.Time{from, to} },
	})
	e.web = httptest.NewUnstartedServer(e.srv)
	e.web.Listener.Close()
	e.web.Listener = ln
	e.web.Start()
	// What the page does for a browser: the API token travels in a cookie.
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(e.web.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: sandbox.TokenCookie, Value: e.srv.Token(), Path: "/api/"}})
	e.web.Client().Jar = jar
	t.Cleanup(func() {
		e.srv.Close()
		e.sim.Close()
		e.web.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bot.Run: %v", err)
		}
		api.Close()
		db.Close()
		for _, v := range e.sim.Violations() {
			t.Errorf("Bot API violation: %v", v)
		}
		for _, err := range e.sim.Errors() {
			t.Errorf("the sandbox misused tgsim: %v", err)
		}
	})
	return e
}

// call makes a request and decodes the JSON answer into out (if not nil); it returns the status.
func (e *env) call(method, path, body string, out any) int {
	e.t.Helper()
	req, err := http.NewRequest(method, e.web.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.web.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		e.t.Fatalf("%s %s: Content-Type %q; want JSON (body %s)", method, path, ct, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

type message struct {
	ID             int    `json:"id"`
	FromBot        bool   `json:"from_bot"`
	Plain          string `json:"plain"`
	Date           time.Time
	InlineKeyboard [][]struct {
		Text string `json:"text"`
		Data string `json:"data"`
	} `json:"inline_keyboard"`
	Poll *struct {
		ID          string `json:"id"`
		Chosen      []int  `json:"chosen"`
		Correct     *int   `json:"correct"`
		Explanation string `json:"explanation"`
	} `json:"poll"`
	File *struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"file"`
}

// settle waits until the bot fetched and handled everything users did.
func (e *env) settle() {
	e.t.Helper()
	if err := e.sim.WaitAllConfirmed(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
	if err := e.bot.WaitIdle(e.ctx()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// send types text as user 101 and waits until the bot handled it.
func (e *env) send(text string) {
	e.t.Helper()
	var m message
	if code := e.call("POST", "/api/send", fmt.Sprintf(`{"user":101,"text":%q}`, text), &m); code != 200 {
		e.t.Fatalf("send %q: status %d", text, code)
	}
	e.settle()
}

// press presses a button of the newest bot message by label, through the API.
func (e *env) press(label string) {
	e.t.Helper()
	msgs := e.sim.BotMessages(101)
	m := msgs[len(msgs)-1]
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				var res struct {
					QueryID string `json:"query_id"`
				}
				body := fmt.Sprintf(`{"user":101,"message":%d,"data":%q}`, m.ID, b.CallbackData)
				if code := e.call("POST", "/api/press", body, &res); code != 200 || res.QueryID == "" {
					e.t.Fatalf("press %q: status %d, %+v", label, code, res)
				}
				if _, err := e.sim.WaitCallbackAnswer(e.ctx(), res.QueryID); err != nil {
					e.t.Fatal(err)
				}
				e.settle()
				return
			}
		}
	}
	e.t.Fatalf("no button %q in %q", label, m.ButtonTexts())
}

func TestMalformedRequestsGet400JSON(t *testing.T) {
	e := newEnv(t)
	e.send("/start") // a bot message with buttons to aim at
	welcome := e.sim.BotMessages(101)[0]
	tests := []struct {
		name, method, path, body, want string
	}{
		{"broken JSON", "POST", "/api/send", `{"user":101,`, "malformed JSON"},
		{"not an object", "POST", "/api/send", `[1,2]`, "malformed JSON"},
		{"two objects", "POST", "/api/send", `{"user":101,"text":"a"}{}`, "more than one value"},
		{"empty body", "POST", "/api/send", ``, "empty body"},
		{"unknown field", "POST", "/api/send", `{"user":101,"text":"hi","bold":true}`, "unknown field"},
		{"wrong type", "POST", "/api/send", `{"user":"مریم","text":"hi"}`, "malformed JSON"},
		{"unknown user", "POST", "/api/send", `{"user":999,"text":"hi"}`, "unknown user 999"},
		{"no user", "POST", "/api/send", `{"text":"hi"}`, "missing user"},
		{"empty text", "POST", "/api/send", `{"user":101,"text":"  "}`, "text is empty"},
		{"text too long", "POST", "/api/send", fmt.Sprintf(`{"user":101,"text":%q}`, strings.Repeat("آ", 4097)), "4096"},
		{"reply to nothing", "POST", "/api/send", `{"user":101,"text":"hi","reply_to":4242}`, "no message 4242"},
		{"unknown button", "POST", "/api/press", fmt.Sprintf(`{"user":101,"message":%d,"data":"1|lang|xx|o"}`, welcome.ID), "no button"},
		{"button of no message", "POST", "/api/press", `{"user":101,"message":999,"data":"x"}`, "no message 999"},
		{"button in another chat", "POST", "/api/press", fmt.Sprintf(`{"user":101,"chat":900,"message":%d,"data":"x"}`, welcome.ID), "own chat"},
		{"press by unknown user", "POST", "/api/press", `{"user":5,"message":1,"data":"x"}`, "unknown user 5"},
		{"reply keyboard button not shown", "POST", "/api/reply-button", `{"user":101,"text":"📚 دوره‌ها"}`, "no reply-keyboard button"},
		{"unknown poll", "POST", "/api/poll", `{"user":101,"poll_id":"nope","options":[0]}`, "no poll"},
		{"location off the map", "POST", "/api/location", `{"user":101,"lat":91,"lon":0}`, "lat"},
		{"location without lon", "POST", "/api/location", `{"user":101,"lat":35.7}`, "lon"},
		{"bad phone", "POST", "/api/contact", `{"user":101,"phone":"call me"}`, "phone"},
		{"time backwards", "POST", "/api/time", `{"to":"2001-01-01T00:00:00Z"}`, "forward"},
		{"negative jump", "POST", "/api/time", `{"advance":"-1h"}`, "forward"},
		{"vague jump", "POST", "/api/time", `{"advance":"soon"}`, "duration"},
		{"two jumps", "POST", "/api/time", `{"advance":"1h","to_local":"2030-01-01T08:00"}`, "exactly one"},
		{"bad local time", "POST", "/api/time", `{"to_local":"فردا"}`, "to_local"},
		{"user id zero", "POST", "/api/users", `{"id":0,"first_name":"x"}`, "positive"},
		{"user without name", "POST", "/api/users", `{"id":55}`, "first_name"},
		{"existing user", "POST", "/api/users", `{"id":101,"first_name":"x"}`, "already exists"},
		{"admin by wish", "POST", "/api/users", `{"id":56,"first_name":"x","role":"admin"}`, "TAVAN_ADMINS"},
		{"strange role", "POST", "/api/users", `{"id":57,"first_name":"x","role":"king"}`, "role"},
		{"bad username", "POST", "/api/users", `{"id":58,"first_name":"x","username":"a b"}`, "username"},
		{"history without user", "GET", "/api/chats/101/messages", ``, "missing ?user"},
		{"history of a non-number chat", "GET", "/api/chats/abc/messages?user=101", ``, "not a chat id"},
		{"someone else's history", "GET", "/api/chats/900/messages?user=101", ``, "own chat"},
		{"events for nobody", "GET", "/api/events?user=abc", ``, "not a user id"},
		{"commands of an unknown user", "GET", "/api/commands?user=31", ``, "unknown user 31"},
		{"file of a non-number message", "GET", "/api/files/101/x", ``, "not a message id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res struct {
				Error string `json:"error"`
			}
			code := e.call(tt.method, tt.path, tt.body, &res)
			if code != http.StatusBadRequest || !strings.Contains(res.Error, tt.want) {
				t.Errorf("%s %s %s = %d %q; want 400 with an error containing %q", tt.method, tt.path, tt.body, code, res.Error, tt.want)
			}
		})
	}
	if n := len(e.sim.Messages(101)); n != 2 {
		t.Errorf("the chat has %d messages after bad requests; want the 2 of /start", n)
	}
}

func TestUnknownPathsAndMethodsAnswerJSON(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, path string
		code         int
	}{
		{"GET", "/api/nothing", 404},
		{"GET", "/nothing", 404},
		{"GET", "/static/nothing.js", 404},
		{"GET", "/api/files/101/77", 404},
		{"DELETE", "/api/send", 405},
		{"GET", "/api/send", 405},
		{"POST", "/api/chats", 405},
	}
	for _, tt := range tests {
		var res struct {
			Error string `json:"error"`
		}
		if code := e.call(tt.method, tt.path, "", &res); code != tt.code || res.Error == "" {
			t.Errorf("%s %s = %d %q; want %d with a JSON error", tt.method, tt.path, code, res.Error, tt.code)
		}
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("POST", e.web.URL+"/api/send", strings.NewReader(`{"user":101,"text":"/start"}`))
	req.Header.Set("Origin", "https://evil.example")
	resp, err := e.web.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-origin POST got %d; want 403", resp.StatusCode)
	}
	if n := len(e.sim.Messages(101)); n != 0 {
		t.Errorf("a cross-origin POST sent %d messages", n)
	}
}

func TestThePageIsServedWithItsFiles(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct{ path, ctype, contains string }{
		{"/", "text/html", `dir="rtl"`},
		{"/static/app.js", "javascript", "EventSource"},
		{"/static/app.css", "text/css", "Vazirmatn"},
		{"/static/fonts/Vazirmatn-Variable.woff2", "font/woff2", ""},
		{"/static/fonts/OFL.txt", "text/plain", "SIL OPEN FONT LICENSE"},
	} {
		resp, err := e.web.Client().Get(e.web.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), tt.ctype) || !bytes.Contains(body, []byte(tt.contains)) {
			t.Errorf("GET %s = %d %q (%d bytes); want 200 %s containing %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), tt.ctype, tt.contains)
		}
		if tt.path == "/" && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("the page has no CSP that keeps it offline: %q", resp.Header.Get("Content-Security-Policy"))
		}
	}
}

// sse reads a server-sent event stream.
type sse struct {
	sc   *bufio.Scanner
	body io.Closer
}

func (e *env) events(user int64) *sse {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/events?user=%d", e.web.URL, user), nil)
	resp, err := e.web.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		e.t.Fatalf("events: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return &sse{sc: sc, body: resp.Body}
}

// next returns the next event's name and data; it fails the test after 10 s.
func (s *sse) next(t *testing.T) (string, string) {
	t.Helper()
	type ev struct{ name, data string }
	got := make(chan ev, 1)
	go func() {
		var name, data string
		for s.sc.Scan() {
			line := s.sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && name != "":
				got <- ev{name, data}
				return
			}
		}
		got <- ev{}
	}()
	select {
	case e := <-got:
		if e.name == "" {
			t.Fatal("the event stream ended")
		}
		return e.name, e.data
	case <-time.After(10 * time.Second):
		s.body.Close()
		t.Fatal("no event in 10s")
	}
	return "", ""
}

func TestEventsStreamTheBotsReply(t *testing.T) {
	e := newEnv(t)
	stream := e.events(101)
	if name, _ := stream.next(t); name != "hello" {
		t.Fatalf("first event %q; want hello", name)
	}
	e.send("/start")
	var mine, reply message
	for reply.ID == 0 {
		name, data := stream.next(t)
		var m message
		if name == "message" {
			if err := json.Unmarshal([]byte(data), &m); err != nil {
				t.Fatal(err)
			}
			if m.FromBot {
				reply = m
			} else {
				mine = m
			}
		}
	}
	if mine.Plain != "/start" {
		t.Errorf("the user's own message came as %q; want /start", mine.Plain)
	}
	if !strings.Contains(reply.Plain, "به توان خوش آمدید") || len(reply.InlineKeyboard) == 0 {
		t.Errorf("the bot's reply came as %q with buttons %v; want the Persian welcome with the language buttons", reply.Plain, reply.InlineKeyboard)
	}

	// Pressing «فارسی» edits the same message: an edit event, not a new message.
	e.press("فارسی")
	for {
		name, data := stream.next(t)
		if name == "callback_answer" {
			continue
		}
		var m message
		_ = json.Unmarshal([]byte(data), &m)
		if name != "edit" || m.ID != reply.ID {
			t.Fatalf("after a button: event %s %s; want an edit of message %d", name, data, reply.ID)
		}
		if !strings.Contains(m.Plain, "مسیر یادگیری") {
			t.Errorf("the edit shows %q; want the track question", m.Plain)
		}
		break
	}
}

func TestTimeTravelMovesTheBotsClock(t *testing.T) {
	e := newEnv(t)
	stream := e.events(101)
	stream.next(t) // hello
	before := e.clock.Now()

	var res struct {
		From, To      time.Time
		OffsetSeconds int64 `json:"offset_seconds"`
	}
	if code := e.call("POST", "/api/time", `{"advance":"1d"}`, &res); code != 200 {
		t.Fatalf("advance 1d: status %d", code)
	}
	if got := res.To.Sub(res.From); got != 24*time.Hour {
		t.Errorf("the jump moved %v; want 24h", got)
	}
	if res.OffsetSeconds < 86400 || e.clock.Offset() < 24*time.Hour {
		t.Errorf("offset %ds, clock offset %v; want at least a day", res.OffsetSeconds, e.clock.Offset())
	}
	if hook := <-e.travel; !hook[0].Equal(res.From) || !hook[1].Equal(res.To) {
		t.Errorf("OnTimeTravel(%v, %v); want (%v, %v)", hook[0], hook[1], res.From, res.To)
	}
	if name, _ := stream.next(t); name != "clock" {
		t.Errorf("the page was told %q after a jump; want clock", name)
	}

	// To a chosen local time, in Tehran.
	target := time.Date(before.In(tehran).Year()+1, 3, 21, 8, 0, 0, 0, tehran)
	if code := e.call("POST", "/api/time", fmt.Sprintf(`{"to_local":%q}`, target.Format("2006-01-02T15:04")), &res); code != 200 {
		t.Fatalf("to_local: status %d", code)
	}
	if !res.To.Equal(target) {
		t.Errorf("to_local went to %v; want %v", res.To, target)
	}
	<-e.travel

	// The bot lives in the new time: its messages are dated after the jump.
	e.send("/start")
	msgs := e.sim.BotMessages(101)
	if got := msgs[len(msgs)-1].Date; got.Before(target) {
		t.Errorf("the bot's reply is dated %v; want after %v", got, target)
	}
	var now struct{ Now time.Time }
	e.call("GET", "/api/time", "", &now)
	if now.Now.Before(target) {
		t.Errorf("GET /api/time = %v; want after %v", now.Now, target)
	}
}

func TestQuizPollAnsweredThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	e.send("/start")
	e.press("فارسی")
	e.press("مشاغل خانگی")
	e.press("۸:۰۰")
	e.send("/courses")
	msgs := e.sim.BotMessages(101)
	e.press(msgs[len(msgs)-1].InlineKeyboard[0][0].Text)
	e.press("شروع دوره")
	e.press("آزمون")
	var poll tgsim.Message
	for _, m := range e.sim.BotMessages(101) {
		if m.Poll != nil {
			poll = m
		}
	}
	if poll.Poll == nil {
		t.Fatal("no quiz poll after pressing the quiz button")
	}
	var hist []message
	e.call("GET", "/api/chats/101/messages?user=101", "", &hist)
	for _, m := range hist {
		if m.Poll != nil && m.Poll.Correct != nil {
			t.Errorf("the quiz's answer is visible before answering: %+v", m.Poll)
		}
	}
	var answered message
	body := fmt.Sprintf(`{"user":101,"poll_id":%q,"options":[%d]}`, poll.Poll.ID, poll.Poll.CorrectOptionIDs[0])
	if code := e.call("POST", "/api/poll", body, &answered); code != 200 {
		t.Fatalf("answer the quiz: status %d", code)
	}
	if p := answered.Poll; p == nil || len(p.Chosen) != 1 || p.Correct == nil || *p.Correct != poll.Poll.CorrectOptionIDs[0] || p.Explanation == "" {
		t.Errorf("after answering, the poll reads %+v; want the choice, the right answer and the explanation", p)
	}
	e.settle()
	var res struct {
		Error string `json:"error"`
	}
	if code := e.call("POST", "/api/poll", body, &res); code != 400 || !strings.Contains(res.Error, "once") {
		t.Errorf("a second answer = %d %q; want 400: a quiz is answered once", code, res.Error)
	}
}

func TestUploadAndDownloadFiles(t *testing.T) {
	e := newEnv(t)
	upload := func(kind, name, ctype string, data []byte) message {
		t.Helper()
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.WriteField("user", "101")
		if kind != "" {
			_ = w.WriteField("kind", kind)
		}
		_ = w.WriteField("caption", "رسید خرید")
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="file"; filename=%q`, name)}
		h["Content-Type"] = []string{ctype}
		part, _ := w.CreatePart(h)
		_, _ = part.Write(data)
		w.Close()
		resp, err := e.web.Client().Post(e.web.URL+"/api/upload", w.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m message
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
			t.Fatalf("upload %s: %d %v", name, resp.StatusCode, err)
		}
		return m
	}
	png := []byte("\x89PNG\r\n\x1a\nfake")
	photo := upload("", "receipt.png", "image/png", png)
	if photo.File == nil || photo.File.URL == "" {
		t.Fatalf("the upload has no file to download: %+v", photo)
	}
	resp, err := e.web.Client().Get(e.web.URL + photo.File.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, png) || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("GET %s = %q %q %q; want the PNG inline", photo.File.URL, got, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if m, _ := e.sim.Message(101, photo.ID); m.Kind != "photo" || m.Plain != "رسید خرید" {
		t.Errorf("the bot received a %s with caption %q; want a photo with the caption", m.Kind, m.Plain)
	}

	// A page the user uploads is never shown inline by the sandbox: it downloads.
	page := upload("document", "trap.html", "text/html", []byte("<script>alert(1)</script>"))
	resp, err = e.web.Client().Get(e.web.URL + page.File.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("an HTML file is served %q; want attachment", resp.Header.Get("Content-Disposition"))
	}
	e.settle()
}

func TestAddUserAndCommands(t *testing.T) {
	e := newEnv(t)
	var u sandbox.User
	if code := e.call("POST", "/api/users", `{"id":301,"first_name":" سارا ","language_code":"en","role":"consultant"}`, &u); code != 201 {
		t.Fatalf("add a user: status %d", code)
	}
	if u.FirstName != "سارا" || u.Role != "consultant" || u.Lang != "en" {
		t.Errorf("added %+v", u)
	}
	var admin sandbox.User
	if code := e.call("POST", "/api/users", `{"id":900,"first_name":"x"}`, nil); code != 400 {
		t.Errorf("adding an existing admin id = %d; want 400", code)
	}
	_ = admin
	var users []sandbox.User
	e.call("GET", "/api/users", "", &users)
	if len(users) != 3 || users[2].ID != 301 {
		t.Errorf("users = %+v; want the two seeded and the new one", users)
	}
	e.call("POST", "/api/send", `{"user":301,"text":"/start"}`, nil)
	e.settle()
	var cmds []struct{ Command, Description string }
	e.call("GET", "/api/commands?user=301", "", &cmds)
	if len(cmds) == 0 {
		t.Fatal("no commands for an English user")
	}
	var fa []struct{ Command, Description string }
	e.call("GET", "/api/commands?user=101", "", &fa)
	if len(fa) == 0 || fa[0].Description == cmds[0].Description {
		t.Errorf("Persian commands %v, English %v; want each in its language", fa, cmds)
	}
}

// The sandbox is not open to DNS rebinding (issue 18: with Host and Origin evil.example:8080, a page could
// post /backup as the admin, travel in time and read chats): other host names are refused, and every API
// request, GETs and the event stream included, needs the token the page sets as a cookie.
func TestDNSRebindingAndRequestsWithoutTheTokenAreRefused(t *testing.T) {
	e := newEnv(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(e.web.URL, "http://"))
	do := func(method, path, host, origin string, withToken bool, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, e.web.URL+path, strings.NewReader(body))
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if withToken {
			req.AddCookie(&http.Cookie{Name: sandbox.TokenCookie, Value: e.srv.Token()})
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no jar: the cookie is only what the test adds
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	evil := "evil.example:" + port
	for _, tt := range []struct {
		name, method, path, host, origin string
		token                            bool
		want                             int
	}{
		{"rebound GET with the token", "GET", "/api/chats", evil, "", true, http.StatusMisdirectedRequest},
		{"rebound POST, Origin equal to Host", "POST", "/api/send", evil, "http://" + evil, true, http.StatusMisdirectedRequest},
		{"rebound page", "GET", "/", evil, "", false, http.StatusMisdirectedRequest},
		{"another port", "GET", "/api/info", "127.0.0.1:1", "", true, http.StatusMisdirectedRequest},
		{"GET without the token", "GET", "/api/chats", "", "", false, http.StatusForbidden},
		{"event stream without the token", "GET", "/api/events?user=101", "", "", false, http.StatusForbidden},
		{"time travel without the token", "POST", "/api/time", "", "", false, http.StatusForbidden},
		{"localhost with the token", "GET", "/api/info", "localhost:" + port, "", true, http.StatusOK},
		{"another loopback address", "GET", "/api/info", "127.0.0.2:" + port, "", true, http.StatusOK},
		{"IPv6 loopback", "GET", "/api/info", "[::1]:" + port, "", true, http.StatusOK},
	} {
		body := ""
		if tt.method == "POST" {
			body = `{"user":101,"text":"/start"}`
		}
		if resp := do(tt.method, tt.path, tt.host, tt.origin, tt.token, body); resp.StatusCode != tt.want {
			t.Errorf("%s: %s %s (Host %q) = %d; want %d", tt.name, tt.method, tt.path, tt.host, resp.StatusCode, tt.want)
		}
	}
	if n := len(e.sim.Messages(101)); n != 0 {
		t.Errorf("refused requests sent %d messages", n)
	}

	// The page sets the token as an HttpOnly, SameSite=Strict cookie; with it the API answers.
	resp := do("GET", "/", "", "", false, "")
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sandbox.TokenCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Value != e.srv.Token() {
		t.Fatalf("the page's cookie = %+v; want the token, HttpOnly, SameSite=Strict", cookie)
	}
}
