package tgsim_test

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/tgsim"
)

func bale(o *tgsim.Options) { o.Platform = tgsim.PlatformBale }

// wantViolation fails unless exactly one violation was recorded for method, with code and a description
// containing substr; it returns the violations seen.
func wantViolation(tb testing.TB, srv *tgsim.Server, method string, code int, substr string) {
	tb.Helper()
	v := srv.Violations()
	if len(v) != 1 || v[0].Method != method || v[0].Code != code || !strings.Contains(v[0].Description, substr) {
		tb.Errorf("Violations() = %v; want one %s %d containing %q", v, method, code, substr)
	}
}

func TestPlatform(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"", "telegram"}, {"telegram", "telegram"}, {"bale", "bale"}} {
		srv := tgsim.New(tgsim.Options{Token: token, Platform: tc.in})
		if got := srv.Platform(); got != tc.want {
			t.Errorf("New(Platform: %q).Platform() = %q; want %q", tc.in, got, tc.want)
		}
		srv.Close()
	}
	defer func() {
		if recover() == nil {
			t.Error("New(Platform: \"whatsapp\") did not panic")
		}
	}()
	tgsim.New(tgsim.Options{Token: token, Platform: "whatsapp"})
}

// An absent method answers 404 with a body that is not JSON: tgbotapi returns a decode error, not a
// *tgbotapi.Error. Probing an unsure capability once per process is fine; asking again is not.
func TestBaleUnsureMethodIsProbedOnce(t *testing.T) {
	e := newEnv(t, bale)
	cmds := tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: "راهنما"})
	_, err := e.api.Request(cmds)
	var apiErr *tgbotapi.Error
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("setMyCommands on Bale: err = %v (%T); want a decode error, not *tgbotapi.Error", err, err)
	}
	if _, err := e.api.Send(tgbotapi.NewSticker(alice.ID, tgbotapi.FileID("x"))); err == nil || errors.As(err, &apiErr) {
		t.Errorf("sendSticker on Bale: err = %v; want a decode error", err)
	}
	e.assertClean(t) // a probe is not a violation
	if n, m := e.srv.Calls("setMyCommands"), e.srv.Calls("sendsticker"); n != 1 || m != 1 {
		t.Errorf("Calls(setMyCommands), Calls(sendsticker) = %d, %d; want 1, 1", n, m)
	}

	if _, err := e.api.Request(cmds); err == nil {
		t.Fatal("second setMyCommands: no error")
	}
	wantViolation(t, e.srv, "setMyCommands", 404, "called again after Bale answered 404")

	// A new process (it starts with getMe) may probe again.
	if _, err := e.api.GetMe(); err != nil {
		t.Fatal(err)
	}
	e.api.Request(cmds)
	if n := len(e.srv.Violations()); n != 1 {
		t.Errorf("a new process's probe: %d violations; want still 1", n)
	}
}

func TestBaleAbsentMethodAnswer(t *testing.T) {
	e := newEnv(t, bale)
	resp, err := e.ts.Client().Post(e.ts.URL+"/bot"+token+"/getMyCommands", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || strings.TrimSpace(string(body)) != "404 page not found" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("getMyCommands on Bale = %d %q (%s); want 404 \"404 page not found\" as text/plain",
			resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	e.assertClean(t)
}

// The methods the bot must know Bale lacks are violations from the first call.
func TestBaleKnownAbsentMethods(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	calls := map[string]tgbotapi.Chattable{
		"sendPoll":  tgbotapi.NewPoll(alice.ID, "?", "a", "b"),
		"sendVenue": tgbotapi.NewVenue(alice.ID, "Naqsh-e Jahan", "Isfahan", 32.65, 51.67),
		"sendDice":  tgbotapi.NewDice(alice.ID),
		"stopPoll":  tgbotapi.NewStopPoll(alice.ID, 1),
	}
	for method, c := range calls {
		t.Run(method, func(t *testing.T) {
			before := len(e.srv.Violations())
			_, err := e.api.Request(c)
			var apiErr *tgbotapi.Error
			if err == nil || errors.As(err, &apiErr) {
				t.Errorf("%s on Bale: err = %v; want a decode error", method, err)
			}
			v := e.srv.Violations()
			if len(v) != before+1 || v[len(v)-1].Method != method || !strings.Contains(v[len(v)-1].Description, "Bale has no "+method) {
				t.Errorf("Violations() = %v; want one more for %s", v, method)
			}
		})
	}
	if len(e.srv.BotMessages(alice.ID)) != 0 {
		t.Error("an absent method left a message")
	}
}

// What Bale has is served as on Telegram, and Telegram keeps every method.
func TestBalePresentMethodsServed(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	m := e.mustSend(t, tgbotapi.NewMessage(alice.ID, "سلام"))
	e.mustSend(t, tgbotapi.NewEditMessageText(alice.ID, m.MessageID, "سلام دوباره"))
	e.mustSend(t, tgbotapi.NewLocation(alice.ID, 32.65, 51.67))
	e.mustSend(t, tgbotapi.NewContact(alice.ID, "+989130000000", "Tavan"))
	e.mustRequest(t, tgbotapi.NewChatAction(alice.ID, tgbotapi.ChatTyping))
	e.mustRequest(t, tgbotapi.NewDeleteMessage(alice.ID, m.MessageID))
	e.assertClean(t)

	tg := newEnv(t)
	tg.mustRequest(t, tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: "راهنما"}))
	tg.mustRequest(t, tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: "راهنما"}))
	tg.assertClean(t)
}

