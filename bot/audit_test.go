package bot

// Tests of the review of main (security, privacy, redelivery, bad input): each one failed before its fix.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// TestRefusalIsNotRepeatedAfterRestart: an update the bot answered with a refusal (or an apology) is done
// with; it must leave the inbox, or every restart replays it and the learner reads the refusal again.
func TestRefusalIsNotRepeatedAfterRestart(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.bot.router.Command("boom", func(context.Context, *Ctx) error { panic("handler bug") })
	h.send(maryam, "/verify ZZZZZZZZZZZZ")
	if got := h.last(maryam).Plain; !strings.Contains(got, "پیدا نشد") {
		t.Fatalf("/verify with an unknown code answered %q; want «پیدا نشد»", got)
	}
	h.send(maryam, "/boom")
	before := h.count(maryam)

	h.restart()
	h.settle()
	h.send(maryam, "/help")
	if got := h.count(maryam); got != before+1 {
		for _, m := range h.sim.BotMessages(maryam.ID)[before:] {
			t.Logf("after the restart: %q", m.Plain)
		}
		t.Errorf("after a restart and /help maryam has %d messages; want %d (only the help)", got, before+1)
	}
	if ids, _, err := h.db.Inbox(); err != nil || len(ids) != 0 {
		t.Errorf("inbox after the refusals = %v (%v); want empty", ids, err)
	}
}

// TestStepStartedDuringSessionIsNotRelayed: a learner in a consultation who starts /feedback writes to the
// program's team, not to their consultant; a consultant who is also an admin and answers someone's
// feedback answers that learner, not the one in their session. A step the user started on purpose takes
// their next message before the relay does.
func TestStepStartedDuringSessionIsNotRelayed(t *testing.T) {
	h := clubHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.onboard(john, "en", "general")
	h.makeConsultant(amir, "امیر", "marketing")
	h.session(maryam, amir, "marketing")

	h.send(maryam, "/feedback")
	complaint := "مشاورم به پرسش‌هایم پاسخ درستی نمی‌دهد"
	h.send(maryam, complaint)
	if m, ok := h.lastCopy(amir.ID, maryam.ID); ok && strings.Contains(m.Plain, complaint) {
		t.Errorf("maryam's feedback about her consultant was relayed to him: %q", m.Plain)
	}
	if _, ok := h.noticeWith(adminUser.ID, complaint); !ok {
		t.Errorf("maryam's feedback did not reach the admins; her chat ends with %q", h.last(maryam).Plain)
	}

	// The admin is a consultant in a session with reza, and answers john's feedback.
	h.onboard(reza, "fa", "home")
	h.makeConsultant(adminUser, "کارشناس", "finance")
	h.session(reza, adminUser, "finance")
	h.send(john, "/feedback")
	h.send(john, "Please add more lessons on pricing.")
	h.deliverNotices()
	h.press(adminUser, h.lastWith(adminUser, "pricing"), "")
	answer := "Thanks John, pricing lessons are coming next month."
	h.send(adminUser, answer)
	if m, ok := h.lastCopy(reza.ID, adminUser.ID); ok && strings.Contains(m.Plain, answer) {
		t.Errorf("the admin's answer to john was relayed to reza: %q", m.Plain)
	}
	if _, ok := h.noticeWith(john.ID, answer); !ok {
		t.Errorf("the admin's answer did not reach john; the admin's chat ends with %q", h.last(adminUser).Plain)
	}
}

// TestTakingASessionEndsTheConsultantsStaleStep: a consultant who left a search prompt open and then takes
// a question talks to the learner with their next message; the old prompt does not swallow it.
func TestTakingASessionEndsTheConsultantsStaleStep(t *testing.T) {
	h := clubHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.makeConsultant(amir, "امیر", "marketing")
	h.send(amir, "/library")
	h.press(amir, h.last(amir), "🔍")
	if h.user(amir).Step != stepSearch {
		t.Fatalf("amir's step = %q; want the search prompt", h.user(amir).Step)
	}
	h.session(maryam, amir, "marketing")
	h.send(amir, "سلام مریم، از کدام شهر هستید؟")
	if m, ok := h.lastCopy(maryam.ID, amir.ID); !ok || !strings.Contains(m.Plain, "از کدام شهر") {
		t.Errorf("amir's first words did not reach maryam; his chat ends with %q", h.last(amir).Plain)
	}
}

