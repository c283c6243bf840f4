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
