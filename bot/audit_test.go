package bot_test

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

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// TestRefusalIsNotRepeatedAfterRestart: an update the bot answered with a refusal (or an apology) is done
// with; it must leave the inbox, or every restart replays it and the learner reads the refusal again.
func TestRefusalIsNotRepeatedAfterRestart(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.App.Routes().Command("boom", func(context.Context, *bot.Ctx) error { panic("handler bug") })
	h.Send(maryam, "/verify ZZZZZZZZZZZZ")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "پیدا نشد") {
		t.Fatalf("/verify with an unknown code answered %q; want «پیدا نشد»", got)
	}
	h.Send(maryam, "/boom")
	before := h.Count(maryam)

	h.Restart()
	h.Settle()
	h.Send(maryam, "/help")
	if got := h.Count(maryam); got != before+1 {
		for _, m := range h.Sim.BotMessages(maryam.ID)[before:] {
			t.Logf("after the restart: %q", m.Plain)
		}
		t.Errorf("after a restart and /help maryam has %d messages; want %d (only the help)", got, before+1)
	}
	if saved, err := h.DB.Inbox(); err != nil || len(saved) != 0 {
		t.Errorf("inbox after the refusals = %v (%v); want empty", saved, err)
	}
}

// TestStepStartedDuringSessionIsNotRelayed: a learner in a consultation who starts /feedback writes to the
// program's team, not to their consultant; a consultant who is also an admin and answers someone's
// feedback answers that learner, not the one in their session. A step the user started on purpose takes
// their next message before the relay does.
func TestStepStartedDuringSessionIsNotRelayed(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "general")
	h.MakeConsultant(amir, "امیر", "marketing")
	h.Session(maryam, amir, "marketing")

	h.Send(maryam, "/feedback")
	complaint := "مشاورم به پرسش‌هایم پاسخ درستی نمی‌دهد"
	h.Send(maryam, complaint)
	if m, ok := h.lastCopy(amir.ID, maryam.ID); ok && strings.Contains(m.Plain, complaint) {
		t.Errorf("maryam's feedback about her consultant was relayed to him: %q", m.Plain)
	}
	if _, ok := h.noticeWith(adminUser.ID, complaint); !ok {
		t.Errorf("maryam's feedback did not reach the admins; her chat ends with %q", h.Last(maryam).Plain)
	}

	// The admin is a consultant in a session with reza, and answers john's feedback.
	h.Onboard(reza, "fa", "home")
	h.MakeConsultant(adminUser, "کارشناس", "finance")
	h.Session(reza, adminUser, "finance")
	h.Send(john, "/feedback")
	h.Send(john, "Please add more lessons on pricing.")
	h.Drain()
	h.Press(adminUser, h.lastWith(adminUser, "pricing"), "")
	answer := "Thanks John, pricing lessons are coming next month."
	h.Send(adminUser, answer)
	if m, ok := h.lastCopy(reza.ID, adminUser.ID); ok && strings.Contains(m.Plain, answer) {
		t.Errorf("the admin's answer to john was relayed to reza: %q", m.Plain)
	}
	if _, ok := h.noticeWith(john.ID, answer); !ok {
		t.Errorf("the admin's answer did not reach john; the admin's chat ends with %q", h.Last(adminUser).Plain)
	}
}

// TestTakingASessionEndsTheConsultantsStaleStep: a consultant who left a search prompt open and then takes
// a question talks to the learner with their next message; the old prompt does not swallow it.
func TestTakingASessionEndsTheConsultantsStaleStep(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "امیر", "marketing")
	h.Send(amir, "/library")
	h.Press(amir, h.Last(amir), "🔍")
	if h.User(amir).Step != stepSearch {
		t.Fatalf("amir's step = %q; want the search prompt", h.User(amir).Step)
	}
	h.Session(maryam, amir, "marketing")
	h.Send(amir, "سلام مریم، از کدام شهر هستید؟")
	// A consultant's text reaches the learner under their signature («💬 امیر، مشاور»).
	if m := h.Last(maryam); !strings.HasPrefix(m.Plain, "💬 امیر، مشاور") || !strings.Contains(m.Plain, "از کدام شهر") {
		t.Errorf("amir's first words did not reach maryam; his chat ends with %q", h.Last(amir).Plain)
	}
}

