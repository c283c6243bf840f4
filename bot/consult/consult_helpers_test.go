package consult_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/consult"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// harness is the end-to-end harness with the club's helpers.
type harness struct{ *apptest.Harness }

// The learners and the admin of the tests.
var (
	maryam    = apptest.Maryam
	john      = apptest.John
	adminUser = apptest.Admin
)

// cb is a button's callback data, "1|<action>|<arg>…", as the club's buttons carry it.
func cb(action string, args ...string) string {
	return strings.Join(append([]string{"1", action}, args...), "|")
}

func idArg(id uint64) string { return strconv.FormatUint(id, 10) }

// Two consultants of the club; their last names and usernames must never reach a learner.
var (
	amir = tgsim.User{ID: 201, FirstName: "امیر", LastName: "کاظمی", Username: "amir_kazemi", LanguageCode: "fa"}
	sara = tgsim.User{ID: 202, FirstName: "Sara", LastName: "Rahimi", Username: "sara_rahimi", LanguageCode: "en"}
)

// clubHarness starts a bot whose club sweeps only when the test says so.
func clubHarness(tb testing.TB, configure func(*app.Config)) *harness {
	tb.Helper()
	return &harness{apptest.New(tb, func(c *app.Config) {
		c.Consult.SweepEvery = -1
		if configure != nil {
			configure(c)
		}
	})}
}

var inviteLink = regexp.MustCompile(`https://t\.me/[A-Za-z0-9_]+\?start=(cons_[A-Za-z0-9_-]+)`)

// invite has the admin make a consultant invite and returns its /start payload.
func (h *harness) invite() string {
	h.T.Helper()
	h.Send(adminUser, "/invite_consultant")
	m := inviteLink.FindStringSubmatch(h.Last(adminUser).Plain)
	if m == nil {
		h.T.Fatalf("no invite link in %q", h.Last(adminUser).Plain)
	}
	return m[1]
}

// makeConsultant takes u through an invite and the whole profile; topics are ids from consultTopics.
func (h *harness) makeConsultant(u tgsim.User, name string, topics ...string) {
	h.T.Helper()
	h.Send(u, "/start "+h.invite())
	if got := h.Last(u).Plain; !strings.Contains(got, "نامی") && !strings.Contains(got, "What name") {
		h.T.Fatalf("after the invite %s got %q; want the name question", u.FirstName, got)
	}
	h.Send(u, name)
	for _, t := range topics {
		h.PressData(u, h.Last(u), cb("cstop", t))
	}
	h.PressData(u, h.Last(u), cb("cstop", "done"))
	h.Send(u, "بیست سال تجربهٔ کار در بازار و آموزش کارآفرینی.")
	h.Send(u, "شنبه تا چهارشنبه، ۱۷ تا ۲۰")
	k := h.consultantRec(u)
	if !k.ProfileDone || k.Status != store.ConsultantActive || k.Name != name {
		h.T.Fatalf("consultant %s = %+v; want an active, complete profile", u.FirstName, k)
	}
}

func (h *harness) consultantRec(u tgsim.User) *store.Consultant {
	h.T.Helper()
	var k *store.Consultant
	if err := h.DB.View(func(tx *store.Tx) error {
		var err error
		k, err = tx.Consultant(u.ID)
		return err
	}); err != nil {
		h.T.Fatalf("consultant %d: %v", u.ID, err)
	}
	return k
}

// ask has a learner ask a question on topic and returns the session number.
func (h *harness) ask(u tgsim.User, topic, question string) uint64 {
	h.T.Helper()
	h.Send(u, "/consult")
	h.PressData(u, h.Last(u), cb("cst", topic))
	h.Send(u, question)
	id := h.clubLearner(u).Current
	if id == 0 {
		h.T.Fatalf("%s's question was not queued; last reply %q", u.FirstName, h.Last(u).Plain)
	}
	return id
}

func (h *harness) clubLearner(u tgsim.User) store.ClubLearner {
	var l store.ClubLearner
	_ = h.DB.View(func(tx *store.Tx) error { l = tx.ClubLearner(u.ID); return nil })
	return l
}

func (h *harness) consultation(id uint64) *store.Consultation {
	h.T.Helper()
	var rec *store.Consultation
	if err := h.DB.View(func(tx *store.Tx) error {
		var err error
		rec, err = tx.Consultation(id)
		return err
	}); err != nil {
		h.T.Fatalf("consultation %d: %v", id, err)
	}
	return rec
}

