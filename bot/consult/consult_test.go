package consult_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

func TestConsultantInviteProfileAndAvailability(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")

	// Consultant commands and buttons are unknown to anyone who is not a consultant.
	for _, cmd := range []string{"/away", "/available", "/sessions", "/profile", "/report"} {
		h.Send(maryam, cmd)
		if got := h.Last(maryam).Plain; !strings.Contains(got, "این فرمان را نمی‌شناسیم") {
			t.Errorf("a learner's %s got %q; want the unknown-command reply", cmd, got)
		}
	}
	for _, data := range []string{cb("cstake", "1"), cb("cssel", "1"), cb("cstop", "home"), cb("cssum", "1", "w"), cb("csrep", "1")} {
		if got := h.PressForged(maryam, h.Last(maryam), data); !strings.Contains(got, "این دکمه دیگر کار نمی‌کند") {
			t.Errorf("a learner pressing %q got %q; want the expired-button toast", data, got)
		}
	}
	// Admin commands are unknown to everyone else.
	for _, cmd := range []string{"/invite_consultant", "/consultants", "/consultations", "/bar 5", "/transcripts 30", "/transcript 1"} {
		h.Send(maryam, cmd)
		if got := h.Last(maryam).Plain; !strings.Contains(got, "این فرمان را نمی‌شناسیم") {
			t.Errorf("a learner's %s got %q; want the unknown-command reply", cmd, got)
		}
	}

	payload := h.Invite()
	if n := len(payload); n > 64 {
		t.Errorf("invite payload is %d characters; Telegram allows 64", n)
	}
	h.Send(amir, "/start "+payload)
	if got := h.Last(amir).Plain; !strings.Contains(got, "به باشگاه مشاوران توان خوش آمدید") {
		t.Fatalf("invite welcome = %q", got)
	}
	if got := h.User(amir).StartPayload; got != "" {
		t.Errorf("the secret invite token was kept as the start payload %q", got)
	}
	// Single use: someone else with the same link gets nothing.
	h.Send(sara, "/start "+payload)
	if got := h.Last(sara).Plain; !strings.Contains(got, "not valid") {
		t.Errorf("a used invite answered %q; want it refused", got)
	}
	h.Send(amir, "ا") // too short a name
	if got := h.Last(amir).Plain; !strings.Contains(got, "نام باید") {
		t.Errorf("a one-letter name got %q", got)
	}
	h.Send(amir, "دکتر امیر <مشاور> & شرکا")
	topics := h.Last(amir)
	if got := h.PressData(amir, topics, cb("cstop", "done")); !strings.Contains(got, "دست‌کم یک موضوع") {
		t.Errorf("done with no topic answered %q", got)
	}
	h.PressData(amir, h.Last(amir), cb("cstop", "marketing"))
	h.PressData(amir, h.Last(amir), cb("cstop", "home"))
	h.PressData(amir, h.Last(amir), cb("cstop", "marketing")) // off again
	h.PressData(amir, h.Last(amir), cb("cstop", "marketing"))
	if labels := strings.Join(h.Last(amir).ButtonTexts(), " "); !strings.Contains(labels, "✓ بازاریابی و فروش") || !strings.Contains(labels, "✓ کسب‌وکار خانگی") {
		t.Errorf("topic buttons %q; want the two chosen ones ticked", labels)
	}
	h.PressData(amir, h.Last(amir), cb("cstop", "done"))
	h.Sim.SendMedia(amir, apptest.StickerMedia())
	h.Settle()
	if got := h.Last(amir).Plain; !strings.Contains(got, "معرفی باید") {
		t.Errorf("a sticker as a bio got %q", got)
	}
	h.Send(amir, "استاد دانشگاه و بنیان‌گذار دو کسب‌وکار خانگی.")
	h.Send(amir, "شنبه‌ها ۱۰ تا ۱۲")
	done := h.Last(amir).Plain
	for _, want := range []string{"دکتر امیر <مشاور> & شرکا", "بازاریابی و فروش، کسب‌وکار خانگی", "شنبه‌ها ۱۰ تا ۱۲", "اکنون در دسترس هستید"} {
		if !strings.Contains(done, want) {
			t.Errorf("profile summary %q lacks %q", done, want)
		}
	}

	// An expired invite is refused like a used one.
	expired := h.Invite()
	h.Clock.Advance(8 * 24 * time.Hour)
	h.Send(sara, "/start "+expired)
	if got := h.Last(sara).Plain; !strings.Contains(got, "not valid") {
		t.Errorf("an expired invite answered %q", got)
	}
	if h.isConsultant(sara) {
		t.Error("an expired invite made a consultant")
	}

	h.Send(amir, "/away")
	if got := h.Last(amir).Plain; !strings.Contains(got, "غایب شدید") || h.ConsultantRec(amir).Status != store.ConsultantAway {
		t.Errorf("/away: %q, status %s", got, h.ConsultantRec(amir).Status)
	}
	h.Send(amir, "/available")
	if got := h.Last(amir).Plain; !strings.Contains(got, "در دسترس هستید") || h.ConsultantRec(amir).Status != store.ConsultantActive {
		t.Errorf("/available: %q", got)
	}

	// The learners' directory.
	h.Send(maryam, "/club")
	dir := h.Last(maryam).Plain
	for _, want := range []string{"دکتر امیر <مشاور> & شرکا", "بازاریابی و فروش", "هنوز امتیازی ندارد", "🟢"} {
		if !strings.Contains(dir, want) {
			t.Errorf("directory %q lacks %q", dir, want)
		}
	}
	if strings.Contains(dir, "کاظمی") || strings.Contains(dir, "amir_kazemi") {
		t.Errorf("the directory shows the consultant's Telegram account: %q", dir)
	}
}

