package consult_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

// relayedMedia is every kind of file a person can send, with a caption where Telegram allows one.
var relayedMedia = []tgsim.Media{
	{Kind: "photo", Data: []byte("JPEG"), Caption: "عکس محصول"},
	{Kind: "video", Data: []byte("MP4"), Caption: "ویدئوی کارگاه"},
	{Kind: "voice", Data: []byte("OggS")},
	{Kind: "audio", Data: []byte("ID3"), FileName: "podcast.mp3"},
	{Kind: "document", Data: []byte("%PDF-1.4"), FileName: "business-plan.pdf", Caption: "طرح کسب‌وکار"},
	{Kind: "sticker", Data: []byte("RIFF-webp"), Emoji: "👍"},
	{Kind: "animation", Data: []byte("GIF89a"), FileName: "hello.gif"},
	{Kind: "video_note", Data: []byte("MP4")},
}

// relayOne sends one message of every kind from one side and checks each arrives as a copy on the other.
func relayOne(t *testing.T, h *harness, from, to tgsim.User, labelled bool) {
	t.Helper()
	check := func(what string, sent tgsim.Message, kind string) {
		t.Helper()
		h.Settle()
		cp, ok := h.lastCopy(to.ID, from.ID)
		if !labelled {
			checkSigned(t, h, what, sent, to)
			return
		}
		switch {
		case !ok || cp.CopyOf == nil || cp.CopyOf.MessageID != sent.ID:
			t.Errorf("%s from %s: no copy in %s's chat", what, from.FirstName, to.FirstName)
			return
		case cp.Kind != kind:
			t.Errorf("%s arrived as %s", what, cp.Kind)
		case cp.ForwardOf != nil:
			t.Errorf("%s was forwarded (with the sender's header), not copied", what)
		case cp.Plain != sent.Plain:
			t.Errorf("%s text %q; want %q", what, cp.Plain, sent.Plain)
		}
		labels := strings.Join(cp.ButtonTexts(), " ")
		if labelled && (!strings.Contains(labels, from.FirstName) || !strings.Contains(labels, "۱")) {
			t.Errorf("%s copy labelled %q; want the learner's first name and session number", what, labels)
		}
		if !labelled && labels != "" {
			t.Errorf("%s copy to the learner carries buttons %q", what, labels)
		}
	}
	check("text", h.Sim.SendText(from, "سلام، یک پرسش دیگر هم دارم."), "text")
	for _, m := range relayedMedia {
		check(m.Kind, h.Sim.SendMedia(from, m), m.Kind)
	}
	loc := h.Sim.SendLocation(from, 35.6892, 51.3890)
	check("location", loc, "location")
	if cp, _ := h.lastCopy(to.ID, from.ID); cp.Location == nil || cp.Location.Lat != 35.6892 {
		t.Errorf("location copy %+v", cp.Location)
	}
}

func TestRelayEveryMediaBothWays(t *testing.T) {
	apptest.EachPlatform(t, relayEveryMediaBothWays)
}

