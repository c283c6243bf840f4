package apptest

import (
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/tgsim"
)

// Platforms are the messengers every cross-platform test runs on.
var Platforms = []bot.Platform{bot.TelegramPlatform, bot.BalePlatform}

// EachPlatform runs test once per platform, as the subtests "telegram" and "bale"; the test starts its
// harness with NewOn(t, p, …).
func EachPlatform(t *testing.T, test func(t *testing.T, p bot.Platform)) {
	t.Helper()
	for _, p := range Platforms {
		t.Run(p.Name, func(t *testing.T) { test(t, p) })
	}
}

// Bale reports whether the harness runs on Bale.
func (h *Harness) Bale() bool { return h.Platform.Name == bot.BalePlatform.Name }

// DeepLinkPrefix is how the bot's deep links begin on the harness's platform: https://t.me/<bot>?start=
// or https://ble.ir/<bot>?start=.
func (h *Harness) DeepLinkPrefix() string {
	return h.Platform.LinkBase + h.Sim.Bot().Username + "?start="
}

// AnswerQuiz answers the newest quiz question in u's chat with the option whose text is option, however
// the platform asks it: a vote in a native quiz poll, or a press of the option's button. It waits for the
// bot to handle the answer.
func (h *Harness) AnswerQuiz(u tgsim.User, option string) {
	h.T.Helper()
	label := bot.Truncate(option, 64) // a button's label is the option, shortened to Telegram's limit
	msgs := h.Sim.BotMessages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Poll != nil {
			for shown, o := range m.Poll.Options {
				if o == option {
					h.Sim.AnswerPoll(u, m.Poll.ID, []int{shown})
					h.Settle()
					return
				}
			}
			h.T.Fatalf("quiz poll %q has no option %q; options: %q", m.Poll.Question, option, m.Poll.Options)
		}
		for _, row := range m.InlineKeyboard {
			for _, b := range row {
				if b.Text == label {
					h.PressData(u, m, b.CallbackData)
					return
				}
			}
		}
	}
	h.T.Fatalf("no quiz question with the option %q in %s's chat", option, u.FirstName)
}

// HasBold reports whether text arrived bold in m: an HTML <b> on Telegram, a Bale Markdown bold span on
// Bale (tgsim records the spans it rendered).
func (h *Harness) HasBold(m tgsim.Message, text string) bool {
	if !h.Bale() {
		return strings.Contains(m.Text, "<b>"+text+"</b>")
	}
	return m.HasEntity("bold", text)
}