func (h *harness) isConsultant(u tgsim.User) bool {
	err := h.DB.View(func(tx *store.Tx) error { _, err := tx.Consultant(u.ID); return err })
	return err == nil
}

func TestClaimRaceExactlyOneWins(t *testing.T) {
	h := clubHarness(t, func(c *app.Config) { c.Consult.DailyLimit = 10 })
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing", "home")
	h.MakeConsultant(sara, "Sara R.", "marketing")

	id := h.Ask(maryam, "marketing", "چطور قیمت محصولاتم را تعیین کنم؟")
	status := h.Last(maryam).Plain
	for _, want := range []string{"در صف است", "نوبت شما: ۱", "دقیقه"} {
		if !strings.Contains(status, want) {
			t.Errorf("queue status %q lacks %q", status, want)
		}
	}
	cardA, okA := h.Card(amir, id)
	cardS, okS := h.Card(sara, id)
	if !okA || !okS {
		t.Fatalf("cards: amir %v, sara %v; want both matching consultants offered", okA, okS)
	}
	for _, want := range []string{"پرسش تازه", "مریم", "بازاریابی و فروش", "مشاغل خانگی"} {
		if !strings.Contains(cardA.Plain, want) {
			t.Errorf("card %q lacks %q", cardA.Plain, want)
		}
	}
	if !strings.Contains(cardS.Plain, "Marketing and sales") {
		t.Errorf("sara's card is not in her language: %q", cardS.Plain)
	}
	question, ok := h.lastCopy(amir.ID, maryam.ID)
	if !ok || question.Plain != "چطور قیمت محصولاتم را تعیین کنم؟" || question.ForwardOf != nil || question.ReplyTo != cardA.ID || question.ID < cardA.ID {
		t.Errorf("the question under the card = %+v (card %d); want a copy after the card, replying to it", question, cardA.ID)
	}

	// Both press [Take it] at once.
	qa := h.Sim.PressButton(amir, amir.ID, cardA.ID, cb("cstake", idArg(id)))
	qs := h.Sim.PressButton(sara, sara.ID, cardS.ID, cb("cstake", idArg(id)))
	ansA, err := h.Sim.WaitCallbackAnswer(h.Ctx(), qa)
	if err != nil {
		t.Fatal(err)
	}
	ansS, err := h.Sim.WaitCallbackAnswer(h.Ctx(), qs)
	if err != nil {
		t.Fatal(err)
	}
	h.Settle()

	rec := h.Consultation(id)
	winner, loser, loserAns := amir, sara, ansS
	if rec.ConsultantID == sara.ID {
		winner, loser, loserAns = sara, amir, ansA
	}
	if rec.Status != store.ConsultOpen || (rec.ConsultantID != amir.ID && rec.ConsultantID != sara.ID) {
		t.Fatalf("after the race: %+v", rec)
	}
	if !strings.Contains(loserAns.Text, "Too late") && !strings.Contains(loserAns.Text, "دیر رسیدید") {
		t.Errorf("the loser's toast = %q; want them told it was taken", loserAns.Text)
	}
	if _, ok := h.Card(loser, id); ok {
		t.Error("the loser's card still has [Take it]")
	}
	loserCard, _ := h.Sim.Message(loser.ID, map[int64]int{amir.ID: cardA.ID, sara.ID: cardS.ID}[loser.ID])
	if !strings.Contains(loserCard.Plain, "another consultant took") && !strings.Contains(loserCard.Plain, "مشاور دیگری پذیرفت") {
		t.Errorf("the loser's card = %q; want it edited to taken", loserCard.Plain)
	}
	if _, ok := h.lastCopy(loser.ID, maryam.ID); ok {
		t.Error("the loser keeps a copy of the learner's question")
	}
	winnerCard, _ := h.Sim.Message(winner.ID, map[int64]int{amir.ID: cardA.ID, sara.ID: cardS.ID}[winner.ID])
	if !strings.Contains(winnerCard.Plain, "This session is yours") && !strings.Contains(winnerCard.Plain, "این جلسه با شماست") {
		t.Errorf("the winner's card = %q", winnerCard.Plain)
	}
	started := h.Last(maryam).Plain
	if !strings.Contains(started, "پرسش شما را پذیرفت") || !strings.Contains(started, "جلسهٔ شمارهٔ ۱") {
		t.Errorf("the learner was told %q; want the session started", started)
	}
	k := h.ConsultantRec(winner)
	if k.Sessions != 1 || k.Current != id {
		t.Errorf("winner record %+v", k)
	}

	// More rounds: whoever wins, exactly one does and the other is told.
	for round := range 4 {
		h.Send(maryam, "/end")
		id := h.Ask(maryam, "marketing", fmt.Sprintf("پرسش دور %d دربارهٔ بازاریابی", round))
		cardA, _ := h.Card(amir, id)
		cardS, _ := h.Card(sara, id)
		qa := h.Sim.PressButton(amir, amir.ID, cardA.ID, cb("cstake", idArg(id)))
		qs := h.Sim.PressButton(sara, sara.ID, cardS.ID, cb("cstake", idArg(id)))
		ansA, errA := h.Sim.WaitCallbackAnswer(h.Ctx(), qa)
		ansS, errS := h.Sim.WaitCallbackAnswer(h.Ctx(), qs)
		if errA != nil || errS != nil {
			t.Fatal(errA, errS)
		}
		h.Settle()
		won := map[string]bool{"پذیرفتید ✓": true, "It's yours ✓": true}
		if won[ansA.Text] == won[ansS.Text] {
			t.Errorf("round %d: toasts %q and %q; want exactly one winner", round, ansA.Text, ansS.Text)
		}
		if _, ok := h.Card(amir, id); ok {
			t.Errorf("round %d: amir's card still open", round)
		}
		if _, ok := h.Card(sara, id); ok {
			t.Errorf("round %d: sara's card still open", round)
		}
	}
}