func relayEveryMediaBothWays(t *testing.T, p bot.Platform) {
	h := clubHarnessOn(t, p, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	h.Session(maryam, amir, "marketing")

	relayOne(t, h, maryam, amir, true)
	relayOne(t, h, amir, maryam, false)
	if rec := h.Consultation(1); rec.Relayed != 2*(2+len(relayedMedia)) {
		t.Errorf("relayed count %d", rec.Relayed)
	}
	// A relayed message is not a step's input nor an unknown text: nothing else answered.
	for _, m := range h.Sim.BotMessages(maryam.ID) {
		if strings.Contains(m.Plain, "متوجه نشدیم") || strings.Contains(m.Plain, "فقط متن و دکمه") {
			t.Errorf("the learner got %q during the session", m.Plain)
		}
	}
}

func TestRelayKeepsReplyContext(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	h.Session(maryam, amir, "marketing")

	// The consultant replies to the question copied above the card.
	question := h.Sim.Messages(maryam.ID)
	var qmsg tgsim.Message
	for _, m := range question {
		if !m.FromBot && m.Kind == "text" && strings.HasPrefix(m.Plain, "چطور") {
			qmsg = m
		}
	}
	qcopy, _ := h.lastCopy(amir.ID, maryam.ID)
	h.Sim.ReplyTo(amir, qcopy.ID, "سؤال خوبی است.")
	h.Settle()
	if back, _ := h.lastCopy(maryam.ID, amir.ID); back.ReplyTo != qmsg.ID {
		t.Errorf("the answer to the question replies to %d; want the learner's question %d", back.ReplyTo, qmsg.ID)
	}

	lm := h.Sim.SendText(maryam, "قیمت تمام‌شده را چطور حساب کنم؟")
	h.Settle()
	cp, _ := h.lastCopy(amir.ID, maryam.ID)
	reply := h.Sim.ReplyTo(amir, cp.ID, "هزینهٔ مواد، دستمزد و سربار را جمع بزنید.")
	h.Settle()
	back, _ := h.lastCopy(maryam.ID, amir.ID)
	if back.Plain != "هزینهٔ مواد، دستمزد و سربار را جمع بزنید." || back.ReplyTo != lm.ID {
		t.Errorf("the consultant's reply arrived replying to %d; want the learner's message %d", back.ReplyTo, lm.ID)
	}
	h.Sim.ReplyTo(maryam, back.ID, "ممنون!")
	h.Settle()
	if cp2, _ := h.lastCopy(amir.ID, maryam.ID); cp2.ReplyTo != reply.ID {
		t.Errorf("the learner's reply arrived replying to %d; want the consultant's message %d", cp2.ReplyTo, reply.ID)
	}
}

func TestRelayUncopyableAndFloods(t *testing.T) {
	h := clubHarness(t, func(c *app.Config) { c.Consult.RelayPerMinute = 5 })
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	h.Session(maryam, amir, "marketing")
	before := len(h.Sim.BotMessages(amir.ID))

	// A quiz (whose answer the bot does not know) and a service message cannot be copied.
	for _, extra := range []string{
		`"poll":{"id":"77","question":"کدام؟","options":[{"text":"الف","voter_count":0},{"text":"ب","voter_count":0}],"total_voter_count":0,"is_closed":false,"is_anonymous":false,"type":"quiz","allows_multiple_answers":false}`,
		`"pinned_message":{"message_id":1,"date":1,"chat":{"id":101,"type":"private"}}`,
	} {
		h.Sim.InjectUpdate(json.RawMessage(fmt.Sprintf(`{"message":{"message_id":900,"date":%d,"from":{"id":101,"is_bot":false,"first_name":"مریم"},"chat":{"id":101,"type":"private"},%s}}`, h.Clock.Now().Unix(), extra)))
		h.Settle()
		if got := h.Last(maryam).Plain; !strings.Contains(got, "این نوع پیام را نمی‌توانم") {
			t.Errorf("an uncopyable message got %q; want a clear notice", got)
		}
	}
	// Telegram refuses a copy: the sender is told instead of the message vanishing.
	h.Sim.FailNext("copyMessage", 1, 400, "Bad Request: message can't be copied", 0)
	h.Send(maryam, "این پیام کپی نمی‌شود")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "این نوع پیام را نمی‌توانم") {
		t.Errorf("a refused copy got %q", got)
	}
	if n := len(h.Sim.BotMessages(amir.ID)); n != before {
		t.Errorf("the consultant got %d messages from refused copies", n-before)
	}

	// Telegram's flood limit: a 429 is waited out and the message still arrives.
	h.Sim.FailNext("copyMessage", 1, 429, "", 1)
	h.Send(maryam, "پیام بعد از ۴۲۹")
	if cp, _ := h.lastCopy(amir.ID, maryam.ID); cp.Plain != "پیام بعد از ۴۲۹" || h.Sim.Count429() != 1 {
		t.Errorf("after a 429 the copy is %q (429s: %d)", cp.Plain, h.Sim.Count429())
	}

	// Our own per-chat limit: 5 a minute (one is used above); the first refusal is explained, later ones are quiet.
	h.Clock.Advance(time.Minute)
	for i := 1; i <= 7; i++ {
		h.Send(maryam, fmt.Sprintf("پیام شمارهٔ %d", i))
	}
	relayed, warnings := 0, 0
	for _, m := range h.Sim.BotMessages(amir.ID) {
		if strings.HasPrefix(m.Plain, "پیام شمارهٔ") {
			relayed++
		}
	}
	for _, m := range h.Sim.BotMessages(maryam.ID) {
		if strings.Contains(m.Plain, "خیلی تند") {
			warnings++
		}
	}
	if relayed != 5 || warnings != 1 {
		t.Errorf("7 quick messages: %d relayed, %d warnings; want 5 and 1", relayed, warnings)
	}
	h.Clock.Advance(time.Minute)
	h.Send(maryam, "پیام شمارهٔ ۸")
	if cp, _ := h.lastCopy(amir.ID, maryam.ID); cp.Plain != "پیام شمارهٔ ۸" {
		t.Errorf("after a minute the relay is still closed: last copy %q", cp.Plain)
	}
}

