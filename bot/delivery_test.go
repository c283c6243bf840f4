package bot

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

func TestDeliverEveryKindOfNotice(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.send(adminUser, "سلام")
	original := h.sim.SendMedia(adminUser, tgsim.Media{Kind: "photo", Data: []byte("\x89PNG fake"), Caption: "پوستر رویداد"})
	h.settle()
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("جزئیات", cb("courses"))))
	before := h.count(maryam)
	h.notify(Notice{
		ChatID:   maryam.ID,
		CopyFrom: &NoticeCopy{ChatID: adminUser.ID, MessageID: original.ID},
		Text:     "یادآوری: کارگاه <b>فردا</b> ساعت ۱۸ است.",
		Keyboard: &kb,
		Venue:    &NoticeVenue{Lat: 35.7, Lon: 51.4, Title: "مرکز نوآوری", Address: "تهران، خیابان آزادی"},
		Document: &NoticeDocument{Name: "event.ics", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), Caption: "تقویم"},
	})
	got := h.sim.BotMessages(maryam.ID)[before:]
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
	h.onboard(john, "en", "home")
	l := h.bot.catalog().Course("home-business").Lessons[1]
	h.notify(Notice{ChatID: john.ID, LessonID: l.ID, Bulk: true})
	if n := h.countContaining(john, "Starting a home business — lesson 2"); n != 1 {
		t.Errorf("a lesson notice arrived %d times; want once with its footer. Messages: %q", n, h.botTexts(john))
	}
}

func TestDedupeSendsOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	for range 3 {
		h.notify(Notice{ChatID: maryam.ID, Text: "جلسهٔ فردا لغو شد.", Dedupe: "cancel:ev1:101"})
	}
	if n := h.countContaining(maryam, "جلسهٔ فردا لغو شد"); n != 1 {
		t.Errorf("the same dedupe key was delivered %d times; want 1", n)
	}
}

