package tgsim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

func TestHandlersMatchSpec(t *testing.T) {
	sp := loadSpec()
	var missing, extra []string
	for name := range handlers {
		if _, ok := sp.Methods[name]; !ok {
			missing = append(missing, name)
		}
	}
	for name := range sp.Methods {
		if _, ok := handlers[name]; !ok {
			extra = append(extra, name)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("handlers without spec: %v; spec methods without handler: %v (update spec/gen and go generate)", missing, extra)
	}
	if len(sp.AllMethods) < 100 || !sp.isRealMethod("sendMediaGroup") || sp.isRealMethod("sendTelepathy") {
		t.Errorf("all_methods has %d names; want the whole Bot API", len(sp.AllMethods))
	}
}

func TestCheckUnions(t *testing.T) {
	sp := loadSpec()
	tests := []struct {
		name     string
		types    []string
		value    string
		wantErr  bool
		wantSoft int
	}{
		{"inline keyboard", []string{"InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply"}, `{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}`, false, 0},
		{"reply keyboard", []string{"InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply"}, `{"keyboard":[[{"text":"a"}]],"resize_keyboard":true}`, false, 0},
		{"remove keyboard", []string{"InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply"}, `{"remove_keyboard":true,"selective":false}`, false, 0},
		{"no markup at all", []string{"InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply"}, `{"colour":1}`, true, 0},
		{"scope chat", []string{"BotCommandScope"}, `{"type":"chat","chat_id":42}`, false, 0},
		{"scope chat without id", []string{"BotCommandScope"}, `{"type":"chat"}`, true, 0},
		{"scope unknown type", []string{"BotCommandScope"}, `{"type":"galaxy"}`, true, 0},
		{"entity with typo", []string{"Array of MessageEntity"}, `[{"type":"bold","offset":0,"length":1,"lenght":1}]`, false, 1},
		{"entity wrong type", []string{"Array of MessageEntity"}, `[{"type":"bold","offset":"0","length":1}]`, true, 0},
		{"poll options as strings", []string{"Array of InputPollOption"}, `["a","b"]`, false, 0},
		{"poll options as objects", []string{"Array of InputPollOption"}, `[{"text":"a"},{"text":"b"}]`, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tc.value))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			var soft []string
			err := sp.check("sendPoll", tc.types, v, "x", &soft)
			if (err != "") != tc.wantErr || len(soft) != tc.wantSoft {
				t.Errorf("check(%s) = %q, soft %v; want error %v, %d soft", tc.value, err, soft, tc.wantErr, tc.wantSoft)
			}
		})
	}
}

func TestSlowSubscriberNeverBlocks(t *testing.T) {
	s := New(Options{Token: "t"})
	defer s.Close()
	events, cancel := s.Subscribe()
	defer cancel()
	u := User{ID: 1, FirstName: "A"}
	for range 3000 { // more than the buffer, nobody reading
		s.SendText(u, "x")
	}
	if n := len(events); n != cap(events) {
		t.Errorf("buffered %d events; want a full buffer of %d", n, cap(events))
	}
}

func TestWaitForPredicateMayCallServer(t *testing.T) {
	s := New(Options{Token: "t"})
	defer s.Close()
	u := User{ID: 1, FirstName: "A"}
	s.SendText(u, "x")
	s.mu.Lock()
	ch := s.chats[1]
	s.add(ch, &record{msg: Message{FromBot: true, From: s.bot, Kind: "text", Plain: "hi"}})
	s.mu.Unlock()
	m, err := s.WaitFor(context.Background(), 1, func(m Message) bool { return len(s.Messages(1)) == 2 })
	if err != nil || m.Plain != "hi" {
		t.Errorf("WaitFor = %+v, %v", m, err)
	}
}