func TestPrivacyNothingOfTheLearnerBeforeConsent(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "general")
	h.MakeConsultant(amir, "دکتر امیر", "marketing", "finance")
	h.MakeConsultant(sara, "Sara R.", "marketing", "finance")

	// Everything a consultant can meet: offers to both, a claim, the picker, relays, the end, a summary,
	// an idle close, a report.
	m1 := h.Ask(maryam, "marketing", "چطور برای محصولاتم مشتری پیدا کنم؟")
	j1 := h.Ask(john, "finance", "How do I price my handmade soap?")
	h.Take(amir, m1)
	h.Take(amir, j1)
	relayOne(t, h, maryam, amir, true)
	h.Send(john, "Hello, thanks for taking my question")
	h.Send(amir, "/sessions")
	h.Send(amir, "/end")
	h.Press(amir, h.Last(amir), "نوشتن خلاصه")
	h.Send(amir, "قیمت را بر پایهٔ هزینه‌ها بگذارید.")
	h.Send(amir, "/report")
	h.Send(amir, "فقط برای آزمایش")
	h.Clock.Advance(25 * time.Hour)
	h.sweep()

	secrets := []string{maryam.LastName, maryam.Username, john.LastName, "+98"}
	for _, k := range []tgsim.User{amir, sara} {
		shown := h.everythingShown(k.ID)
		for _, n := range h.notices(k.ID) {
			shown = append(shown, n.Text)
		}
		for _, s := range shown {
			for _, secret := range secrets {
				if strings.Contains(s, secret) {
					t.Errorf("before consent %s was shown %q, which contains %q", k.FirstName, s, secret)
				}
			}
		}
	}

	// Consent: the consultant now gets the full name and username; a phone only when the learner sends it.
	m2 := h.Session(maryam, amir, "marketing")
	start := h.Last(maryam)
	h.Press(maryam, start, "نام و نام کاربری")
	shared := h.Last(amir).Plain
	if !strings.Contains(shared, "مریم احمدی") || !strings.Contains(shared, "@maryam_a") {
		t.Errorf("after consent the consultant got %q", shared)
	}
	if m, _ := h.Sim.Message(maryam.ID, start.ID); strings.Contains(strings.Join(m.ButtonTexts(), " "), "نام و نام کاربری") {
		t.Error("the share button is still there")
	}
	for _, s := range h.everythingShown(amir.ID) {
		if strings.Contains(s, "+989121234567") {
			t.Fatalf("a phone reached the consultant before the learner sent it: %q", s)
		}
	}
	contact := h.Sim.SendContact(maryam, "+989121234567", "مریم")
	h.Settle()
	if cp, ok := h.lastCopy(amir.ID, maryam.ID); !ok || cp.CopyOf.MessageID != contact.ID || cp.Contact == nil || cp.Contact.Phone != "+989121234567" {
		t.Errorf("the learner's own contact was not relayed: %+v", cp)
	}
	if rec := h.Consultation(m2); !rec.Shared {
		t.Error("consent not recorded")
	}

	// And learners never see a consultant's Telegram account.
	for _, l := range []tgsim.User{maryam, john} {
		for _, s := range h.everythingShown(l.ID) {
			for _, secret := range []string{amir.LastName, amir.Username, sara.LastName, sara.Username} {
				if strings.Contains(s, secret) {
					t.Errorf("learner %s was shown %q, which contains %q", l.FirstName, s, secret)
				}
			}
		}
	}
}

