package tgsim_test

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/tgsim"
)

// TestKeepMessagesForgetsTheOldest: with a cap, a chat keeps its newest messages only; the bot editing a
// forgotten one, or the test pressing its button, is reported as the cap being too small. Without the
// cap nothing is forgotten.
func TestKeepMessagesForgetsTheOldest(t *testing.T) {
	e := newEnv(t, func(o *tgsim.Options) { o.KeepMessages = 2 })
	e.srv.SendText(alice, "/start")
	button := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("ok", "ok")))
	var ids []int
	for _, text := range []string{"one", "two", "three"} {
		msg := tgbotapi.NewMessage(alice.ID, text)
		msg.ReplyMarkup = button
		m, err := e.api.Send(msg)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.MessageID)
	}
	msgs := e.srv.Messages(alice.ID)
	if len(msgs) != 2 || msgs[0].Text != "two" || msgs[1].Text != "three" {
		t.Fatalf("kept %+v; want the two newest", msgs)
	}
	if len(e.srv.Errors()) != 0 {
		t.Fatalf("forgetting alone is no misuse: %v", e.srv.Errors())
	}
	if _, err := e.api.Send(tgbotapi.NewEditMessageText(alice.ID, ids[0], "one, edited")); err == nil {
		t.Fatal("editing a forgotten message succeeded")
	}
	if q := e.srv.PressButton(alice, alice.ID, ids[0], "ok"); q != "" {
		t.Fatal("pressed a button of a forgotten message")
	}
	errs := e.srv.Errors()
	if len(errs) < 2 || !strings.Contains(errs[0].Error(), "editMessageText: message 2 of chat 42 was forgotten") ||
		!strings.Contains(errs[1].Error(), "PressButton: message 2 of chat 42 was forgotten") {
		t.Fatalf("errors %v; want the edit and the press reported as a too-small cap", errs)
	}
	if _, err := e.api.Send(tgbotapi.NewEditMessageText(alice.ID, ids[2], "three, edited")); err != nil {
		t.Fatalf("editing a kept message: %v", err)
	}

	all := newEnv(t)
	all.srv.SendText(alice, "/start")
	for range 5 {
		if _, err := all.api.Send(tgbotapi.NewMessage(alice.ID, "hi")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(all.srv.Messages(alice.ID)); n != 6 {
		t.Errorf("without a cap the chat keeps %d of 6 messages", n)
	}
}

// TestKeepMessagesForgetsPolls: a forgotten quiz's poll is forgotten with it (a soak sends one a day to
// every learner).
func TestKeepMessagesForgetsPolls(t *testing.T) {
	e := newEnv(t, func(o *tgsim.Options) { o.KeepMessages = 1 })
	e.srv.SendText(alice, "/start")
	poll := tgbotapi.NewPoll(alice.ID, "2 + 2?", "3", "4")
	poll.IsAnonymous = false
	m, err := e.api.Send(poll)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.Send(tgbotapi.NewMessage(alice.ID, "next")); err != nil {
		t.Fatal(err)
	}
	e.srv.AnswerPoll(alice, m.Poll.ID, []int{1})
	if errs := e.srv.Errors(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "no poll") {
		t.Fatalf("voting in a forgotten poll: errors %v; want it reported", errs)
	}
}
