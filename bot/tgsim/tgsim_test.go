package tgsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/tgsim"
)

func TestGetMe(t *testing.T) {
	e := newEnv(t, func(o *tgsim.Options) { o.BotID = 777; o.BotUsername = "my_bot" })
	if e.api.Self.ID != 777 || e.api.Self.UserName != "my_bot" || !e.api.Self.IsBot {
		t.Errorf("Self = %+v; want id 777, my_bot, a bot", e.api.Self)
	}
	e.assertClean(t)
}

func TestWrongToken(t *testing.T) {
	e := newEnv(t)
	_, err := tgbotapi.NewBotAPIWithClient("999:wrong", e.ts.URL+"/bot%s/%s", e.ts.Client())
	if ae := apiError(t, err); ae.Code != 401 || ae.Message != "Unauthorized" {
		t.Errorf("wrong token: %d %q; want 401 Unauthorized", ae.Code, ae.Message)
	}
	v := e.srv.Violations()
	if len(v) != 1 || v[0].Code != 401 {
		t.Fatalf("Violations() = %v; want one 401", v)
	}
	for k, val := range v[0].Params {
		if strings.Contains(k+val, "wrong") {
			t.Errorf("violation params leak the token: %v", v[0].Params)
		}
	}
}

func TestLongPollWakesOnUserMessage(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	type result struct {
		u   []tgbotapi.Update
		err error
	}
	done := make(chan result, 1)
	go func() {
		u, err := e.api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- result{u, err}
	}()
	if err := e.srv.WaitPolling(ctx); err != nil {
		t.Fatal(err)
	}
	sent := e.srv.SendText(alice, "/start ref_7")
	r := <-done
	if r.err != nil {
		t.Fatalf("GetUpdates: %v", r.err)
	}
	if len(r.u) != 1 || r.u[0].Message == nil {
		t.Fatalf("GetUpdates = %+v; want one message", r.u)
	}
	m := r.u[0].Message
	if r.u[0].UpdateID != sent.UpdateID || m.MessageID != sent.ID || m.Text != "/start ref_7" {
		t.Errorf("update %d message %d %q; want %d %d %q", r.u[0].UpdateID, m.MessageID, m.Text, sent.UpdateID, sent.ID, "/start ref_7")
	}
	if !m.IsCommand() || m.Command() != "start" || m.CommandArguments() != "ref_7" {
		t.Errorf("command = %q args %q (IsCommand %v); want start ref_7", m.Command(), m.CommandArguments(), m.IsCommand())
	}
	if m.From.ID != alice.ID || m.Chat.ID != alice.ID || m.Chat.Type != "private" || m.From.LanguageCode != "fa" {
		t.Errorf("from %+v chat %+v; want alice's private chat", m.From, m.Chat)
	}
	e.assertClean(t)
}

func TestLongPollTimeoutAndCancel(t *testing.T) {
	e := newEnv(t)
	start := time.Now()
	u, err := e.api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil || len(u) != 0 {
		t.Fatalf("GetUpdates(timeout 1) = %v, %v; want empty", u, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("a 1 s long poll returned after %v", d)
	}

	// A client that gives up ends the server side too: the next poll is not answered 409.
	ctx, cancel := context.WithCancel(testCtx(t))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.ts.URL+"/bot"+token+"/getUpdates?timeout=60", nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := e.ts.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	if err := e.srv.WaitPolling(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled poll: %v; want context.Canceled", err)
	}
	e.srv.SendText(alice, "hi")
	if got := e.updates(t, 0); len(got) != 1 {
		t.Errorf("GetUpdates after a cancelled poll = %d updates; want 1", len(got))
	}
	e.assertClean(t)
}

func TestOffsetConfirmsAndWaitConfirmed(t *testing.T) {
	e := newEnv(t)
	m1 := e.srv.SendText(alice, "one")
	m2 := e.srv.SendText(alice, "two")
	if got := e.srv.LastUpdateID(); got != m2.UpdateID {
		t.Errorf("LastUpdateID() = %d; want %d", got, m2.UpdateID)
	}

	u := e.updates(t, 0)
	if len(u) != 2 {
		t.Fatalf("first GetUpdates = %d updates; want 2", len(u))
	}
	// Not confirmed yet: redelivered, and WaitConfirmed waits.
	if again := e.updates(t, 0); len(again) != 2 {
		t.Errorf("unconfirmed updates redelivered = %d; want 2", len(again))
	}
	short, cancel := context.WithTimeout(testCtx(t), 20*time.Millisecond)
	defer cancel()
	if err := e.srv.WaitConfirmed(short, m1.UpdateID); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitConfirmed before confirming = %v; want deadline exceeded", err)
	}

	done := make(chan error, 1)
	go func() { done <- e.srv.WaitConfirmed(testCtx(t), m1.UpdateID) }()
	rest := e.updates(t, m1.UpdateID+1)
	if len(rest) != 1 || rest[0].Message.Text != "two" {
		t.Errorf("GetUpdates(offset %d) = %v; want only \"two\"", m1.UpdateID+1, rest)
	}
	if err := <-done; err != nil {
		t.Errorf("WaitConfirmed(%d) = %v", m1.UpdateID, err)
	}
	if e.srv.Pending() != 1 {
		t.Errorf("Pending() = %d; want 1", e.srv.Pending())
	}
	e.updates(t, m2.UpdateID+1)
	if err := e.srv.WaitAllConfirmed(testCtx(t)); err != nil {
		t.Errorf("WaitAllConfirmed = %v", err)
	}
	e.assertClean(t)
}

