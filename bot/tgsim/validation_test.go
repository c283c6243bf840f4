package tgsim_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/tgsim"
)

func TestValidationErrors(t *testing.T) {
	long := strings.Repeat("آ", 4097)
	tests := []struct {
		name string
		// do makes the request; the env has alice (chat 42) with a bot message 2 carrying button "x".
		do        func(e *env) error
		wantCode  int
		wantDesc  string
		violation bool
	}{
		{
			name: "bad HTML",
			do: func(e *env) error {
				c := tgbotapi.NewMessage(alice.ID, "<div>hi</div>")
				c.ParseMode = tgbotapi.ModeHTML
				_, err := e.api.Send(c)
				return err
			},
			wantCode: 400, wantDesc: `Bad Request: can't parse entities: Unsupported start tag "div" at byte offset 0`, violation: true,
		},
		{
			name: "bare ampersand in a name",
			do: func(e *env) error {
				c := tgbotapi.NewMessage(alice.ID, "Hi Tom & Jerry")
				c.ParseMode = tgbotapi.ModeHTML
				_, err := e.api.Send(c)
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: can't parse entities:", violation: true,
		},
		{
			name: "text too long",
			do: func(e *env) error {
				_, err := e.api.Send(tgbotapi.NewMessage(alice.ID, long))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: message is too long", violation: true,
		},
		{
			name: "4096 after parsing is fine",
			do: func(e *env) error {
				c := tgbotapi.NewMessage(alice.ID, "<b>"+strings.Repeat("a", 4090)+"</b>&lt;&gt;&amp;xyz")
				c.ParseMode = tgbotapi.ModeHTML
				_, err := e.api.Send(c)
				return err
			},
		},
		{
			name: "caption too long",
			do: func(e *env) error {
				// By URL: tgbotapi reports upload errors with Code 0.
				c := tgbotapi.NewPhoto(alice.ID, tgbotapi.FileURL("https://example.com/a.jpg"))
				c.Caption = strings.Repeat("x", 1025)
				_, err := e.api.Send(c)
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: message caption is too long", violation: true,
		},
		{
			name: "65-byte callback data",
			do: func(e *env) error {
				_, err := e.api.Send(withMarkup(tgbotapi.NewMessage(alice.ID, "x"), inlineKeyboard("Go", strings.Repeat("د", 32)+"x")))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: BUTTON_DATA_INVALID", violation: true,
		},
		{
			name: "101 buttons",
			do: func(e *env) error {
				var pairs []string
				for range 101 {
					pairs = append(pairs, "b", "d")
				}
				_, err := e.api.Send(withMarkup(tgbotapi.NewMessage(alice.ID, "x"), inlineKeyboard(pairs...)))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: reply markup is too long", violation: true,
		},
		{
			name: "empty button text",
			do: func(e *env) error {
				_, err := e.api.Send(withMarkup(tgbotapi.NewMessage(alice.ID, "x"), inlineKeyboard("", "d")))
				return err
			},
			wantCode: 400, wantDesc: "Text must be non-empty", violation: true,
		},
		{
			name: "missing chat_id",
			do: func(e *env) error {
				_, err := e.api.MakeRequest("sendMessage", tgbotapi.Params{"text": "hi"})
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: chat_id is empty", violation: true,
		},
		{
			name: "empty text",
			do: func(e *env) error {
				_, err := e.api.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "42", "text": ""})
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: message text is empty", violation: true,
		},
		{
			name: "unknown method",
			do: func(e *env) error {
				_, err := e.api.MakeRequest("sendTelepathy", nil)
				return err
			},
			wantCode: 404, wantDesc: "Not Found: method not found", violation: true,
		},
		{
			name: "unanswerable callback",
			do: func(e *env) error {
				_, err := e.api.Request(tgbotapi.NewCallback("12345", "hi"))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: query is too old and response timeout expired or query ID is invalid", violation: true,
		},
		{
			name: "callback answer too long",
			do: func(e *env) error {
				q := e.srv.PressButton(alice, alice.ID, 2, "x")
				_, err := e.api.Request(tgbotapi.NewCallback(q, strings.Repeat("a", 201)))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: MESSAGE_TOO_LONG", violation: true,
		},
		{
			name: "poll with one option",
			do: func(e *env) error {
				_, err := e.api.Send(tgbotapi.NewPoll(alice.ID, "Q?", "only"))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: poll must have at least 2 option", violation: true,
		},
		{
			name: "quiz without a valid correct option",
			do: func(e *env) error {
				c := tgbotapi.NewPoll(alice.ID, "Q?", "a", "b")
				c.Type, c.IsAnonymous, c.CorrectOptionID = "quiz", false, 5
				_, err := e.api.Send(c)
				return err
			},
			wantCode: 400, wantDesc: "correct_option_id", violation: true,
		},
		{
			name: "explanation with three line feeds",
			do: func(e *env) error {
				c := tgbotapi.NewPoll(alice.ID, "Q?", "a", "b")
				c.Type, c.IsAnonymous, c.Explanation = "quiz", false, "1\n2\n3\n4"
				_, err := e.api.Send(c)
				return err
			},
			wantCode: 400, wantDesc: "line feeds", violation: true,
		},
		{
			name: "message not modified",
			do: func(e *env) error {
				_, err := e.api.Send(tgbotapi.NewEditMessageTextAndMarkup(alice.ID, 2, "menu", inlineKeyboard("X", "x")))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message", violation: true,
		},
		{
			name: "edit a missing message",
			do: func(e *env) error {
				_, err := e.api.Send(tgbotapi.NewEditMessageText(alice.ID, 99, "x"))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: message to edit not found", violation: true,
		},
		{
			name: "edit the user's message",
			do: func(e *env) error {
				_, err := e.api.Send(tgbotapi.NewEditMessageText(alice.ID, 1, "x"))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: message can't be edited", violation: true,
		},
		{
			name: "delete a missing message",
			do: func(e *env) error {
				_, err := e.api.Request(tgbotapi.NewDeleteMessage(alice.ID, 99))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: message to delete not found", violation: true,
		},
		{
			name: "bad command",
			do: func(e *env) error {
				_, err := e.api.Request(tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "Start", Description: "x"}))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: BOT_COMMAND_INVALID", violation: true,
		},
		{
			name: "empty command description",
			do: func(e *env) error {
				_, err := e.api.Request(tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "start"}))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: command description must be non-empty", violation: true,
		},
		{
			name: "reply to a missing message",
			do: func(e *env) error {
				c := tgbotapi.NewMessage(alice.ID, "x")
				c.ReplyToMessageID = 77
				_, err := e.api.Send(c)
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: message to be replied not found", violation: true,
		},
		{
			name: "reply to a missing message allowed",
			do: func(e *env) error {
				c := tgbotapi.NewMessage(alice.ID, "x")
				c.ReplyToMessageID, c.AllowSendingWithoutReply = 77, true
				_, err := e.api.Send(c)
				return err
			},
		},
		{
			name: "wrong chat action",
			do: func(e *env) error {
				_, err := e.api.Request(tgbotapi.NewChatAction(alice.ID, "dancing"))
				return err
			},
			wantCode: 400, wantDesc: "Bad Request: wrong parameter action in request", violation: true,
		},
		{
			name: "not an integer",
			do: func(e *env) error {
				_, err := e.api.MakeRequest("deleteMessage", tgbotapi.Params{"chat_id": "42", "message_id": "two"})
				return err
			},
			wantCode: 400, wantDesc: "must be an Integer", violation: true,
		},
		{
			name: "malformed markup JSON",
			do: func(e *env) error {
				_, err := e.api.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "42", "text": "x", "reply_markup": "{"})
				return err
			},
			wantCode: 400, wantDesc: "can't parse reply_markup", violation: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.SendText(alice, "/start")
			e.mustSend(t, withMarkup(tgbotapi.NewMessage(alice.ID, "menu"), inlineKeyboard("X", "x")))
			err := tc.do(e)
			if tc.wantCode == 0 {
				if err != nil {
					t.Fatalf("request failed: %v", err)
				}
				e.assertClean(t)
				return
			}
			ae := apiError(t, err)
			if ae.Code != tc.wantCode || !strings.Contains(ae.Message, tc.wantDesc) {
				t.Errorf("error = %d %q; want %d containing %q", ae.Code, ae.Message, tc.wantCode, tc.wantDesc)
			}
			v := e.srv.Violations()
			if got := len(v) > 0; got != tc.violation {
				t.Errorf("Violations() = %v; want violation %v", v, tc.violation)
			}
			if len(v) > 0 && (v[0].Description != ae.Message && !strings.Contains(v[0].Description, ae.Message)) {
				t.Errorf("violation %q does not match the answer %q", v[0].Description, ae.Message)
			}
		})
	}
}

func TestUnknownFields(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	_, err := e.api.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "42", "text": "hi", "colour": "blue"})
	if err != nil {
		t.Fatalf("an unknown field is served (Telegram ignores it): %v", err)
	}
	v := e.srv.Violations()
	if len(v) != 1 || v[0].Code != 0 || !strings.Contains(v[0].Description, `unknown field "colour"`) || v[0].Params["colour"] != "blue" {
		t.Errorf("Violations() = %v; want the unknown field", v)
	}

	// Nested unknown fields count too.
	_, err = e.api.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "42", "text": "hi",
		"reply_markup": `{"inline_keyboard":[[{"text":"a","callback_data":"b","colour":"red"}]]}`})
	if err != nil {
		t.Fatal(err)
	}
	if v := e.srv.Violations(); len(v) != 2 || !strings.Contains(v[1].Description, `"colour"`) {
		t.Errorf("Violations() = %v; want the nested unknown field", v)
	}

	strict := newEnv(t, func(o *tgsim.Options) { o.Strict = true })
	strict.srv.SendText(alice, "/start")
	_, err = strict.api.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "42", "text": "hi", "colour": "blue"})
	if ae := apiError(t, err); ae.Code != 400 || !strings.Contains(ae.Message, "colour") {
		t.Errorf("Strict unknown field = %d %q", ae.Code, ae.Message)
	}
	if n := len(strict.srv.BotMessages(alice.ID)); n != 0 {
		t.Errorf("Strict server still sent %d messages", n)
	}
}

// TestLegacyFieldsAccepted sends everything tgbotapi 5.5.1 fills in by default.
func TestLegacyFieldsAccepted(t *testing.T) {
	e := newEnv(t)
	first := e.srv.SendText(alice, "/start")
	c := tgbotapi.NewMessage(alice.ID, "x")
	c.DisableWebPagePreview, c.ReplyToMessageID, c.AllowSendingWithoutReply = true, first.ID, true
	c.Entities = nil // sent as entities=null
	e.mustSend(t, c)
	p := tgbotapi.NewPoll(alice.ID, "Q?", "a", "b") // options as strings, correct_option_id=0, is_anonymous …
	p.ReplyToMessageID = first.ID
	e.mustSend(t, p)
	ph := tgbotapi.NewPhoto(alice.ID, tgbotapi.FileBytes{Name: "a.jpg", Bytes: []byte("x")})
	ph.Thumb = tgbotapi.FileBytes{Name: "t.jpg", Bytes: []byte("t")}
	e.mustSend(t, ph)
	cp := tgbotapi.NewCopyMessage(alice.ID, alice.ID, first.ID) // caption_entities=null
	if _, err := e.api.CopyMessage(cp); err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: nil}); err != nil { // allowed_updates=null
		t.Fatal(err)
	}
	e.assertClean(t)
}

