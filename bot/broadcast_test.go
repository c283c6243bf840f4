package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// copiesIn counts the bot's copies of the admin's message id in u's chat.
func (h *harness) copiesIn(u tgsim.User, messageID int) int {
	n := 0
	for _, m := range h.sim.BotMessages(u.ID) {
		if m.CopyOf != nil && m.CopyOf.ChatID == adminUser.ID && m.CopyOf.MessageID == messageID {
			n++
		}
	}
	return n
}

// compose runs /broadcast and sends the content; it returns the admin's message and the audience menu.
func (h *harness) compose(send func() tgsim.Message) (tgsim.Message, tgsim.Message) {
	h.t.Helper()
	h.send(adminUser, "/broadcast")
	if got := h.last(adminUser).Plain; !strings.Contains(got, "همین\u200cجا بفرستید") {
		h.t.Fatalf("/broadcast answered %q", got)
	}
	original := send()
	h.settle()
	menu := h.last(adminUser)
	if !strings.Contains(menu.Plain, "برای چه کسانی") {
		h.t.Fatalf("after the content: %q; want the audience question", menu.Plain)
	}
	return original, menu
}

func (h *harness) waitAdminText(substr string) tgsim.Message {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := h.sim.WaitText(ctx, adminUser.ID, substr)
	if err != nil {
		h.t.Fatalf("admin never saw %q: %v", substr, err)
	}
	return m
}

func TestBroadcastToATrack(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.onboard(john, "en", "home")
	h.onboard(reza, "fa", "parents")
	photo := tgsim.Media{Kind: "photo", Data: []byte("\x89PNG poster"), Caption: "نمایشگاه مشاغل خانگی، جمعه ساعت ۱۰"}
	original, menu := h.compose(func() tgsim.Message { return h.sim.SendMedia(adminUser, photo) })

	h.press(adminUser, menu, "یک مسیر یادگیری")
	h.press(adminUser, h.last(adminUser), "مشاغل خانگی")
	msgs := h.sim.BotMessages(adminUser.ID)
	preview, summary := msgs[len(msgs)-2], msgs[len(msgs)-1]
	if preview.CopyOf == nil || preview.CopyOf.MessageID != original.ID || preview.Kind != "photo" {
		t.Fatalf("preview = %+v; want the very copy learners get", preview)
	}
	for _, want := range []string{"مسیر «مشاغل خانگی»", "تعداد: ۲ نفر", "زمان تقریبی"} {
		if !strings.Contains(summary.Plain, want) {
			t.Errorf("preview summary %q lacks %q", summary.Plain, want)
		}
	}
	if ans := h.press(adminUser, summary, "بفرست"); !strings.Contains(ans, "ارسال شروع شد") {
		t.Errorf("confirm answered %q", ans)
	}
	h.drain()
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
	if ans := h.pressDataForged(adminUser, done, summary.InlineKeyboard[0][0].CallbackData); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
		t.Errorf("confirming a finished broadcast answered %q", ans)
	}
}

func TestBroadcastIsForAdminsOnly(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.send(maryam, "/broadcast")
	if got := h.last(maryam).Plain; !strings.Contains(got, "این فرمان را نمی\u200cشناسم") {
		t.Errorf("a learner's /broadcast got %q", got)
	}
	for _, data := range []string{cb("bca", "1", "all"), cb("bcs", "1"), cb("bcx", "1")} {
		if ans := h.pressDataForged(maryam, h.last(maryam), data); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
			t.Errorf("a learner pressing %q got %q", data, ans)
		}
	}
	// Admins get stale answers for malformed data too.
	h.send(adminUser, "/start")
	for _, data := range []string{cb("bca"), cb("bca", "x", "all"), cb("bca", "99", "all"), cb("bcs", "x"), cb("bcs"), cb("bcx", "-1")} {
		if ans := h.pressDataForged(adminUser, h.last(adminUser), data); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
			t.Errorf("admin pressing malformed %q got %q", data, ans)
		}
	}
}