func TestOffsetLimitAndAllowedUpdates(t *testing.T) {
	e := newEnv(t)
	var ids []int
	for _, text := range []string{"a", "b", "c", "d"} {
		ids = append(ids, e.srv.SendText(alice, text).UpdateID)
	}
	if u, _ := e.api.GetUpdates(tgbotapi.UpdateConfig{Limit: 2}); len(u) != 2 || u[0].UpdateID != ids[0] {
		t.Errorf("limit 2 = %v; want the first two", u)
	}
	if u := e.updates(t, -1); len(u) != 1 || u[0].UpdateID != ids[3] {
		t.Errorf("offset -1 = %v; want the last update only", u)
	}
	if err := e.srv.WaitConfirmed(testCtx(t), ids[0]); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("WaitConfirmed of a forgotten update = %v; want an error naming the negative offset", err)
	}
	e.updates(t, ids[3]+1)

	// The bot asks only for messages: callback queries are never delivered.
	sent := e.mustSend(t, withMarkup(tgbotapi.NewMessage(alice.ID, "pick"), inlineKeyboard("A", "a")))
	q := e.srv.PressButton(alice, alice.ID, sent.MessageID, "a")
	msg := e.srv.SendText(alice, "text")
	u, err := e.api.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message"}})
	if err != nil || len(u) != 1 || u[0].Message == nil {
		t.Fatalf("GetUpdates(allowed message) = %v, %v; want the message only", u, err)
	}
	if err := e.srv.WaitConfirmed(testCtx(t), e.srv.LastUpdateID()-1); err == nil || !strings.Contains(err.Error(), "allowed_updates") {
		t.Errorf("WaitConfirmed(filtered callback %s) = %v; want an allowed_updates error", q, err)
	}
	e.updates(t, msg.UpdateID+1)

	// limit out of range: served (clamped) but a violation.
	if _, err := e.api.GetUpdates(tgbotapi.UpdateConfig{Limit: 500}); err != nil {
		t.Fatalf("GetUpdates(limit 500): %v", err)
	}
	if v := e.srv.Violations(); len(v) != 1 || !strings.Contains(v[0].Description, "limit 500") {
		t.Errorf("Violations() = %v; want the limit", v)
	}
}

func TestSecondPollerTerminatesFirst(t *testing.T) {
	e := newEnv(t)
	errc := make(chan error, 1)
	go func() {
		_, err := e.api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		errc <- err
	}()
	if err := e.srv.WaitPolling(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Fatalf("second GetUpdates: %v", err)
	}
	if ae := apiError(t, <-errc); ae.Code != 409 || !strings.Contains(ae.Message, "terminated by other getUpdates") {
		t.Errorf("first poll: %d %q; want 409 terminated", ae.Code, ae.Message)
	}
}

func withMarkup(c tgbotapi.MessageConfig, m any) tgbotapi.MessageConfig {
	c.ReplyMarkup = m
	return c
}

