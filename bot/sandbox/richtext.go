package sandbox

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot/tghtml"
)

// Node is a piece of formatted text for the page: either Text, or a Tag from a fixed list with Children.
// The page builds DOM elements from nodes one by one and never parses HTML, so nothing the bot (or a
// lesson author) writes can become markup the page did not expect.
type Node struct {
	Text     string `json:"text,omitempty"`
	Tag      string `json:"tag,omitempty"`  // b, i, u, s, code, pre, blockquote, a, spoiler
	Href     string `json:"href,omitempty"` // a only: http, https or tg links; empty for any other
	Lang     string `json:"lang,omitempty"` // pre/code: the language-x class
	Children []Node `json:"children,omitempty"`
}

// canonical maps Telegram's HTML tags to the node tags the page knows; synonyms collapse.
var canonical = map[string]string{
	"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u",
	"s": "s", "strike": "s", "del": "s", "code": "code", "pre": "pre", "blockquote": "blockquote",
	"a": "a", "tg-spoiler": "spoiler", "span": "spoiler", "tg-emoji": "emoji",
}

// RichText turns text in Telegram's HTML parse mode into nodes. It is lenient: a tag Telegram does not
// know, an end tag that closes nothing or a stray '&' stays literal text, so it never fails and never
// loses characters the user should see. For text Telegram accepts, the nodes' text is exactly what
// tghtml.Plain returns.
func RichText(s string) []Node {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	root := &Node{}
	stack := []*Node{root}
	names := []string{""} // the source tag name of each open node
	var text strings.Builder
	flush := func() {
		if text.Len() == 0 {
			return
		}
		top := stack[len(stack)-1]
		top.Children = append(top.Children, Node{Text: text.String()})
		text.Reset()
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				text.WriteString(s[i:])
				i = len(s)
				continue
			}
			raw := s[i+1 : i+end]
			if strings.HasPrefix(raw, "/") {
				name := strings.ToLower(strings.TrimSpace(raw[1:]))
				depth := -1
				for d := len(names) - 1; d > 0; d-- {
					if names[d] == name {
						depth = d
						break
					}
				}
				if depth < 0 {
					text.WriteString(s[i : i+end+1])
					i += end + 1
					continue
				}
				flush()
				for len(stack) > depth {
					closeTop(&stack)
					names = names[:len(names)-1]
				}
				i += end + 1
				continue
			}
			name, attrs, ok := tghtml.StartTag(raw)
			tag, known := canonical[name]
			if !ok || !known || (name == "span" && attrs["class"] != "tg-spoiler") {
				text.WriteString(s[i : i+end+1])
				i += end + 1
				continue
			}
			flush()
			n := &Node{Tag: tag}
			switch tag {
			case "a":
				n.Href = safeHref(attrs["href"])
			case "code", "pre":
				n.Lang = strings.TrimPrefix(attrs["class"], "language-")
				if n.Lang == attrs["class"] {
					n.Lang = ""
				}
			}
			stack = append(stack, n)
			names = append(names, name)
			i += end + 1
		case '&':
			r, n, ok := tghtml.Entity(s[i:])
			if !ok {
				text.WriteByte('&')
				i++
				continue
			}
			text.WriteString(r)
			i += n
		default:
			text.WriteByte(s[i])
			i++
		}
	}
	flush()
	for len(stack) > 1 {
		closeTop(&stack)
	}
	return root.Children
}

// closeTop pops the innermost open node into its parent; an emoji's fallback text joins the parent.
func closeTop(stack *[]*Node) {
	st := *stack
	n := st[len(st)-1]
	parent := st[len(st)-2]
	if n.Tag == "emoji" {
		parent.Children = append(parent.Children, n.Children...)
	} else {
		parent.Children = append(parent.Children, *n)
	}
	*stack = st[:len(st)-1]
}

// safeHref keeps the links a Telegram client would open: web links and tg:// links.
func safeHref(h string) string {
	h = strings.TrimSpace(h)
	u, err := url.Parse(h)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return ""
		}
		return u.String()
	case "tg":
		return u.String()
	}
	return ""
}

// PlainText is the text of nodes, for tests and previews.
func PlainText(nodes []Node) string {
	var b strings.Builder
	var walk func([]Node)
	walk = func(ns []Node) {
		for _, n := range ns {
			b.WriteString(n.Text)
			walk(n.Children)
		}
	}
	walk(nodes)
	return b.String()
}