func TestJSONAndMultipartBodies(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	body, _ := json.Marshal(map[string]any{
		"chat_id": 42, "text": "<b>json</b>", "parse_mode": "HTML",
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "A", "callback_data": "a"}}}},
	})
	code, out := e.rawCall(t, "sendMessage", "application/json", string(body))
	if code != 200 || out["ok"] != true {
		t.Fatalf("JSON sendMessage = %d %v", code, out)
	}
	if res := out["result"].(map[string]any); res["text"] != "json" {
		t.Errorf("result = %v", res)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("chat_id", "42")
	_ = mw.WriteField("caption", "doc")
	fw, _ := mw.CreateFormFile("document", "plan.ics")
	_, _ = fw.Write([]byte("BEGIN:VCALENDAR"))
	_ = mw.Close()
	code, out = e.rawCall(t, "sendDocument", mw.FormDataContentType(), buf.String())
	if code != 200 {
		t.Fatalf("multipart sendDocument = %d %v", code, out)
	}
	doc := out["result"].(map[string]any)["document"].(map[string]any)
	if doc["file_name"] != "plan.ics" || doc["mime_type"] == "" {
		t.Errorf("document = %v", doc)
	}

	// Method names are case-insensitive, like Telegram's.
	if code, _ := e.rawCall(t, "SENDMESSAGE", "application/x-www-form-urlencoded", "chat_id=42&text=hi"); code != 200 {
		t.Errorf("SENDMESSAGE = %d", code)
	}
	if got := e.srv.Calls("sendMessage"); got != 2 {
		t.Errorf("Calls(sendMessage) = %d; want 2", got)
	}
	// Error answers carry the HTTP status.
	code, out = e.rawCall(t, "sendMessage", "application/x-www-form-urlencoded", "chat_id=42")
	if code != 400 || out["error_code"] != float64(400) || out["ok"] != false {
		t.Errorf("error answer = %d %v", code, out)
	}
}