func TestSendEditDelete(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	cfg := tgbotapi.NewMessage(alice.ID, "<b>سلام</b> &amp; welcome")
	cfg.ParseMode = tgbotapi.ModeHTML
	cfg.DisableWebPagePreview = true
	cfg.ReplyMarkup = inlineKeyboard("Lesson 1", "lesson:1", "Later", "later")
	sent := e.mustSend(t, cfg)
	if sent.Text != "سلام & welcome" || sent.From.ID != 1000 || !sent.From.IsBot || sent.Chat.ID != alice.ID {
		t.Errorf("result = %q from %+v chat %d; want the plain text from the bot", sent.Text, sent.From, sent.Chat.ID)
	}
	if sent.ReplyMarkup == nil || len(sent.ReplyMarkup.InlineKeyboard[0]) != 2 || *sent.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "later" {
		t.Errorf("result markup = %+v; want the two buttons", sent.ReplyMarkup)
	}
	m, ok := e.srv.Message(alice.ID, sent.MessageID)
	if !ok || !m.FromBot || m.Kind != "text" || m.ParseMode != "HTML" || m.Text != cfg.Text || m.Plain != "سلام & welcome" {
		t.Fatalf("Message() = %+v; want the HTML source and its plain text", m)
	}
	if !m.HasButton("lesson:1") || m.InlineKeyboard[0][0].Text != "Lesson 1" {
		t.Errorf("keyboard = %+v", m.InlineKeyboard)
	}

	edit := tgbotapi.NewEditMessageTextAndMarkup(alice.ID, sent.MessageID, "<i>Lesson 1</i>", inlineKeyboard("Next", "next"))
	edit.ParseMode = tgbotapi.ModeHTML
	if _, err := e.api.Send(edit); err != nil {
		t.Fatalf("edit: %v", err)
	}
	m, _ = e.srv.Message(alice.ID, sent.MessageID)
	if !m.Edited || m.EditCount != 1 || m.Plain != "Lesson 1" || !m.HasButton("next") || m.HasButton("lesson:1") {
		t.Errorf("after edit: %+v", m)
	}
	// editMessageText without a markup removes the keyboard, as in Telegram.
	plain := tgbotapi.NewEditMessageText(alice.ID, sent.MessageID, "<i>Lesson 1</i>")
	plain.ParseMode = tgbotapi.ModeHTML
	e.mustSend(t, plain)
	if m, _ = e.srv.Message(alice.ID, sent.MessageID); len(m.InlineKeyboard) != 0 || m.EditCount != 2 {
		t.Errorf("after edit without markup: keyboard %v, edits %d", m.InlineKeyboard, m.EditCount)
	}
	e.mustSend(t, tgbotapi.NewEditMessageReplyMarkup(alice.ID, sent.MessageID, inlineKeyboard("Again", "again")))
	if m, _ = e.srv.Message(alice.ID, sent.MessageID); !m.HasButton("again") {
		t.Errorf("after editMessageReplyMarkup: %v", m.InlineKeyboard)
	}

	e.mustRequest(t, tgbotapi.NewDeleteMessage(alice.ID, sent.MessageID))
	if m, _ = e.srv.Message(alice.ID, sent.MessageID); !m.Deleted {
		t.Error("deleted message not marked Deleted")
	}
	if bm := e.srv.BotMessages(alice.ID); len(bm) != 0 {
		t.Errorf("BotMessages() after delete = %v; want none", bm)
	}
	if all := e.srv.Messages(alice.ID); len(all) != 2 || all[0].FromBot || !all[1].Deleted {
		t.Errorf("Messages() = %v; want the user's /start and the deleted bot message", all)
	}
	// The bot may delete the user's message in a private chat.
	e.mustRequest(t, tgbotapi.NewDeleteMessage(alice.ID, 1))
	e.assertClean(t)
}

func TestReplyKeyboardsAndReplies(t *testing.T) {
	e := newEnv(t)
	first := e.srv.SendText(alice, "hello")
	cfg := tgbotapi.NewMessage(alice.ID, "choose")
	cfg.ReplyToMessageID = first.ID
	cfg.ReplyMarkup = tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(
		tgbotapi.NewKeyboardButton("فارسی"), tgbotapi.NewKeyboardButtonContact("Share phone")))
	sent := e.mustSend(t, cfg)
	if sent.ReplyToMessage == nil || sent.ReplyToMessage.MessageID != first.ID {
		t.Errorf("reply_to_message = %+v; want %d", sent.ReplyToMessage, first.ID)
	}
	m, _ := e.srv.Message(alice.ID, sent.MessageID)
	if m.ReplyTo != first.ID || len(m.ReplyKeyboard) != 1 || m.ReplyKeyboard[0][0] != "فارسی" {
		t.Errorf("Message() = %+v; want a reply to %d with the keyboard", m, first.ID)
	}
	rm := e.mustSend(t, withMarkup(tgbotapi.NewMessage(alice.ID, "done"), tgbotapi.NewRemoveKeyboard(false)))
	if m, _ := e.srv.Message(alice.ID, rm.MessageID); !m.RemoveKeyboard {
		t.Error("RemoveKeyboard not recorded")
	}
	e.updates(t, 0)

	pressed := e.srv.PressReplyButton(alice, "فارسی")
	reply := e.srv.ReplyTo(alice, sent.MessageID, "answer")
	contact := e.srv.SendContact(alice, "+989121234567", "Alice")
	loc := e.srv.SendLocation(alice, 35.7, 51.4)
	u := e.updates(t, pressed.UpdateID)
	if len(u) != 4 {
		t.Fatalf("got %d updates; want 4", len(u))
	}
	if u[0].Message.Text != "فارسی" {
		t.Errorf("reply button text = %q", u[0].Message.Text)
	}
	if r := u[1].Message.ReplyToMessage; r == nil || r.MessageID != sent.MessageID || !r.From.IsBot || reply.ReplyTo != sent.MessageID {
		t.Errorf("reply_to_message = %+v", r)
	}
	if c := u[2].Message.Contact; c == nil || c.UserID != alice.ID || c.PhoneNumber != "+989121234567" || contact.Kind != "contact" {
		t.Errorf("contact = %+v", c)
	}
	if l := u[3].Message.Location; l == nil || l.Latitude != 35.7 || loc.Location.Lon != 51.4 {
		t.Errorf("location = %+v", l)
	}
	e.assertClean(t)
}