func TestBaleParseModeAndEntitiesAreViolations(t *testing.T) {
	photo := tgbotapi.FileBytes{Name: "p.jpg", Bytes: []byte("jpg")}
	tests := []struct {
		name, field string
		send        func(e *env)
	}{
		{"sendMessage parse_mode", "parse_mode", func(e *env) {
			m := tgbotapi.NewMessage(alice.ID, "سلام")
			m.ParseMode = tgbotapi.ModeHTML
			e.api.Send(m)
		}},
		{"sendMessage entities", "entities", func(e *env) {
			m := tgbotapi.NewMessage(alice.ID, "سلام")
			m.Entities = []tgbotapi.MessageEntity{{Type: "bold", Offset: 0, Length: 4}}
			e.api.Send(m)
		}},
		{"sendPhoto caption_entities", "caption_entities", func(e *env) {
			p := tgbotapi.NewPhoto(alice.ID, photo)
			p.Caption = "عکس"
			p.CaptionEntities = []tgbotapi.MessageEntity{{Type: "italic", Offset: 0, Length: 3}}
			e.api.Send(p)
		}},
		{"editMessageText parse_mode", "parse_mode", func(e *env) {
			m, _ := e.api.Send(tgbotapi.NewMessage(alice.ID, "سلام"))
			ed := tgbotapi.NewEditMessageText(alice.ID, m.MessageID, "درود")
			ed.ParseMode = tgbotapi.ModeMarkdownV2
			e.api.Send(ed)
		}},
		{"explanation_parse_mode on any request", "explanation_parse_mode", func(e *env) {
			e.api.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": "42", "text": "سلام", "explanation_parse_mode": "HTML"})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, bale)
			e.srv.SendText(alice, "/start")
			tc.send(e)
			found := false
			for _, v := range e.srv.Violations() {
				found = found || v.Code == 0 && strings.Contains(v.Description, tc.field+" sent to Bale")
			}
			if !found {
				t.Errorf("Violations() = %v; want one naming %s", e.srv.Violations(), tc.field)
			}
			msgs := e.srv.BotMessages(alice.ID)
			if len(msgs) == 0 || msgs[len(msgs)-1].ParseMode != "" {
				t.Errorf("messages %+v; want the request served as Bale Markdown", msgs)
			}
		})
	}
}

