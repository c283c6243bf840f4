package ops_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
)

// Dead letters are personal data: a learner's go with /deleteme (issue 18: they kept the text and chat
// id, and /deadletters could retry to a deleted learner), and every one expires after 30 days.
func TestDeadLettersErasedWithTheUserAndExpired(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "home")
	h.Send(adminUser, "/start")
	h.Sim.FailNext("sendMessage", 12, 500, "", 0) // every attempt of both notices
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "یادداشت خصوصی مریم"})
	h.Notify(bot.Notice{ChatID: reza.ID, Text: "یادداشت رضا"})
	for range 12 {
		h.Advance(10 * time.Minute)
	}
	dead, _ := h.DB.DeadLetters(10)
	if len(dead) != 2 {
		t.Fatalf("%d dead letters; want both notices", len(dead))
	}
	var maryams uint64
	for _, j := range dead {
		if j.ChatID == maryam.ID {
			maryams = j.ID
		}
	}

	h.Send(adminUser, "/deadletters")
	before := h.Last(adminUser) // listed while maryam still had an account

	h.Send(maryam, "/deleteme")
	h.Press(maryam, h.Last(maryam), "همه را پاک کن")
	dead, _ = h.DB.DeadLetters(10)
	if len(dead) != 1 || dead[0].ChatID != reza.ID {
		t.Fatalf("dead letters after maryam's /deleteme = %+v; want only reza's", dead)
	}
	if ans := h.PressData(adminUser, before, cb("dlr", strconv.FormatUint(maryams, 10))); !strings.Contains(ans, h.fa("DeadLetterGone")) {
		t.Errorf("retrying the deleted learner's dead letter answered %q; want it gone", ans)
	}
	if got := h.Last(adminUser).Plain; strings.Contains(got, strconv.FormatInt(maryam.ID, 10)) {
		t.Errorf("/deadletters still names the deleted learner: %q", got)
	}
	h.Drain()
	if n := h.CountContaining(maryam, "یادداشت خصوصی مریم"); n != 0 {
		t.Errorf("the deleted learner received her dead letter %d times", n)
	}

	h.Clock.Advance(29 * 24 * time.Hour)
	if err := h.Bot.Tick(h.Ctx(), "deadletters", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.DB.CountDeadLetters(); n != 1 {
		t.Errorf("%d dead letters after 29 days; want reza's kept", n)
	}
	h.Clock.Advance(2 * 24 * time.Hour)
	if err := h.Bot.Tick(h.Ctx(), "deadletters", h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.DB.CountDeadLetters(); n != 0 {
		t.Errorf("%d dead letters after 31 days; want none", n)
	}
}