func TestCallbackQueryAndAnswer(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	sent := e.mustSend(t, withMarkup(tgbotapi.NewMessage(alice.ID, "Ready?"), inlineKeyboard("Yes", "q:yes", "No", "q:no")))
	e.updates(t, e.srv.LastUpdateID()+1)

	q := e.srv.PressButton(alice, alice.ID, sent.MessageID, "q:yes")
	if q == "" {
		t.Fatalf("PressButton returned no id; errors %v", e.srv.Errors())
	}
	u := e.updates(t, 0)
	if len(u) != 1 || u[0].CallbackQuery == nil {
		t.Fatalf("updates = %+v; want a callback query", u)
	}
	cq := u[0].CallbackQuery
	if cq.ID != q || cq.Data != "q:yes" || cq.From.ID != alice.ID || cq.Message == nil || cq.Message.MessageID != sent.MessageID || cq.ChatInstance == "" {
		t.Errorf("callback query = %+v", cq)
	}
	if _, ok := e.srv.CallbackAnswer(q); ok {
		t.Error("CallbackAnswer before answering = ok")
	}
	got := make(chan tgsim.CallbackAnswer, 1)
	go func() {
		a, err := e.srv.WaitCallbackAnswer(testCtx(t), q)
		if err != nil {
			t.Error(err)
		}
		got <- a
	}()
	e.mustRequest(t, tgbotapi.NewCallbackWithAlert(q, "Saved ✓"))
	if a := <-got; a.Text != "Saved ✓" || !a.ShowAlert {
		t.Errorf("answer = %+v", a)
	}
	e.assertClean(t)

	// Answering twice is a bug.
	_, err := e.api.Request(tgbotapi.NewCallback(q, ""))
	if ae := apiError(t, err); ae.Code != 400 || !strings.Contains(ae.Message, "query is too old") {
		t.Errorf("second answer = %d %q", ae.Code, ae.Message)
	}
	if v := e.srv.Violations(); len(v) != 1 || v[0].Method != "answerCallbackQuery" {
		t.Errorf("Violations() = %v; want the duplicate answer", v)
	}

	// Pressing a button that is not there is a test error, not a panic.
	if id := e.srv.PressButton(alice, alice.ID, sent.MessageID, "q:maybe"); id != "" {
		t.Errorf("PressButton(missing data) = %q; want \"\"", id)
	}
	if errs := e.srv.Errors(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "q:maybe") {
		t.Errorf("Errors() = %v; want the missing button", errs)
	}
}

func TestQuizPollAndAnswer(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/quiz")
	cfg := tgbotapi.NewPoll(alice.ID, "۲ + ۲ = ?", "3", "4", "5")
	cfg.Type = "quiz"
	cfg.IsAnonymous = false
	cfg.CorrectOptionID = 1
	cfg.Explanation = "دو به علاوه دو\nمی‌شود چهار"
	sent := e.mustSend(t, cfg)
	if sent.Poll == nil || sent.Poll.Type != "quiz" || sent.Poll.IsAnonymous || len(sent.Poll.Options) != 3 || sent.Caption != "" || sent.Text != "" {
		t.Fatalf("poll result = %+v", sent.Poll)
	}
	m, _ := e.srv.Message(alice.ID, sent.MessageID)
	if m.Kind != "poll" || m.Poll.ID != sent.Poll.ID || m.Poll.Question != "۲ + ۲ = ?" || m.Poll.Explanation != cfg.Explanation {
		t.Errorf("Message().Poll = %+v", m.Poll)
	}
	e.updates(t, e.srv.LastUpdateID()+1)

	e.srv.AnswerPoll(alice, sent.Poll.ID, []int{1})
	u := e.updates(t, 0)
	if len(u) != 2 || u[0].PollAnswer == nil || u[1].Poll == nil {
		t.Fatalf("updates = %+v; want poll_answer then poll", u)
	}
	if pa := u[0].PollAnswer; pa.PollID != sent.Poll.ID || pa.User.ID != alice.ID || len(pa.OptionIDs) != 1 || pa.OptionIDs[0] != 1 {
		t.Errorf("poll_answer = %+v", pa)
	}
	if p := u[1].Poll; p.TotalVoterCount != 1 || p.Options[1].VoterCount != 1 {
		t.Errorf("poll update = %+v", p)
	}
	e.srv.AnswerPoll(alice, sent.Poll.ID, []int{0}) // quiz answers are final
	if errs := e.srv.Errors(); len(errs) != 1 {
		t.Errorf("Errors() after changing a quiz answer = %v; want one", errs)
	}

	poll, err := e.api.StopPoll(tgbotapi.NewStopPoll(alice.ID, sent.MessageID))
	if err != nil || !poll.IsClosed {
		t.Fatalf("StopPoll = %+v, %v", poll, err)
	}
	if m, _ := e.srv.Message(alice.ID, sent.MessageID); !m.Poll.Closed || m.Poll.Votes[1] != 1 {
		t.Errorf("after stopPoll: %+v", m.Poll)
	}
	if v := e.srv.Violations(); len(v) != 0 {
		t.Errorf("Violations() = %v", v)
	}

	// Anonymous polls (tgbotapi's default) never produce poll_answer.
	anon := e.mustSend(t, tgbotapi.NewPoll(alice.ID, "Mood?", "good", "bad"))
	if anon.Poll == nil || !anon.Poll.IsAnonymous || anon.Poll.ID == sent.Poll.ID {
		t.Fatalf("anonymous poll = %+v", anon.Poll)
	}
	e.srv.AnswerPoll(alice, anon.Poll.ID, []int{0})
	if errs := e.srv.Errors(); len(errs) != 2 || !strings.Contains(errs[1].Error(), "anonymous") {
		t.Errorf("Errors() = %v; want the anonymous vote refused", errs)
	}
}