func TestReofferAfterTimeoutSurvivesRestart(t *testing.T) {
	h := clubHarness(t, func(c *app.Config) { c.Consult.OfferTimeout = 5 * time.Minute })
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	h.MakeConsultant(sara, "Sara R.", "finance")

	id := h.Ask(maryam, "marketing", "برای فروش اینترنتی از کجا شروع کنم؟")
	if _, ok := h.Card(amir, id); !ok {
		t.Fatal("the matching consultant got no card")
	}
	if _, ok := h.Card(sara, id); ok {
		t.Fatal("a consultant of another topic got the card before the timeout")
	}
	h.Clock.Advance(4 * time.Minute)
	if rep := h.sweep(); rep.Widened != 0 {
		t.Fatalf("widened before the timeout: %+v", rep)
	}
	h.Restart()
	h.Clock.Advance(2 * time.Minute)
	if rep := h.sweep(); rep.Widened != 1 {
		t.Fatalf("sweep after the timeout = %+v; want the request widened", rep)
	}
	if _, ok := h.Card(sara, id); !ok {
		t.Fatal("after the timeout the other consultant got no card")
	}
	if _, ok := h.noticeWith(maryam.ID, "برای همهٔ مشاوران در دسترس فرستادم"); !ok {
		t.Errorf("the learner was not told; notices: %+v", h.notices(maryam.ID))
	}
	if rep := h.sweep(); rep.Widened != 0 || rep.Offered != 0 {
		t.Errorf("a second sweep did more: %+v", rep)
	}
	if n := len(h.Consultation(id).Offers); n != 2 {
		t.Errorf("offers = %d; want 2", n)
	}
	h.Take(sara, id)
	if rec := h.Consultation(id); rec.ConsultantID != sara.ID {
		t.Errorf("taken by %d; want sara", rec.ConsultantID)
	}
	if _, ok := h.Card(amir, id); ok {
		t.Error("amir's card was not retired")
	}
}