// TestTakeNeedsAnOffer: session numbers are sequential, so a consultant who forges [Take it] for a
// request that was never offered to them (another topic) must not get it, nor the learner's context.
func TestTakeNeedsAnOffer(t *testing.T) {
	h := clubHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.makeConsultant(amir, "امیر", "marketing")
	h.makeConsultant(sara, "Sara", "legal")
	id := h.ask(maryam, "marketing", "چطور برای محصولات خانگی‌ام مشتری پیدا کنم؟")
	if _, ok := h.card(sara, id); ok {
		t.Fatal("sara (legal) got a card for a marketing question")
	}
	before := h.count(sara)
	ans := h.pressDataForged(sara, h.last(sara), cb("cstake", idArg(id)))
	if rec := h.consultation(id); rec.Status != "waiting" || rec.ConsultantID != 0 {
		t.Errorf("after sara's forged claim the request is %s with consultant %d; want still waiting", rec.Status, rec.ConsultantID)
	}
	if ans != h.bot.Texts.T("en", "ButtonExpired") {
		t.Errorf("sara's forged claim answered %q; want the expired-button toast", ans)
	}
	for _, m := range h.since(sara, before) {
		if strings.Contains(m.Plain, "مریم") || strings.Contains(m.Text, "مریم") {
			t.Errorf("sara was shown maryam's context: %q", m.Plain)
		}
	}
	h.take(amir, id)
	if rec := h.consultation(id); rec.ConsultantID != amir.ID {
		t.Errorf("amir, who was offered it, could not take it: %+v", rec)
	}
}

// TestEditOfACancelledEventSchedulesNoReminders: an admin who opened «edit description» before the event
// was cancelled (by a colleague, or on another card) and then types the description must not bring the
// reminders of the cancelled event back into the outbox.
func TestEditOfACancelledEventSchedulesNoReminders(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.onboard(adminUser, "fa", "general")
	e := h.addEvent(nil)
	h.attend(maryam, e)
	if len(h.queuedWith(maryam.ID, eventJobPrefix(e.ID)+"r")) == 0 {
		t.Fatal("no reminders were scheduled for maryam's seat")
	}
	card := h.last(adminUser)
	h.pressDataForged(adminUser, card, cb("eve", evID(e), editDesc))
	if h.user(adminUser).Step != stepEvDesc {
		t.Fatalf("admin step = %q; want the description prompt", h.user(adminUser).Step)
	}
	h.pressDataForged(adminUser, card, cb("evk", evID(e), "yes"))
	if h.event(e.ID).Status != "cancelled" {
		t.Fatal("the event was not cancelled")
	}
	h.send(adminUser, "توضیح تازه برای کارگاه")
	if q := h.queuedWith(maryam.ID, eventJobPrefix(e.ID)+"r"); len(q) != 0 {
		t.Errorf("after editing the cancelled event maryam has reminders queued: %v", keysOf(q))
	}
	if got := h.last(adminUser).Plain; !strings.Contains(got, "قبلاً لغو شده") {
		t.Errorf("the admin was told %q; want that the event is cancelled", got)
	}
	if st := h.user(adminUser).Step; st != "" {
		t.Errorf("admin step after the refused edit = %q; want none", st)
	}
}

// failingSends is an HTTP transport that drops the connection on sendMessage while failing is set, and on
// setMyCommands and getWebhookInfo always, the way a network outage looks to tgbotapi: a *url.Error whose text holds the
// request URL, token included.
type failingSends struct{ failing atomic.Bool }

