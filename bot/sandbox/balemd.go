package sandbox

import (
	"unicode/utf16"

	"github.com/tavan7/tavan/bot/tgsim"
)

// Bale has no parse modes: tgsim renders every text as Bale Markdown and records the spans it found
// (bold, italic, links) on the message. The page draws those spans, so a Bale sandbox shows what a Bale
// learner sees, never the raw markers.

// entityTags maps tgsim's Bale spans to the page's node tags.
var entityTags = map[string]string{"bold": "b", "italic": "i", "text_link": "a"}

// SpanNodes turns plain text and its spans (UTF-16 offsets, an outer span listed before those inside it)
// into nodes. A span that overlaps another without nesting in it is drawn as plain text.
func SpanNodes(plain string, spans []tgsim.Entity) []Node {
	units := utf16.Encode([]rune(plain))
	return spanNodes(units, 0, len(units), spans)
}

func spanNodes(units []uint16, lo, hi int, spans []tgsim.Entity) []Node {
	var out []Node
	text := func(from, to int) {
		if to > from {
			out = append(out, Node{Text: string(utf16.Decode(units[from:to]))})
		}
	}
	pos := lo
	for i := 0; i < len(spans); {
		e := spans[i]
		end := e.Offset + e.Length
		tag, known := entityTags[e.Type]
		if !known || e.Offset < pos || e.Length <= 0 || end > hi {
			i++
			continue
		}
		j := i + 1 // the spans inside this one follow it
		for j < len(spans) && spans[j].Offset < end {
			j++
		}
		text(pos, e.Offset)
		n := Node{Tag: tag, Children: spanNodes(units, e.Offset, end, spans[i+1:j])}
		if tag == "a" {
			n.Href = safeHref(e.URL)
		}
		out = append(out, n)
		pos, i = end, j
	}
	text(pos, hi)
	return out
}