func TestOfflineTicketGoesToTheFirstConsultantBack(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "legal")
	h.MakeConsultant(sara, "Sara R.", "finance")
	h.Send(amir, "/away")
	h.Send(sara, "/away")

	id := h.Ask(maryam, "marketing", "مجوز فروش محصولات خوراکی خانگی را از کجا بگیرم؟")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "هیچ مشاوری در دسترس نیست") {
		t.Errorf("with nobody available the learner got %q", got)
	}
	if rec := h.Consultation(id); !rec.Offline || len(rec.Offers) != 0 {
		t.Errorf("ticket = %+v; want offline, offered to nobody", rec)
	}
	if _, ok := h.Card(amir, id); ok {
		t.Error("an away consultant got a card")
	}
	h.Clock.Advance(time.Hour)
	h.sweep()
	if _, ok := h.Card(amir, id); ok {
		t.Error("the sweep offered a ticket while nobody is available")
	}

	h.Send(sara, "/available")
	if !h.botSaid(sara, "1 waiting question") {
		t.Errorf("/available did not announce the waiting ticket")
	}
	if _, ok := h.Card(sara, id); !ok {
		t.Fatal("the first consultant back got no card, though the topic is not theirs")
	}
	if _, ok := h.noticeWith(maryam.ID, "مشاوری در دسترس شد"); !ok {
		t.Errorf("the learner was not told a consultant is back: %+v", h.notices(maryam.ID))
	}
	h.Send(amir, "/available")
	if _, ok := h.Card(amir, id); !ok {
		t.Error("the second consultant back did not get the (now widened) ticket")
	}
	h.Take(amir, id)
	if rec := h.Consultation(id); rec.Status != store.ConsultOpen || rec.ConsultantID != amir.ID {
		t.Errorf("ticket after the claim = %+v", rec)
	}
	if _, ok := h.Card(sara, id); ok {
		t.Error("sara's card was not retired")
	}
}

