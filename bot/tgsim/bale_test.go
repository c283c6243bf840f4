package tgsim_test

import (
	"errors"
	"io"
	"net/http"
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
	if n := e.srv.Calls("setMyCommands"); n != 1 {
		t.Errorf("Calls(setMyCommands) = %d; want 1", n)
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

var _ http.Handler = (*tgsim.Server)(nil)

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
		// Markers inside words or between spaces are literal.
		{"a_b, 2*3*4, /my_events, snake_case_name", "a_b, 2*3*4, /my_events, snake_case_name", nil},
		{"* item\n3 * 4 = 12\nx _ y", "* item\n3 * 4 = 12\nx _ y", nil},
		{"https://ble.ir/tavan_bot?start=a_b", "https://ble.ir/tavan_bot?start=a_b", nil},
		{"∗علی∗ و ＿رضا＿ و ［یادداشت］(x)", "∗علی∗ و ＿رضا＿ و ［یادداشت］(x)", nil},
		{"plain (parentheses) and ] alone", "plain (parentheses) and ] alone", nil},
		{"emoji 🎉 *bold*", "emoji 🎉 bold", []ent{{"bold", "bold", ""}}},
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
		"[x", "[x](not a url)", "[x](ftp://a)", "x](https://a.b)", "[](https://a.b)", "*a *b* c*", "_نام_کاربر"} {
		t.Run(text, func(t *testing.T) {
			e := newEnv(t, bale)
			e.srv.SendText(alice, "/start")
			e.mustSend(t, tgbotapi.NewMessage(alice.ID, text))
			wantViolation(t, e.srv, "sendMessage", 0, "broken Bale Markdown")
		})
	}
}
