package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

func TestDeliverEveryKindOfNotice(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "سلام")
	original := h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "photo", Data: []byte("\x89PNG fake"), Caption: "پوستر رویداد"})
	h.Settle()
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("جزئیات", cb("courses"))))
	before := h.Count(maryam)
	h.Notify(bot.Notice{
		ChatID:   maryam.ID,
		CopyFrom: &bot.NoticeCopy{ChatID: adminUser.ID, MessageID: original.ID},
		Text:     "یادآوری: کارگاه <b>فردا</b> ساعت ۱۸ است.",
		Keyboard: &kb,
		Venue:    &bot.NoticeVenue{Lat: 35.7, Lon: 51.4, Title: "مرکز نوآوری", Address: "تهران، خیابان آزادی"},
		Document: &bot.NoticeDocument{Name: "event.ics", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), Caption: "تقویم"},
	})
	got := h.Sim.BotMessages(maryam.ID)[before:]
	if len(got) != 4 {
		t.Fatalf("a notice with a copy, text, venue and document produced %d messages; want 4: %+v", len(got), got)
	}
	if got[0].CopyOf == nil || got[0].CopyOf.MessageID != original.ID || got[0].Kind != "photo" {
		t.Errorf("first message %+v; want the copied photo", got[0])
	}
	if !strings.Contains(got[1].Plain, "کارگاه فردا") || !got[1].HasButton(cb("courses")) {
		t.Errorf("second message %+v; want the text with its keyboard", got[1])
	}
	if got[2].Venue == nil || got[2].Venue.Title != "مرکز نوآوری" {
		t.Errorf("third message %+v; want the venue", got[2])
	}
	if got[3].File == nil || got[3].File.Name != "event.ics" {
		t.Errorf("fourth message %+v; want the document", got[3])
	}
}

func TestDeliverLessonNotice(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(john, "en", "home")
	l := h.App.Content().Course("home-business").Lessons[1]
	h.Notify(bot.Notice{ChatID: john.ID, LessonID: l.ID, Bulk: true})
	if n := h.CountContaining(john, "Starting a home business — lesson 2"); n != 1 {
		t.Errorf("a lesson notice arrived %d times; want once with its footer. Messages: %q", n, h.BotTexts(john))
	}
}

func TestDedupeSendsOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	for range 3 {
		h.Notify(bot.Notice{ChatID: maryam.ID, Text: "جلسهٔ فردا لغو شد.", Dedupe: "cancel:ev1:101"})
	}
	if n := h.CountContaining(maryam, "جلسهٔ فردا لغو شد"); n != 1 {
		t.Errorf("the same dedupe key was delivered %d times; want 1", n)
	}
}

// TestBlockedLearnerIsMarkedInactive: a 403 marks the learner inactive and drops their bulk jobs; when
// they come back they are active again and the daily lesson resumes.
func TestBlockedLearnerIsMarkedInactive(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "home")
	before := h.Count(maryam)
	// Telegram refuses Maryam (she blocked the bot; the my_chat_member update has not arrived yet).
	h.Sim.FailNext("sendMessage", 1, 403, "Forbidden: bot was blocked by the user", 0)
	if err := h.DB.Update(func(tx *store.Tx) error {
		for _, text := range []string{"خبر ۱", "خبر ۲", "خبر ۳"} {
			if err := h.App.Enqueue(tx, bot.Notice{ChatID: maryam.ID, Text: text, Bulk: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.Drain()
	if n := h.Count(maryam); n != before {
		t.Fatalf("a learner who blocked the bot got %d more messages", n-before)
	}
	if !h.User(maryam).Blocked {
		t.Fatal("the 403 did not mark Maryam inactive")
	}
	if n, _ := h.DB.CountJobs(store.LaneBulk); n != 0 {
		t.Errorf("%d bulk jobs are left for a chat that refuses them", n)
	}
	if s := h.App.SenderStats(); s.Blocked != 1 || s.Dropped != 2 {
		t.Errorf("stats = %+v; want 1 blocked and 2 dropped", s)
	}
	h.At(apptest.TehranTime(2026, 11, 27, 8, 0))
	if n := h.CountContaining(maryam, homeLesson); n != 0 {
		t.Error("an inactive learner got the daily lesson")
	}
	if n := h.CountContaining(reza, homeLesson); n != 1 {
		t.Errorf("Reza got %d lessons; want 1", n)
	}
	// She writes again: active.
	h.Send(maryam, "/start")
	if h.User(maryam).Blocked {
		t.Fatal("writing to the bot did not make Maryam active again")
	}
	h.At(apptest.TehranTime(2026, 11, 28, 8, 0))
	if n := h.CountContaining(maryam, homeLesson); n != 1 {
		t.Errorf("after coming back Maryam got %d lessons; want 1", n)
	}
}

// TestBlockBotThenUnblock goes through tgsim's block: my_chat_member (kicked) and 403 from then on.
func TestBlockBotThenUnblock(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	before := h.Count(maryam)
	h.Sim.BlockBot(maryam)
	h.Settle()
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "خبر همگانی", Bulk: true})
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "یادآوری کارگاه"}) // a notice: tried, refused, dead-lettered
	if n := h.Count(maryam); n != before {
		t.Fatalf("a blocked learner got %d messages", n-before)
	}
	if dead, _ := h.DB.DeadLetters(10); len(dead) != 1 || !strings.Contains(dead[0].LastError, "blocked") {
		t.Errorf("dead letters = %+v; want the notice with the reason", dead)
	}
	h.Sim.UnblockBot(maryam)
	h.Settle()
	if h.User(maryam).Blocked {
		t.Fatal("unblocking did not make Maryam active")
	}
	h.At(apptest.TehranTime(2026, 11, 27, 8, 0))
	if n := h.CountContaining(maryam, homeLesson); n != 1 {
		t.Errorf("after unblocking: %d lessons; want 1", n)
	}
}