func TestEndSummaryAndRating(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	id := h.Session(maryam, amir, "marketing")
	h.Send(maryam, "سلام، ممنون که پذیرفتید.")

	h.Send(amir, "/end")
	if got := h.Last(amir).Plain; !strings.Contains(got, "تمام شد") {
		t.Fatalf("consultant's /end answered %q", got)
	}
	end := h.Last(maryam)
	if !strings.Contains(end.Plain, "«دکتر امیر» جلسهٔ شمارهٔ ۱ را به پایان رساند") || !strings.Contains(end.Plain, "چقدر به شما کمک کرد") {
		t.Errorf("the learner's end notice = %q", end.Plain)
	}
	if rec := h.Consultation(id); rec.Status != store.ConsultClosed || rec.ClosedBy != "consultant" {
		t.Errorf("after /end: %+v", rec)
	}
	// After the end the learner's messages are ordinary again.
	h.Send(maryam, "یک پیام دیگر")
	if _, ok := h.lastCopy(amir.ID, maryam.ID); ok {
		if m, _ := h.lastCopy(amir.ID, maryam.ID); m.Plain == "یک پیام دیگر" {
			t.Error("a message after the end was relayed")
		}
	}

	h.Press(amir, h.Last(amir), "نوشتن خلاصه")
	h.Send(amir, "۱. قیمت را بر پایهٔ هزینه و بازار تعیین کنید.\n۲. از دوستان بازخورد بگیرید. <مهم>")
	summary := h.Last(maryam).Plain
	if !strings.Contains(summary, "خلاصه و قدم‌های بعدی") || !strings.Contains(summary, "<مهم>") {
		t.Errorf("the learner got %q; want the summary", summary)
	}
	if got := h.Last(amir).Plain; !strings.Contains(got, "فرستاده شد") {
		t.Errorf("consultant after the summary: %q", got)
	}

	if got := h.Press(maryam, end, "۴⭐"); !strings.Contains(got, "ممنون") {
		t.Errorf("rating toast %q", got)
	}
	if got := h.PressForged(maryam, end, cb("csrate", idArg(id), "1")); !strings.Contains(got, "قبلاً") && !strings.Contains(got, "پیش‌تر") {
		t.Errorf("a second rating answered %q", got)
	}
	rated, _ := h.Sim.Message(maryam.ID, end.ID)
	h.Press(maryam, rated, "نوشتن نظر")
	h.Send(maryam, "خیلی کمک کرد، ممنون.")
	rec := h.Consultation(id)
	if rec.Rating != 4 || rec.Comment != "خیلی کمک کرد، ممنون." {
		t.Errorf("rating %d comment %q", rec.Rating, rec.Comment)
	}
	if k := h.ConsultantRec(amir); k.RatingSum != 4 || k.RatingCount != 1 {
		t.Errorf("consultant rating %d/%d", k.RatingSum, k.RatingCount)
	}
	h.Send(maryam, "/club")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "★ ۴٫۰ (۱)") {
		t.Errorf("directory %q; want the rating", got)
	}

	// The learner ends the next one with the button; a second end is harmless.
	id2 := h.Session(maryam, amir, "marketing")
	startMsg := h.Last(maryam)
	h.Press(maryam, startMsg, "پایان جلسه")
	if got := h.Last(amir).Plain; !strings.Contains(got, "مریم جلسهٔ شمارهٔ ۲ را به پایان رساند") {
		t.Errorf("consultant told %q", got)
	}
	if got := h.PressForged(maryam, startMsg, cb("csend", idArg(id2))); !strings.Contains(got, "قبلاً تمام شده") {
		t.Errorf("ending twice answered %q", got)
	}

	h.Send(adminUser, "/consultations")
	stats := h.Last(adminUser).Plain
	for _, want := range []string{"در صف: ۰", "جلسه‌های باز: ۰", "پذیرفته‌شده: ۲", "میانگین انتظار", "دکتر امیر", "★ ۴٫۰ (۱)"} {
		if !strings.Contains(stats, want) {
			t.Errorf("/consultations %q lacks %q", stats, want)
		}
	}
}

func TestIdleSessionClosesItself(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	id := h.Session(maryam, amir, "marketing")
	h.Clock.Advance(20 * time.Hour)
	h.Send(amir, "هنوز هستید؟") // activity moves the idle clock
	h.Clock.Advance(20 * time.Hour)
	if rep := h.sweep(); rep.IdleClosed != 0 {
		t.Fatalf("closed while active: %+v", rep)
	}
	h.Clock.Advance(5 * time.Hour)
	if rep := h.sweep(); rep.IdleClosed != 1 {
		t.Fatalf("sweep = %+v; want the idle session closed", rep)
	}
	if rec := h.Consultation(id); rec.Status != store.ConsultClosed || rec.ClosedBy != "idle" {
		t.Errorf("after idle: %+v", rec)
	}
	ln, ok := h.noticeWith(maryam.ID, "بسته شد")
	if !ok || ln.Keyboard == nil || !strings.Contains(ln.Keyboard.InlineKeyboard[0][0].Text, "⭐") {
		t.Errorf("the learner's notice %+v; want the rating buttons", ln)
	}
	if _, ok := h.noticeWith(amir.ID, "بسته شد"); !ok {
		t.Errorf("the consultant was not told: %+v", h.notices(amir.ID))
	}

	// Delivered by the outbox sender, the notices work: the learner rates from theirs,
	// the consultant writes a summary from theirs.
	h.deliverNotices()
	h.Press(maryam, h.Last(maryam), "۵⭐")
	if rec := h.Consultation(id); rec.Rating != 5 {
		t.Errorf("rating from the idle notice: %d", rec.Rating)
	}
	h.Press(amir, h.Last(amir), "نوشتن خلاصه")
	h.Send(amir, "خلاصه پس از بسته شدن خودکار")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "خلاصه پس از بسته شدن خودکار") {
		t.Errorf("the learner got %q; want the summary", got)
	}

	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "پرسش شما دربارهٔ کدام موضوع است") {
		t.Errorf("after the idle close /consult answered %q", got)
	}
}