// TestBlockedLearnerIsMarkedInactive: a 403 marks the learner inactive and drops their bulk jobs; when
// they come back they are active again and the daily lesson resumes.
func TestBlockedLearnerIsMarkedInactive(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.onboard(reza, "fa", "home")
	before := h.count(maryam)
	// Telegram refuses Maryam (she blocked the bot; the my_chat_member update has not arrived yet).
	h.sim.FailNext("sendMessage", 1, 403, "Forbidden: bot was blocked by the user", 0)
	if err := h.db.Update(func(tx *store.Tx) error {
		for _, text := range []string{"خبر ۱", "خبر ۲", "خبر ۳"} {
			if err := h.bot.enqueue(tx, Notice{ChatID: maryam.ID, Text: text, Bulk: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.drain()
	if n := h.count(maryam); n != before {
		t.Fatalf("a learner who blocked the bot got %d more messages", n-before)
	}
	if !h.user(maryam).Blocked {
		t.Fatal("the 403 did not mark Maryam inactive")
	}
	if n, _ := h.db.CountJobs(store.LaneBulk); n != 0 {
		t.Errorf("%d bulk jobs are left for a chat that refuses them", n)
	}
	if s := h.bot.SenderStats(); s.Blocked != 1 || s.Dropped != 2 {
		t.Errorf("stats = %+v; want 1 blocked and 2 dropped", s)
	}
	h.at(tehranTime(2026, 11, 27, 8, 0))
	if n := h.countContaining(maryam, homeLesson); n != 0 {
		t.Error("an inactive learner got the daily lesson")
	}
	if n := h.countContaining(reza, homeLesson); n != 1 {
		t.Errorf("Reza got %d lessons; want 1", n)
	}
	// She writes again: active.
	h.send(maryam, "/start")
	if h.user(maryam).Blocked {
		t.Fatal("writing to the bot did not make Maryam active again")
	}
	h.at(tehranTime(2026, 11, 28, 8, 0))
	if n := h.countContaining(maryam, homeLesson); n != 1 {
		t.Errorf("after coming back Maryam got %d lessons; want 1", n)
	}
}

// TestBlockBotThenUnblock goes through tgsim's block: my_chat_member (kicked) and 403 from then on.
func TestBlockBotThenUnblock(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	before := h.count(maryam)
	h.sim.BlockBot(maryam)
	h.settle()
	h.notify(Notice{ChatID: maryam.ID, Text: "خبر همگانی", Bulk: true})
	h.notify(Notice{ChatID: maryam.ID, Text: "یادآوری کارگاه"}) // a notice: tried, refused, dead-lettered
	if n := h.count(maryam); n != before {
		t.Fatalf("a blocked learner got %d messages", n-before)
	}
	if dead, _ := h.db.DeadLetters(10); len(dead) != 1 || !strings.Contains(dead[0].LastError, "blocked") {
		t.Errorf("dead letters = %+v; want the notice with the reason", dead)
	}
	h.sim.UnblockBot(maryam)
	h.settle()
	if h.user(maryam).Blocked {
		t.Fatal("unblocking did not make Maryam active")
	}
	h.at(tehranTime(2026, 11, 27, 8, 0))
	if n := h.countContaining(maryam, homeLesson); n != 1 {
		t.Errorf("after unblocking: %d lessons; want 1", n)
	}
}

func TestChatNotFoundMarksInactive(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.sim.RemoveChat(maryam.ID) // the account is gone
	h.notify(Notice{ChatID: maryam.ID, Text: "خبر", Bulk: true})
	if !h.user(maryam).Blocked {
		t.Error("400 chat not found did not mark the learner inactive")
	}
}

// TestCrashBetweenEnqueueAndSend stops the bot at each point between enqueueing a job and recording its
// delivery, and checks the learner gets it exactly once, or twice with the repeat counted.
func TestCrashBetweenEnqueueAndSend(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	enqueueWhileStopped := func(text string, markSending bool) {
		h.stop()
		db, err := store.Open(h.dbPath, store.Options{Now: h.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *store.Tx) error { return h.bot.enqueue(tx, Notice{ChatID: maryam.ID, Text: text, Bulk: true}) }); err != nil {
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
	h.start()
	h.drain()
	if n := h.countContaining(maryam, "پیام یک"); n != 1 || h.bot.SenderStats().PossibleRepeats != 0 {
		t.Fatalf("case 1: delivered %d times, repeats %d; want 1 and 0", n, h.bot.SenderStats().PossibleRepeats)
	}

	// 2. Marked as sending, then killed before the request left: sent once, counted as a possible repeat.
	enqueueWhileStopped("پیام دو", true)
	h.start()
	h.drain()
	if n := h.countContaining(maryam, "پیام دو"); n != 1 || h.bot.SenderStats().PossibleRepeats != 1 {
		t.Fatalf("case 2: delivered %d times, repeats %d; want 1 and 1", n, h.bot.SenderStats().PossibleRepeats)
	}

	// 3. Marked, sent, killed before the commit that removes it: sent twice in all, counted.
	enqueueWhileStopped("پیام سه", true)
	api, err := tgbotapi.NewBotAPIWithClient(testToken, h.ts.URL+"/bot%s/%s", h.ts.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Send(tgbotapi.NewMessage(maryam.ID, "پیام سه")); err != nil { // the send before the crash
		t.Fatal(err)
	}
	h.start()
	h.drain()
	if n := h.countContaining(maryam, "پیام سه"); n != 2 || h.bot.SenderStats().PossibleRepeats != 1 {
		t.Fatalf("case 3: delivered %d times, repeats %d; want 2 (at most twice) and 1", n, h.bot.SenderStats().PossibleRepeats)
	}
	if n, _ := h.db.CountJobs(store.LaneBulk); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

// Test429Storm: Telegram answers 429 to a burst of sends; every learner still gets exactly one message,
// nothing is dead-lettered, and nothing goes out while the lane waits retry_after.
func Test429Storm(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.addLearners(7000, 20, nil)
	h.sim.FailNext("sendMessage", 3, 429, "", 4)
	if err := h.db.Update(func(tx *store.Tx) error {
		for _, u := range learners {
			if err := h.bot.enqueue(tx, Notice{ChatID: u.ID, Text: "خبر تازه", Bulk: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.drain()
	delivered := func() int {
		n := 0
		for _, u := range learners {
			n += h.countContaining(u, "خبر تازه")
		}
		return n
	}
	during := delivered()
	if during == len(learners) {
		t.Fatal("every message went out despite the 429s")
	}
	h.advance(3 * time.Second)
	if got := delivered(); got != during {
		t.Fatalf("%d messages went out before retry_after passed", got-during)
	}
	for i := 0; i < 5 && delivered() < len(learners); i++ {
		h.advance(4 * time.Second)
	}
	for _, u := range learners {
		if n := h.countContaining(u, "خبر تازه"); n != 1 {
			t.Errorf("learner %d got the message %d times; want 1", u.ID, n)
		}
	}
	if dead, _ := h.db.DeadLetters(10); len(dead) != 0 {
		t.Errorf("429s dead-lettered %d jobs", len(dead))
	}
	if s := h.bot.SenderStats(); s.RateLimited != 3 || h.sim.Count429() != 3 {
		t.Errorf("RateLimited = %d, tgsim 429s = %d; want 3 and 3", s.RateLimited, h.sim.Count429())
	}
}

// TestRateLimitStorm: tgsim enforces 5 messages a second on its clock; the sender keeps backing off
// until everything went, each message once.
func TestRateLimitStorm(t *testing.T) {
	h := newHarness(t, nil)
	learners := h.addLearners(7100, 30, nil)
	h.sim.SetRateLimit(5, 5)
	if err := h.db.Update(func(tx *store.Tx) error {
		for _, u := range learners {
			if err := h.bot.enqueue(tx, Notice{ChatID: u.ID, Text: "اطلاعیه", Bulk: true}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.drain()
	for i := 0; i < 40; i++ {
		done := 0
		for _, u := range learners {
			done += h.countContaining(u, "اطلاعیه")
		}
		if done == len(learners) {
			break
		}
		h.advance(time.Second)
	}
	for _, u := range learners {
		if n := h.countContaining(u, "اطلاعیه"); n != 1 {
			t.Fatalf("learner %d got %d copies; want 1", u.ID, n)
		}
	}
	if dead, _ := h.db.DeadLetters(10); len(dead) != 0 {
		t.Errorf("the rate limit dead-lettered %d jobs", len(dead))
	}
}

// TestFailuresAreRetriedThenDeadLettered: 5xx answers are retried with backoff; a job that keeps
// failing lands in the dead letters, where an admin sees and retries it.
func TestFailuresAreRetriedThenDeadLettered(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.sim.FailNext("sendMessage", 2, 502, "", 0)
	h.notify(Notice{ChatID: maryam.ID, Text: "پیام مهم یک"})
	for range 4 {
		h.advance(time.Minute)
	}
	if n := h.countContaining(maryam, "پیام مهم یک"); n != 1 {
		t.Fatalf("after two 502s the notice arrived %d times; want 1", n)
	}
	// Six failures: every attempt the sender makes (its default bound).
	h.sim.FailNext("sendMessage", 6, 500, "", 0)
	h.notify(Notice{ChatID: maryam.ID, Text: "پیام مهم دو"})
	for range 12 {
		h.advance(10 * time.Minute)
	}
	dead, _ := h.db.DeadLetters(10)
	if len(dead) != 1 || !strings.Contains(dead[0].LastError, "500") || !strings.Contains(dead[0].LastError, "6 attempts") {
		t.Fatalf("dead letters = %+v; want the failing notice with its reason", dead)
	}
	// Telegram recovered: the admin lists the dead letters and retries.
	h.send(adminUser, "/deadletters")
	list := h.last(adminUser)
	if !strings.Contains(list.Plain, "500") || !strings.Contains(list.Plain, "پیام\u200cهای ناموفق") {
		t.Fatalf("/deadletters shows %q", list.Plain)
	}
	ans := h.pressData(adminUser, list, cb("dlr", strconv.FormatUint(dead[0].ID, 10)))
	if !strings.Contains(ans, "دوباره در صف") {
		t.Errorf("retry answered %q", ans)
	}
	h.drain()
	if n := h.countContaining(maryam, "پیام مهم دو"); n != 1 {
		t.Errorf("the retried dead letter arrived %d times; want 1", n)
	}
	if got := h.last(adminUser).Plain; !strings.Contains(got, "هیچ پیام ناموفقی") {
		t.Errorf("after the retry the list reads %q", got)
	}
	// Not for learners.
	h.send(maryam, "/deadletters")
	if got := h.last(maryam).Plain; !strings.Contains(got, "این فرمان را نمی\u200cشناسم") {
		t.Errorf("a learner's /deadletters got %q", got)
	}
	if ans := h.pressDataForged(maryam, h.last(maryam), cb("dlr", "1")); !strings.Contains(ans, "این دکمه دیگر کار نمی\u200cکند") {
		t.Errorf("a learner's forged retry answered %q", ans)
	}
}

// TestLanePriority: with a big bulk queue being paced through the Gate in real time, a learner's reply
// does not wait behind it.
func TestLanePriority(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		d.SendRate = 20 // 100 bulk messages take 5 s
		d.Sleep = nil   // real pacing
	})
	h.onboard(maryam, "fa", "home")
	learners := h.addLearners(8000, 100, nil)
	if err := h.db.Update(func(tx *store.Tx) error {
		for _, u := range learners {
			if err := h.bot.enqueue(tx, Notice{ChatID: u.ID, Text: "خبرنامه", Bulk: true}); err != nil {
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
	if _, err := h.sim.WaitFor(ctx, learners[5].ID, func(tgsim.Message) bool { return true }); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h.sim.SendText(maryam, "/help")
	if _, err := h.sim.WaitText(ctx, maryam.ID, "راهنمای توان"); err != nil {
		t.Fatal(err)
	}
	latency := time.Since(start)
	bulkDone := 0
	for _, u := range learners {
		bulkDone += len(h.sim.BotMessages(u.ID))
	}
	if latency > time.Second {
		t.Errorf("a reply took %v behind the bulk queue; want well under a second", latency)
	}
	if bulkDone >= len(learners) {
		t.Errorf("the whole bulk queue (%d) went before the reply: the test proves nothing", bulkDone)
	}
	t.Logf("reply latency %v with %d of %d bulk messages sent", latency, bulkDone, len(learners))
}

func TestPaidBroadcastParams(t *testing.T) {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("a", "b")))
	msg := tgbotapi.NewMessage(42, "<b>hi</b>")
	msg.ParseMode, msg.ReplyMarkup, msg.DisableWebPagePreview = tgbotapi.ModeHTML, kb, true
	for _, tc := range []struct {
		c      tgbotapi.Chattable
		method string
		want   map[string]string
	}{
		{msg, "sendMessage", map[string]string{"chat_id": "42", "text": "<b>hi</b>", "parse_mode": "HTML", "disable_web_page_preview": "true"}},
		{tgbotapi.NewCopyMessage(42, 900, 7), "copyMessage", map[string]string{"chat_id": "42", "from_chat_id": "900", "message_id": "7"}},
		{tgbotapi.NewPhoto(42, tgbotapi.FileID("AgAD")), "sendPhoto", map[string]string{"chat_id": "42", "photo": "AgAD"}},
		{tgbotapi.NewVenue(42, "t", "a", 1.5, 2.5), "sendVenue", map[string]string{"latitude": "1.5", "longitude": "2.5", "title": "t"}},
	} {
		method, p, ok := paidParams(tc.c)
		if !ok || method != tc.method || p["allow_paid_broadcast"] != "true" {
			t.Errorf("paidParams(%T) = %q, %v, %v", tc.c, method, p, ok)
			continue
		}
		for k, v := range tc.want {
			if p[k] != v {
				t.Errorf("%s: %s = %q; want %q", method, k, p[k], v)
			}
		}
	}
	if _, _, ok := paidParams(tgbotapi.NewDocument(1, tgbotapi.FileBytes{Name: "a", Bytes: []byte("x")})); ok {
		t.Error("an upload cannot go through MakeRequest")
	}
}

// TestPaidBroadcastSendsTheFlag: with paid broadcasts on, bulk sends carry allow_paid_broadcast (tgsim
// checks the field against the Bot API) and notices do not.
func TestPaidBroadcastSendsTheFlag(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.PaidBroadcast = true })
	if h.bot.SendRate != paidSendRate {
		t.Errorf("paid broadcasts: rate %v; want %d", h.bot.SendRate, paidSendRate)
	}
	h.onboard(maryam, "fa", "home")
	h.notify(Notice{ChatID: maryam.ID, Text: "خبر پولی", Bulk: true})
	if n := h.countContaining(maryam, "خبر پولی"); n != 1 {
		t.Fatalf("a paid bulk message arrived %d times", n)
	}
}

// TestCopyCarriesTheKeyboardWithoutText: a notice that copies a message and has no text of its own puts
// its keyboard under the copy (a relayed answer with "write again").
func TestCopyCarriesTheKeyboardWithoutText(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.send(adminUser, "سلام")
	original := h.sim.SendMedia(adminUser, tgsim.Media{Kind: "photo", Data: []byte("\x89PNG answer")})
	h.settle()
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("✍️ دوباره", cb("courses"))))
	h.notify(Notice{ChatID: maryam.ID, CopyFrom: &NoticeCopy{ChatID: adminUser.ID, MessageID: original.ID}, Keyboard: &kb})
	got := h.last(maryam)
	if got.CopyOf == nil || !got.HasButton(cb("courses")) {
		t.Errorf("the copy %+v; want the photo with the keyboard under it", got)
	}
}

// TestOutboxSendsAreCountedByLane: the sends metric tells replies from outbox lanes, and the sender's
// own counters are exported.
func TestOutboxSendsAreCountedByLane(t *testing.T) {
	h := newHarness(t, nil)
	h.onboard(maryam, "fa", "home")
	h.notify(Notice{ChatID: maryam.ID, Text: "خبر", Bulk: true})
	h.notify(Notice{ChatID: maryam.ID, Text: "یادآوری"})
	count := func(lane string) float64 {
		return counterValue(t, h, "tavan_telegram_sends_total", map[string]string{"lane": lane, "result": "ok"})
	}
	if count("bulk") != 1 || count("notice") != 1 || count("reply") == 0 {
		t.Errorf("sends by lane: bulk %v, notice %v, reply %v; want 1, 1 and the replies", count("bulk"), count("notice"), count("reply"))
	}
	families, err := h.bot.Metrics.Registry().Gather()
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

// counterValue reads one series of a gathered counter family by its labels (0 when absent).
func counterValue(t *testing.T, h *harness, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := h.bot.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