func TestChatNotFoundMarksInactive(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Sim.RemoveChat(maryam.ID) // the account is gone
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "خبر", Bulk: true})
	if !h.User(maryam).Blocked {
		t.Error("400 chat not found did not mark the learner inactive")
	}
}

// TestCrashBetweenEnqueueAndSend stops the bot at each point between enqueueing a job and recording its
// delivery, and checks the learner gets it exactly once, or twice with the repeat counted.
func TestCrashBetweenEnqueueAndSend(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	enqueueWhileStopped := func(text string, markSending bool) {
		h.Stop()
		db, err := store.Open(h.DBPath, store.Options{Now: h.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *store.Tx) error {
			return h.App.Enqueue(tx, bot.Notice{ChatID: maryam.ID, Text: text, Bulk: true})
		}); err != nil {
			t.Fatal(err)
		}
		if markSending {
			jobs, _ := db.JobsAfter(store.LaneBulk, 0, 10)
			ptrs := []*store.Job{&jobs[0]}
			if _, err := db.MarkSendingJobs(ptrs); err != nil {
				t.Fatal(err)
			}
		}
	}

	// 1. Enqueued, then the bot stopped before sending: sent once after the restart, no repeat.
	enqueueWhileStopped("پیام یک", false)
	h.Start()
	h.Drain()
	if n := h.CountContaining(maryam, "پیام یک"); n != 1 || h.App.SenderStats().PossibleRepeats != 0 {
		t.Fatalf("case 1: delivered %d times, repeats %d; want 1 and 0", n, h.App.SenderStats().PossibleRepeats)
	}

	// 2. Marked as sending, then killed before the request left: sent once, counted as a possible repeat.
	enqueueWhileStopped("پیام دو", true)
	h.Start()
	h.Drain()
	if n := h.CountContaining(maryam, "پیام دو"); n != 1 || h.App.SenderStats().PossibleRepeats != 1 {
		t.Fatalf("case 2: delivered %d times, repeats %d; want 1 and 1", n, h.App.SenderStats().PossibleRepeats)
	}

	// 3. Marked, sent, killed before the commit that removes it: sent twice in all, counted.
	enqueueWhileStopped("پیام سه", true)
	api, err := tgbotapi.NewBotAPIWithClient(apptest.Token, h.TS.URL+"/bot%s/%s", h.TS.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Send(tgbotapi.NewMessage(maryam.ID, "پیام سه")); err != nil { // the send before the crash
		t.Fatal(err)
	}
	h.Start()
	h.Drain()
	if n := h.CountContaining(maryam, "پیام سه"); n != 2 || h.App.SenderStats().PossibleRepeats != 1 {
		t.Fatalf("case 3: delivered %d times, repeats %d; want 2 (at most twice) and 1", n, h.App.SenderStats().PossibleRepeats)
	}
	if n, _ := h.DB.CountJobs(store.LaneBulk); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

// Test429Storm: Telegram answers 429 to a burst of sends; every learner still gets exactly one message,
// nothing is dead-lettered, and nothing goes out while the lane waits retry_after.
func Test429Storm(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.AddLearners(7000, 20, nil)
	h.Sim.FailNext("sendMessage", 3, 429, "", 4)
	if err := h.DB.Update(func(tx *store.Tx) error {
		for _, u := range learners {
			if err := h.App.Enqueue(tx, bot.Notice{ChatID: u.ID, Text: "خبر تازه", Bulk: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.Drain()
	delivered := func() int {
		n := 0
		for _, u := range learners {
			n += h.CountContaining(u, "خبر تازه")
		}
		return n
	}
	during := delivered()
	if during == len(learners) {
		t.Fatal("every message went out despite the 429s")
	}
	h.Advance(3 * time.Second)
	if got := delivered(); got != during {
		t.Fatalf("%d messages went out before retry_after passed", got-during)
	}
	for i := 0; i < 5 && delivered() < len(learners); i++ {
		h.Advance(4 * time.Second)
	}
	for _, u := range learners {
		if n := h.CountContaining(u, "خبر تازه"); n != 1 {
			t.Errorf("learner %d got the message %d times; want 1", u.ID, n)
		}
	}
	if dead, _ := h.DB.DeadLetters(10); len(dead) != 0 {
		t.Errorf("429s dead-lettered %d jobs", len(dead))
	}
	if s := h.App.SenderStats(); s.RateLimited != 3 || h.Sim.Count429() != 3 {
		t.Errorf("RateLimited = %d, tgsim 429s = %d; want 3 and 3", s.RateLimited, h.Sim.Count429())
	}
}

// TestRateLimitStorm: tgsim enforces 5 messages a second on its clock; the sender keeps backing off
// until everything went, each message once.
func TestRateLimitStorm(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.AddLearners(7100, 30, nil)
	h.Sim.SetRateLimit(5, 5)
	if err := h.DB.Update(func(tx *store.Tx) error {
		for _, u := range learners {
			if err := h.App.Enqueue(tx, bot.Notice{ChatID: u.ID, Text: "اطلاعیه", Bulk: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.Drain()
	for i := 0; i < 40; i++ {
		done := 0
		for _, u := range learners {
			done += h.CountContaining(u, "اطلاعیه")
		}
		if done == len(learners) {
			break
		}
		h.Advance(time.Second)
	}
	for _, u := range learners {
		if n := h.CountContaining(u, "اطلاعیه"); n != 1 {
			t.Fatalf("learner %d got %d copies; want 1", u.ID, n)
		}
	}
	if dead, _ := h.DB.DeadLetters(10); len(dead) != 0 {
		t.Errorf("the rate limit dead-lettered %d jobs", len(dead))
	}
}

// TestFailuresAreRetriedThenDeadLettered: 5xx answers are retried with backoff; a job that keeps
// failing lands in the dead letters, where an admin sees and retries it.
func TestFailuresAreRetriedThenDeadLettered(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Sim.FailNext("sendMessage", 2, 502, "", 0)
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "پیام مهم یک"})
	for range 4 {
		h.Advance(time.Minute)
	}
	if n := h.CountContaining(maryam, "پیام مهم یک"); n != 1 {
		t.Fatalf("after two 502s the notice arrived %d times; want 1", n)
	}
	// Six failures: every attempt the sender makes (its default bound).
	h.Sim.FailNext("sendMessage", 6, 500, "", 0)
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "پیام مهم دو"})
	for range 12 {
		h.Advance(10 * time.Minute)
	}
	dead, _ := h.DB.DeadLetters(10)
	if len(dead) != 1 || !strings.Contains(dead[0].LastError, "500") || !strings.Contains(dead[0].LastError, "6 attempts") {
		t.Fatalf("dead letters = %+v; want the failing notice with its reason", dead)
	}
	// Telegram recovered: the admin lists the dead letters and retries.
	h.Send(adminUser, "/deadletters")
	list := h.Last(adminUser)
	if !strings.Contains(list.Plain, "500") || !strings.Contains(list.Plain, "پیام\u200cهای ناموفق") {
		t.Fatalf("/deadletters shows %q", list.Plain)
	}
	ans := h.PressData(adminUser, list, cb("dlr", strconv.FormatUint(dead[0].ID, 10)))
	if !strings.Contains(ans, "دوباره در صف") {
		t.Errorf("retry answered %q", ans)
	}
	h.Drain()
	if n := h.CountContaining(maryam, "پیام مهم دو"); n != 1 {
		t.Errorf("the retried dead letter arrived %d times; want 1", n)
	}
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "هیچ پیام ناموفقی") {
		t.Errorf("after the retry the list reads %q", got)
	}
	// Not for learners.
	h.Send(maryam, "/deadletters")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "این فرمان را نمی\u200cشناسیم") {
		t.Errorf("a learner's /deadletters got %q", got)
	}
	if ans := h.PressForged(maryam, h.Last(maryam), cb("dlr", "1")); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
		t.Errorf("a learner's forged retry answered %q", ans)
	}
}

// TestLanePriority: with a big bulk queue being paced through the Gate in real time, a learner's reply
// does not wait behind it.
func TestLanePriority(t *testing.T) {
	h := newHarness(t, func(c *app.Config) {
		c.SendRate = 20 // 100 bulk messages take 5 s
		c.Sleep = nil   // real pacing
	})
	h.Onboard(maryam, "fa", "home")
	learners := h.AddLearners(8000, 100, nil)
	if err := h.DB.Update(func(tx *store.Tx) error {
		for _, u := range learners {
			if err := h.App.Enqueue(tx, bot.Notice{ChatID: u.ID, Text: "خبرنامه", Bulk: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Wait until the bulk lane is busy.
	if _, err := h.Sim.WaitFor(ctx, learners[5].ID, func(tgsim.Message) bool { return true }); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h.Sim.SendText(maryam, "/help")
	if _, err := h.Sim.WaitText(ctx, maryam.ID, "راهنمای توان"); err != nil {
		t.Fatal(err)
	}
	latency := time.Since(start)
	bulkDone := 0
	for _, u := range learners {
		bulkDone += len(h.Sim.BotMessages(u.ID))
	}
	if latency > time.Second {
		t.Errorf("a reply took %v behind the bulk queue; want well under a second", latency)
	}
	if bulkDone >= len(learners) {
		t.Errorf("the whole bulk queue (%d) went before the reply: the test proves nothing", bulkDone)
	}
	t.Logf("reply latency %v with %d of %d bulk messages sent", latency, bulkDone, len(learners))
}

// TestPaidBroadcastSendsTheFlag: with paid broadcasts on, bulk sends carry allow_paid_broadcast (tgsim
// checks the field against the Bot API) and notices do not.
func TestPaidBroadcastSendsTheFlag(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.PaidBroadcast = true })
	if h.App.SendRate != bot.PaidSendRate {
		t.Errorf("paid broadcasts: rate %v; want %d", h.App.SendRate, bot.PaidSendRate)
	}
	h.Onboard(maryam, "fa", "home")
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "خبر پولی", Bulk: true})
	if n := h.CountContaining(maryam, "خبر پولی"); n != 1 {
		t.Fatalf("a paid bulk message arrived %d times", n)
	}
}

// TestCopyCarriesTheKeyboardWithoutText: a notice that copies a message and has no text of its own puts
// its keyboard under the copy (a relayed answer with "write again").
func TestCopyCarriesTheKeyboardWithoutText(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "سلام")
	original := h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "photo", Data: []byte("\x89PNG answer")})
	h.Settle()
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("✍️ دوباره", cb("courses"))))
	h.Notify(bot.Notice{ChatID: maryam.ID, CopyFrom: &bot.NoticeCopy{ChatID: adminUser.ID, MessageID: original.ID}, Keyboard: &kb})
	got := h.Last(maryam)
	if got.CopyOf == nil || !got.HasButton(cb("courses")) {
		t.Errorf("the copy %+v; want the photo with the keyboard under it", got)
	}
}

// TestOutboxSendsAreCountedByLane: the sends metric tells replies from outbox lanes, and the sender's
// own counters are exported.
func TestOutboxSendsAreCountedByLane(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "خبر", Bulk: true})
	h.Notify(bot.Notice{ChatID: maryam.ID, Text: "یادآوری"})
	count := func(lane string) float64 {
		return counterValue(t, h, "tavan_telegram_sends_total", map[string]string{"lane": lane, "result": "ok"})
	}
	if count("bulk") != 1 || count("notice") != 1 || count("reply") == 0 {
		t.Errorf("sends by lane: bulk %v, notice %v, reply %v; want 1, 1 and the replies", count("bulk"), count("notice"), count("reply"))
	}
	families, err := h.App.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range families {
		found = found || f.GetName() == "tavan_outbox_possible_repeats_total"
	}
	if !found {
		t.Error("tavan_outbox_possible_repeats_total is not exported")
	}
}