func TestBaleRawHTMLIsViolation(t *testing.T) {
	for _, text := range []string{"<b>سلام</b>", "یک <i>نکته</i>", `<a href="https://ble.ir">لینک</a>`, "<code>x</code>",
		"<pre>x</pre>", "<u>x</u>", "<s>x</s>", "<tg-spoiler>x</tg-spoiler>", "<blockquote>x</blockquote>",
		"<strong>x</strong>", "<em>x</em>", "a &lt; b", "a &gt; b", "Q &amp; A", "&quot;x&quot;", "&#1777;"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, bale)
			e.srv.SendText(alice, "/start")
			e.mustSend(t, tgbotapi.NewMessage(alice.ID, text))
			wantViolation(t, e.srv, "sendMessage", 0, "Telegram HTML")
			if m := e.srv.BotMessages(alice.ID)[0]; m.Plain != text {
				t.Errorf("Plain = %q; want the raw %q a Bale learner would see", m.Plain, text)
			}
		})
	}
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	p := tgbotapi.NewPhoto(alice.ID, tgbotapi.FileBytes{Name: "p.jpg", Bytes: []byte("jpg")})
	p.Caption = "<b>عکس</b>"
	e.mustSend(t, p)
	wantViolation(t, e.srv, "sendPhoto", 0, "caption contains Telegram HTML")

	e = newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	m := e.mustSend(t, tgbotapi.NewMessage(alice.ID, "a < b & c > d, 3<4"))
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "ok"))
	e.mustSend(t, tgbotapi.NewEditMessageText(alice.ID, m.MessageID, "x &lt; y"))
	wantViolation(t, e.srv, "editMessageText", 0, "Telegram HTML")
}

func TestBaleMarkdownRendering(t *testing.T) {
	type ent struct{ typ, text, url string }
	tests := []struct {
		in, plain string
		ents      []ent
	}{
		{"*سلام* دنیا", "سلام دنیا", []ent{{"bold", "سلام", ""}}},
		{"این _مهم_ است", "این مهم است", []ent{{"italic", "مهم", ""}}},
		{"دو *کلمهٔ پررنگ* اینجا", "دو کلمهٔ پررنگ اینجا", []ent{{"bold", "کلمهٔ پررنگ", ""}}},
		{"[توان](https://ble.ir/tavan_bot?start=ref_7) را ببین", "توان را ببین", []ent{{"text_link", "توان", "https://ble.ir/tavan_bot?start=ref_7"}}},
		{"*پررنگ _کج_*", "پررنگ کج", []ent{{"bold", "پررنگ کج", ""}, {"italic", "کج", ""}}},
		{"*[لینک](https://example.com)*", "لینک", []ent{{"bold", "لینک", ""}, {"text_link", "لینک", "https://example.com"}}},
		{"line one\n*two*\n_three_", "line one\ntwo\nthree", []ent{{"bold", "two", ""}, {"italic", "three", ""}}},
		// An underscore between letters or digits is text: commands, usernames, links.
		{"a_b, /my_events, @tavan_bot, snake__case_name, ۱_۲", "a_b, /my_events, @tavan_bot, snake__case_name, ۱_۲", nil},
		{"https://ble.ir/tavan_bot?start=ref_7", "https://ble.ir/tavan_bot?start=ref_7", nil},
		// A bare URL is linked as it is: a deep link's payload may hold any of [A-Za-z0-9_-].
		{"دعوت: https://ble.ir/tavan_bot?start=cons_-R8J_x*y_\nبعد", "دعوت: https://ble.ir/tavan_bot?start=cons_-R8J_x*y_\nبعد", nil},
		{"_پیوند_ http://a.b/_c_", "پیوند http://a.b/_c_", []ent{{"italic", "پیوند", ""}}},
		{"∗علی∗ و ＿رضا＿ و ［یادداشت］(x)", "∗علی∗ و ＿رضا＿ و ［یادداشت］(x)", nil},
		{"plain (parentheses) and ] alone", "plain (parentheses) and ] alone", nil},
		{"emoji 🎉 *bold*", "emoji 🎉 bold", []ent{{"bold", "bold", ""}}},
		{"*پررنگ.* بعد", "پررنگ. بعد", []ent{{"bold", "پررنگ.", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			e := newEnv(t, bale)
			e.srv.SendText(alice, "/start")
			e.mustSend(t, tgbotapi.NewMessage(alice.ID, tc.in))
			m := e.srv.BotMessages(alice.ID)[0]
			if m.Plain != tc.plain || m.Text != tc.in {
				t.Errorf("Plain = %q, Text = %q; want %q, %q", m.Plain, m.Text, tc.plain, tc.in)
			}
			var got []ent
			for _, x := range m.Entities {
				got = append(got, ent{x.Type, x.Text, x.URL})
				if !m.HasEntity(x.Type, x.Text) {
					t.Errorf("HasEntity(%q, %q) = false", x.Type, x.Text)
				}
			}
			if len(got) != len(tc.ents) {
				t.Fatalf("entities = %+v; want %+v", got, tc.ents)
			}
			for i := range got {
				if got[i] != tc.ents[i] {
					t.Errorf("entity %d = %+v; want %+v", i, got[i], tc.ents[i])
				}
			}
			e.assertClean(t)
		})
	}
}

// Entity offsets count UTF-16 units of Plain, like the Bot API's.
func TestBaleEntityOffsets(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "🎉 *سلام*"))
	m := e.srv.BotMessages(alice.ID)[0]
	if len(m.Entities) != 1 || m.Entities[0].Offset != 3 || m.Entities[0].Length != 4 {
		t.Errorf("entities = %+v; want bold at UTF-16 offset 3, length 4", m.Entities)
	}
	// The bot's client gets no bold entities back: Bale's entities are mention and bot_command only.
	got, err := e.api.Send(tgbotapi.NewMessage(alice.ID, "*x*"))
	if err != nil || len(got.Entities) != 0 || got.Text != "x" {
		t.Errorf("result = %q %+v, %v; want the rendered text without entities", got.Text, got.Entities, err)
	}
}