func TestFairnessOneSessionDailyLimitAndWithdraw(t *testing.T) {
	h := clubHarness(t, func(c *app.Config) { c.Consult.DailyLimit = 2 })
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")

	id := h.Ask(maryam, "marketing", "پرسش اول دربارهٔ بازاریابی")
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "در صف است") {
		t.Errorf("a second /consult while waiting answered %q; want the queue status", got)
	}
	h.Press(maryam, h.Last(maryam), "پس گرفتن پرسش")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "پس گرفته شد") {
		t.Errorf("withdraw answered %q", got)
	}
	if _, ok := h.Card(amir, id); ok {
		t.Error("the consultant's card survived the withdrawal")
	}
	if got := h.PressForged(amir, h.Last(amir), cb("cstake", idArg(id))); !strings.Contains(got, "دیگر در صف نیست") {
		t.Errorf("taking a withdrawn question answered %q", got)
	}

	h.Session(maryam, amir, "marketing") // the second request of the day
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "شما در جلسهٔ شمارهٔ ۲") {
		t.Errorf("/consult during a session answered %q", got)
	}
	h.Send(maryam, "/end")
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "سقف ۲ پرسش") {
		t.Errorf("a third request on the same day answered %q; want the daily limit", got)
	}
	h.Clock.Advance(24 * time.Hour)
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "کدام موضوع") {
		t.Errorf("the next day /consult answered %q", got)
	}
	// A question that is too short, or a sticker, loses nothing and explains.
	h.PressData(maryam, h.Last(maryam), cb("cst", "finance"))
	h.Send(maryam, "کمک")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "خیلی کوتاه") {
		t.Errorf("a one-word question got %q", got)
	}
	if h.User(maryam).Step != "csq" {
		t.Error("a refused question ended the step")
	}
	h.Sim.SendMedia(maryam, tgsim.Media{Kind: "voice", Data: []byte("OggS")})
	h.Settle()
	if got := h.Last(maryam).Plain; !strings.Contains(got, "در صف") && !strings.Contains(got, "ثبت شد") {
		t.Errorf("a voice question got %q; want it queued", got)
	}
}

func TestAbuseReportAndBar(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	id := h.Session(maryam, amir, "marketing")

	h.Send(amir, "/report")
	h.Send(amir, "پیام‌های توهین‌آمیز <بی‌ادبانه> می‌فرستد.")
	if got := h.Last(amir).Plain; !strings.Contains(got, "گزارش شما برای مدیران فرستاده شد") {
		t.Errorf("after the report: %q", got)
	}
	n, ok := h.noticeWith(adminUser.ID, "گزارش سوءاستفادهٔ شمارهٔ ۱")
	if !ok || !strings.Contains(n.Text, "&lt;بی‌ادبانه&gt;") || n.Keyboard == nil {
		t.Fatalf("admin notice = %+v", n)
	}
	barData := *n.Keyboard.InlineKeyboard[0][0].CallbackData
	if barData != cb("csadm", "bar", "101") {
		t.Errorf("bar button data %q", barData)
	}
	// Only admins may press it.
	if got := h.PressForged(amir, h.Last(amir), barData); !strings.Contains(got, "این دکمه دیگر کار نمی‌کند") {
		t.Errorf("a consultant pressing the bar button got %q", got)
	}
	h.deliverNotices()
	report := h.Last(adminUser)
	if !strings.Contains(report.Plain, "<بی‌ادبانه>") || !report.HasButton(barData) {
		t.Fatalf("the delivered report %q buttons %q", report.Plain, report.ButtonTexts())
	}
	if got := h.Press(adminUser, report, "بستن دسترسی"); !strings.Contains(got, "101") {
		t.Errorf("the admin's bar answered %q", got)
	}
	if rec := h.Consultation(id); rec.Status != store.ConsultClosed || rec.ClosedBy != "admin" {
		t.Errorf("the barred learner's session = %+v", rec)
	}
	if _, ok := h.noticeWith(amir.ID, "به تصمیم مدیران بسته شد"); !ok {
		t.Error("the consultant was not told the session was closed")
	}
	if _, ok := h.noticeWith(maryam.ID, "دسترسی شما به باشگاه مشاوران بسته شد"); !ok {
		t.Error("the learner was not told")
	}
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "دسترسی شما به باشگاه مشاوران بسته شده") {
		t.Errorf("a barred learner's /consult got %q", got)
	}
	h.Send(adminUser, "/unbar ۱۰۱")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "باز شد") {
		t.Errorf("/unbar answered %q", got)
	}
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "کدام موضوع") {
		t.Errorf("after /unbar: %q", got)
	}
	h.Send(adminUser, "/bar hello")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "شناسهٔ عددی") {
		t.Errorf("/bar with garbage answered %q", got)
	}
}

