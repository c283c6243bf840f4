package bot

// Unit tests of the core's delivery that need its private helpers (the end-to-end delivery tests are in
// delivery_test.go, package bot_test).

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestPaidBroadcastParams(t *testing.T) {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("a", "b")))
	msg := tgbotapi.NewMessage(42, "<b>hi</b>")
	msg.ParseMode, msg.ReplyMarkup, msg.DisableWebPagePreview = tgbotapi.ModeHTML, kb, true
	for _, tc := range []struct {
		c      tgbotapi.Chattable
		method string
		want   map[string]string
	}{
		{msg, "sendMessage", map[string]string{"chat_id": "42", "text": "<b>hi</b>", "parse_mode": "HTML", "disable_web_page_preview": "true"}},
		{tgbotapi.NewCopyMessage(42, 900, 7), "copyMessage", map[string]string{"chat_id": "42", "from_chat_id": "900", "message_id": "7"}},
		{tgbotapi.NewPhoto(42, tgbotapi.FileID("AgAD")), "sendPhoto", map[string]string{"chat_id": "42", "photo": "AgAD"}},
		{tgbotapi.NewVenue(42, "t", "a", 1.5, 2.5), "sendVenue", map[string]string{"latitude": "1.5", "longitude": "2.5", "title": "t"}},
	} {
		method, p, ok := paidParams(tc.c)
		if !ok || method != tc.method || p["allow_paid_broadcast"] != "true" {
			t.Errorf("paidParams(%T) = %q, %v, %v", tc.c, method, p, ok)
			continue
		}
		for k, v := range tc.want {
			if p[k] != v {
				t.Errorf("%s: %s = %q; want %q", method, k, p[k], v)
			}
		}
	}
	if _, _, ok := paidParams(tgbotapi.NewDocument(1, tgbotapi.FileBytes{Name: "a", Bytes: []byte("x")})); ok {
		t.Error("an upload cannot go through MakeRequest")
	}
}