func TestSessionPickerAndReplyRouting(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(john, "en", "general")
	h.MakeConsultant(amir, "دکتر امیر", "marketing", "finance")
	m := h.Session(maryam, amir, "marketing")
	j := h.Session(john, amir, "finance")
	if k := h.ConsultantRec(amir); k.Current != j {
		t.Fatalf("current session %d; want the newest, %d", k.Current, j)
	}

	h.Send(maryam, "پیام مریم")
	fromMaryam, _ := h.lastCopy(amir.ID, maryam.ID)
	h.Send(john, "John's message")
	fromJohn, _ := h.lastCopy(amir.ID, john.ID)
	if l := strings.Join(fromJohn.ButtonTexts(), ""); !strings.Contains(l, "John") || !strings.Contains(l, "۲") {
		t.Errorf("john's message labelled %q", l)
	}

	h.Send(amir, "برای جان")
	if cp, _ := h.lastCopy(john.ID, amir.ID); cp.Plain != "برای جان" {
		t.Errorf("the current session did not get the message: %q", cp.Plain)
	}
	if cp, ok := h.lastCopy(maryam.ID, amir.ID); ok && cp.Plain == "برای جان" {
		t.Error("the message for john reached maryam")
	}

	// The label under maryam's message switches to her session.
	if got := h.Press(amir, fromMaryam, "مریم"); !strings.Contains(got, "مریم") {
		t.Errorf("label press toast %q", got)
	}
	h.Send(amir, "برای مریم")
	if cp, _ := h.lastCopy(maryam.ID, amir.ID); cp.Plain != "برای مریم" {
		t.Errorf("after switching, maryam's last copy is %q", cp.Plain)
	}
	// A reply goes to the session of the message replied to, whatever is current.
	h.Sim.ReplyTo(amir, fromJohn.ID, "پاسخ به جان")
	h.Settle()
	if cp, _ := h.lastCopy(john.ID, amir.ID); cp.Plain != "پاسخ به جان" {
		t.Errorf("a reply to john's message reached john as %q", cp.Plain)
	}
	if k := h.ConsultantRec(amir); k.Current != m {
		t.Errorf("a reply changed the current session to %d", k.Current)
	}

	h.Send(amir, "/sessions")
	picker := h.Last(amir)
	if !strings.Contains(picker.Plain, "✓ جلسهٔ ۱") || len(picker.InlineKeyboard) != 2 {
		t.Errorf("picker %q buttons %q", picker.Plain, picker.ButtonTexts())
	}
	h.PressData(amir, picker, cb("cssel", idArg(j), "p"))
	if p, _ := h.Sim.Message(amir.ID, picker.ID); !strings.Contains(p.Plain, "✓ جلسهٔ ۲") {
		t.Errorf("picker after the switch %q", p.Plain)
	}
	h.PressData(amir, h.Last(amir), cb("cssel", idArg(j), "p")) // the same one again: only a toast

	h.Send(amir, "/end") // ends john's (current); maryam's becomes current
	if rec := h.Consultation(j); rec.Status != store.ConsultClosed {
		t.Errorf("/end closed the wrong session: john's is %s", rec.Status)
	}
	h.Send(amir, "ادامه با مریم")
	if cp, _ := h.lastCopy(maryam.ID, amir.ID); cp.Plain != "ادامه با مریم" {
		t.Errorf("after ending john's, maryam got %q", cp.Plain)
	}
	// A session of someone else cannot be picked or ended.
	if got := h.PressForged(maryam, h.Last(maryam), cb("csend", idArg(j))); !strings.Contains(got, "کار نمی‌کند") && !strings.Contains(got, "قبلاً") {
		t.Errorf("maryam ending john's session got %q", got)
	}
}