// TestTakeNeedsAnOffer: session numbers are sequential, so a consultant who forges [Take it] for a
// request that was never offered to them (another topic) must not get it, nor the learner's context.
func TestTakeNeedsAnOffer(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "امیر", "marketing")
	h.MakeConsultant(sara, "Sara", "legal")
	id := h.Ask(maryam, "marketing", "چطور برای محصولات خانگی‌ام مشتری پیدا کنم؟")
	if _, ok := h.Card(sara, id); ok {
		t.Fatal("sara (legal) got a card for a marketing question")
	}
	before := h.Count(sara)
	ans := h.PressForged(sara, h.Last(sara), cb("cstake", idArg(id)))
	if rec := h.Consultation(id); rec.Status != "waiting" || rec.ConsultantID != 0 {
		t.Errorf("after sara's forged claim the request is %s with consultant %d; want still waiting", rec.Status, rec.ConsultantID)
	}
	if ans != h.App.Texts.T("en", "ButtonExpired") {
		t.Errorf("sara's forged claim answered %q; want the expired-button toast", ans)
	}
	for _, m := range h.since(sara, before) {
		if strings.Contains(m.Plain, "مریم") || strings.Contains(m.Text, "مریم") {
			t.Errorf("sara was shown maryam's context: %q", m.Plain)
		}
	}
	h.Take(amir, id)
	if rec := h.Consultation(id); rec.ConsultantID != amir.ID {
		t.Errorf("amir, who was offered it, could not take it: %+v", rec)
	}
}

// TestEditOfACancelledEventSchedulesNoReminders: an admin who opened «edit description» before the event
// was cancelled (by a colleague, or on another card) and then types the description must not bring the
// reminders of the cancelled event back into the outbox.
func TestEditOfACancelledEventSchedulesNoReminders(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(adminUser, "fa", "general")
	e := h.addEvent(nil)
	h.attend(maryam, e)
	if len(h.queuedWith(maryam.ID, eventJobPrefix(e.ID)+"r")) == 0 {
		t.Fatal("no reminders were scheduled for maryam's seat")
	}
	card := h.Last(adminUser)
	h.PressForged(adminUser, card, cb("eve", evID(e), editDesc))
	if h.User(adminUser).Step != stepEvDesc {
		t.Fatalf("admin step = %q; want the description prompt", h.User(adminUser).Step)
	}
	h.PressForged(adminUser, card, cb("evk", evID(e), "yes"))
	if h.event(e.ID).Status != "cancelled" {
		t.Fatal("the event was not cancelled")
	}
	h.Send(adminUser, "توضیح تازه برای کارگاه")
	if q := h.queuedWith(maryam.ID, eventJobPrefix(e.ID)+"r"); len(q) != 0 {
		t.Errorf("after editing the cancelled event maryam has reminders queued: %v", keysOf(q))
	}
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "قبلاً لغو شده") {
		t.Errorf("the admin was told %q; want that the event is cancelled", got)
	}
	if st := h.User(adminUser).Step; st != "" {
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
	h := newHarness(t, func(c *app.Config) {
		api, err := tgbotapi.NewBotAPIWithClient(apptest.Token, c.APIURL+"/bot%s/%s", &http.Client{Transport: transport})
		if err != nil {
			t.Fatal(err)
		}
		c.API = api
	})
	h.Onboard(maryam, "fa", "home")
	transport.failing.Store(true)
	h.Send(maryam, "/help")
	transport.failing.Store(false)
	h.App.CheckWebhook() // webhook mode's periodic check
	for _, want := range []string{"handler failed", "setMyCommands", "getWebhookInfo failed"} {
		if !strings.Contains(h.Logs.String(), want) {
			t.Errorf("the failed %s was not logged; logs:\n%s", want, h.Logs.String())
		}
	}
}

