package apptest

// The consultants' club, driven as people would: shared by the tests of the core and of the consult
// feature. Button data is spelled out (the club's actions are its own): it is part of the buttons already
// sent, which must not change.

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// clubData is a club button's callback data.
func clubData(action string, args ...string) string {
	return strings.Join(append([]string{"1", action}, args...), "|")
}

func clubID(id uint64) string { return strconv.FormatUint(id, 10) }

var inviteLink = regexp.MustCompile(`\?start=(cons_[A-Za-z0-9_-]+)`)

// Invite has the admin make a consultant invite and returns its /start payload.
func (h *Harness) Invite() string {
	h.T.Helper()
	h.Send(Admin, "/invite_consultant")
	text := h.Last(Admin).Plain
	m := inviteLink.FindStringSubmatch(text)
	if m == nil || !strings.Contains(text, h.DeepLinkPrefix()+m[1]) {
		h.T.Fatalf("no invite link in %q", h.Last(Admin).Plain)
	}
	return m[1]
}

// MakeConsultant takes u through an invite and the whole profile; topics are the club's topic ids.
func (h *Harness) MakeConsultant(u tgsim.User, name string, topics ...string) {
	h.T.Helper()
	h.Send(u, "/start "+h.Invite())
	if got := h.Last(u).Plain; !strings.Contains(got, "نامی") && !strings.Contains(got, "What name") {
		h.T.Fatalf("after the invite %s got %q; want the name question", u.FirstName, got)
	}
	h.Send(u, name)
	for _, t := range topics {
		h.PressData(u, h.Last(u), clubData("cstop", t))
	}
	h.PressData(u, h.Last(u), clubData("cstop", "done"))
	h.Send(u, "بیست سال تجربهٔ کار در بازار و آموزش کارآفرینی.")
	h.Send(u, "شنبه تا چهارشنبه، ۱۷ تا ۲۰")
	k := h.ConsultantRec(u)
	if !k.ProfileDone || k.Status != store.ConsultantActive || k.Name != name {
		h.T.Fatalf("consultant %s = %+v; want an active, complete profile", u.FirstName, k)
	}
}

// ConsultantRec is u's stored consultant record.
func (h *Harness) ConsultantRec(u tgsim.User) *store.Consultant {
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

// Ask has a learner ask a question on topic and returns the session number.
func (h *Harness) Ask(u tgsim.User, topic, question string) uint64 {
	h.T.Helper()
	h.Send(u, "/consult")
	h.PressData(u, h.Last(u), clubData("cst", topic))
	h.Send(u, question)
	id := h.ClubLearner(u).Current
	if id == 0 {
		h.T.Fatalf("%s's question was not queued; last reply %q", u.FirstName, h.Last(u).Plain)
	}
	return id
}

// ClubLearner is u's record in the club.
func (h *Harness) ClubLearner(u tgsim.User) store.ClubLearner {
	var l store.ClubLearner
	_ = h.DB.View(func(tx *store.Tx) error { l = tx.ClubLearner(u.ID); return nil })
	return l
}

// Consultation is session id's stored record.
func (h *Harness) Consultation(id uint64) *store.Consultation {
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

// Card is the offer card of session id in a consultant's chat, if it still has its [Take it] button.
func (h *Harness) Card(u tgsim.User, id uint64) (tgsim.Message, bool) {
	data := clubData("cstake", clubID(id))
	for _, m := range h.Sim.BotMessages(u.ID) {
		if m.HasButton(data) {
			return m, true
		}
	}
	return tgsim.Message{}, false
}

// Take presses [Take it] on session id's card.
func (h *Harness) Take(u tgsim.User, id uint64) string {
	h.T.Helper()
	m, ok := h.Card(u, id)
	if !ok {
		h.T.Fatalf("%s has no card for session %d", u.FirstName, id)
	}
	return h.PressData(u, m, clubData("cstake", clubID(id)))
}

// Session opens a session between learner and consultant (the only consultant offered) and returns it.
func (h *Harness) Session(learner, consultant tgsim.User, topic string) uint64 {
	h.T.Helper()
	id := h.Ask(learner, topic, "چطور برای محصولات خانگی‌ام مشتری پیدا کنم؟")
	h.Take(consultant, id)
	if rec := h.Consultation(id); rec.Status != store.ConsultOpen || rec.ConsultantID != consultant.ID {
		h.T.Fatalf("session %d = %+v; want open with %s", id, rec, consultant.FirstName)
	}
	return id
}

// notices lists the outbox notices for chatID: those the sender delivered, then those still waiting.