func TestAdminSuspendsAndRemovesConsultant(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	id := h.Session(maryam, amir, "marketing")

	h.Send(adminUser, "/consultants")
	list := h.Last(adminUser)
	if !strings.Contains(list.Plain, "دکتر امیر") || !strings.Contains(list.Plain, "در دسترس") {
		t.Fatalf("consultant list %q", list.Plain)
	}
	h.Press(adminUser, list, "تعلیق")
	if k := h.ConsultantRec(amir); k.Status != store.ConsultantSuspended {
		t.Errorf("status after suspend: %s", k.Status)
	}
	if rec := h.Consultation(id); rec.Status != store.ConsultClosed {
		t.Errorf("the suspended consultant's session is %s", rec.Status)
	}
	if _, ok := h.noticeWith(maryam.ID, "مشاور دیگر در دسترس نیست"); !ok {
		t.Error("the learner was not told")
	}
	h.Send(amir, "/available")
	if got := h.Last(amir).Plain; !strings.Contains(got, "تعلیق شده") {
		t.Errorf("a suspended consultant's /available got %q", got)
	}
	h.Press(adminUser, h.Last(adminUser), "بازگرداندن")
	if k := h.ConsultantRec(amir); k.Status != store.ConsultantAway {
		t.Errorf("status after reinstating: %s", k.Status)
	}
	h.Press(adminUser, h.Last(adminUser), "حذف")
	h.Press(adminUser, h.Last(adminUser), "بله، حذف شود")
	if h.isConsultant(amir) {
		t.Error("removed consultant still stored")
	}
	h.Drain() // the notice of the removal first, so that the last message is the answer to /away
	h.Send(amir, "/away")
	if got := h.Last(amir).Plain; !strings.Contains(got, "این فرمان را نمی‌شناسیم") {
		t.Errorf("a removed consultant's /away got %q", got)
	}
}

func TestStartPayloadRouting(t *testing.T) {
	h := clubHarness(t, nil)
	h.Send(maryam, "/start ref42")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "به توان خوش آمدید") || h.User(maryam).StartPayload != "ref42" {
		t.Errorf("an ordinary payload: %q, kept %q", got, h.User(maryam).StartPayload)
	}
	for _, payload := range []string{"cons_short", "cons_AAAAAAAAAAAAAAAAAAAAAAAA"} {
		h.Send(john, "/start "+payload)
		if got := h.Last(john).Plain; !strings.Contains(got, "invite is not valid") {
			t.Errorf("/start %s answered %q", payload, got)
		}
	}
	if h.isConsultant(john) {
		t.Error("a made-up invite made a consultant")
	}
}

func TestOfferCardShowsLearningContext(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	cat := h.App.Content()
	var course, other = cat.Courses[0], cat.Courses[len(cat.Courses)-1]
	weak := other.Lessons[0]
	if err := h.DB.Update(func(tx *store.Tx) error {
		if err := tx.PutProgress(maryam.ID, course.Lessons[0].ID, store.LessonProgress{Opened: tx.Now(), Completed: tx.Now()}); err != nil {
			return err
		}
		return tx.PutReviewCard(maryam.ID, weak.ID+"/1", store.ReviewCard{Box: 1, Due: "2026-11-27"})
	}); err != nil {
		t.Fatal(err)
	}
	id := h.Ask(maryam, "marketing", "چطور مشتری‌های بیشتری پیدا کنم؟")
	card, _ := h.Card(amir, id)
	for _, want := range []string{"مشاغل خانگی", course.Title.FA, "۱ از ", weak.Title.FA} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("card %q lacks %q", card.Plain, want)
		}
	}
}