func (f *failingSends) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.failing.Load() && strings.HasSuffix(r.URL.Path, "/sendMessage") || strings.HasSuffix(r.URL.Path, "/setMyCommands") ||
		strings.HasSuffix(r.URL.Path, "/getWebhookInfo") {
		return nil, errors.New("connection reset by peer")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestNetworkErrorsDoNotLogTheToken: a send that fails on the network is logged without the token, which
// tgbotapi puts in every request URL (the harness fails the test if the token reaches the logs).
func TestNetworkErrorsDoNotLogTheToken(t *testing.T) {
	transport := &failingSends{}
	h := newHarness(t, func(d *Deps) {
		api, err := tgbotapi.NewBotAPIWithClient(testToken, d.APIURL+"/bot%s/%s", &http.Client{Transport: transport})
		if err != nil {
			t.Fatal(err)
		}
		d.API = api
	})
	h.onboard(maryam, "fa", "home")
	transport.failing.Store(true)
	h.send(maryam, "/help")
	transport.failing.Store(false)
	h.bot.checkWebhook(h.bot.Logger) // webhook mode's periodic check
	for _, want := range []string{"handler failed", "setMyCommands", "getWebhookInfo failed"} {
		if !strings.Contains(h.logs.String(), want) {
			t.Errorf("the failed %s was not logged; logs:\n%s", want, h.logs.String())
		}
	}
}

// TestSummaryIsNotLostWhenItCannotBeSent: the summary is sent, not stored; when the send fails the
// consultant is asked to try again, so the session must not be marked as summarised.
func TestSummaryIsNotLostWhenItCannotBeSent(t *testing.T) {
	h := clubHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.makeConsultant(amir, "امیر", "marketing")
	h.session(maryam, amir, "marketing")
	h.send(amir, "/end")
	h.press(amir, h.last(amir), "نوشتن خلاصه")

	h.sim.FailNext("sendMessage", 1, 500, "", 0)
	h.send(amir, "قیمت را بر پایهٔ هزینه تعیین کنید.")
	if got := h.last(amir).Plain; !strings.Contains(got, "مشکلی پیش آمد") {
		t.Fatalf("a failed summary send answered %q; want the apology", got)
	}
	h.send(amir, "قیمت را بر پایهٔ هزینه تعیین کنید.")
	if got := h.last(maryam).Plain; !strings.Contains(got, "قیمت را بر پایهٔ هزینه") {
		t.Errorf("after trying again the learner's last message is %q; want the summary", got)
	}
}

// TestSharedContactIsNotLostWhenItCannotBeSent: if the contact cannot reach the consultant, the learner
// hears so and may press [share] again; it must not say «already shared».
func TestSharedContactIsNotLostWhenItCannotBeSent(t *testing.T) {
	h := clubHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.makeConsultant(amir, "امیر", "marketing")
	id := h.session(maryam, amir, "marketing")
	started := h.lastWith(maryam, "جلسه")
	h.sim.FailNext("sendMessage", 1, 500, "", 0)
	h.pressData(maryam, started, cb("csshare", idArg(id)))
	h.pressData(maryam, started, cb("csshare", idArg(id)))
	if !h.botSaid(amir, "احمدی") {
		t.Errorf("after a failed share and a second press amir never got maryam's contact; her chat ends with %q", h.last(maryam).Plain)
	}
}

// TestConsultantListFitsWithManyConsultants: /consultants is where admins suspend and remove consultants;
// with a club of 25 it was over 4096 characters and Telegram refused it, so no consultant could be
// managed. It is paged, and an action keeps the admin on the page of the consultant they acted on.
func TestConsultantListFitsWithManyConsultants(t *testing.T) {
	h := clubHarness(t, nil)
	const n = 25
	if err := h.db.Update(func(tx *storeTx) error {
		for i := range n {
			k := &store.Consultant{ID: int64(5000 + i), Name: fmt.Sprintf("مشاور شمارهٔ %d با نام کامل و بلند", i+1),
				Topics: consultTopics, Status: store.ConsultantActive, ProfileDone: true, Joined: h.clock.Now()}
			if err := tx.PutConsultant(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range n { // consultants have a chat with the bot, so notices to them can be delivered
		h.sim.SendText(tgsim.User{ID: int64(5000 + i), FirstName: "م", LanguageCode: "fa"}, "/help")
	}
	h.settle()
	h.send(adminUser, "/consultants")
	list := h.last(adminUser)
	if !strings.Contains(list.Plain, "مشاور شمارهٔ ۱ ") && !strings.Contains(list.Plain, "مشاور شمارهٔ 1 ") {
		t.Fatalf("/consultants with %d consultants answered %q", n, list.Plain)
	}
	// Through the pages to the last consultant, and suspend them.
	last := strconv.FormatInt(5000+n-1, 10)
	for range n {
		if hasData(list, cb("csadm", "sus", last)) {
			break
		}
		next := buttonData(list, "بعدی")
		if next == "" {
			t.Fatalf("no next page and no button for the last consultant; buttons %q", list.ButtonTexts())
		}
		h.pressData(adminUser, list, next)
		list = h.last(adminUser)
	}
	h.pressData(adminUser, list, cb("csadm", "sus", last))
	if k := h.consultantRec(tgsim.User{ID: 5000 + n - 1}); k.Status != store.ConsultantSuspended {
		t.Errorf("the last consultant is %s; want suspended", k.Status)
	}
	if m, _ := h.sim.Message(adminUser.ID, list.ID); !hasData(m, cb("csadm", "act", last)) {
		t.Errorf("after the suspension the list does not show the consultant's [reinstate]; buttons %q", m.ButtonTexts())
	}
}

func hasData(m tgsim.Message, data string) bool {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == data {
				return true
			}
		}
	}
	return false
}

// TestForgedRemoveButtonCannotPanic: cb() panics on data over 64 bytes, so no button may echo what came in
// a callback. «remove» echoed its id argument into the confirm button: a 53-character id (leading zeros
// still parse) made the confirm button 65 bytes.
func TestForgedRemoveButtonCannotPanic(t *testing.T) {
	h := clubHarness(t, nil)
	h.makeConsultant(amir, "امیر", "marketing")
	h.send(adminUser, "/consultants")
	id := strings.Repeat("0", 53-len(strconv.FormatInt(amir.ID, 10))) + strconv.FormatInt(amir.ID, 10)
	data := cb("csadm", "rm", id)
	if len(data) != 64 {
		t.Fatalf("forged data is %d bytes; want 64", len(data))
	}
	h.pressDataForged(adminUser, h.last(adminUser), data)
	if n := h.bot.panics.Load(); n != 0 {
		t.Fatalf("a forged [remove] made %d panics", n)
	}
	if !hasData(h.last(adminUser), cb("csadm", "rmy", strconv.FormatInt(amir.ID, 10))) {
		t.Errorf("the confirmation does not name amir; buttons %q", h.last(adminUser).ButtonTexts())
	}
}

// putConsultants stores n complete, available consultants with long names and hours, as a big club has.
func (h *harness) putConsultants(n int, hours string) {
	h.t.Helper()
	if err := h.db.Update(func(tx *storeTx) error {
		for i := range n {
			k := &store.Consultant{ID: int64(5000 + i), Name: fmt.Sprintf("مشاور شمارهٔ %d با نام کامل و بلند", i+1),
				Topics: consultTopics, Status: store.ConsultantActive, ProfileDone: true, Hours: hours,
				RatingSum: 9, RatingCount: 2, Sessions: 120, Joined: h.clock.Now()}
			if err := tx.PutConsultant(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
}

// TestClubListsFitInAMessage: /consultations lists every consultant's figures and /club up to fifteen
// with their hours (up to 200 characters each); neither may pass Telegram's 4096 characters, or the
// admins lose their figures and learners the directory.
func TestClubListsFitInAMessage(t *testing.T) {
	h := clubHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.putConsultants(60, strings.Repeat("شنبه تا چهارشنبه ساعت ۱۷ تا ۲۰، ", 6))
	h.send(adminUser, "/consultations")
	if !h.botSaid(adminUser, "مشاور شمارهٔ 60 ") {
		t.Errorf("/consultations with 60 consultants does not list the last; the admin's chat ends with %q", h.last(adminUser).Plain)
	}
	h.send(maryam, "/club")
	if got := h.last(maryam).Plain; !strings.Contains(got, "مشاور شمارهٔ 1 ") || !strings.Contains(got, "مشاور دیگر") {
		t.Errorf("/club with 60 consultants answered %q; want the first ones and «… و n مشاور دیگر»", got)
	}
}

// TestConsultantCannotAskThroughAnOldTopicButton: /consult refuses consultants, but a topic button kept from
// before someone became a consultant still opened a question; a consultant with a question of their own
// has their messages to their learners relayed to their own consultant instead.
func TestConsultantCannotAskThroughAnOldTopicButton(t *testing.T) {
	h := clubHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.makeConsultant(sara, "Sara", "legal")
	h.send(amir, "/consult")
	topics := h.last(amir)
	h.makeConsultant(amir, "امیر", "marketing")
	h.pressData(amir, topics, cb("cst", "legal"))
	if st := h.user(amir).Step; st == stepConsQuestion {
		h.send(amir, "یک پرسش حقوقی دربارهٔ قرارداد اجاره دارم")
	}
	if cur := h.clubLearner(amir).Current; cur != 0 {
		t.Errorf("consultant amir queued question %d through an old topic button", cur)
	}
}

// TestForgedMenuModeCannotPanic: the onboarding buttons carry their menu mode into the next keyboard;
// a forged 64-byte [language] button with a long mode made the track buttons longer than 64 bytes and
// cb() panicked. Only the two modes the bot makes are accepted.
func TestForgedMenuModeCannotPanic(t *testing.T) {
	h := newHarness(t, nil)
	h.send(maryam, "/start")
	data := "1|lang|fa|" + strings.Repeat("o", 54)
	if len(data) != 64 {
		t.Fatalf("forged data is %d bytes", len(data))
	}
	ans := h.pressDataForged(maryam, h.last(maryam), data)
	if n := h.bot.panics.Load(); n != 0 {
		t.Fatalf("a forged [language] button made %d panics", n)
	}
	if ans != h.bot.Texts.T("fa", "ButtonExpired") {
		t.Errorf("a forged mode answered %q; want the expired-button toast", ans)
	}
	for _, d := range []string{cb("track", "home", "zz"), cb("time", "480", "zz"), cb("time", "type", "zz")} {
		if ans := h.pressDataForged(maryam, h.last(maryam), d); ans != h.bot.Texts.T("fa", "ButtonExpired") {
			t.Errorf("%s answered %q; want the expired-button toast", d, ans)
		}
	}
}
