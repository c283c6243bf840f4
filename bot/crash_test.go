package bot_test

import (
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
)

// TestCrashLosesNoUpdateNorQueuedSend: the bot crashes (its file closed under it, nothing graceful
// reaching the disk) while updates are being handled and notices are queued; the bot restarted on the
// same file answers every update and delivers every notice.
func TestCrashLosesNoUpdateNorQueuedSend(t *testing.T) {
	h := apptest.New(t, nil)
	learners := h.AddLearners(5000, 40, nil)
	asked := make(map[int64]int, len(learners))
	for _, u := range learners {
		asked[u.ID] = h.Sim.SendText(u, "/me").ID
	}
	const notice = "کلاس فردا ساعت ۱۰ برگزار می‌شود"
	if err := h.DB.Update(func(tx *store.Tx) error {
		for _, u := range learners {
			if err := h.Bot.Enqueue(tx, bot.Notice{ChatID: u.ID, Text: notice}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	h.Crash()
	if err := h.DB.Update(func(*store.Tx) error { return nil }); err == nil {
		t.Fatal("the store is still open after the crash")
	}
	h.Start()
	h.WaitReplayed()
	h.Settle()
	h.Drain()

	for _, u := range learners {
		answered, notified := false, 0
		for _, m := range h.Sim.BotMessages(u.ID) {
			switch {
			case strings.Contains(m.Plain, notice):
				notified++
			case m.ID > asked[u.ID]:
				answered = true
			}
		}
		if !answered || notified == 0 {
			t.Errorf("learner %d after the crash: /me answered %v, notice delivered %d times; chat %q", u.ID, answered, notified, h.BotTexts(u))
		}
	}

}