func TestSessionSurvivesRestart(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	id := h.Session(maryam, amir, "marketing")
	before := h.Sim.SendText(maryam, "قبل از راه‌اندازی دوباره")
	h.Settle()
	cpBefore, _ := h.lastCopy(amir.ID, maryam.ID)

	h.Restart()

	h.Sim.SendMedia(maryam, tgsim.Media{Kind: "photo", Data: []byte("JPEG"), Caption: "بعد از راه‌اندازی"})
	h.Settle()
	if cp, _ := h.lastCopy(amir.ID, maryam.ID); cp.Kind != "photo" || cp.Plain != "بعد از راه‌اندازی" {
		t.Errorf("after the restart the consultant's last copy is %s %q", cp.Kind, cp.Plain)
	}
	h.Sim.ReplyTo(amir, cpBefore.ID, "پاسخ به پیام پیش از راه‌اندازی")
	h.Settle()
	back, _ := h.lastCopy(maryam.ID, amir.ID)
	if back.Plain != "پاسخ به پیام پیش از راه‌اندازی" || back.ReplyTo != before.ID {
		t.Errorf("after the restart the reply is %q replying to %d; want %d", back.Plain, back.ReplyTo, before.ID)
	}
	if rec := h.Consultation(id); rec.Status != store.ConsultOpen || rec.Relayed != 3 {
		t.Errorf("after the restart: %+v", rec)
	}
}

func TestTranscriptsOffByDefaultAndPruned(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	first := h.Session(maryam, amir, "marketing")
	h.Send(maryam, "این نباید نگه داشته شود")
	h.Send(amir, "این هم نه")
	if lines := h.transcript(first); len(lines) != 0 {
		t.Errorf("transcripts are off but %d lines were kept", len(lines))
	}
	h.Send(maryam, "/end")

	h.Send(adminUser, "/transcripts hello")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "/transcripts off") {
		t.Errorf("bad /transcripts answered %q", got)
	}
	h.Send(adminUser, "/transcripts ۳۰")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "۳۰ روز") {
		t.Errorf("/transcripts 30 answered %q", got)
	}
	second := h.Session(maryam, amir, "marketing")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "تا ۳۰ روز نگه داشته می‌شود") {
		t.Errorf("the learner was not told the session is kept: %q", got)
	}
	h.Send(maryam, "متن نگه‌داشته <۱>")
	h.Sim.SendMedia(maryam, tgsim.Media{Kind: "photo", Data: []byte("JPEG"), Caption: "عکس"})
	h.Settle()
	h.Send(amir, "پاسخ نگه‌داشته")
	if lines := h.transcript(second); len(lines) != 3 || lines[2].From != store.SideConsultant || lines[1].FileID == "" {
		t.Errorf("transcript = %+v", lines)
	}
	h.Send(adminUser, fmt.Sprintf("/transcript %d", second))
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "متن نگه‌داشته <۱>") || !strings.Contains(got, "[photo] عکس") || !strings.Contains(got, "مشاور") {
		t.Errorf("/transcript shows %q", got)
	}
	h.Send(adminUser, fmt.Sprintf("/transcript %d", first))
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "متنی نگه داشته نشده") {
		t.Errorf("/transcript of an unkept session: %q", got)
	}

	h.Clock.Advance(31 * 24 * time.Hour)
	if rep := h.sweep(); rep.Pruned < 3 {
		t.Errorf("prune after the retention: %+v", rep)
	}
	if lines := h.transcript(second); len(lines) != 0 {
		t.Errorf("%d lines outlived the retention", len(lines))
	}
	h.Send(adminUser, "/transcripts off")
	if got := h.Last(adminUser).Plain; !strings.Contains(got, "خاموش") {
		t.Errorf("/transcripts off answered %q", got)
	}

}