func TestBaleBrokenMarkdownIsViolation(t *testing.T) {
	for _, text := range []string{"_علی", "علی_ سلام", "*x", "x* y", "*پررنگ*.", "این _کج_، نه", "**", "*a\nb*",
		"[x", "[x](not a url)", "[x](ftp://a)", "x](https://a.b)", "[](https://a.b)", "*a *b* c*", "_نام_کاربر",
		"2*3*4", "* item", "3 * 4", "x _ y", "«*کلمه*»", "«_کلمه_»", "start=_x", "xhttps://a.b/_c", "[photo] عکس"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, bale)
			e.srv.SendText(alice, "/start")
			e.mustSend(t, tgbotapi.NewMessage(alice.ID, text))
			wantViolation(t, e.srv, "sendMessage", 0, "broken Bale Markdown")
		})
	}
}

func TestBaleLimits(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	long := strings.Repeat("ب", 4096)
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, long))
	if _, err := e.api.Send(tgbotapi.NewMessage(alice.ID, long+"ب")); apiError(t, err).Message != "Bad Request: message is too long" {
		t.Errorf("4097 characters: %v; want message is too long", err)
	}
	// One media's caption may be as long as a message on Bale (1024 on Telegram).
	p := tgbotapi.NewPhoto(alice.ID, tgbotapi.FileBytes{Name: "p.jpg", Bytes: []byte("jpg")})
	p.Caption = long
	photo := e.mustSend(t, p)
	p.Caption = long + "ب"
	if _, err := e.api.Send(p); apiError(t, err).Message != "Bad Request: message caption is too long" {
		t.Errorf("a 4097-character caption: %v; want message caption is too long", err)
	}
	e.mustSend(t, tgbotapi.NewEditMessageCaption(alice.ID, photo.MessageID, strings.Repeat("پ", 4096)))
	if _, err := e.api.Send(tgbotapi.NewEditMessageCaption(alice.ID, photo.MessageID, long+"ب")); apiError(t, err).Code != 400 {
		t.Errorf("editing in a 4097-character caption: %v; want 400", err)
	}
	// Markers count: the limit is on the text as sent.
	if _, err := e.api.Send(tgbotapi.NewMessage(alice.ID, "*"+strings.Repeat("ب", 4095)+"*")); apiError(t, err).Code != 400 {
		t.Errorf("4095 characters plus two markers: %v; want 400", err)
	}
	if v := e.srv.Violations(); len(v) != 4 {
		t.Errorf("Violations() = %v; want the four refused requests", v)
	}

	tg := newEnv(t)
	tg.srv.SendText(alice, "/start")
	p.Caption = strings.Repeat("ب", 1025)
	if _, err := tg.api.Send(p); apiError(t, err).Message != "Bad Request: message caption is too long" {
		t.Errorf("Telegram, a 1025-character caption: %v; want message caption is too long", err)
	}
}