func TestFailNext(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	e.srv.FailNext("sendMessage", 1, 429, "", 7)
	_, err := e.api.Send(tgbotapi.NewMessage(alice.ID, "x"))
	ae := apiError(t, err)
	if ae.Code != 429 || ae.RetryAfter != 7 || ae.Message != "Too Many Requests: retry after 7" {
		t.Errorf("injected 429 = %d %q retry %d", ae.Code, ae.Message, ae.RetryAfter)
	}
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "x"))
	if e.srv.Calls("sendMessage") != 2 || e.srv.Count429() != 1 {
		t.Errorf("Calls = %d, Count429 = %d; want 2, 1", e.srv.Calls("sendMessage"), e.srv.Count429())
	}

	e.srv.FailNext("*", 2, 502, "", 0)
	for range 2 {
		if _, err := e.api.GetMe(); apiError(t, err).Code != 502 {
			t.Errorf("injected 502 = %v", err)
		}
	}
	if _, err := e.api.GetMe(); err != nil {
		t.Errorf("after the injected failures: %v", err)
	}
	e.assertClean(t)
}

func TestDisableMethod(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	e.srv.DisableMethod("sendPoll")
	_, err := e.api.Send(tgbotapi.NewPoll(alice.ID, "Q?", "a", "b"))
	if ae := apiError(t, err); ae.Code != 400 || ae.Message != "Bad Request: method not supported" {
		t.Errorf("disabled sendPoll = %d %q", ae.Code, ae.Message)
	}
	e.assertClean(t)
}

