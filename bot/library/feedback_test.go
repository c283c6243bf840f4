package library_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/library"
	"github.com/tavan7/tavan/bot/tgsim"
)

var admin2 = tgsim.User{ID: 901, FirstName: "Support", LanguageCode: "en"}

func withTwoAdmins(c *app.Config) { c.Admins = []int64{adminUser.ID, admin2.ID} }

func TestFeedbackReachesAdminsAndTheReplyReachesTheLearner(t *testing.T) {
	h := newHarness(t, withTwoAdmins)
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "/start")
	h.Send(admin2, "/start")

	h.Send(maryam, "/feedback")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "پیشنهاد، پرسش یا گزارش مشکل") {
		t.Fatalf("/feedback prompt: %q", got)
	}
	h.Send(maryam, "دکمهٔ <درس> کار نمی‌کند & صفحه خالی است")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "پیام شما به تیم توان رسید") {
		t.Errorf("after sending feedback: %q", got)
	}
	if u := h.User(maryam); u.Step != "" {
		t.Errorf("step after feedback = %q", u.Step)
	}
	// One notice per admin, in the admin's language, with the learner's display name and escaped words.
	fa, en := h.notices(adminUser.ID), h.notices(admin2.ID)
	if len(fa) != 1 || len(en) != 1 {
		t.Fatalf("notices: %d to the first admin, %d to the second; want 1 each", len(fa), len(en))
	}
	if !strings.Contains(fa[0].Text, "پیام تازه") || !strings.Contains(fa[0].Text, "مریم احمدی") ||
		!strings.Contains(fa[0].Text, "دکمهٔ &lt;درس&gt; کار نمی‌کند &amp; صفحه") || strings.Contains(fa[0].Text, "maryam_a") {
		t.Errorf("notice to the admin: %q", fa[0].Text)
	}
	if !strings.Contains(en[0].Text, "New message") {
		t.Errorf("notice to the English admin: %q", en[0].Text)
	}
	h.deliverNotices()
	note := h.lastWith(adminUser, "پیام تازه")
	if !strings.Contains(note.Plain, "دکمهٔ <درس> کار نمی‌کند & صفحه خالی است") {
		t.Errorf("the admin reads %q", note.Plain)
	}

	// The admin answers through the bot.
	h.Press(adminUser, note, "پاسخ")
	if got := h.Last(adminUser); got.ID == note.ID || !strings.Contains(got.Plain, "پاسخ خود به مریم احمدی را بنویسید") {
		t.Errorf("reply prompt: %q (message %d; the learner's message is %d and must stay)", got.Plain, got.ID, note.ID)
	}
	h.Send(adminUser, "ممنون! درست شد؛ دوباره امتحان کنید <لطفاً>.")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "پاسخ شما برای مریم احمدی فرستاده شد") {
		t.Errorf("after replying: %q", got)
	}
	if notes := h.notices(maryam.ID); len(notes) != 1 || strings.Contains(notes[0].Text, adminUser.FirstName) {
		t.Fatalf("answer notices to the learner: %+v (the admin's own name must not show)", notes)
	}
	h.deliverNotices()
	answer := h.Last(maryam)
	if !strings.Contains(answer.Plain, "پاسخ تیم توان به پیام شما") || !strings.Contains(answer.Plain, "ممنون! درست شد؛ دوباره امتحان کنید <لطفاً>.") {
		t.Errorf("the learner reads %q", answer.Plain)
	}
	// The learner can write again from the answer.
	h.Press(maryam, answer, "نوشتن پیام دیگر")
	if u := h.User(maryam); u.Step != library.StepFeedback {
		t.Errorf("after 'write another', step = %q", u.Step)
	}
}

func TestFeedbackMedia(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "/start")
	h.Send(maryam, "/feedback")
	shot := h.Sim.SendMedia(maryam, tgsim.Media{Kind: "photo", Data: []byte("\x89PNG screenshot"), Caption: "این صفحه خراب است"})
	h.Settle()
	notes := h.notices(adminUser.ID)
	if len(notes) != 2 || notes[0].CopyFrom == nil || notes[0].CopyFrom.MessageID != shot.ID || notes[0].CopyFrom.ChatID != maryam.ID ||
		notes[1].Keyboard == nil || !strings.Contains(notes[1].Text, "مریم احمدی") {
		t.Fatalf("notices for a photo: %+v", notes)
	}
	h.deliverNotices()
	msgs := h.Sim.BotMessages(adminUser.ID)
	copyMsg, header := msgs[len(msgs)-2], msgs[len(msgs)-1]
	if copyMsg.Kind != "photo" || copyMsg.CopyOf == nil || copyMsg.Plain != "این صفحه خراب است" {
		t.Errorf("the admin got %+v; want a copy of the photo with its caption", copyMsg)
	}
	// The admin answers with a photo too.
	h.Press(adminUser, header, "پاسخ")
	h.Sim.SendMedia(adminUser, tgsim.Media{Kind: "photo", Data: []byte("\x89PNG fixed")})
	h.Settle()
	h.deliverNotices()
	got := h.Sim.BotMessages(maryam.ID)
	if n := len(got); n < 2 || got[n-2].Plain != "💬 پاسخ تیم توان به پیام شما:" || got[n-1].Kind != "photo" || got[n-1].CopyOf == nil {
		t.Errorf("the learner's chat ends with %+v", got[len(got)-2:])
	}
}