func TestQueuePositionAndEstimate(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "general")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	m := h.Ask(maryam, "marketing", "پرسش اول دربارهٔ فروش")
	h.Ask(john, "marketing", "My question about selling online")
	if got := h.Last(john).Plain; !strings.Contains(got, "position: 2") || !strings.Contains(got, "about 30 min") {
		t.Errorf("john's status %q; want position 2 and 2×15 minutes", got)
	}
	h.Clock.Advance(6 * time.Minute)
	h.Take(amir, m)
	h.Send(john, "/consult")
	if got := h.Last(john).Plain; !strings.Contains(got, "position: 1") || !strings.Contains(got, "about 6 min") {
		t.Errorf("john's status after a claim %q; want position 1 and the measured average wait (6 minutes)", got)
	}
	h.Send(john, "/end")
	if got := h.Last(john).Plain; !strings.Contains(got, "in the queue") {
		t.Errorf("/end while waiting answered %q; want the queue status", got)
	}
}

func TestUnreachableConsultantIsNotRetried(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "general")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	h.MakeConsultant(sara, "Sara R.", "marketing")

	// Amir blocked the bot just now and the bot does not know yet: his copy is refused with 403.
	h.Sim.FailNext("copyMessage", 1, 403, "Forbidden: bot was blocked by the user", 0)
	id := h.Ask(maryam, "marketing", "پرسشی دربارهٔ تبلیغات در شبکه‌های اجتماعی")
	if _, ok := h.Card(sara, id); !ok {
		t.Fatal("the reachable consultant got no card")
	}
	for _, o := range h.Consultation(id).Offers {
		if o.Pending {
			t.Errorf("offer %+v still pending", o)
		}
	}
	h.Clock.Advance(2 * time.Minute)
	if rep := h.sweep(); rep.Offered != 0 {
		t.Errorf("the sweep retried: %+v", rep)
	}

	// A consultant known to have blocked the bot is not offered anything.
	h.Sim.BlockBot(sara)
	h.Settle()
	j := h.Ask(john, "marketing", "A question about online advertising")
	if rec := h.Consultation(j); rec.Offered(sara.ID) || !rec.Offered(amir.ID) {
		t.Errorf("offers %+v; want amir only", rec.Offers)
	}
}

// The club's timeouts run as the "consult" loop unless SweepEvery is negative (then tests sweep).
func TestSweepLoop(t *testing.T) {
	h := &harness{apptest.New(t, func(c *app.Config) { c.Consult.SweepEvery = 90 * time.Second })}
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	id := h.Session(maryam, amir, "marketing")
	h.Clock.Advance(25 * time.Hour)
	if err := h.Bot.Tick(h.Ctx(), "consult", h.Clock.Now()); err != nil {
		t.Fatalf("a round of the consult loop: %v", err)
	}
	if rec := h.Consultation(id); rec.Status != store.ConsultClosed || rec.ClosedBy != "idle" {
		t.Errorf("after a round of the loop: %+v; want the idle session closed", rec)
	}

	off := clubHarness(t, nil)
	if err := off.Bot.Tick(off.Ctx(), "consult", off.Clock.Now()); err == nil {
		t.Error("with a negative SweepEvery the consult loop exists")
	}
}

// /deleteme does not reset the daily request limit (issue 18: one account made 9 requests in a day by
// deleting itself in between).
func TestDailyLimitSurvivesDeleteMe(t *testing.T) {
	h := clubHarness(t, func(c *app.Config) { c.Consult.DailyLimit = 2 })
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	h.Onboard(maryam, "fa", "home")
	for range 2 {
		h.Ask(maryam, "marketing", "پرسشی دربارهٔ بازاریابی در محله")
		h.Press(maryam, h.Last(maryam), "پس گرفتن پرسش")
	}
	h.Send(maryam, "/deleteme")
	h.Press(maryam, h.Last(maryam), "همه را پاک کن")
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "سقف ۲ پرسش") {
		t.Errorf("/consult after /deleteme on the same day answered %q; want the daily limit", got)
	}
	h.Clock.Advance(24 * time.Hour)
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "کدام موضوع") {
		t.Errorf("the next day /consult answered %q; want the topics", got)
	}
}
