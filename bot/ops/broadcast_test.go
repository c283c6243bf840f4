package ops_test

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// fanOutBatch is how many learners the broadcast fan-out enqueues per transaction (broadcast.go).
const fanOutBatch = 1000

// copiesIn counts the bot's copies of the admin's message id in u's chat.
func (h *harness) copiesIn(u tgsim.User, messageID int) int {
	n := 0
	for _, m := range h.Sim.BotMessages(u.ID) {
		if m.CopyOf != nil && m.CopyOf.ChatID == adminUser.ID && m.CopyOf.MessageID == messageID {
			n++
		}
	}
	return n
}

// compose runs /broadcast and sends the content; it returns the admin's message and the audience menu.
func (h *harness) compose(send func() tgsim.Message) (tgsim.Message, tgsim.Message) {
	h.T.Helper()
	h.Send(adminUser, "/broadcast")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "همین\u200cجا بفرستید") {
		h.T.Fatalf("/broadcast answered %q", got)
	}
	original := send()
	h.Settle()
	menu := h.Last(adminUser)
	if !strings.Contains(menu.Plain, "برای چه کسانی") {
		h.T.Fatalf("after the content: %q; want the audience question", menu.Plain)
	}
	return original, menu
}

func (h *harness) waitAdminText(substr string) tgsim.Message {
	h.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := h.Sim.WaitText(ctx, adminUser.ID, substr)
	if err != nil {
		h.T.Fatalf("admin never saw %q: %v", substr, err)
	}
	return m
}

func TestBroadcastToATrack(t *testing.T) {
	apptest.EachPlatform(t, broadcastToATrack)
}

func broadcastToATrack(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "home")
	h.Onboard(reza, "fa", "parents")
	photo := tgsim.Media{Kind: "photo", Data: []byte("\x89PNG poster"), Caption: "نمایشگاه مشاغل خانگی، جمعه ساعت ۱۰"}
	original, menu := h.compose(func() tgsim.Message { return h.Sim.SendMedia(adminUser, photo) })

	h.Press(adminUser, menu, "یک مسیر یادگیری")
	h.Press(adminUser, h.Last(adminUser), "مشاغل خانگی")
	msgs := h.Sim.BotMessages(adminUser.ID)
	preview, summary := msgs[len(msgs)-2], msgs[len(msgs)-1]
	if preview.CopyOf == nil || preview.CopyOf.MessageID != original.ID || preview.Kind != "photo" {
		t.Fatalf("preview = %+v; want the very copy learners get", preview)
	}
	for _, want := range []string{"مسیر «مشاغل خانگی»", "تعداد: ۲ نفر", "زمان تقریبی"} {
		if !strings.Contains(summary.Plain, want) {
			t.Errorf("preview summary %q lacks %q", summary.Plain, want)
		}
	}
	if ans := h.Press(adminUser, summary, "بفرست"); !strings.Contains(ans, "ارسال شروع شد") {
		t.Errorf("confirm answered %q", ans)
	}
	h.Drain()
	done := h.waitAdminText("فرستاده شد")
	if done.ID != summary.ID {
		t.Errorf("the summary arrived as message %d; want the preview message %d edited in place", done.ID, summary.ID)
	}
	if !strings.Contains(done.Plain, "رسید: ۲") {
		t.Errorf("summary %q; want 2 delivered", done.Plain)
	}
	if h.copiesIn(maryam, original.ID) != 1 || h.copiesIn(john, original.ID) != 1 || h.copiesIn(reza, original.ID) != 0 {
		t.Errorf("copies: maryam %d, john %d, reza %d; want 1, 1, 0",
			h.copiesIn(maryam, original.ID), h.copiesIn(john, original.ID), h.copiesIn(reza, original.ID))
	}
	// A double press of the old confirm button does nothing.
	if ans := h.PressForged(adminUser, done, summary.InlineKeyboard[0][0].CallbackData); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
		t.Errorf("confirming a finished broadcast answered %q", ans)
	}
}