func FuzzParseMarkup(f *testing.F) {
	f.Add(`{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}`)
	f.Add(`{"inline_keyboard":[[{"text":"a","url":"https://x.y"}],[]]}`)
	f.Add(`{"keyboard":[["a",{"text":"b"}]]}`)
	f.Add(`{"remove_keyboard":true}`)
	f.Add(`{"inline_keyboard":[[{"text":"","callback_data":""}]]}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, raw string) {
		m, e := parseMarkup(raw)
		if e != nil {
			if e.code != 400 || !strings.HasPrefix(e.description, "Bad Request: ") {
				t.Fatalf("parseMarkup(%q) error %d %q", raw, e.code, e.description)
			}
			return
		}
		if m.canonical == "" {
			return
		}
		again, e := parseMarkup(m.canonical)
		if e != nil || again.canonical != m.canonical {
			t.Fatalf("canonical form %q does not round-trip: %v", m.canonical, e)
		}
		for _, row := range m.inline {
			for _, b := range row {
				if b.Text == "" || len(b.CallbackData) > 64 {
					t.Fatalf("accepted button %+v", b)
				}
			}
		}
	})
}

func FuzzCommandEntities(f *testing.F) {
	for _, s := range []string{"/start", "/start payload", "/help@tavan_test_bot", "/", "hi /start", "/سلام", "/a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		raw := commandEntities(text)
		if raw == nil {
			return
		}
		var ents []struct {
			Offset, Length int
			Type           string
		}
		if err := json.Unmarshal(raw, &ents); err != nil || len(ents) != 1 {
			t.Fatalf("commandEntities(%q) = %s", text, raw)
		}
		if !strings.HasPrefix(text, "/") || ents[0].Length < 2 || ents[0].Length > utf16Len(text) {
			t.Fatalf("commandEntities(%q) = %s", text, raw)
		}
	})
}

// FuzzRequest throws arbitrary bodies at every method: the server must answer with Telegram's envelope
// and never panic.
func FuzzRequest(f *testing.F) {
	names := make([]string, 0, len(handlers))
	for n := range handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	f.Add(uint8(0), "application/x-www-form-urlencoded", "chat_id=1&text=hi")
	f.Add(uint8(3), "application/json", `{"chat_id":1,"text":"<b>x","parse_mode":"HTML"}`)
	f.Add(uint8(7), "application/json", `{"chat_id":"1","reply_markup":{"inline_keyboard":[[{"text":"a"}]]}}`)
	f.Add(uint8(9), "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n1\r\n--x--\r\n")
	f.Fuzz(func(t *testing.T, idx uint8, contentType, body string) {
		s := New(Options{Token: "t"})
		defer s.Close()
		s.SendText(User{ID: 1, FirstName: "A"}, "/start")
		method := names[int(idx)%len(names)]
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond) // ends long polls
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, "POST", "/bot"+"t"+"/"+method, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var env struct {
			OK        *bool `json:"ok"`
			ErrorCode int   `json:"error_code"`
		}
		if err := json.NewDecoder(bytes.NewReader(w.Body.Bytes())).Decode(&env); err != nil || env.OK == nil {
			t.Fatalf("%s %q: answer %q is not an envelope", method, body, w.Body.String())
		}
		if !*env.OK && env.ErrorCode != w.Code {
			t.Fatalf("%s: error_code %d but HTTP %d", method, env.ErrorCode, w.Code)
		}
		if *env.OK && !utf8.Valid(w.Body.Bytes()) {
			t.Fatalf("%s: invalid UTF-8 answer", method)
		}
	})
}

// FuzzRenderBaleMarkdown: whatever the bot sends, rendering never panics, the visible text is never
// longer than the source, and every entity covers the part of it that its offsets name.
func FuzzRenderBaleMarkdown(f *testing.F) {
	for _, s := range []string{"*a* _b_ [c](https://d.e)", "*[x](http://y.z)*", "_a *b* c_", "**", "[x](", "a_b*c", "🎉 *س*\n_ش_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		plain, entities, _ := renderBaleMarkdown(s)
		if len(plain) > len(s) {
			t.Fatalf("plain %q longer than source %q", plain, s)
		}
		units := utf16.Encode([]rune(plain))
		for _, e := range entities {
			if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > len(units) {
				t.Fatalf("entity %+v out of plain %q", e, plain)
			}
			if got := string(utf16.Decode(units[e.Offset : e.Offset+e.Length])); got != e.Text {
				t.Fatalf("entity %+v covers %q", e, got)
			}
		}
	})
}