func TestRateLimits(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, func(o *tgsim.Options) { o.Now = clock.Now })
	e.srv.SendText(alice, "/start")
	e.srv.SendText(bob, "/start")
	clock.Advance(61 * time.Second) // both quiet now: messages to them are bulk

	e.srv.SetRateLimit(1, 3)
	for i := range 3 {
		if _, err := e.api.Send(tgbotapi.NewMessage(alice.ID, "x")); err != nil {
			t.Fatalf("send %d within the burst: %v", i, err)
		}
	}
	_, err := e.api.Send(tgbotapi.NewMessage(bob.ID, "x"))
	if ae := apiError(t, err); ae.Code != 429 || ae.RetryAfter < 1 {
		t.Errorf("over the global limit = %d retry %d", ae.Code, ae.RetryAfter)
	}
	// A reply to someone talking to the bot is not bulk: the bot-wide limit does not count it.
	carol := tgsim.User{ID: 44, FirstName: "Carol", LanguageCode: "en"}
	e.srv.SendText(carol, "/help")
	e.mustSend(t, tgbotapi.NewMessage(carol.ID, "a reply"))
	clock.Advance(time.Second)
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "x"))
	e.srv.SetRateLimit(0, 0)

	e.srv.SetChatRateLimit(1, 1)
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "x"))
	_, err = e.api.Send(tgbotapi.NewMessage(alice.ID, "x"))
	if ae := apiError(t, err); ae.Code != 429 || ae.RetryAfter != 1 {
		t.Errorf("over the chat limit = %d retry %d", ae.Code, ae.RetryAfter)
	}
	e.mustSend(t, tgbotapi.NewMessage(bob.ID, "other chats are not limited"))
	if e.srv.Count429() != 2 {
		t.Errorf("Count429() = %d; want 2", e.srv.Count429())
	}
	e.assertClean(t)

	// Sending to a chat while its retry_after runs is what gets a bot banned: a violation.
	_, _ = e.api.Send(tgbotapi.NewMessage(alice.ID, "too soon"))
	if v := e.srv.Violations(); len(v) != 1 || !strings.Contains(v[0].Description, "retry_after") {
		t.Errorf("violations after sending during a retry_after = %v; want that one", v)
	}
}

func TestLatencyCancelledRequestHasNoEffect(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	e.srv.SetLatency(time.Hour)
	impatient := *e.ts.Client()
	impatient.Timeout = 50 * time.Millisecond
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/bot"+token+"/sendMessage?chat_id=42&text=late", nil)
	if _, err := impatient.Do(req); err == nil {
		t.Fatal("request got through an hour of latency")
	}
	e.srv.SetLatency(20 * time.Millisecond)
	start := time.Now()
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "on time"))
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("answer after %v; want at least the 20 ms latency", d)
	}
	bm := e.srv.BotMessages(alice.ID)
	if len(bm) != 1 || bm[0].Plain != "on time" {
		t.Errorf("BotMessages() = %v; the abandoned request must not have been served", bm)
	}
	e.assertClean(t)
}

func TestViolationString(t *testing.T) {
	v := tgsim.Violation{Method: "sendMessage", Params: map[string]string{"text": "hi", "chat_id": "1"}, Description: "Bad Request: x"}
	if got, want := v.String(), `sendMessage: Bad Request: x [chat_id="1" text="hi"]`; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