func TestPhotoUploadReuseAndDownload(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	e.srv.SendText(bob, "/start")
	data := []byte("\xff\xd8\xff fake jpeg")
	up := tgbotapi.NewPhoto(alice.ID, tgbotapi.FileBytes{Name: "card.jpg", Bytes: data})
	up.Caption = "<b>Lesson card</b>"
	up.ParseMode = tgbotapi.ModeHTML
	first := e.mustSend(t, up)
	if len(first.Photo) == 0 || first.Caption != "Lesson card" {
		t.Fatalf("upload result = %+v", first)
	}
	fileID := first.Photo[len(first.Photo)-1].FileID
	m, _ := e.srv.Message(alice.ID, first.MessageID)
	if m.Kind != "photo" || m.File == nil || !m.File.Uploaded || m.File.FileID != fileID || string(m.File.Data) != string(data) || m.File.Name != "card.jpg" {
		t.Fatalf("uploaded File = %+v", m.File)
	}

	again := e.mustSend(t, tgbotapi.NewPhoto(bob.ID, tgbotapi.FileID(fileID)))
	m2, _ := e.srv.Message(bob.ID, again.MessageID)
	if m2.File == nil || m2.File.Uploaded || m2.File.FileID != fileID {
		t.Errorf("reused File = %+v; want the same id, Uploaded false", m2.File)
	}

	f, err := e.api.GetFile(tgbotapi.FileConfig{FileID: fileID})
	if err != nil || f.FilePath == "" || f.FileSize != len(data) {
		t.Fatalf("GetFile = %+v, %v", f, err)
	}
	resp, err := e.ts.Client().Get(e.ts.URL + "/file/bot" + token + "/" + f.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(data) {
		t.Errorf("download = %d %q; want the uploaded bytes", resp.StatusCode, body)
	}

	_, err = e.api.Send(tgbotapi.NewPhoto(bob.ID, tgbotapi.FileID("no-such-file")))
	if ae := apiError(t, err); ae.Code != 400 || ae.Message != "Bad Request: wrong file identifier/HTTP URL specified" {
		t.Errorf("unknown file_id = %d %q", ae.Code, ae.Message)
	}
}

func TestOtherMediaAndURLs(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	tests := []struct {
		name    string
		send    tgbotapi.Chattable
		kind    string
		wantErr string
	}{
		{"document upload", tgbotapi.NewDocument(alice.ID, tgbotapi.FileBytes{Name: "event.ics", Bytes: []byte("BEGIN:VCALENDAR")}), "document", ""},
		{"document pdf url", tgbotapi.NewDocument(alice.ID, tgbotapi.FileURL("https://example.com/guide.pdf")), "document", ""},
		{"document ics url", tgbotapi.NewDocument(alice.ID, tgbotapi.FileURL("https://example.com/event.ics")), "", "wrong file identifier/HTTP URL specified"},
		{"photo url", tgbotapi.NewPhoto(alice.ID, tgbotapi.FileURL("https://example.com/a.png")), "photo", ""},
		{"audio", tgbotapi.NewAudio(alice.ID, tgbotapi.FileBytes{Name: "a.mp3", Bytes: []byte("ID3")}), "audio", ""},
		{"voice", tgbotapi.NewVoice(alice.ID, tgbotapi.FileBytes{Name: "v.ogg", Bytes: []byte("OggS")}), "voice", ""},
		{"video", tgbotapi.NewVideo(alice.ID, tgbotapi.FileBytes{Name: "v.mp4", Bytes: []byte("mp4")}), "video", ""},
		{"location", tgbotapi.NewLocation(alice.ID, 35.6892, 51.389), "location", ""},
		{"venue", tgbotapi.NewVenue(alice.ID, "Tavan Centre", "Valiasr St", 35.7, 51.41), "venue", ""},
		{"contact", tgbotapi.NewContact(alice.ID, "+98 21 1234", "Desk"), "contact", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := e.api.Send(tc.send)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Send = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			m, ok := e.srv.Message(alice.ID, sent.MessageID)
			if !ok || m.Kind != tc.kind {
				t.Errorf("Kind = %q; want %q", m.Kind, tc.kind)
			}
		})
	}
	bm := e.srv.BotMessages(alice.ID)
	byKind := map[string]tgsim.Message{}
	for _, m := range bm {
		byKind[m.Kind] = m
	}
	if v := byKind["venue"].Venue; v == nil || v.Title != "Tavan Centre" || v.Address != "Valiasr St" || v.Lat != 35.7 {
		t.Errorf("venue = %+v", v)
	}
	if f := byKind["photo"].File; f == nil || f.URL != "https://example.com/a.png" || f.Uploaded || f.Data != nil {
		t.Errorf("photo by URL = %+v; want the URL recorded, not fetched", f)
	}

	// A user's sticker can be sent back by file_id.
	st := e.srv.SendMedia(alice, tgsim.Media{Kind: "sticker", Data: []byte("RIFF"), Emoji: "👍"})
	back := e.mustSend(t, tgbotapi.NewSticker(alice.ID, tgbotapi.FileID(st.File.FileID)))
	if back.Sticker == nil || back.Sticker.FileID != st.File.FileID {
		t.Errorf("sticker = %+v", back.Sticker)
	}
	if v := e.srv.Violations(); len(v) != 1 { // the .ics URL
		t.Errorf("Violations() = %v; want only the .ics URL", v)
	}
}

