package library_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

var (
	neda = tgsim.User{ID: 104, FirstName: "ندا", LastName: "کریمی", Username: "neda_k", LanguageCode: "fa"}
	omid = tgsim.User{ID: 105, FirstName: "امید", LanguageCode: "fa"}
)

var inviteLinkRE = regexp.MustCompile(`https://(?:t\.me|ble\.ir)/([A-Za-z0-9_]+)\?start=ref_([a-z2-7]+)`)

// inviteCode opens /ambassador as u and reads their code from the link.
func (h *harness) inviteCode(u tgsim.User) string {
	h.T.Helper()
	h.Send(u, "/ambassador")
	m := inviteLinkRE.FindStringSubmatch(h.Last(u).Plain)
	if m == nil || !strings.HasPrefix(m[0], h.DeepLinkPrefix()) {
		h.T.Fatalf("/ambassador shows no invitation link beginning %s:\n%s", h.DeepLinkPrefix(), h.Last(u).Plain)
	}
	if m[1] != h.Bot.Username {
		h.T.Errorf("invitation link names @%s; want the bot @%s", m[1], h.Bot.Username)
	}
	return m[2]
}

// invited is how many people u brought in, as stored.
func (h *harness) invited(u tgsim.User) int {
	h.T.Helper()
	n := 0
	_ = h.DB.View(func(tx *store.Tx) error { n = len(tx.Invitees(u.ID)); return nil })
	return n
}

func TestReferralCreditedOnce(t *testing.T) {
	apptest.EachPlatform(t, referralCreditedOnce)
}

func referralCreditedOnce(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, nil)
	h.Onboard(maryam, "fa", "home")
	code := h.inviteCode(maryam)
	card := h.Last(maryam)
	for _, want := range []string{"سفیر توان باشید", "پیوند دعوت شما", "۰ نفر را به توان آورده‌اید", "نام شما در جدول سفیران"} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("/ambassador lacks %q:\n%s", want, card.Plain)
		}
	}
	if len(code) != store.RefCodeLen || strings.Contains(code, strconv.FormatInt(maryam.ID, 10)) {
		t.Errorf("code %q: want %d random characters, never the user id", code, store.RefCodeLen)
	}
	if share := card.InlineKeyboard[0][0]; h.Bale() && share.URL != "" {
		t.Errorf("share button %+v on Bale, which has no share page", share)
	} else if !h.Bale() && !strings.HasPrefix(share.URL, "https://t.me/share/url?url=https%3A%2F%2Ft.me%2F") {
		t.Errorf("share button = %+v", share)
	}
	if again := h.inviteCode(maryam); again != code {
		t.Errorf("the code changed from %q to %q; it is made once", code, again)
	}

	// A new learner joins through the link: credited once, and onboarded like anyone else.
	h.Send(john, "/start ref_"+code)
	if got := h.Last(john).Plain; !strings.Contains(got, "welcome to Tavan") {
		t.Errorf("john's /start with a referral: %q; want the usual welcome", got)
	}
	if h.User(john).StartPayload != "ref_"+code {
		t.Errorf("the payload was not kept on the record")
	}
	if n := h.invited(maryam); n != 1 {
		t.Fatalf("maryam brought in %d; want 1", n)
	}
	notes := h.notices(maryam.ID)
	if len(notes) != 1 || !strings.Contains(notes[0].Text, "یک نفر تازه با پیوند دعوت شما") || !strings.Contains(notes[0].Text, "۱ نفر") {
		t.Fatalf("notices to the inviter: %+v", notes)
	}
	if strings.Contains(notes[0].Text, "John") {
		t.Errorf("the notice names the new learner: %q", notes[0].Text)
	}

	// The same learner again, through the link: no second credit.
	h.Send(john, "/start ref_"+code)
	h.Press(john, h.Last(john), "English")
	h.Send(john, "/start ref_"+code)
	if n := h.invited(maryam); n != 1 {
		t.Errorf("after john's repeated /start maryam brought in %d; want 1", n)
	}
	if n := len(h.notices(maryam.ID)); n != 1 {
		t.Errorf("%d notices to the inviter; want 1", n)
	}
	h.deliverNotices()
	if got := h.Last(maryam).Plain; !strings.Contains(got, "یک نفر تازه") {
		t.Errorf("maryam's chat ends with %q", got)
	}
	h.Send(maryam, "/ambassador")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "۱ نفر را به توان آورده‌اید") || !strings.Contains(got, "۰ نفر از آن‌ها") {
		t.Errorf("/ambassador after one join:\n%s", got)
	}
}

