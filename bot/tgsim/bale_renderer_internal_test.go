package tgsim

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/tghtml"
)

// TestBotBaleMarkdownIsNeverBroken renders random Telegram HTML of the kind the bot writes (bold, italic
// and links around user text full of markers, URLs and punctuation) with the bot's renderer and reads it
// with this profile's: no stray marker, ever.
func TestBotBaleMarkdownIsNeverBroken(t *testing.T) {
	pieces := []string{"Sara", "*Sara_", "سارا", "_x_", "a_b", "snake__case", "[x](https://e.org)", "]", "(", ")", "!", "،", "«", "»",
		":", "؟", "https://ble.ir/tavan_bot?start=cons_-Ng_a", "http://e.org/a*b", "https://e.org/?a=1&b=2", "2*3", "/my_events",
		"@tavan_bot", "۱_۲", "_", "*", "-", "😀", "x", " ", " ", " ", "\n"}
	rng := rand.New(rand.NewPCG(17, 2026))
	for n := range 3000 {
		var html strings.Builder
		for range 1 + rng.IntN(8) {
			var text strings.Builder
			for range 1 + rng.IntN(4) {
				text.WriteString(pieces[rng.IntN(len(pieces))])
			}
			escaped := tghtml.Escape(text.String())
			switch rng.IntN(5) {
			case 0:
				html.WriteString("<b>" + escaped + "</b>")
			case 1:
				html.WriteString("<i>" + escaped + "</i>")
			case 2:
				html.WriteString(`<a href="https://e.org/p_(1)">` + escaped + "</a>")
			case 3:
				html.WriteString("<b>" + escaped + "<i>" + escaped + "</i></b>")
			default:
				html.WriteString(escaped)
			}
		}
		md, err := tghtml.BaleMarkdown(html.String())
		if err != nil {
			t.Fatalf("BaleMarkdown(%q): %v", html.String(), err)
		}
		_, _, broken := renderBaleMarkdown(md)
		if len(broken) > 0 {
			t.Fatalf("case %d: %q rendered as %q, which Bale reads as broken: %v", n, html.String(), md, broken)
		}
	}
}