func TestCopyAndForward(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(bob, "/start")
	photo := e.srv.SendMedia(alice, tgsim.Media{Kind: "photo", Data: []byte("jpeg"), Caption: "receipt"})
	e.updates(t, 0)

	id, err := e.api.CopyMessage(tgbotapi.NewCopyMessage(bob.ID, alice.ID, photo.ID))
	if err != nil {
		t.Fatalf("CopyMessage: %v", err)
	}
	m, ok := e.srv.Message(bob.ID, id.MessageID)
	if !ok || !m.FromBot || m.Kind != "photo" || m.Plain != "receipt" || m.File.FileID != photo.File.FileID || m.File.Uploaded {
		t.Fatalf("copy = %+v", m)
	}
	if m.CopyOf == nil || *m.CopyOf != (tgsim.MessageRef{ChatID: alice.ID, MessageID: photo.ID}) {
		t.Errorf("CopyOf = %+v", m.CopyOf)
	}

	// A bot message can be copied too, with a new caption.
	cfg := tgbotapi.NewCopyMessage(alice.ID, bob.ID, id.MessageID)
	cfg.Caption = "your receipt"
	id2, err := e.api.CopyMessage(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m2, _ := e.srv.Message(alice.ID, id2.MessageID); m2.Plain != "your receipt" {
		t.Errorf("copy with caption = %q", m2.Plain)
	}

	fwd := e.mustSend(t, tgbotapi.NewForward(bob.ID, alice.ID, photo.ID))
	if fwd.ForwardFrom == nil || fwd.ForwardFrom.ID != alice.ID || fwd.ForwardDate == 0 {
		t.Errorf("forward header = %+v at %d", fwd.ForwardFrom, fwd.ForwardDate)
	}
	_, err = e.api.CopyMessage(tgbotapi.NewCopyMessage(bob.ID, alice.ID, 999))
	if ae := apiError(t, err); ae.Message != "Bad Request: message to copy not found" {
		t.Errorf("copy of a missing message = %q", ae.Message)
	}
}

func TestCommandsPerLanguageAndScope(t *testing.T) {
	e := newEnv(t)
	fa := []tgbotapi.BotCommand{{Command: "start", Description: "شروع"}, {Command: "lessons", Description: "درس‌ها"}}
	en := []tgbotapi.BotCommand{{Command: "start", Description: "Start"}}
	e.mustRequest(t, tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), "fa", fa...))
	e.mustRequest(t, tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), "en", en...))
	e.mustRequest(t, tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(alice.ID), tgbotapi.BotCommand{Command: "admin", Description: "Admin"}))

	if got := e.srv.Commands("fa"); len(got) != 2 || got[1].Description != "درس‌ها" {
		t.Errorf("Commands(fa) = %v", got)
	}
	if got := e.srv.Commands("en"); len(got) != 1 || got[0].Description != "Start" {
		t.Errorf("Commands(en) = %v", got)
	}
	if got := e.srv.Commands(""); len(got) != 0 {
		t.Errorf("Commands(\"\") = %v; want none (no fallback)", got)
	}
	if got := e.srv.CommandsFor(tgsim.CommandScope{Type: "chat", ChatID: alice.ID}, ""); len(got) != 1 || got[0].Command != "admin" {
		t.Errorf("CommandsFor(chat) = %v", got)
	}
	back, err := e.api.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), "fa"))
	if err != nil || len(back) != 2 || back[0].Command != "start" {
		t.Errorf("getMyCommands(fa) = %v, %v", back, err)
	}
	e.mustRequest(t, tgbotapi.NewDeleteMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), "en"))
	if got := e.srv.Commands("en"); len(got) != 0 {
		t.Errorf("after delete Commands(en) = %v", got)
	}
	e.assertClean(t)
}

