package consult_test

import (
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
	return clubHarnessOn(tb, bot.TelegramPlatform, configure)
}

// clubHarnessOn is clubHarness on platform p.
func clubHarnessOn(tb testing.TB, p bot.Platform, configure func(*app.Config)) *harness {
	tb.Helper()
	return &harness{apptest.NewOn(tb, p, func(c *app.Config) {
		c.Consult.SweepEvery = -1
		if configure != nil {
			configure(c)
		}
	})}
}

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
