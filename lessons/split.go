package lessons

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot/tghtml"
)

// SplitHTML splits Telegram HTML into messages whose text (tghtml.Len) is at most limit UTF-16 units each.
// It breaks at the last paragraph break (blank line) that fits, else at a line break, else after a sentence,
// else between words, and only inside a word that alone is longer than limit. The whitespace at a break is
// dropped; tags open at a break are closed at the end of the part and re-opened (with their attributes) at the
// start of the next, so every part is valid on its own. Text that fits is returned unchanged as the only part;
// text with nothing but whitespace gives no parts. The input must be valid Telegram HTML (see tghtml.Validate);
// invalid input is split on a best-effort basis. A limit below 2 is treated as 2 (one emoji is 2 units).
func SplitHTML(html string, limit int) []string {
	limit = max(limit, 2)
	if plain, err := tghtml.Plain(html); err == nil { // valid input: answer the common cases without tokenizing
		if strings.TrimFunc(plain, isBreakSpace) == "" {
			return nil
		}
		if utf16Len(plain) <= limit {
			return []string{html}
		}
	}
	t := tokenizeHTML(html)
	if len(t.chars) == 0 || t.onlySpace() {
		return nil
	}
	total := 0
	for _, c := range t.chars {
		total += c.units
	}
	if total <= limit {
		return []string{html}
	}
	var parts []string
	n := len(t.chars)
	s := t.skipSpace(0)
	for s < n {
		acc, e := 0, s
		for e < n && acc+t.chars[e].units <= limit {
			acc += t.chars[e].units
			e++
		}
		if e == n {
			parts = append(parts, t.part(s, n))
			break
		}
		e = max(e, s+1) // a single character wider than max still makes progress
		p, q := t.breakBefore(s, e)
		parts = append(parts, t.part(s, p))
		s = t.skipSpace(q)
	}
	return parts
}

type htmlChar struct {
	start, end int  // byte range in the HTML: one rune or one entity
	r          rune // the (first) decoded rune
	units      int  // UTF-16 length of the decoded text
	open       int  // index into tokenized.stacks: tags open before this character
}

type openTag struct {
	name, raw string // "a", `<a href="…">`
}

type tokenized struct {
	html   string
	chars  []htmlChar
	stacks [][]openTag // stacks[0] is empty
	final  int         // the stack open at the end of the HTML
}

// tokenizeHTML reads HTML the way tghtml does: a tag runs from '<' to the next '>', an entity from '&' to ';'.
func tokenizeHTML(s string) *tokenized {
	t := &tokenized{html: s, stacks: [][]openTag{nil}, chars: make([]htmlChar, 0, utf8.RuneCountInString(s))}
	cur := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				break // a bare '<': text (invalid input)
			}
			tag := s[i+1 : i+end]
			stack := t.stacks[cur]
			if strings.HasPrefix(tag, "/") {
				name := strings.ToLower(strings.TrimSpace(tag[1:]))
				for k := len(stack) - 1; k >= 0; k-- {
					if stack[k].name == name {
						t.stacks = append(t.stacks, stack[:k:k])
						cur = len(t.stacks) - 1
						break
					}
				}
			} else {
				j := 0
				for j < len(tag) && isTagNameByte(tag[j]) {
					j++
				}
				next := append(slices.Clip(stack), openTag{name: strings.ToLower(tag[:j]), raw: s[i : i+end+1]})
				t.stacks = append(t.stacks, next)
				cur = len(t.stacks) - 1
			}
			i += end + 1
			continue
		case '&':
			if semi := strings.IndexByte(s[i:], ';'); semi > 0 {
				if text, err := tghtml.Plain(s[i : i+semi+1]); err == nil && text != "" {
					r, _ := utf8.DecodeRuneInString(text)
					t.chars = append(t.chars, htmlChar{start: i, end: i + semi + 1, r: r, units: utf16Len(text), open: cur})
					i += semi + 1
					continue
				}
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		t.chars = append(t.chars, htmlChar{start: i, end: i + size, r: r, units: utf16Len(s[i : i+size]), open: cur})
		i += size
	}
	t.final = cur
	return t
}

func isTagNameByte(c byte) bool {
	return c == '-' || c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// isBreakSpace is whitespace where a line may be broken (not the no-break spaces).
func isBreakSpace(r rune) bool {
	return unicode.IsSpace(r) && r != '\u00a0' && r != '\u2007' && r != '\u202f'
}

func (t *tokenized) onlySpace() bool {
	return t.skipSpace(0) == len(t.chars)
}

func (t *tokenized) skipSpace(i int) int {
	for i < len(t.chars) && isBreakSpace(t.chars[i].r) {
		i++
	}
	return i
}

// breakBefore chooses where the part that starts at s ends (p, exclusive) and where the next one starts (q),
// given that characters s..e-1 fit and e does not.
func (t *tokenized) breakBefore(s, e int) (p, q int) {
	bestLevel, bestP, bestQ := -1, 0, 0
	for i := s + 1; i <= e && i < len(t.chars); i++ {
		if !isBreakSpace(t.chars[i].r) || isBreakSpace(t.chars[i-1].r) {
			continue
		}
		j, newlines := i, 0
		for j < len(t.chars) && isBreakSpace(t.chars[j].r) {
			if t.chars[j].r == '\n' {
				newlines++
			}
			j++
		}
		level := 0 // between words
		switch {
		case newlines >= 2:
			level = 3 // paragraph
		case newlines == 1:
			level = 2 // line
		case t.endsSentence(i - 1):
			level = 1
		}
		if level >= bestLevel {
			bestLevel, bestP, bestQ = level, i, j
		}
	}
	if bestLevel >= 0 {
		return bestP, bestQ
	}
	// One word longer than max: cut it, but not before a combining mark or around a joiner.
	p = e
	for p > s+1 && (unicode.Is(unicode.Mn, t.chars[p].r) || isJoiner(t.chars[p].r) || isJoiner(t.chars[p-1].r)) {
		p--
	}
	return p, p
}

func isJoiner(r rune) bool { return r == '\u200c' || r == '\u200d' }

// endsSentence reports whether the character at i ends a sentence, looking through closing quotes.
func (t *tokenized) endsSentence(i int) bool {
	for i >= 0 && strings.ContainsRune(`»"')”’`, t.chars[i].r) {
		i--
	}
	return i >= 0 && strings.ContainsRune(".!?؟…。", t.chars[i].r)
}

// part renders characters s..p-1 with the tags around them.
func (t *tokenized) part(s, p int) string {
	var b strings.Builder
	from, open := 0, 0
	if s > 0 {
		from, open = t.chars[s-1].end, t.chars[s-1].open
	}
	for _, tag := range t.stacks[open] {
		b.WriteString(tag.raw)
	}
	to, close := len(t.html), t.final
	if p < len(t.chars) {
		to, close = t.chars[p-1].end, t.chars[p-1].open
	}
	b.WriteString(t.html[from:to])
	stack := t.stacks[close]
	for k := len(stack) - 1; k >= 0; k-- {
		b.WriteString("</" + stack[k].name + ">")
	}
	return b.String()
}

// utf16Len is the length Telegram counts: UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
