package consult_test

import (
	"context"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// A suspended consultant cannot reach former learners through a summary (issue 18: a forged
// cssum|<id>|w on any past session without a summary opened the step, and the typed summary went out),
// nor file a report; a session an admin closed takes neither.
func TestSuspendedConsultantCannotWriteAfterSessions(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	first := h.Session(maryam, amir, "marketing")
	h.Send(maryam, "/end")
	h.PressData(amir, h.Last(amir), cb("cssum", idArg(first), "w")) // the summary step is open…
	second := h.Session(maryam, amir, "marketing")
	h.Send(maryam, "/end")

	h.Send(adminUser, "/consultants")
	h.Press(adminUser, h.Last(adminUser), "تعلیق")
	before := h.Count(maryam)

	h.Send(amir, "خلاصه: این پیام نباید به یادگیرنده برسد") // …and the suspension came before the text
	if got := h.Last(amir).Plain; !strings.Contains(got, "تعلیق شده") {
		t.Errorf("a suspended consultant's typed summary answered %q; want the refusal", got)
	}
	if got := h.PressForged(amir, h.Last(amir), cb("cssum", idArg(second), "w")); !strings.Contains(got, "تعلیق شده") {
		t.Errorf("a suspended consultant's forged summary button answered %q; want the refusal", got)
	}
	if step := h.User(amir).Step; step != "" {
		t.Errorf("the forged button left the consultant in step %q", step)
	}
	h.Send(amir, "متن دوم که نباید برسد")
	if got := h.PressForged(amir, h.Last(amir), cb("csrep", idArg(second))); !strings.Contains(got, "تعلیق شده") {
		t.Errorf("a suspended consultant's report button answered %q; want the refusal", got)
	}
	h.Drain()
	for _, text := range h.BotTexts(maryam)[before:] {
		if strings.Contains(text, "نباید") {
			t.Errorf("the learner received %q from a suspended consultant", text)
		}
	}
	for _, id := range []uint64{first, second} {
		if h.Consultation(id).SummarySent {
			t.Errorf("session %d is marked summarised", id)
		}
	}

	// A session an admin closed (the learner barred) takes no summary from an active consultant either.
	h.MakeConsultant(sara, "Sara", "marketing")
	h.Send(adminUser, "/unbar 101") // nothing to undo: maryam was never barred
	third := h.Session(maryam, sara, "marketing")
	h.Send(adminUser, "/bar 101")
	if got := h.PressForged(sara, h.Last(sara), cb("cssum", idArg(third), "w")); !strings.Contains(got, "closed this session") {
		t.Errorf("a summary of an admin-closed session answered %q; want the refusal", got)
	}
}

// The take path re-checks suspension inside its transaction: a suspension that commits after the handler
// read the consultant's record still stops the claim.
func TestTakeRechecksSuspensionInTheTransaction(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	id := h.Ask(maryam, "marketing", "چطور برای محصولات خانگی‌ام مشتری پیدا کنم؟")
	seen := h.ConsultantRec(amir) // what the handler read: active

	h.Send(adminUser, "/consultants")
	h.Press(adminUser, h.Last(adminUser), "تعلیق")

	upd := tgbotapi.Update{UpdateID: 1 << 30, CallbackQuery: &tgbotapi.CallbackQuery{
		ID: "race", From: &tgbotapi.User{ID: amir.ID, FirstName: amir.FirstName},
		Message: &tgbotapi.Message{MessageID: 1, Chat: &tgbotapi.Chat{ID: amir.ID, Type: "private"}},
		Data:    cb("cstake", idArg(id)),
	}}
	c := h.Bot.NewCtx(upd, h.User(amir))
	c.Data = []string{idArg(id)}
	err := h.App.Consult.HandleTakeAs(context.Background(), c, seen)
	if err == nil {
		t.Error("a suspended consultant's take returned no refusal")
	}
	if rec := h.Consultation(id); rec.Status != store.ConsultWaiting || rec.ConsultantID != 0 {
		t.Errorf("after a suspended consultant's take the request is %s with consultant %d; want it waiting", rec.Status, rec.ConsultantID)
	}
}
