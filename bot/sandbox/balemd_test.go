package sandbox

import (
	"reflect"
	"testing"

	"github.com/tavan7/tavan/bot/tgsim"
)

func TestSpanNodes(t *testing.T) {
	// "😀 " is three UTF-16 units: offsets count them as Bale's (and Telegram's) entities do.
	plain := "😀 bold and link inside"
	spans := []tgsim.Entity{
		{Type: "bold", Offset: 3, Length: 20},
		{Type: "text_link", Offset: 12, Length: 4, URL: "https://example.org/x"},
		{Type: "italic", Offset: 10, Length: 5}, // overlaps the link without nesting: drawn as text
		{Type: "strikethrough", Offset: 0, Length: 2},
	}
	want := []Node{
		{Text: "😀 "},
		{Tag: "b", Children: []Node{
			{Text: "bold and "},
			{Tag: "a", Href: "https://example.org/x", Children: []Node{{Text: "link"}}},
			{Text: " inside"},
		}},
	}
	if got := SpanNodes(plain, spans); !reflect.DeepEqual(got, want) {
		t.Errorf("SpanNodes = %+v\nwant %+v", got, want)
	}
	if got := SpanNodes("x", []tgsim.Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "javascript:alert(1)"}}); got[0].Href != "" {
		t.Errorf("an unsafe link kept its href %q", got[0].Href)
	}
}