// TestReferralRedelivered replays the /start of a new learner, as Telegram does after a crash between
// handling an update and confirming it: once through the router, once straight into the deep-link handler
// (as /start calls it) as if two deliveries had raced past the router's check.
func TestReferralRedelivered(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	code := h.inviteCode(maryam)
	sent := h.Sim.SendText(neda, "/start ref_"+code)
	h.Settle()
	if n := h.invited(maryam); n != 1 {
		t.Fatalf("neda's join credited %d", n)
	}
	msgs := h.Count(neda)
	upd := tgbotapi.Update{UpdateID: sent.UpdateID, Message: &tgbotapi.Message{
		MessageID: sent.ID,
		From:      &tgbotapi.User{ID: neda.ID, FirstName: neda.FirstName, LastName: neda.LastName, UserName: neda.Username, LanguageCode: "fa"},
		Chat:      &tgbotapi.Chat{ID: neda.ID, Type: "private"},
		Text:      sent.Text,
		Entities:  []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: len("/start")}},
	}}
	// The crash: the update's change committed, but the bot died before its answer was known to have
	// gone out, so it is replayed. Put the mark back as it was, then handle the update again.
	if _, err := h.DB.Apply(sent.UpdateID, func(*store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h.Bot.HandleUpdate(ctx, upd)

	// as a racing delivery saw the sender: not stored yet
	c := h.Bot.NewCtx(upd, &store.User{ID: neda.ID, DailyMinute: store.NoDailyTime})
	if c.Command != "start" || c.Args != "ref_"+code {
		t.Fatalf("NewCtx read /%s %q", c.Command, c.Args)
	}
	if _, err := h.Bot.HandleStartPayload(ctx, c, c.Args); !errors.Is(err, bot.ErrDuplicate) {
		t.Errorf("the referral on a redelivered /start = %v; want bot.ErrDuplicate", err)
	}
	if n := h.invited(maryam); n != 1 {
		t.Errorf("after redelivery maryam brought in %d; want 1", n)
	}
	if n := len(h.notices(maryam.ID)); n != 1 {
		t.Errorf("after redelivery %d notices to the inviter; want 1", n)
	}
	// A handled update the inbox still holds is a replay: its answer may go out once more (the crash may
	// have come before it did), its change never twice.
	if n := h.Count(neda); n-msgs > msgs {
		t.Errorf("the replayed /start sent neda %d more messages; want at most the %d of one answer", n-msgs, msgs)
	}
}

func TestReferralRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "youth")
	code := h.inviteCode(maryam)

	h.Send(maryam, "/start ref_"+code) // her own link
	h.Send(reza, "/start ref_"+code)   // an existing learner
	if n := h.invited(maryam); n != 0 {
		t.Errorf("self-invitation or an existing learner credited %d", n)
	}
	if got := h.Last(reza).Plain; !strings.Contains(got, "دوباره خوش آمدید") {
		t.Errorf("an existing learner's /start with a link: %q", got)
	}
	// Unknown and malformed codes: a normal welcome, no credit.
	for _, payload := range []string{"ref_zzzzzzzz", "ref_abc", "ref_", "ref_" + strings.ToUpper(code)} {
		u := tgsim.User{ID: 300 + int64(len(payload)), FirstName: "تازه", LanguageCode: "fa"}
		h.Send(u, "/start "+payload)
		if got := h.Last(u).Plain; !strings.Contains(got, "به توان خوش آمدید") {
			t.Errorf("/start %s: %q", payload, got)
		}
	}
	if n := h.invited(maryam); n != 0 {
		t.Errorf("unknown codes credited %d", n)
	}
	if n := len(h.notices(maryam.ID)); n != 0 {
		t.Errorf("%d notices for refused referrals", n)
	}
	// An inviter who deleted their data: their old link credits nobody; coming back gives a new code.
	h.Send(maryam, "/deleteme")
	h.Press(maryam, h.Last(maryam), "پاک")
	if _, err := h.DB.GetUser(maryam.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("maryam not deleted: %v", err)
	}
	h.Send(neda, "/start ref_"+code)
	if n := h.invited(maryam); n != 0 {
		t.Errorf("a deleted inviter's link credited %d", n)
	}
	h.Onboard(maryam, "fa", "home")
	if again := h.inviteCode(maryam); again == code {
		t.Errorf("after /deleteme the old code %q came back", code)
	}
}