// TestSummaryIsNotLostWhenItCannotBeSent: the summary is sent, not stored; when the send fails the
// consultant is asked to try again, so the session must not be marked as summarised.
func TestSummaryIsNotLostWhenItCannotBeSent(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "امیر", "marketing")
	h.Session(maryam, amir, "marketing")
	h.Send(amir, "/end")
	h.Press(amir, h.Last(amir), "نوشتن خلاصه")

	h.Sim.FailNext("sendMessage", 1, 500, "", 0)
	h.Send(amir, "قیمت را بر پایهٔ هزینه تعیین کنید.")
	if got := h.Last(amir).Plain; !strings.Contains(got, "مشکلی پیش آمد") {
		t.Fatalf("a failed summary send answered %q; want the apology", got)
	}
	h.Send(amir, "قیمت را بر پایهٔ هزینه تعیین کنید.")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "قیمت را بر پایهٔ هزینه") {
		t.Errorf("after trying again the learner's last message is %q; want the summary", got)
	}
}

// TestSharedContactIsNotLostWhenItCannotBeSent: if the contact cannot reach the consultant, the learner
// hears so and may press [share] again; it must not say «already shared».
func TestSharedContactIsNotLostWhenItCannotBeSent(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "امیر", "marketing")
	id := h.Session(maryam, amir, "marketing")
	started := h.lastWith(maryam, "جلسه")
	h.Sim.FailNext("sendMessage", 1, 500, "", 0)
	h.PressData(maryam, started, cb("csshare", idArg(id)))
	h.PressData(maryam, started, cb("csshare", idArg(id)))
	if !h.botSaid(amir, "احمدی") {
		t.Errorf("after a failed share and a second press amir never got maryam's contact; her chat ends with %q", h.Last(maryam).Plain)
	}
}

