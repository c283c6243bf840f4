package bot

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// Two consultants of the club; their last names and usernames must never reach a learner.
var (
	amir = tgsim.User{ID: 201, FirstName: "امیر", LastName: "کاظمی", Username: "amir_kazemi", LanguageCode: "fa"}
	sara = tgsim.User{ID: 202, FirstName: "Sara", LastName: "Rahimi", Username: "sara_rahimi", LanguageCode: "en"}
)

// clubHarness starts a bot whose club sweeps only when the test says so.
func clubHarness(t *testing.T, deps func(*Deps)) *harness {
	t.Helper()
	return newHarness(t, func(d *Deps) {
		d.ConsultSweepEvery = -1
		if deps != nil {
			deps(d)
		}
	})
}

var inviteLink = regexp.MustCompile(`https://t\.me/[A-Za-z0-9_]+\?start=(cons_[A-Za-z0-9_-]+)`)

// invite has the admin make a consultant invite and returns its /start payload.
func (h *harness) invite() string {
	h.t.Helper()
	h.send(adminUser, "/invite_consultant")
	m := inviteLink.FindStringSubmatch(h.last(adminUser).Plain)
	if m == nil {
		h.t.Fatalf("no invite link in %q", h.last(adminUser).Plain)
	}
	return m[1]
}

// makeConsultant takes u through an invite and the whole profile; topics are ids from consultTopics.
func (h *harness) makeConsultant(u tgsim.User, name string, topics ...string) {
	h.t.Helper()
	h.send(u, "/start "+h.invite())
	if got := h.last(u).Plain; !strings.Contains(got, "نامی") && !strings.Contains(got, "What name") {
		h.t.Fatalf("after the invite %s got %q; want the name question", u.FirstName, got)
	}
	h.send(u, name)
	for _, t := range topics {
		h.pressData(u, h.last(u), cb("cstop", t))
	}
	h.pressData(u, h.last(u), cb("cstop", "done"))
	h.send(u, "بیست سال تجربهٔ کار در بازار و آموزش کارآفرینی.")
	h.send(u, "شنبه تا چهارشنبه، ۱۷ تا ۲۰")
	k := h.consultantRec(u)
	if !k.ProfileDone || k.Status != store.ConsultantActive || k.Name != name {
		h.t.Fatalf("consultant %s = %+v; want an active, complete profile", u.FirstName, k)
	}
}

func (h *harness) consultantRec(u tgsim.User) *store.Consultant {
	h.t.Helper()
	var k *store.Consultant
	if err := h.db.View(func(tx *store.Tx) error {
		var err error
		k, err = tx.Consultant(u.ID)
		return err
	}); err != nil {
		h.t.Fatalf("consultant %d: %v", u.ID, err)
	}
	return k
}

// ask has a learner ask a question on topic and returns the session number.
func (h *harness) ask(u tgsim.User, topic, question string) uint64 {
	h.t.Helper()
	h.send(u, "/consult")
	h.pressData(u, h.last(u), cb("cst", topic))
	h.send(u, question)
	id := h.clubLearner(u).Current
	if id == 0 {
		h.t.Fatalf("%s's question was not queued; last reply %q", u.FirstName, h.last(u).Plain)
	}
	return id
}

func (h *harness) clubLearner(u tgsim.User) store.ClubLearner {
	var l store.ClubLearner
	_ = h.db.View(func(tx *store.Tx) error { l = tx.ClubLearner(u.ID); return nil })
	return l
}

func (h *harness) consultation(id uint64) *store.Consultation {
	h.t.Helper()
	var rec *store.Consultation
	if err := h.db.View(func(tx *store.Tx) error {
		var err error
		rec, err = tx.Consultation(id)
		return err
	}); err != nil {
		h.t.Fatalf("consultation %d: %v", id, err)
	}
	return rec
}

// card is the offer card of session id in a consultant's chat, if it still has its [Take it] button.
func (h *harness) card(u tgsim.User, id uint64) (tgsim.Message, bool) {
	data := cb("cstake", idArg(id))
	for _, m := range h.sim.BotMessages(u.ID) {
		if m.HasButton(data) {
			return m, true
		}
	}
	return tgsim.Message{}, false
}

// take presses [Take it] on session id's card.
func (h *harness) take(u tgsim.User, id uint64) string {
	h.t.Helper()
	m, ok := h.card(u, id)
	if !ok {
		h.t.Fatalf("%s has no card for session %d", u.FirstName, id)
	}
	return h.pressData(u, m, cb("cstake", idArg(id)))
}

// session opens a session between learner and consultant (the only consultant offered) and returns it.
func (h *harness) session(learner, consultant tgsim.User, topic string) uint64 {
	h.t.Helper()
	id := h.ask(learner, topic, "چطور برای محصولات خانگی‌ام مشتری پیدا کنم؟")
	h.take(consultant, id)
	if rec := h.consultation(id); rec.Status != store.ConsultOpen || rec.ConsultantID != consultant.ID {
		h.t.Fatalf("session %d = %+v; want open with %s", id, rec, consultant.FirstName)
	}
	return id
}

// (notices, in sections_helpers_test.go, decodes the outbox notices waiting for a chat: the outbox sender of
// issue 5 is not in main yet; once it is, these become delivered messages.)

// noticeWith is the first pending notice to chatID whose text contains substr.
func (h *harness) noticeWith(chatID int64, substr string) (Notice, bool) {
	for _, n := range h.notices(chatID) {
		if strings.Contains(n.Text, substr) {
			return n, true
		}
	}
	return Notice{}, false
}

// sweep runs the club's timeouts once.
func (h *harness) sweep() sweepReport {
	h.t.Helper()
	rep, err := h.bot.consultSweep(h.ctx())
	if err != nil {
		h.t.Fatalf("consultSweep: %v", err)
	}
	h.settle()
	return rep
}

// lastCopy is the newest bot message in chat that is a copy (copyMessage) of a message in from.
func (h *harness) lastCopy(chat, from int64) (tgsim.Message, bool) {
	msgs := h.sim.BotMessages(chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		if c := msgs[i].CopyOf; c != nil && c.ChatID == from {
			return msgs[i], true
		}
	}
	return tgsim.Message{}, false
}

// everythingShown is every piece of text the bot showed in chat: messages, captions, buttons, contacts.
func (h *harness) everythingShown(chat int64) []string {
	var out []string
	for _, m := range h.sim.Messages(chat) {
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
	for _, m := range h.sim.BotMessages(u.ID) {
		if strings.Contains(m.Plain, substr) {
			return true
		}
	}
	return false
}