func TestBlockBot(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	e.updates(t, e.srv.LastUpdateID()+1)
	e.srv.BlockBot(alice)
	u := e.updates(t, 0)
	if len(u) != 1 || u[0].MyChatMember == nil {
		t.Fatalf("updates = %+v; want my_chat_member", u)
	}
	if mc := u[0].MyChatMember; mc.NewChatMember.Status != "kicked" || mc.OldChatMember.Status != "member" || mc.From.ID != alice.ID || mc.Chat.ID != alice.ID {
		t.Errorf("my_chat_member = %+v", mc)
	}
	_, err := e.api.Send(tgbotapi.NewMessage(alice.ID, "are you there?"))
	if ae := apiError(t, err); ae.Code != 403 || ae.Message != "Forbidden: bot was blocked by the user" {
		t.Errorf("send to a blocked user = %d %q", ae.Code, ae.Message)
	}
	e.srv.UnblockBot(alice)
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "welcome back"))
	e.assertClean(t)
}

func TestChatNotFound(t *testing.T) {
	e := newEnv(t)
	_, err := e.api.Send(tgbotapi.NewMessage(555, "hi"))
	if ae := apiError(t, err); ae.Code != 400 || ae.Message != "Bad Request: chat not found" {
		t.Errorf("unknown chat = %d %q", ae.Code, ae.Message)
	}
	if v := e.srv.Violations(); len(v) != 1 {
		t.Errorf("Violations() = %v; want the unknown chat", v)
	}
	e.srv.SendText(bob, "/start")
	e.srv.RemoveChat(bob.ID)
	_, err = e.api.Send(tgbotapi.NewMessage(bob.ID, "hi"))
	if ae := apiError(t, err); ae.Message != "Bad Request: chat not found" {
		t.Errorf("removed chat = %q", ae.Message)
	}
	if v := e.srv.Violations(); len(v) != 1 {
		t.Errorf("a removed chat was recorded as a violation: %v", v)
	}
}

func TestGroupsChannelsEditsAndInjection(t *testing.T) {
	e := newEnv(t)
	const group, channel = -100200, -100300
	g := e.srv.SendTextTo(group, alice, "/help@tavan_test_bot")
	e.srv.ChannelPost(channel, "news")
	first := e.srv.SendText(bob, "draft")
	e.srv.EditUserMessage(bob, first.ID, "final")
	raw := e.srv.InjectUpdate(json.RawMessage(`{"message":{"message_id":99,"date":1,"chat":{"id":7,"type":"private"},"text":"injected"}}`))

	u := e.updates(t, 0)
	if len(u) != 5 {
		t.Fatalf("got %d updates; want 5", len(u))
	}
	if m := u[0].Message; m.Chat.Type != "group" || m.Chat.ID != group || m.Command() != "help" || g.ChatID != group {
		t.Errorf("group message = %+v", m)
	}
	if p := u[1].ChannelPost; p == nil || p.Chat.Type != "channel" || p.SenderChat == nil || p.From != nil {
		t.Errorf("channel post = %+v", p)
	}
	if ed := u[3].EditedMessage; ed == nil || ed.Text != "final" || ed.EditDate == 0 || ed.MessageID != first.ID {
		t.Errorf("edited_message = %+v", ed)
	}
	if u[4].UpdateID != raw || u[4].Message.Text != "injected" {
		t.Errorf("injected update = %+v", u[4])
	}
	if m, _ := e.srv.Message(bob.ID, first.ID); !m.Edited || m.Text != "final" {
		t.Errorf("edited user message = %+v", m)
	}
	if got := e.srv.Chats(); len(got) != 3 || got[0] != group {
		t.Errorf("Chats() = %v", got)
	}
	e.mustSend(t, tgbotapi.NewMessage(group, "help text"))
	chat, err := e.api.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group}})
	if err != nil || chat.Type != "group" {
		t.Errorf("getChat = %+v, %v", chat, err)
	}
	e.assertClean(t)
}

func TestWebhookConflict(t *testing.T) {
	e := newEnv(t)
	wh, _ := tgbotapi.NewWebhook("https://bot.example.com/hook")
	e.mustRequest(t, wh)
	if _, err := e.api.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://bot.example.com/hook", "secret_token": "s3cret"}); err != nil {
		t.Fatal(err)
	}
	if url, secret := e.srv.Webhook(); url != "https://bot.example.com/hook" || secret != "s3cret" {
		t.Errorf("Webhook() = %q, %q", url, secret)
	}
	e.srv.SendText(alice, "hi")
	info, err := e.api.GetWebhookInfo()
	if err != nil || info.URL != "https://bot.example.com/hook" || info.PendingUpdateCount != 1 {
		t.Errorf("getWebhookInfo = %+v, %v", info, err)
	}
	_, err = e.api.GetUpdates(tgbotapi.UpdateConfig{})
	if ae := apiError(t, err); ae.Code != 409 || !strings.Contains(ae.Message, "can't use getUpdates method while webhook is active") {
		t.Errorf("getUpdates with a webhook = %d %q", ae.Code, ae.Message)
	}
	e.mustRequest(t, tgbotapi.DeleteWebhookConfig{})
	if u := e.updates(t, 0); len(u) != 1 {
		t.Errorf("after deleteWebhook: %d updates; want 1", len(u))
	}
	if _, err := e.api.Request(mustWebhook(t, "http://insecure.example.com")); err == nil {
		t.Error("an http:// webhook was accepted")
	}
}