func TestFeedbackBadInput(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "/start")
	h.Send(maryam, "/feedback")
	h.Send(maryam, "   ")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "پیام شما خالی بود") {
		t.Errorf("blank feedback: %q", got)
	}
	h.Send(maryam, strings.Repeat("خیلی طولانی ", 400)) // 4800 characters
	if got := h.Last(maryam).Plain; !strings.Contains(got, "پیام شما ۴٬۸۰۰ حرف است") || !strings.Contains(got, "۳٬۰۰۰") {
		t.Errorf("huge feedback: %q", got)
	}
	if n := len(h.notices(adminUser.ID)); n != 0 {
		t.Errorf("bad input reached the admins: %d notices", n)
	}
	if u := h.User(maryam); u.Step != library.StepFeedback {
		t.Fatalf("bad input lost the feedback step: %q", u.Step)
	}
	h.Send(maryam, "حالا درست نوشتم.")
	if n := len(h.notices(adminUser.ID)); n != 1 {
		t.Errorf("after fixing the input, %d notices; want 1", n)
	}
	// Cancel.
	h.Send(maryam, "/feedback")
	h.Press(maryam, h.Last(maryam), "انصراف")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "پیامی فرستاده نشد") || h.User(maryam).Step != "" {
		t.Errorf("cancel: %q, step %q", got, h.User(maryam).Step)
	}
	h.Send(maryam, "این دیگر بازخورد نیست")
	if n := len(h.notices(adminUser.ID)); n != 1 {
		t.Errorf("text after cancelling reached the admins")
	}

	// Stale and forged reply buttons.
	h.deliverNotices()
	note := h.lastWith(adminUser, "پیام تازه")
	data := buttonData(note, "پاسخ")
	if ans := h.PressForged(adminUser, note, "1|fbr|"+strconv.FormatInt(maryam.ID, 10)+"|999"); !strings.Contains(ans, "در دسترس نیست") {
		t.Errorf("a reply button for unknown feedback answered %q", ans)
	}
	if ans := h.PressForged(adminUser, note, "1|fbr|x|1"); !strings.Contains(ans, "دیگر کار نمی‌کند") {
		t.Errorf("a malformed reply button answered %q", ans)
	}
	if ans := h.PressForged(maryam, h.Last(maryam), data); !strings.Contains(ans, "دیگر کار نمی‌کند") {
		t.Errorf("a learner pressing an admin's reply button got %q; want the expired-button answer", ans)
	}
	// The learner deletes their data: the reply button goes stale, and a reply in progress is refused.
	h.Press(adminUser, note, "پاسخ")
	h.Send(maryam, "/deleteme")
	h.Press(maryam, h.Last(maryam), "پاک")
	h.Send(adminUser, "پاسخ دیر")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "در دسترس نیست") {
		t.Errorf("replying to deleted feedback: %q", got)
	}
	if u := h.User(adminUser); u.Step != "" {
		t.Errorf("admin step after a refused reply = %q", u.Step)
	}
	if ans := h.Press(adminUser, note, "پاسخ"); !strings.Contains(ans, "در دسترس نیست") {
		t.Errorf("reply button after /deleteme answered %q", ans)
	}
}

func TestFeedbackFloodGuard(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "/start") // admins have a chat with the bot
	for i := range library.MaxFeedbackPerDay {
		h.Send(maryam, "/feedback")
		h.Send(maryam, "پیام "+strconv.Itoa(i))
	}
	h.Send(maryam, "/feedback")
	h.Send(maryam, "یکی دیگر")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "امروز پیام زیادی فرستاده‌اید") {
		t.Errorf("over the daily limit: %q", got)
	}
	if u := h.User(maryam); u.Step != "" {
		t.Errorf("the refused learner stays in step %q", u.Step)
	}
	h.Clock.Advance(25 * time.Hour)
	h.Send(maryam, "/feedback")
	h.Send(maryam, "فردا")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "رسید") {
		t.Errorf("the next day: %q", got)
	}
}

func TestFeedbackWithoutAdmins(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.Admins = nil })
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/feedback")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "الان ممکن نیست") || h.User(maryam).Step != "" {
		t.Errorf("/feedback with no admins: %q", got)
	}
}

// /deleteme does not reset the daily feedback limit (issue 18: 40 notices to admins in a day).
func TestFeedbackLimitSurvivesDeleteMe(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "/start")
	for i := range library.MaxFeedbackPerDay {
		h.Send(maryam, "/feedback")
		h.Send(maryam, "پیام "+strconv.Itoa(i))
	}
	h.Send(maryam, "/deleteme")
	h.Press(maryam, h.Last(maryam), "همه را پاک کن")
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/feedback")
	h.Send(maryam, "باز هم من")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "امروز پیام زیادی فرستاده‌اید") {
		t.Errorf("feedback after /deleteme on the same day answered %q; want the daily limit", got)
	}
}