// card is the offer card of session id in a consultant's chat, if it still has its [Take it] button.
func (h *harness) card(u tgsim.User, id uint64) (tgsim.Message, bool) {
	data := cb("cstake", idArg(id))
	for _, m := range h.Sim.BotMessages(u.ID) {
		if m.HasButton(data) {
			return m, true
		}
	}
	return tgsim.Message{}, false
}

// take presses [Take it] on session id's card.
func (h *harness) take(u tgsim.User, id uint64) string {
	h.T.Helper()
	m, ok := h.card(u, id)
	if !ok {
		h.T.Fatalf("%s has no card for session %d", u.FirstName, id)
	}
	return h.PressData(u, m, cb("cstake", idArg(id)))
}

// session opens a session between learner and consultant (the only consultant offered) and returns it.
func (h *harness) session(learner, consultant tgsim.User, topic string) uint64 {
	h.T.Helper()
	id := h.ask(learner, topic, "چطور برای محصولات خانگی‌ام مشتری پیدا کنم؟")
	h.take(consultant, id)
	if rec := h.consultation(id); rec.Status != store.ConsultOpen || rec.ConsultantID != consultant.ID {
		h.T.Fatalf("session %d = %+v; want open with %s", id, rec, consultant.FirstName)
	}
	return id
}

// notices lists the outbox notices for chatID: those the sender delivered, then those still waiting.
func (h *harness) notices(chatID int64) []bot.Notice {
	h.T.Helper()
	h.Drain()
	var out []bot.Notice
	for _, q := range h.Delivered() {
		if q.Notice.ChatID == chatID || (q.Notice.ChatID == 0 && q.ChatID == chatID) {
			out = append(out, q.Notice)
		}
	}
	for _, q := range h.Pending(store.LaneNotice) {
		if q.ChatID == chatID {
			out = append(out, q.Notice)
		}
	}
	return out
}

// deliverNotices lets the outbox sender deliver what is due.
func (h *harness) deliverNotices() {
	h.T.Helper()
	h.Drain()
}

// noticeWith is the first notice to chatID whose text contains substr.
func (h *harness) noticeWith(chatID int64, substr string) (bot.Notice, bool) {
	for _, n := range h.notices(chatID) {
		if strings.Contains(n.Text, substr) {
			return n, true
		}
	}
	return bot.Notice{}, false
}

// sweep runs the club's timeouts once.
func (h *harness) sweep() consult.SweepReport {
	h.T.Helper()
	rep, err := h.App.Consult.Sweep(h.Ctx())
	if err != nil {
		h.T.Fatalf("Sweep: %v", err)
	}
	h.Settle()
	return rep
}

// lastCopy is the newest bot message in chat that is a copy (copyMessage) of a message in from.
func (h *harness) lastCopy(chat, from int64) (tgsim.Message, bool) {
	msgs := h.Sim.BotMessages(chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		if c := msgs[i].CopyOf; c != nil && c.ChatID == from {
			return msgs[i], true
		}
		// A consultant's text reaches the learner as a new message under the consultant's signature.
		if msgs[i].CopyOf == nil && msgs[i].Kind == "text" && strings.HasPrefix(msgs[i].Plain, "💬 ") && strings.Contains(msgs[i].Plain, "\n") {
			m := msgs[i]
			_, m.Plain, _ = strings.Cut(m.Plain, "\n")
			return m, true
		}
	}
	return tgsim.Message{}, false
}

// everythingShown is every piece of text the bot showed in chat: messages, captions, buttons, contacts.
func (h *harness) everythingShown(chat int64) []string {
	var out []string
	for _, m := range h.Sim.Messages(chat) {
		if !m.FromBot {
			continue
		}
		out = append(out, m.Text, m.Plain)
		out = append(out, m.ButtonTexts()...)
		if m.Contact != nil {
			out = append(out, m.Contact.Phone, m.Contact.FirstName, m.Contact.LastName)
		}
	}
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

// botSaid reports whether any current bot message in u's chat contains substr.
func (h *harness) botSaid(u tgsim.User, substr string) bool {
	for _, m := range h.Sim.BotMessages(u.ID) {
		if strings.Contains(m.Plain, substr) {
			return true
		}
	}
	return false
}