func TestDeleteMeTakesConsultationsAlong(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	h.Send(adminUser, "/transcripts 7")
	first := h.Session(maryam, amir, "marketing")
	h.Send(maryam, "/end")
	second := h.Session(maryam, amir, "marketing")
	h.Send(maryam, "این در متن جلسه نگه داشته می‌شود")
	if len(h.transcript(second)) != 1 {
		t.Fatal("no transcript line to delete")
	}

	h.Send(maryam, "/deleteme")
	h.Press(maryam, h.Last(maryam), "همه را پاک کن")
	for _, id := range []uint64{first, second} {
		if err := h.DB.View(func(tx *store.Tx) error { _, err := tx.Consultation(id); return err }); err != store.ErrNotFound {
			t.Errorf("a deleted learner's consultation %d is still stored: %v", id, err)
		}
	}
	h.Send(amir, "هنوز هستید؟")
	if got := h.Last(amir).Plain; !strings.Contains(got, "دیگر باز نیست") {
		t.Errorf("writing into a deleted learner's session answered %q", got)
	}
	h.sweep()
	if n := len(h.liveIDs()); n != 0 {
		t.Errorf("%d live consultations remain after the learner left", n)
	}
	h.Send(amir, "/sessions")
	if got := h.Last(amir).Plain; !strings.Contains(got, "جلسهٔ بازی ندارید") {
		t.Errorf("/sessions after the learner left: %q", got)
	}
}

func (h *harness) transcript(id uint64) []store.TranscriptLine {
	h.T.Helper()
	var lines []store.TranscriptLine
	_ = h.DB.View(func(tx *store.Tx) error {
		if rec, err := tx.Consultation(id); err == nil {
			lines = tx.Transcript(rec)
		}
		return nil
	})
	return lines
}

func (h *harness) liveIDs() []uint64 {
	var ids []uint64
	_ = h.DB.View(func(tx *store.Tx) error { ids = tx.LiveConsultations(); return nil })
	return ids
}

func TestConsultantLeavingMidSession(t *testing.T) {
	h := clubHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	id := h.Session(maryam, amir, "marketing")
	h.Send(amir, "/deleteme")
	h.Press(amir, h.Last(amir), "همه را پاک کن")
	if h.isConsultant(amir) {
		t.Fatal("the consultant record survived /deleteme")
	}
	h.Send(maryam, "هنوز آن‌جایید؟")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "دیگر در باشگاه نیست") {
		t.Errorf("the learner got %q; want the session closed with a notice", got)
	}
	if rec := h.Consultation(id); rec.Status != store.ConsultClosed || rec.ClosedBy != "gone" {
		t.Errorf("session after the consultant left: %+v", rec)
	}
	h.Send(maryam, "/consult")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "کدام موضوع") {
		t.Errorf("/consult afterwards: %q", got)
	}
}

// checkSigned checks that a consultant's message reached the learner under the consultant's signature
// («💬 دکتر امیر، مشاور»), so it never looks like the bot's own: a text starts with it, a captioned
// medium's caption does, and anything else follows a line with it.
func checkSigned(t *testing.T, h *harness, what string, sent tgsim.Message, learner tgsim.User) {
	t.Helper()
	const signature = "💬 دکتر امیر، مشاور"
	msgs := h.Sim.BotMessages(learner.ID)
	last := msgs[len(msgs)-1]
	switch what {
	case "text":
		if last.CopyOf != nil || last.Plain != signature+"\n"+sent.Plain {
			t.Errorf("the consultant's text reached the learner as %q; want it under %q", last.Plain, signature)
		}
	case "photo", "video", "document", "audio", "voice", "animation":
		want := signature
		if sent.Plain != "" {
			want += "\n" + sent.Plain
		}
		if last.CopyOf == nil || last.CopyOf.MessageID != sent.ID || last.Kind != what || last.Plain != want {
			t.Errorf("%s reached the learner as %s %q; want a copy captioned %q", what, last.Kind, last.Plain, want)
		}
	default:
		before := msgs[len(msgs)-2]
		if last.CopyOf == nil || last.CopyOf.MessageID != sent.ID || last.Kind != what || before.Plain != signature {
			t.Errorf("%s reached the learner as %s after %q; want a copy after %q", what, last.Kind, before.Plain, signature)
		}
	}
	if labels := strings.Join(last.ButtonTexts(), " "); labels != "" {
		t.Errorf("%s to the learner carries buttons %q", what, labels)
	}
}