func TestStoreReferralRules(t *testing.T) {
	h := newHarness(t, nil)
	err := h.DB.Update(func(tx *store.Tx) error {
		if ok, err := tx.AddReferral(7, 7); ok || err != nil {
			t.Errorf("AddReferral(self) = %v, %v; want false", ok, err)
		}
		if ok, err := tx.AddReferral(7, 8); !ok || err != nil {
			t.Errorf("AddReferral(7, 8) = %v, %v; want true", ok, err)
		}
		if ok, err := tx.AddReferral(7, 8); ok || err != nil {
			t.Errorf("AddReferral(7, 8) twice = %v, %v; want false", ok, err)
		}
		if got := tx.Invitees(7); len(got) != 1 || got[0] != 8 {
			t.Errorf("Invitees(7) = %v", got)
		}
		if _, ok, _ := tx.InviterByCode("abcdefgh"); ok {
			t.Errorf("an unknown code has an owner")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLeaderboardAndOptOut(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "youth")
	mCode, rCode := h.inviteCode(maryam), h.inviteCode(reza)
	h.Send(john, "/start ref_"+mCode)
	h.Send(neda, "/start ref_"+mCode)
	h.Send(omid, "/start ref_"+rCode)
	// One of maryam's people completed a lesson.
	if err := h.DB.Update(func(tx *store.Tx) error {
		u, err := tx.User(neda.ID)
		if err != nil {
			return err
		}
		u.LessonsCompleted = 2
		return tx.PutUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	h.Send(maryam, "/ambassador")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "۲ نفر را به توان آورده‌اید") || !strings.Contains(got, "۱ نفر از آن‌ها دست‌کم یک درس") {
		t.Errorf("/ambassador counts:\n%s", got)
	}

	h.Send(adminUser, "/leaderboard")
	board := h.Last(adminUser).Plain
	for _, want := range []string{"جدول سفیران توان", "همهٔ دعوت‌ها: ۳ نفر", "۱. مریم احمدی — ۲ نفر (۱ نفر با دست‌کم یک درس)", "۲. رضا <&> — ۱ نفر (۰ نفر"} {
		if !strings.Contains(board, want) {
			t.Errorf("leaderboard lacks %q:\n%s", want, board)
		}
	}
	if strings.Contains(board, "maryam_a") || strings.Contains(board, "101") {
		t.Errorf("leaderboard shows a username or an id:\n%s", board)
	}
	// Learners cannot see it: it does not exist for them.
	h.Send(maryam, "/leaderboard")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "این فرمان را نمی‌شناسیم") {
		t.Errorf("a learner's /leaderboard: %q", got)
	}

	// Maryam opts out: the same message changes, and the leaderboard no longer names her.
	h.Send(maryam, "/ambassador")
	card := h.Last(maryam)
	if ans := h.Press(maryam, card, "پنهان کردن نامم در جدول"); !strings.Contains(ans, "ذخیره شد") {
		t.Errorf("opt-out answered %q", ans)
	}
	if got := h.Last(maryam); got.ID != card.ID || !strings.Contains(got.Plain, "نمایش داده نمی‌شود") {
		t.Errorf("after opting out: %q (message %d, was %d)", got.Plain, got.ID, card.ID)
	}
	h.Send(adminUser, "/leaderboard")
	board = h.Last(adminUser).Plain
	if strings.Contains(board, "مریم") || !strings.Contains(board, "۱. رضا") || !strings.Contains(board, "۱ سفیر نخواسته‌اند") ||
		!strings.Contains(board, "همهٔ دعوت‌ها: ۳ نفر") {
		t.Errorf("leaderboard after maryam opted out:\n%s", board)
	}
	h.Press(maryam, h.Last(maryam), "نشان دادن نامم در جدول")
	h.Send(adminUser, "/leaderboard")
	if board := h.Last(adminUser).Plain; !strings.Contains(board, "۱. مریم احمدی") {
		t.Errorf("leaderboard after opting back in:\n%s", board)
	}
	// English.
	h.Press(john, h.Last(john), "English")
	h.Send(john, "/ambassador")
	if got := h.Last(john).Plain; !strings.Contains(got, "You have brought 0 people to Tavan") {
		t.Errorf("English /ambassador:\n%s", got)
	}
	if ans := h.PressForged(maryam, h.Last(maryam), "1|amb|maybe"); !strings.Contains(ans, "دیگر کار نمی‌کند") {
		t.Errorf("forged toggle answered %q", ans)
	}
}