func TestBaleKeyboards(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	ok := `{"inline_keyboard":[[{"text":"a","callback_data":"x"},{"text":"b","url":"https://ble.ir"}],` +
		`[{"text":"c","web_app":{"url":"https://ble.ir/app"}},{"text":"d","copy_text":{"text":"کد"}}]]}`
	if code, out := e.rawCall(t, "sendMessage", "application/json", `{"chat_id":42,"text":"x","reply_markup":`+ok+`}`); code != 200 {
		t.Errorf("Bale's inline button kinds: %d %v", code, out)
	}
	reply := tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact("شماره"),
		tgbotapi.NewKeyboardButtonLocation("مکان"), tgbotapi.NewKeyboardButton("متن")))
	m := tgbotapi.NewMessage(alice.ID, "x")
	m.ReplyMarkup = reply
	e.mustSend(t, m)
	e.assertClean(t)

	for name, markup := range map[string]string{
		"switch_inline_query": `{"inline_keyboard":[[{"text":"a","switch_inline_query":"q"}]]}`,
		"login_url":           `{"inline_keyboard":[[{"text":"a","login_url":{"url":"https://ble.ir"}}]]}`,
		"pay":                 `{"inline_keyboard":[[{"text":"a","pay":true}]]}`,
		"request_poll":        `{"keyboard":[[{"text":"a","request_poll":{}}]]}`,
	} {
		t.Run(name, func(t *testing.T) {
			before := len(e.srv.Violations())
			code, out := e.rawCall(t, "sendMessage", "application/json", `{"chat_id":42,"text":"x","reply_markup":`+markup+`}`)
			if code != 400 || !strings.Contains(out["description"].(string), name) {
				t.Errorf("%s button: %d %v; want 400 naming it", name, code, out)
			}
			if len(e.srv.Violations()) != before+1 {
				t.Errorf("no violation for a %s button", name)
			}
		})
	}
	long := tgbotapi.NewMessage(alice.ID, "x")
	long.ReplyMarkup = inlineKeyboard("a", strings.Repeat("d", 65))
	if _, err := e.api.Send(long); apiError(t, err).Message != "Bad Request: BUTTON_DATA_INVALID" {
		t.Errorf("65-byte callback_data: %v", err)
	}
}

func TestBaleForceReplyIsViolation(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	m := tgbotapi.NewMessage(alice.ID, "نام شما؟")
	m.ReplyMarkup = tgbotapi.ForceReply{ForceReply: true}
	e.mustSend(t, m)
	wantViolation(t, e.srv, "sendMessage", 0, "ForceReply")
	if got := e.srv.BotMessages(alice.ID)[0]; got.ForceReply || got.Plain != "نام شما؟" {
		t.Errorf("message = %+v; want the prompt shown without a reply field", got)
	}
}

func TestBaleChatActions(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	e.mustRequest(t, tgbotapi.NewChatAction(alice.ID, tgbotapi.ChatUploadPhoto))
	_, err := e.api.Request(tgbotapi.NewChatAction(alice.ID, tgbotapi.ChatUploadDocument))
	if ae := apiError(t, err); ae.Code != 400 {
		t.Errorf("upload_document on Bale: %v; want 400", err)
	}
	wantViolation(t, e.srv, "sendChatAction", 400, "upload_document")
}

// On Bale a block sends no my_chat_member: the bot learns of it from the 403s alone.
func TestBaleBlockBot(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	e.updates(t, e.srv.LastUpdateID()+1)
	e.srv.BlockBot(alice)
	if u := e.updates(t, 0); len(u) != 0 {
		t.Errorf("updates after a block = %+v; want none", u)
	}
	_, err := e.api.Send(tgbotapi.NewMessage(alice.ID, "هستی؟"))
	if ae := apiError(t, err); ae.Code != 403 || ae.Message != "Forbidden: bot was blocked by the user" {
		t.Errorf("send to a blocked user = %d %q", ae.Code, ae.Message)
	}
	e.srv.UnblockBot(alice)
	if u := e.updates(t, 0); len(u) != 0 {
		t.Errorf("updates after an unblock = %+v; want none", u)
	}
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "خوش برگشتی"))
	e.srv.BlockBot(alice)
	e.srv.SendText(alice, "/start") // writing again unblocks, still without my_chat_member
	if u := e.updates(t, 0); len(u) != 1 || u[0].Message == nil {
		t.Errorf("updates = %+v; want only the message", u)
	}
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "سلام"))
	e.assertClean(t)
}