func TestBroadcastIsForAdminsOnly(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/broadcast")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "این فرمان را نمی\u200cشناسیم") {
		t.Errorf("a learner's /broadcast got %q", got)
	}
	for _, data := range []string{cb("bca", "1", "all"), cb("bcs", "1"), cb("bcx", "1")} {
		if ans := h.PressForged(maryam, h.Last(maryam), data); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
			t.Errorf("a learner pressing %q got %q", data, ans)
		}
	}
	// Admins get stale answers for malformed data too.
	h.Send(adminUser, "/start")
	for _, data := range []string{cb("bca"), cb("bca", "x", "all"), cb("bca", "99", "all"), cb("bcs", "x"), cb("bcs"), cb("bcx", "-1")} {
		if ans := h.PressForged(adminUser, h.Last(adminUser), data); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
			t.Errorf("admin pressing malformed %q got %q", data, ans)
		}
	}
}

// TestBroadcastCancel: quiet hours hold the jobs; the admin stops the broadcast; nothing is sent when
// the morning comes.
func TestBroadcastCancel(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.AddLearners(9000, 30, nil)
	h.Clock.Set(apptest.TehranTime(2026, 11, 27, 23, 30))
	original, menu := h.compose(func() tgsim.Message { return h.Sim.SendText(adminUser, "فردا کلاس تعطیل است") })
	h.Press(adminUser, menu, "همهٔ کاربران")
	summary := h.Last(adminUser)
	h.Press(adminUser, summary, "بفرست")
	h.Drain()
	progress := h.waitAdminText("در حال ارسال")
	if !progress.HasButton(cb("bcx", "1")) {
		t.Fatalf("progress %q has no stop button", progress.Plain)
	}
	if ans := h.Press(adminUser, progress, "توقف ارسال"); !strings.Contains(ans, "متوقف شد") {
		t.Errorf("stop answered %q", ans)
	}
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "متوقف شد") {
		t.Errorf("after stopping: %q", got)
	}
	h.Advance(8 * time.Hour)
	for _, u := range learners {
		if n := h.copiesIn(u, original.ID); n != 0 {
			t.Fatalf("learner %d got a canceled broadcast", u.ID)
		}
	}
	// The jobs of the first broadcast are tallied under "bc:1".
	tally, _ := h.DB.Tally("bc:1")
	if tally.Canceled != 31 || tally.Sent != 0 { // 30 learners and the admin
		t.Errorf("tally = %+v; want every job canceled", tally)
	}
}