// TestBroadcastCancel: quiet hours hold the jobs; the admin stops the broadcast; nothing is sent when
// the morning comes.
func TestBroadcastCancel(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.addLearners(9000, 30, nil)
	h.clock.Set(tehranTime(2026, 11, 27, 23, 30))
	original, menu := h.compose(func() tgsim.Message { return h.sim.SendText(adminUser, "فردا کلاس تعطیل است") })
	h.press(adminUser, menu, "همهٔ کاربران")
	summary := h.last(adminUser)
	h.press(adminUser, summary, "بفرست")
	h.drain()
	progress := h.waitAdminText("در حال ارسال")
	if !progress.HasButton(cb("bcx", "1")) {
		t.Fatalf("progress %q has no stop button", progress.Plain)
	}
	if ans := h.press(adminUser, progress, "توقف ارسال"); !strings.Contains(ans, "متوقف شد") {
		t.Errorf("stop answered %q", ans)
	}
	if got := h.last(adminUser).Plain; !strings.Contains(got, "متوقف شد") {
		t.Errorf("after stopping: %q", got)
	}
	h.advance(8 * time.Hour)
	for _, u := range learners {
		if n := h.copiesIn(u, original.ID); n != 0 {
			t.Fatalf("learner %d got a canceled broadcast", u.ID)
		}
	}
	tally, _ := h.db.Tally(broadcastGroup(1))
	if tally.Canceled != 31 || tally.Sent != 0 { // 30 learners and the admin
		t.Errorf("tally = %+v; want every job canceled", tally)
	}
}

// TestBroadcastResumesAfterRestart stops the bot after the first fan-out batch; the restarted bot
// finishes the fan-out from its cursor, and every learner gets the message exactly once.
func TestBroadcastResumesAfterRestart(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.addLearners(20000, 2*fanOutBatch+500, nil)
	original, menu := h.compose(func() tgsim.Message {
		return h.sim.SendText(adminUser, "ثبت\u200cنام دورهٔ تازه باز شد")
	})
	h.press(adminUser, menu, "همهٔ کاربران")
	summary := h.last(adminUser)
	if !strings.Contains(summary.Plain, "۲٬۵۰۱") {
		t.Errorf("preview %q; want 2,501 recipients (the learners and the admin)", summary.Plain)
	}

	stopped := make(chan struct{})
	var once sync.Once
	h.bot.dl.fanOutHook = func(int64) { once.Do(func() { h.cancel(); close(stopped) }) } // the "crash"
	q := h.sim.PressButton(adminUser, summary.ChatID, summary.ID, summary.InlineKeyboard[0][0].CallbackData)
	if _, err := h.sim.WaitCallbackAnswer(h.ctx(), q); err != nil {
		t.Fatal(err)
	}
	<-stopped
	h.stop()

	db, err := store.Open(h.dbPath, store.Options{Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var mid store.Broadcast
	db.View(func(tx *store.Tx) error { b, _ := tx.Broadcast(1); mid = *b; return nil })
	db.Close()
	if mid.Status != store.BroadcastSending || mid.Enqueued == 0 || mid.Enqueued >= len(learners) {
		t.Fatalf("after the crash: %+v; want a fan-out stopped part way", mid)
	}

	h.start()
	done := h.waitAdminText("فرستاده شد")
	h.drain()
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
	h.onboard(maryam, "fa", "home")
	h.onboard(john, "en", "home")
	h.bot.addAudienceSource(AudienceSource{
		ID:    "evx",
		Label: func(lang string) string { return "🎟 منبع آزمایشی مخاطبان" },
		Choices: func(*store.Tx, string) []AudienceChoice {
			return []AudienceChoice{{Arg: "ev1", Label: "کارگاه قیمت\u200cگذاری"}}
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
		return h.sim.SendText(adminUser, "کارگاه به سالن ۲ منتقل شد")
	})
	h.press(adminUser, menu, "منبع آزمایشی مخاطبان")
	h.press(adminUser, h.last(adminUser), "کارگاه قیمت\u200cگذاری")
	summary := h.last(adminUser)
	if !strings.Contains(summary.Plain, "تعداد: ۱ نفر") {
		t.Fatalf("preview %q; want one attendee", summary.Plain)
	}
	h.press(adminUser, summary, "بفرست")
	h.drain()
	h.waitAdminText("فرستاده شد")
	if h.copiesIn(maryam, original.ID) != 1 || h.copiesIn(john, original.ID) != 0 {
		t.Errorf("copies: maryam %d, john %d; want only the attendee", h.copiesIn(maryam, original.ID), h.copiesIn(john, original.ID))
	}
}

func TestBroadcastDiscardDraft(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	original, menu := h.compose(func() tgsim.Message { return h.sim.SendText(adminUser, "پیش\u200cنویس") })
	h.press(adminUser, menu, "انصراف")
	if got := h.last(adminUser).Plain; !strings.Contains(got, "کنار گذاشته شد") {
		t.Errorf("discard: %q", got)
	}
	h.drain()
	if h.copiesIn(maryam, original.ID) != 0 {
		t.Error("a discarded draft was sent")
	}
	// A command while composing gives up composing.
	h.send(adminUser, "/broadcast")
	h.send(adminUser, "/help")
	if u := h.user(adminUser); u.Step != "" {
		t.Errorf("step %q left after a command", u.Step)
	}
}
