package tgsim

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode"
)

// Entity is a formatted span of a bot message's visible text (Message.Plain), as the platform rendered it.
// Only the Bale profile computes them (bold, italic, text_link from Bale Markdown).
type Entity struct {
	Type   string // "bold", "italic" or "text_link"
	Offset int    // in UTF-16 code units of Plain, like the Bot API's entities
	Length int    // in UTF-16 code units
	URL    string // text_link only
	Text   string // the part of Plain it covers
}

// HasEntity reports whether the message shows text (exactly) with the entity type, e.g. a bold word.
func (m Message) HasEntity(typ, text string) bool {
	for _, e := range m.Entities {
		if e.Type == typ && e.Text == text {
			return true
		}
	}
	return false
}

// renderBaleMarkdown renders Bale Markdown: *bold*, _italic_ and [text](url). Bale documents no escape,
// so tgsim applies the strictest reading of its rule ("markers need a space or line edge outside them"):
// a marker with a space or line edge on one side and a character on the other opens or closes a span,
// and must pair with one on the same line. Spans nest (their content's edges count as line edges). Any
// other * is reported, as is any other _ except one between letters, digits or underscores (commands,
// usernames need those) or inside a bare http(s) URL. Reported markers and brackets are kept literally
// in plain.
func renderBaleMarkdown(s string) (plain string, entities []Entity, broken []string) {
	r := &mdRenderer{}
	r.render([]rune(s))
	sort.SliceStable(r.entities, func(i, j int) bool {
		a, b := r.entities[i], r.entities[j]
		return a.Offset < b.Offset || a.Offset == b.Offset && a.Length > b.Length
	})
	return r.b.String(), r.entities, r.broken
}

type mdRenderer struct {
	b        strings.Builder
	n        int // UTF-16 length of b
	entities []Entity
	broken   []string
}

func (r *mdRenderer) literal(rs []rune) {
	s := string(rs)
	r.b.WriteString(s)
	r.n += utf16Len(s)
}

func (r *mdRenderer) problem(rs []rune, i int, format string, args ...any) {
	lo, hi := max(i-12, 0), min(i+13, len(rs))
	r.broken = append(r.broken, fmt.Sprintf(format, args...)+fmt.Sprintf(" near %q", string(rs[lo:hi])))
}

// span renders content as an entity of typ.
func (r *mdRenderer) span(typ, link string, content []rune) {
	start, startByte := r.n, r.b.Len()
	i := len(r.entities) // the outer span comes before those inside it
	r.entities = append(r.entities, Entity{Type: typ, Offset: start, URL: link})
	r.render(content)
	r.entities[i].Length, r.entities[i].Text = r.n-start, r.b.String()[startByte:]
}

// urlAt returns the length of a bare http(s) URL starting at i (up to the next space), or 0. Bale links
// such URLs as they are: markers inside them, like the _ and - of a deep link's payload, are not markup.
func urlAt(rs []rune, i int) int {
	if rs[i] != 'h' || i > 0 && (unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1])) {
		return 0
	}
	rest := string(rs[i:min(i+8, len(rs))])
	if !strings.HasPrefix(rest, "https://") && !strings.HasPrefix(rest, "http://") {
		return 0
	}
	j := i
	for j < len(rs) && !unicode.IsSpace(rs[j]) {
		j++
	}
	return j - i
}

// inWord reports whether rs[i] lies between letters, digits or underscores, like the _ of /my_events,
// @tavan_bot or a deep link's payload: text, not markup.
func inWord(rs []rune, i int) bool {
	word := func(j int) bool {
		return j >= 0 && j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_')
	}
	return word(i-1) && word(i+1)
}

// spaceAt reports whether rs[i] is a space or lies beyond the segment's edges.
func spaceAt(rs []rune, i int) bool {
	return i < 0 || i >= len(rs) || unicode.IsSpace(rs[i])
}

func (r *mdRenderer) render(rs []rune) {
	for i := 0; i < len(rs); {
		if n := urlAt(rs, i); n > 0 {
			r.literal(rs[i : i+n])
			i += n
			continue
		}
		switch c := rs[i]; c {
		case '*', '_':
			before, after := spaceAt(rs, i-1), spaceAt(rs, i+1)
			switch {
			case before && !after: // opens
				if j := closer(rs, i, c); j > 0 {
					typ := "bold"
					if c == '_' {
						typ = "italic"
					}
					r.span(typ, "", rs[i+1:j])
					i = j + 1
					continue
				}
				r.problem(rs, i, "%q opens a span that does not close on its line (substitute a look-alike such as %s in user text)", c, lookAlike(c))
			case !before && after:
				r.problem(rs, i, "%q closes a span that was never opened (substitute a look-alike such as %s in user text)", c, lookAlike(c))
			case c == '*' || !inWord(rs, i):
				r.problem(rs, i, "%q can neither open nor close a span, so Bale shows it raw (substitute a look-alike such as %s)", c, lookAlike(c))
			}
			r.literal(rs[i : i+1])
			i++
		case '[':
			if text, link, end, ok := linkAt(rs, i); ok {
				r.span("text_link", link, text)
				i = end
				continue
			}
			r.problem(rs, i, `"[" does not open a [text](url) link (substitute a look-alike such as ［ in user text)`)
			r.literal(rs[i : i+1])
			i++
		case ']':
			if i+1 < len(rs) && rs[i+1] == '(' {
				r.problem(rs, i, `"](" without its "[" (substitute a look-alike such as ］ in user text)`)
			}
			r.literal(rs[i : i+1])
			i++
		default:
			j := i + 1
			for j < len(rs) && !strings.ContainsRune("*_[]", rs[j]) && urlAt(rs, j) == 0 {
				j++
			}
			r.literal(rs[i:j])
			i = j
		}
	}
}

// closer finds the marker that closes the span marker m opens at i: the first m on the same line, at
// least one character later, with a character before it and a space or the edge after it; -1 if none.
func closer(rs []rune, i int, m rune) int {
	for j := i + 2; j < len(rs) && rs[j] != '\n'; j++ {
		if rs[j] == m && !spaceAt(rs, j-1) && spaceAt(rs, j+1) {
			return j
		}
	}
	return -1
}

// linkAt parses [text](url) at i: non-empty text without brackets, an http(s) URL without spaces, on one line.
func linkAt(rs []rune, i int) (text []rune, link string, end int, ok bool) {
	k := i + 1
	for k < len(rs) && rs[k] != ']' && rs[k] != '[' && rs[k] != '\n' {
		k++
	}
	if k >= len(rs) || rs[k] != ']' || k == i+1 || k+1 >= len(rs) || rs[k+1] != '(' {
		return nil, "", 0, false
	}
	p := k + 2
	for p < len(rs) && rs[p] != ')' && !unicode.IsSpace(rs[p]) {
		p++
	}
	if p >= len(rs) || rs[p] != ')' {
		return nil, "", 0, false
	}
	link = string(rs[k+2 : p])
	if u, err := url.Parse(link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", 0, false
	}
	return rs[i+1 : k], link, p + 1, true
}

func lookAlike(m rune) string {
	if m == '*' {
		return "∗ (U+2217)"
	}
	return "＿ (U+FF3F)"
}