// TestBroadcastResumesAfterRestart stops the bot after the first fan-out batch; the restarted bot
// finishes the fan-out from its cursor, and every learner gets the message exactly once.
func TestBroadcastResumesAfterRestart(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.AddLearners(20000, 2*fanOutBatch+500, nil)
	original, menu := h.compose(func() tgsim.Message {
		return h.Sim.SendText(adminUser, "ثبت\u200cنام دورهٔ تازه باز شد")
	})
	h.Press(adminUser, menu, "همهٔ کاربران")
	summary := h.Last(adminUser)
	if !strings.Contains(summary.Plain, "۲٬۵۰۱") {
		t.Errorf("preview %q; want 2,501 recipients (the learners and the admin)", summary.Plain)
	}

	stopped := make(chan struct{})
	var once sync.Once
	h.App.Ops.FanOutHook = func(int64) {
		once.Do(func() {
			close(stopped)
			for !h.shutdownBegun() { // the test stops the bot: the "crash" comes before the next batch
				runtime.Gosched()
			}
		})
	}
	q := h.Sim.PressButton(adminUser, summary.ChatID, summary.ID, summary.InlineKeyboard[0][0].CallbackData)
	if _, err := h.Sim.WaitCallbackAnswer(h.Ctx(), q); err != nil {
		t.Fatal(err)
	}
	<-stopped
	h.Stop() // the "crash"

	db, err := store.Open(h.DBPath, store.Options{Now: h.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var mid store.Broadcast
	db.View(func(tx *store.Tx) error { b, _ := tx.Broadcast(1); mid = *b; return nil })
	db.Close()
	if mid.Status != store.BroadcastSending || mid.Enqueued == 0 || mid.Enqueued >= len(learners) {
		t.Fatalf("after the crash: %+v; want a fan-out stopped part way", mid)
	}

	h.Start()
	done := h.waitAdminText("فرستاده شد")
	h.Drain()
	if !strings.Contains(done.Plain, "رسید: ۲٬۵۰۱") {
		t.Errorf("summary %q; want 2,501 delivered", done.Plain)
	}
	for _, u := range learners {
		if n := h.copiesIn(u, original.ID); n != 1 {
			t.Fatalf("learner %d got %d copies across the restart; want exactly 1", u.ID, n)
		}
	}
}

// TestBroadcastAudienceSource: another feature (events) offers an audience through the hook.
func TestBroadcastAudienceSource(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "home")
	h.App.Audience(bot.AudienceSource{
		ID:    "evx",
		Label: func(lang string) string { return "🎟 منبع آزمایشی مخاطبان" },
		Choices: func(*store.Tx, string) []bot.AudienceChoice {
			return []bot.AudienceChoice{{Arg: "ev1", Label: "کارگاه قیمت\u200cگذاری"}}
		},
		Members: func(_ *store.Tx, arg string, after int64, limit int) ([]int64, bool, error) {
			ids := []int64{maryam.ID}
			if arg != "ev1" {
				return nil, false, nil
			}
			return slices.DeleteFunc(ids, func(id int64) bool { return id <= after }), false, nil
		},
	})
	original, menu := h.compose(func() tgsim.Message {
		return h.Sim.SendText(adminUser, "کارگاه به سالن ۲ منتقل شد")
	})
	h.Press(adminUser, menu, "منبع آزمایشی مخاطبان")
	h.Press(adminUser, h.Last(adminUser), "کارگاه قیمت\u200cگذاری")
	summary := h.Last(adminUser)
	if !strings.Contains(summary.Plain, "تعداد: ۱ نفر") {
		t.Fatalf("preview %q; want one attendee", summary.Plain)
	}
	h.Press(adminUser, summary, "بفرست")
	h.Drain()
	h.waitAdminText("فرستاده شد")
	if h.copiesIn(maryam, original.ID) != 1 || h.copiesIn(john, original.ID) != 0 {
		t.Errorf("copies: maryam %d, john %d; want only the attendee", h.copiesIn(maryam, original.ID), h.copiesIn(john, original.ID))
	}
}

func TestBroadcastDiscardDraft(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	original, menu := h.compose(func() tgsim.Message { return h.Sim.SendText(adminUser, "پیش\u200cنویس") })
	h.Press(adminUser, menu, "انصراف")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "کنار گذاشته شد") {
		t.Errorf("discard: %q", got)
	}
	h.Drain()
	if h.copiesIn(maryam, original.ID) != 0 {
		t.Error("a discarded draft was sent")
	}
	// A command while composing gives up composing.
	h.Send(adminUser, "/broadcast")
	h.Send(adminUser, "/help")
	if u := h.User(adminUser); u.Step != "" {
		t.Errorf("step %q left after a command", u.Step)
	}
}

// TestFinishedBroadcastKeepsNoLearnerID: the fan-out's cursor is the last recipient's id; once the
// fan-out is done it is dropped, so nothing stored about the broadcast names a learner who then deletes
// their data (the week-long soak found it).
func TestFinishedBroadcastKeepsNoLearnerID(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.AddLearners(9000, 3, nil)
	_, menu := h.compose(func() tgsim.Message { return h.Sim.SendText(adminUser, "کلاس فردا ساعت ۱۰ است") })
	h.Press(adminUser, menu, "همهٔ کاربران")
	h.Press(adminUser, h.Last(adminUser), "بفرست")
	h.Drain()
	h.waitAdminText("فرستاده شد")
	last := learners[len(learners)-1]
	h.Send(last, "/deleteme")
	h.Press(last, h.Last(last), "همه را پاک کن")
	var bc store.Broadcast
	if err := h.DB.View(func(tx *store.Tx) error {
		b, err := tx.Broadcast(1)
		if b != nil {
			bc = *b
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if bc.Status == store.BroadcastSending || bc.Cursor == last.ID {
		t.Errorf("finished broadcast %+v still names learner %d", bc, last.ID)
	}
}