func mustWebhook(t *testing.T, link string) tgbotapi.WebhookConfig {
	wh, err := tgbotapi.NewWebhook(link)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

func TestSubscribe(t *testing.T) {
	e := newEnv(t)
	events, cancel := e.srv.Subscribe()
	user := e.srv.SendText(alice, "/start")
	sent := e.mustSend(t, withMarkup(tgbotapi.NewMessage(alice.ID, "menu"), inlineKeyboard("Go", "go")))
	e.mustSend(t, tgbotapi.NewEditMessageTextAndMarkup(alice.ID, sent.MessageID, "menu 2", inlineKeyboard("Go", "go")))
	q := e.srv.PressButton(alice, alice.ID, sent.MessageID, "go")
	e.mustRequest(t, tgbotapi.NewCallback(q, "ok"))
	e.mustRequest(t, tgbotapi.NewChatAction(alice.ID, tgbotapi.ChatTyping))
	e.mustRequest(t, tgbotapi.NewDeleteMessage(alice.ID, sent.MessageID))
	cancel()
	cancel() // idempotent

	var got []string
	for ev := range events {
		got = append(got, ev.Type)
		switch ev.Type {
		case tgsim.EventMessage:
			if ev.Message.FromBot == (ev.Message.ID == user.ID) {
				t.Errorf("message event %+v: FromBot wrong", ev.Message)
			}
		case tgsim.EventCallbackAnswer:
			if ev.CallbackQueryID != q || ev.Answer.Text != "ok" || ev.Message.ID != sent.MessageID {
				t.Errorf("callback_answer event = %+v", ev)
			}
		case tgsim.EventChatAction:
			if ev.Action != "typing" || ev.ChatID != alice.ID {
				t.Errorf("chat_action event = %+v", ev)
			}
		case tgsim.EventDelete:
			if !ev.Message.Deleted {
				t.Errorf("delete event = %+v", ev)
			}
		}
	}
	want := "message message edit callback_answer chat_action delete"
	if strings.Join(got, " ") != want {
		t.Errorf("events = %v; want %s", got, want)
	}
	e.assertClean(t)
}

func TestWaitFor(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/start")
	found := make(chan tgsim.Message, 1)
	go func() {
		m, err := e.srv.WaitFor(testCtx(t), alice.ID, func(m tgsim.Message) bool { return m.HasButton("done") })
		if err != nil {
			t.Error(err)
		}
		found <- m
	}()
	e.mustSend(t, tgbotapi.NewMessage(alice.ID, "first"))
	sent := e.mustSend(t, withMarkup(tgbotapi.NewMessage(alice.ID, "second"), inlineKeyboard("Done", "done")))
	if m := <-found; m.ID != sent.MessageID {
		t.Errorf("WaitFor = message %d; want %d", m.ID, sent.MessageID)
	}
	if m, err := e.srv.WaitText(testCtx(t), alice.ID, "first"); err != nil || m.Plain != "first" {
		t.Errorf("WaitText(first) = %+v, %v", m, err)
	}
	short, cancel := context.WithTimeout(testCtx(t), 10*time.Millisecond)
	defer cancel()
	_, err := e.srv.WaitFor(short, alice.ID, func(m tgsim.Message) bool { return false })
	if err == nil || !strings.Contains(err.Error(), `"second"`) {
		t.Errorf("WaitFor timeout error = %v; want it to show the last bot message", err)
	}
}

func TestCloseWakesPollsAndRefuses(t *testing.T) {
	e := newEnv(t)
	done := make(chan []tgbotapi.Update, 1)
	go func() {
		u, err := e.api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 60})
		if err != nil {
			t.Error(err)
		}
		done <- u
	}()
	if err := e.srv.WaitPolling(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	if u := <-done; len(u) != 0 {
		t.Errorf("poll after Close = %v; want empty", u)
	}
	_, err := e.api.GetMe()
	if ae := apiError(t, err); ae.Code != 503 {
		t.Errorf("after Close = %d %q; want 503", ae.Code, ae.Message)
	}
}

func TestDatesUseClock(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, func(o *tgsim.Options) { o.Now = clock.Now })
	u := e.srv.SendText(alice, "hi")
	if !u.Date.Equal(clock.Now()) {
		t.Errorf("user message date = %v; want %v", u.Date, clock.Now())
	}
	clock.Advance(time.Hour)
	sent := e.mustSend(t, tgbotapi.NewMessage(alice.ID, "hello"))
	if int64(sent.Date) != clock.Now().Unix() {
		t.Errorf("bot message date = %d; want %d", sent.Date, clock.Now().Unix())
	}
	clock.Advance(49 * time.Hour)
	_, err := e.api.Request(tgbotapi.NewDeleteMessage(alice.ID, sent.MessageID))
	if ae := apiError(t, err); !strings.Contains(ae.Message, "can't be deleted") {
		t.Errorf("deleting a 49 h old message = %q", ae.Message)
	}
}