func TestBaleUpdateKinds(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start ref_7 @tavan_bot")
	e.srv.SendTextTo(-100, bob, "/help")
	u := e.updates(t, 0)
	if len(u) != 2 || u[0].Message == nil || u[1].Message == nil {
		t.Fatalf("updates = %+v; want two messages", u)
	}
	for _, upd := range u {
		for _, ent := range upd.Message.Entities {
			if ent.Type != "mention" && ent.Type != "bot_command" {
				t.Errorf("incoming entity %q; Bale sends mention and bot_command only", ent.Type)
			}
		}
		if typ := upd.Message.Chat.Type; typ != "private" && typ != "group" && typ != "channel" {
			t.Errorf("chat type %q; Bale has private, group and channel only", typ)
		}
	}
	if !u[0].Message.IsCommand() || u[0].Message.Command() != "start" {
		t.Errorf("/start is not a command: %+v", u[0].Message)
	}
	e.assertClean(t)

	// Helpers for updates Bale never sends are misuses on Bale.
	e.srv.ChannelPost(-200, "news")
	e.srv.AnswerPoll(alice, "1", []int{0})
	e.srv.InjectUpdate([]byte(`{"my_chat_member":{}}`))
	e.srv.InjectUpdate([]byte(`{"poll_answer":{}}`))
	e.srv.InjectUpdate([]byte(`{"inline_query":{}}`))
	e.srv.InjectUpdate([]byte(`{"chat_member":{}}`))
	if errs := e.srv.Errors(); len(errs) != 6 {
		t.Errorf("Errors() = %v; want six misuses", errs)
	}
	if id := e.srv.InjectUpdate([]byte(`{"edited_message":{"message_id":1,"date":0,"chat":{"id":42,"type":"private"}}}`)); id == 0 {
		t.Error("an edited_message could not be injected")
	}
	if u := e.updates(t, u[1].UpdateID+1); len(u) != 1 || u[0].EditedMessage == nil {
		t.Errorf("updates = %+v; want only the edited message", u)
	}
}

func TestBaleGetUpdates(t *testing.T) {
	e := newEnv(t, bale)
	for i := 0; i < 3; i++ {
		e.srv.SendText(alice, "سلام")
	}
	u, err := e.api.GetUpdates(tgbotapi.UpdateConfig{Limit: 2})
	if err != nil || len(u) != 2 {
		t.Fatalf("limit 2: %d updates, %v", len(u), err)
	}
	u, err = e.api.GetUpdates(tgbotapi.UpdateConfig{Offset: u[1].UpdateID + 1, Timeout: 1})
	if err != nil || len(u) != 1 {
		t.Fatalf("offset: %d updates, %v", len(u), err)
	}
	e.assertClean(t)
	u, err = e.api.GetUpdates(tgbotapi.UpdateConfig{Offset: u[0].UpdateID, AllowedUpdates: []string{"callback_query"}})
	if err != nil || len(u) != 1 || u[0].Message == nil {
		t.Errorf("allowed_updates must be ignored on Bale: %+v, %v", u, err)
	}
	wantViolation(t, e.srv, "getUpdates", 0, "allowed_updates")
}