// TestConsultantListFitsWithManyConsultants: /consultants is where admins suspend and remove consultants;
// with a club of 25 it was over 4096 characters and Telegram refused it, so no consultant could be
// managed. It is paged, and an action keeps the admin on the page of the consultant they acted on.
func TestConsultantListFitsWithManyConsultants(t *testing.T) {
	h := newHarness(t, nil)
	const n = 25
	if err := h.DB.Update(func(tx *store.Tx) error {
		for i := range n {
			k := &store.Consultant{ID: int64(5000 + i), Name: fmt.Sprintf("مشاور شمارهٔ %d با نام کامل و بلند", i+1),
				Topics: consultTopics, Status: store.ConsultantActive, ProfileDone: true, Joined: h.Clock.Now()}
			if err := tx.PutConsultant(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range n { // consultants have a chat with the bot, so notices to them can be delivered
		h.Sim.SendText(tgsim.User{ID: int64(5000 + i), FirstName: "م", LanguageCode: "fa"}, "/help")
	}
	h.Settle()
	h.Send(adminUser, "/consultants")
	list := h.Last(adminUser)
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
		h.PressData(adminUser, list, next)
		list = h.Last(adminUser)
	}
	h.PressData(adminUser, list, cb("csadm", "sus", last))
	if k := h.ConsultantRec(tgsim.User{ID: 5000 + n - 1}); k.Status != store.ConsultantSuspended {
		t.Errorf("the last consultant is %s; want suspended", k.Status)
	}
	if m, _ := h.Sim.Message(adminUser.ID, list.ID); !hasData(m, cb("csadm", "act", last)) {
		t.Errorf("after the suspension the list does not show the consultant's [reinstate]; buttons %q", m.ButtonTexts())
	}
}

// TestForgedRemoveButtonCannotPanic: cb() panics on data over 64 bytes, so no button may echo what came in
// a callback. «remove» echoed its id argument into the confirm button: a 53-character id (leading zeros
// still parse) made the confirm button 65 bytes.
func TestForgedRemoveButtonCannotPanic(t *testing.T) {
	h := newHarness(t, nil)
	h.MakeConsultant(amir, "امیر", "marketing")
	h.Send(adminUser, "/consultants")
	id := strings.Repeat("0", 53-len(strconv.FormatInt(amir.ID, 10))) + strconv.FormatInt(amir.ID, 10)
	data := cb("csadm", "rm", id)
	if len(data) != 64 {
		t.Fatalf("forged data is %d bytes; want 64", len(data))
	}
	h.PressForged(adminUser, h.Last(adminUser), data)
	if n := h.panics(t); n != 0 {
		t.Fatalf("a forged [remove] made %v panics", n)
	}
	if !hasData(h.Last(adminUser), cb("csadm", "rmy", strconv.FormatInt(amir.ID, 10))) {
		t.Errorf("the confirmation does not name amir; buttons %q", h.Last(adminUser).ButtonTexts())
	}
}

// putConsultants stores n complete, available consultants with long names and hours, as a big club has.
func (h *harness) putConsultants(n int, hours string) {
	h.T.Helper()
	if err := h.DB.Update(func(tx *store.Tx) error {
		for i := range n {
			k := &store.Consultant{ID: int64(5000 + i), Name: fmt.Sprintf("مشاور شمارهٔ %d با نام کامل و بلند", i+1),
				Topics: consultTopics, Status: store.ConsultantActive, ProfileDone: true, Hours: hours,
				RatingSum: 9, RatingCount: 2, Sessions: 120, Joined: h.Clock.Now()}
			if err := tx.PutConsultant(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		h.T.Fatal(err)
	}
}

// TestClubListsFitInAMessage: /consultations lists every consultant's figures and /club up to fifteen
// with their hours (up to 200 characters each); neither may pass Telegram's 4096 characters, or the
// admins lose their figures and learners the directory.
func TestClubListsFitInAMessage(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.putConsultants(60, strings.Repeat("شنبه تا چهارشنبه ساعت ۱۷ تا ۲۰، ", 6))
	h.Send(adminUser, "/consultations")
	if !h.botSaid(adminUser, "مشاور شمارهٔ 60 ") {
		t.Errorf("/consultations with 60 consultants does not list the last; the admin's chat ends with %q", h.Last(adminUser).Plain)
	}
	h.Send(maryam, "/club")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "مشاور شمارهٔ 1 ") || !strings.Contains(got, "مشاور دیگر") {
		t.Errorf("/club with 60 consultants answered %q; want the first ones and «… و n مشاور دیگر»", got)
	}
}

// TestConsultantCannotAskThroughAnOldTopicButton: /consult refuses consultants, but a topic button kept from
// before someone became a consultant still opened a question; a consultant with a question of their own
// has their messages to their learners relayed to their own consultant instead.
func TestConsultantCannotAskThroughAnOldTopicButton(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(sara, "Sara", "legal")
	h.Send(amir, "/consult")
	topics := h.Last(amir)
	h.MakeConsultant(amir, "امیر", "marketing")
	h.PressData(amir, topics, cb("cst", "legal"))
	if st := h.User(amir).Step; st == stepConsQuestion {
		h.Send(amir, "یک پرسش حقوقی دربارهٔ قرارداد اجاره دارم")
	}
	if cur := h.ClubLearner(amir).Current; cur != 0 {
		t.Errorf("consultant amir queued question %d through an old topic button", cur)
	}
}

// TestForgedMenuModeCannotPanic: the onboarding buttons carry their menu mode into the next keyboard;
// a forged 64-byte [language] button with a long mode made the track buttons longer than 64 bytes and
// cb() panicked. Only the two modes the bot makes are accepted.
func TestForgedMenuModeCannotPanic(t *testing.T) {
	h := newHarness(t, nil)
	h.Send(maryam, "/start")
	data := "1|lang|fa|" + strings.Repeat("o", 54)
	if len(data) != 64 {
		t.Fatalf("forged data is %d bytes", len(data))
	}
	ans := h.PressForged(maryam, h.Last(maryam), data)
	if n := h.panics(t); n != 0 {
		t.Fatalf("a forged [language] button made %v panics", n)
	}
	if ans != h.App.Texts.T("fa", "ButtonExpired") {
		t.Errorf("a forged mode answered %q; want the expired-button toast", ans)
	}
	for _, d := range []string{cb("track", "home", "zz"), cb("time", "480", "zz"), cb("time", "type", "zz")} {
		if ans := h.PressForged(maryam, h.Last(maryam), d); ans != h.App.Texts.T("fa", "ButtonExpired") {
			t.Errorf("%s answered %q; want the expired-button toast", d, ans)
		}
	}
}

// TestGuardedRoutesRefuseOthers walks every guarded route that any feature registered (Bot.RouteList:
// admin-only, consultant-only …) as a learner: every guarded command with a few arguments gets exactly
// the unknown-command reply, every guarded button exactly the expired-button toast, a learner left in a
// guarded step is not served by it; and nothing else happens anywhere.
func TestGuardedRoutesRefuseOthers(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.HTTPToken = testOpsToken })
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "youth")
	menu := h.Last(maryam)
	unknown, expired := h.fa("UnknownCommand"), h.fa("ButtonExpired")
	var guarded []bot.RouteInfo
	isGuarded := map[string]bool{}
	for _, r := range h.App.RouteList() {
		if r.Guarded {
			guarded = append(guarded, r)
			isGuarded[r.Kind+" "+r.Name] = true
		}
	}
	// At least every admin route of the single package the features came from (HEAD before the split).
	for _, want := range []string{
		// ops
		"command admins", "command backup", "command broadcast", "command deadletters", "command export",
		"command reload", "command stats", "callback ada", "callback adl", "callback adr", "callback ady",
		"callback bca", "callback bcs", "callback bcx", "callback dlr", "callback exp",
		// events
		"command newevent", "command importevents", "command allevents", "callback eal", "callback eva",
		"callback eve", "callback evk", "callback evq", "callback evs", "callback evw",
		// library
		"command leaderboard", "callback fbr",
		// consult
		"command invite_consultant", "command consultants", "command consultations", "command bar",
		"command unbar", "command transcripts", "command transcript", "callback csadm",
	} {
		if !isGuarded[want] {
			t.Errorf("%s is not a guarded route", want)
		}
	}
	t.Logf("%d guarded routes: %v", len(guarded), guarded)
	before := h.botMessageCounts()
	for _, r := range guarded {
		switch r.Kind {
		case "command":
			for _, args := range []string{"", " add 103", " remove 900", " learners", " progress"} {
				n := h.Count(maryam)
				h.Send(maryam, "/"+r.Name+args)
				if got := h.Count(maryam); got != n+1 {
					t.Errorf("/%s%s: %d new messages; want exactly one", r.Name, args, got-n)
				}
				if m := h.Last(maryam); m.Kind != "text" || m.Text != unknown {
					t.Errorf("/%s%s as a learner: %s %q; want the unknown-command reply %q", r.Name, args, m.Kind, m.Text, unknown)
				}
			}
		case "callback":
			for _, data := range []string{cb(r.Name), cb(r.Name, "103"), cb(r.Name, "900"), cb(r.Name, "learners")} {
				n := h.Count(maryam)
				if got := h.PressForged(maryam, menu, data); got != expired {
					t.Errorf("button %q as a learner: toast %q; want %q", data, got, expired)
				}
				if h.Count(maryam) != n {
					t.Errorf("button %q as a learner sent a message", data)
				}
			}
		case "step":
			// Left in the step (an admin removed mid-way, a consultant who left the club): what they type
			// next is not the step's input.
			if err := h.DB.Update(func(tx *store.Tx) error {
				u, err := tx.User(maryam.ID)
				if err != nil {
					return err
				}
				u.Step, u.StepData = r.Name, ""
				return tx.PutUser(u)
			}); err != nil {
				t.Fatal(err)
			}
			h.Send(maryam, "103")
		default:
			t.Errorf("route %+v of an unknown kind", r)
		}
	}
	// Nothing changed and nothing leaked: no admin added, nothing queued, no other chat touched, no file.
	after := h.botMessageCounts()
	for id, n := range before {
		if id != maryam.ID && after[id] != n {
			t.Errorf("chat %d got %d new bot messages", id, after[id]-n)
		}
	}
	if h.DB.IsAdmin(reza.ID) || h.DB.IsAdmin(maryam.ID) {
		t.Error("a learner's admin command added an admin")
	}
	if n := h.noticesWaiting(); len(n) != 0 {
		t.Errorf("outbox after refused guarded routes: %+v", n)
	}
	for _, method := range []string{"sendDocument", "sendPhoto"} {
		if n := h.Sim.Calls(method); n != 0 {
			t.Errorf("%s called %d times for a learner", method, n)
		}
	}
	if logs := h.Logs.String(); strings.Contains(logs, "handler=/stats") || !strings.Contains(logs, "handler=/unknown") {
		t.Error("refused guarded commands should be logged as /unknown, not by their name")
	}
}
