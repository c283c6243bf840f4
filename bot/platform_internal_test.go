package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// recordingAPI keeps what reached the server and answers with err.
type recordingAPI struct {
	sent   []tgbotapi.Chattable
	params []tgbotapi.Params
	err    error
}

func (r *recordingAPI) Send(c tgbotapi.Chattable) (tgbotapi.Message, error) {
	r.sent = append(r.sent, c)
	return tgbotapi.Message{}, r.err
}

func (r *recordingAPI) Request(c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	r.sent = append(r.sent, c)
	return &tgbotapi.APIResponse{Ok: r.err == nil}, r.err
}

func (r *recordingAPI) MakeRequest(_ string, p tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	r.params = append(r.params, p)
	return &tgbotapi.APIResponse{Ok: r.err == nil}, r.err
}

func platformFor(p Platform, inner Telegram) (*platformAPI, *bytes.Buffer) {
	logs := &bytes.Buffer{}
	b := &Bot{Deps: Deps{Platform: p, Logger: slog.New(slog.NewTextHandler(logs, nil))}}
	b.api = &platformAPI{Telegram: inner, b: b}
	return b.api, logs
}

func TestBaleRendersEveryTextAtTheSendPath(t *testing.T) {
	inner := &recordingAPI{}
	api, _ := platformFor(BalePlatform, inner)
	msg := tgbotapi.NewMessage(1, "<b>درس ۱</b> برای *Sara_")
	msg.ParseMode = tgbotapi.ModeHTML
	photo := tgbotapi.NewPhoto(1, tgbotapi.FileID("x"))
	photo.Caption, photo.ParseMode = "<i>عکس</i>", tgbotapi.ModeHTML
	plain := tgbotapi.NewMessage(1, "*as typed*") // no parse_mode: sent as the bot wrote it
	for _, c := range []tgbotapi.Chattable{msg, photo, plain} {
		if _, err := api.Send(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := inner.sent[0].(tgbotapi.MessageConfig); got.Text != "*درس ۱* برای ∗Sara＿" || got.ParseMode != "" {
		t.Errorf("message = %q (parse_mode %q)", got.Text, got.ParseMode)
	}
	if got := inner.sent[1].(tgbotapi.PhotoConfig); got.Caption != "_عکس_" || got.ParseMode != "" {
		t.Errorf("caption = %q (parse_mode %q)", got.Caption, got.ParseMode)
	}
	if got := inner.sent[2].(tgbotapi.MessageConfig); got.Text != "*as typed*" {
		t.Errorf("text without parse_mode changed: %q", got.Text)
	}
	if msg.Text != "<b>درس ۱</b> برای *Sara_" {
		t.Error("the caller's request was changed")
	}
	if _, err := api.MakeRequest("sendMessage", tgbotapi.Params{"text": "<b>x</b>", "parse_mode": "HTML"}); err != nil {
		t.Fatal(err)
	}
	if p := inner.params[0]; p["text"] != "*x*" || p["parse_mode"] != "" {
		t.Errorf("params = %v", p)
	}
}

// A text that fits Telegram's 4096 but not once Bale's markers and link targets are added goes as plain text.
func TestBaleTextOverTheLimitGoesPlain(t *testing.T) {
	inner := &recordingAPI{}
	api, _ := platformFor(BalePlatform, inner)
	html := strings.Repeat(`<a href="https://example.com/a-long-path">پیوند</a> `, 600)
	msg := tgbotapi.NewMessage(1, html)
	msg.ParseMode = tgbotapi.ModeHTML
	if _, err := api.Send(msg); err != nil {
		t.Fatal(err)
	}
	got := inner.sent[0].(tgbotapi.MessageConfig).Text
	if strings.Contains(got, "](") || !strings.HasPrefix(got, "پیوند پیوند") {
		t.Errorf("over-long text not sent plain: %.80q…", got)
	}
}

func TestTelegramSendsHTMLUnchanged(t *testing.T) {
	inner := &recordingAPI{}
	api, _ := platformFor(TelegramPlatform, inner)
	msg := tgbotapi.NewMessage(1, "<b>x</b>")
	msg.ParseMode = tgbotapi.ModeHTML
	if _, err := api.Send(msg); err != nil {
		t.Fatal(err)
	}
	if got := inner.sent[0].(tgbotapi.MessageConfig); got.Text != "<b>x</b>" || got.ParseMode != "HTML" {
		t.Errorf("Telegram message changed: %+v", got)
	}
}

func TestAbsentMethodsAreNeverCalled(t *testing.T) {
	inner := &recordingAPI{}
	api, _ := platformFor(BalePlatform, inner)
	_, err := api.Send(tgbotapi.NewVenue(1, "t", "a", 32.6, 51.6))
	if !errors.Is(err, ErrUnsupported) || len(inner.sent) != 0 {
		t.Fatalf("sendVenue on Bale: err %v, %d calls", err, len(inner.sent))
	}
}

// An unsure method answering with a body that is not JSON (tgbotapi's decode error) is turned off for the
// process with one log line; a method the bot cannot do without is never turned off by such an answer.
func TestNotFoundTurnsAnUnsureMethodOff(t *testing.T) {
	var syntax *json.SyntaxError
	decodeErr := json.Unmarshal([]byte("404 page not found"), &struct{}{})
	if !errors.As(decodeErr, &syntax) {
		var typ *json.UnmarshalTypeError
		if !errors.As(decodeErr, &typ) {
			t.Fatalf("not a decode error: %T", decodeErr)
		}
	}
	inner := &recordingAPI{err: decodeErr}
	api, logs := platformFor(BalePlatform, inner)
	cmds := tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: "help"})
	for range 3 {
		if _, err := api.Request(cmds); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("setMyCommands: %v, want ErrUnsupported", err)
		}
	}
	if len(inner.sent) != 1 {
		t.Errorf("setMyCommands reached the server %d times, want once", len(inner.sent))
	}
	if n := strings.Count(logs.String(), "turned off"); n != 1 {
		t.Errorf("%d log lines about turning it off, want 1:\n%s", n, logs)
	}
	if !api.off("setMyCommands") {
		t.Error("setMyCommands still on")
	}
	if _, err := api.Send(tgbotapi.NewMessage(1, "x")); errors.Is(err, ErrUnsupported) {
		t.Error("a decode error on sendMessage turned it off")
	}
	if _, err := api.Send(tgbotapi.NewMessage(1, "x")); err == nil || api.off("sendMessage") || len(inner.sent) != 3 {
		t.Errorf("sendMessage: err %v, off %v, calls %d", err, api.off("sendMessage"), len(inner.sent))
	}
}