func TestBaleWebhook(t *testing.T) {
	e := newEnv(t, bale)
	if _, err := e.api.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://bot.example.com/hook/k3y", "secret_token": "s3cret",
		"allowed_updates": `["message"]`}); err != nil {
		t.Fatal(err)
	}
	wantViolation(t, e.srv, "setWebhook", 0, "secret_token sent to Bale's setWebhook")
	if url, secret := e.srv.Webhook(); url != "https://bot.example.com/hook/k3y" || secret != "" {
		t.Errorf("Webhook() = %q, %q; want the url and no secret", url, secret)
	}
	sent := e.srv.SendText(alice, "/start")
	req := e.srv.WebhookRequest(sent.UpdateID)
	if req == nil || req.Method != "POST" || req.URL.Path != "/hook/k3y" || req.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "" {
		t.Fatalf("WebhookRequest = %+v; want a POST to /hook/k3y without a secret header", req)
	}
	var upd tgbotapi.Update
	if err := json.NewDecoder(req.Body).Decode(&upd); err != nil || upd.UpdateID != sent.UpdateID || upd.Message.Text != "/start" {
		t.Errorf("webhook body = %+v, %v", upd, err)
	}

	for _, link := range []string{"https://bot.example.com:88/hook", "https://bot.example.com:443/hook"} {
		e.mustRequest(t, mustWebhook(t, link))
	}
	for _, link := range []string{"https://bot.example.com:8443/hook", "https://bot.example.com:80/hook"} {
		_, err := e.api.Request(mustWebhook(t, link))
		if ae := apiError(t, err); ae.Code != 400 || !strings.Contains(ae.Message, "443 or 88") {
			t.Errorf("webhook %s: %v; want 400 naming ports 443 and 88", link, err)
		}
	}
}

func TestWebhookRequestOnTelegram(t *testing.T) {
	e := newEnv(t)
	if e.srv.WebhookRequest(1) != nil || len(e.srv.Errors()) != 1 {
		t.Errorf("WebhookRequest without a webhook: want nil and an error")
	}
	if _, err := e.api.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://bot.example.com:8443/tg", "secret_token": "s3cret"}); err != nil {
		t.Fatal(err)
	}
	sent := e.srv.SendText(alice, "/start")
	req := e.srv.WebhookRequest(sent.UpdateID)
	if req == nil || req.URL.Path != "/tg" || req.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret" {
		t.Fatalf("WebhookRequest = %+v; want a POST to /tg with the secret header", req)
	}
	if e.srv.WebhookRequest(sent.UpdateID+1) != nil {
		t.Error("WebhookRequest of an update that is not queued")
	}
	if v := e.srv.Violations(); len(v) != 0 {
		t.Errorf("Violations() = %v", v)
	}
}

// Files download from /file/bot<token>/<path> as on Telegram.
func TestBaleFileDownload(t *testing.T) {
	e := newEnv(t, bale)
	in := e.srv.SendMedia(alice, tgsim.Media{Kind: "voice", Data: []byte("ogg"), Caption: "صدا"})
	f, err := e.api.GetFile(tgbotapi.FileConfig{FileID: in.File.FileID})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.ts.Client().Get(e.ts.URL + "/file/bot" + token + "/" + f.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ogg" {
		t.Errorf("download = %d %q", resp.StatusCode, body)
	}
	e.assertClean(t)
}

func TestBaleCallbackAnswerAndCopies(t *testing.T) {
	e := newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	m := e.mustSend(t, withMarkup(tgbotapi.NewMessage(alice.ID, "*منو*"), inlineKeyboard("برو", "go")))
	q := e.srv.PressButton(alice, alice.ID, m.MessageID, "go")
	e.mustRequest(t, tgbotapi.NewCallback(q, "ثبت شد"))
	e.assertClean(t)
	q = e.srv.PressButton(alice, alice.ID, m.MessageID, "go")
	e.mustRequest(t, tgbotapi.NewCallback(q, "<b>ثبت شد</b>"))
	wantViolation(t, e.srv, "answerCallbackQuery", 0, "Telegram HTML")

	// A copy keeps the rendering; a new caption on a copy is Bale Markdown with Bale's caption limit.
	e = newEnv(t, bale)
	e.srv.SendText(alice, "/start")
	in := e.srv.SendMedia(alice, tgsim.Media{Kind: "photo", Data: []byte("jpg")})
	cp := tgbotapi.NewCopyMessage(bob.ID, alice.ID, in.ID)
	e.srv.SendText(bob, "/start")
	cp.Caption = "از _علی_ " + strings.Repeat("ب", 2000)
	id, err := e.api.CopyMessage(cp)
	if err != nil {
		t.Fatalf("copyMessage with a 2000-character caption: %v", err)
	}
	got, _ := e.srv.Message(bob.ID, id.MessageID)
	if !got.HasEntity("italic", "علی") || strings.Contains(got.Plain, "_") {
		t.Errorf("copy = %q %+v; want علی in italics", got.Plain, got.Entities)
	}
	e.assertClean(t)
}
