package tghtml

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bale's Bot API has no parse_mode: every text is read as Bale Markdown — *bold*, _italic_ (with a
// space or a line edge outside the underscores) and [text](url). The bot writes Telegram HTML once and
// BaleMarkdown renders it for Bale, so lessons and locale templates stay single-sourced.

// Look-alikes for the characters Bale Markdown would read as markup. Bale documents no escape, so a
// learner's name such as "*Sara_" is shown with characters that look the same and mean nothing.
const (
	lookAlikeStar        = "∗" // U+2217 ASTERISK OPERATOR
	lookAlikeUnderscore  = "＿" // U+FF3F FULLWIDTH LOW LINE
	lookAlikeBracket     = "］" // U+FF3D FULLWIDTH RIGHT SQUARE BRACKET
	lookAlikeOpenBracket = "［" // U+FF3B FULLWIDTH LEFT SQUARE BRACKET
)

// BaleMarkdown renders Telegram HTML as Bale Markdown: <b>/<strong> become *…*, <i>/<em> _…_, <a href>
// [text](url); the other tags keep only their text; entities are decoded; and text that Bale would take
// for markup is replaced by look-alikes. Nested emphasis is flattened to its outer span, because Bale
// documents none. s must be valid Telegram HTML (Validate).
func BaleMarkdown(s string) (string, error) {
	if err := Validate(s); err != nil {
		return "", err
	}
	r := baleRenderer{}
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			r.tag(s[i+1 : i+end])
			i += end + 1
		case '&':
			text, n, _ := Entity(s[i:])
			r.text(text)
			i += n
		default:
			j := i + 1
			for j < len(s) && s[j] != '<' && s[j] != '&' {
				j++
			}
			r.text(s[i:j])
			i = j
		}
	}
	return r.out.String(), nil
}

type baleSpan struct {
	name   string // "b", "i" or "a"; "" for a tag that renders as its text only
	marker string // "*" or "_" (or "" when flattened into an outer span)
	start  int    // byte offset in out where the span's content begins
	href   string
}

type baleRenderer struct {
	out        strings.Builder
	stack      []baleSpan
	spaceAfter bool   // a bold or italic span just closed: the next text must not touch its marker
	closer     string // that span's marker
	inURL      bool   // the output ends inside a bare URL, which Bale links up to the next space
	hrefShown  bool   // the tag just closed left the output ending in a bare URL
}

func (r *baleRenderer) tag(tag string) {
	before := r.out.Len()
	r.hrefShown = false
	defer func() {
		if r.out.Len() != before {
			r.inURL = r.hrefShown // markup or a space ends a bare URL, unless the markup left one at the end
		}
	}()
	if strings.HasPrefix(tag, "/") {
		top := r.stack[len(r.stack)-1]
		r.stack = r.stack[:len(r.stack)-1]
		r.close(top)
		return
	}
	name, attrs, _ := StartTag(tag)
	span := baleSpan{}
	switch name {
	case "b", "strong":
		span.name, span.marker = "b", "*"
	case "i", "em":
		span.name, span.marker = "i", "_"
	case "a":
		if href := attrs["href"]; href != "" && !strings.HasPrefix(href, "tg:") {
			span.name, span.href = "a", href
		}
	}
	if span.marker != "" && r.inside("b", "i", "a") {
		span.marker = "" // Bale documents no nesting: the outer span wins
	}
	switch {
	case span.marker != "":
		r.separate(span.marker)
	case span.href != "":
		r.separate("[") // before the span starts: separating moves text into the span just closed
		if r.inURL {
			r.out.WriteByte(' ') // a bare URL would run into the link
		}
	}
	span.start = r.out.Len()
	if span.marker != "" {
		span.start = r.openingEdge()
	}
	r.stack = append(r.stack, span)
}

// openingEdge is where a marker may open so that a space or the line's edge lies outside it, as Bale
// needs: before the punctuation that the span directly follows ("(*bold*)" is written "*(bold)*"), or
// after a space written for it when a word precedes it.
func (r *baleRenderer) openingEdge() int {
	all := r.out.String()
	core := strings.TrimRightFunc(all, isMovablePunct)
	if last, _ := utf8.DecodeLastRuneInString(core); core == "" || unicode.IsSpace(last) {
		return len(core)
	}
	if last, _ := utf8.DecodeLastRuneInString(all); !unicode.IsSpace(last) {
		r.out.WriteByte(' ')
	}
	return r.out.Len()
}

// isMovablePunct is punctuation that may move inside a bold or italic span to keep a marker off a
// character; Bale Markdown's own characters never move.
func isMovablePunct(c rune) bool {
	return (unicode.IsPunct(c) || unicode.IsSymbol(c)) && !strings.ContainsRune("*_[]", c)
}

func (r *baleRenderer) inside(names ...string) bool {
	for _, s := range r.stack {
		for _, n := range names {
			if s.name == n && (s.marker != "" || s.href != "") {
				return true
			}
		}
	}
	return false
}

// close wraps the span's content in its markers, moving edge spaces outside them (Bale would not read
// "* bold *" as bold), and drops markers around nothing.
func (r *baleRenderer) close(s baleSpan) {
	if s.marker == "" && s.href == "" {
		return
	}
	all := r.out.String()
	content := all[s.start:]
	core := strings.TrimSpace(content)
	lead := content[:strings.Index(content, core)]
	trail := content[len(lead)+len(core):]
	if s.href != "" && core == "" {
		core = s.href
	}
	var b strings.Builder
	b.WriteString(all[:s.start])
	b.WriteString(lead)
	switch {
	case core == "":
	case s.href != "" && strings.Contains(core, "\n"):
		// Bale's links hold one line: the address is shown instead. The text was escaped as a span's,
		// so it keeps a span's edge: a space before it.
		if last, _ := utf8.DecodeLastRuneInString(all[:s.start]); s.start > 0 && lead == "" && !unicode.IsSpace(last) {
			b.WriteByte(' ')
		}
		b.WriteString(core + " " + s.href)
		r.hrefShown = trail == ""
	case s.href != "":
		text := strings.NewReplacer("[", lookAlikeOpenBracket, "]", lookAlikeBracket).Replace(core)
		b.WriteString("[" + text + "](" + strings.ReplaceAll(s.href, ")", "%29") + ")")
	case s.marker == "":
		b.WriteString(core)
	default:
		var last bool
		core, last = emphasize(core, s.marker)
		b.WriteString(core)
		if !last {
			s.marker = ""
			r.hrefShown = trail == "" // the output ends in the last line's bare URL
		}
	}
	b.WriteString(trail)
	r.out.Reset()
	r.out.WriteString(b.String())
	r.spaceAfter = s.marker != "" && core != "" && trail == ""
	r.closer = s.marker
}

// emphasize wraps each line of text in marker, since Bale pairs markers on one line only, with a line's
// edge spaces outside them. A line that ends in a bare URL goes without: Bale links the URL up to the next
// space and would swallow the closing marker. last reports whether the last line got its markers.
func emphasize(text, marker string) (out string, last bool) {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		core := strings.TrimSpace(line)
		last = core != "" && urlStart(core[strings.LastIndexFunc(core, unicode.IsSpace)+1:]) < 0
		if last {
			lead := line[:strings.Index(line, core)]
			lines[i] = lead + marker + core + marker + line[len(lead)+len(core):]
		}
	}
	return strings.Join(lines, "\n"), last
}

// separate keeps what follows a closed bold or italic span off its marker; next is what comes next.
// Punctuation that follows the span moves inside it ("*Tavan*!" is written "*Tavan!*", which Bale reads
// as bold, with no space before the "!"); anything else gets a space. It returns what is left of next.
func (r *baleRenderer) separate(next string) string {
	if !r.spaceAfter {
		return next
	}
	if first, _ := utf8.DecodeRuneInString(next); unicode.IsSpace(first) {
		r.spaceAfter = false
		return next
	}
	rest := strings.TrimLeftFunc(next, isMovablePunct)
	if moved := next[:len(next)-len(rest)]; moved != "" {
		all := r.out.String()
		r.out.Reset()
		r.out.WriteString(all[:len(all)-len(r.closer)] + moved + r.closer)
	}
	if rest == "" {
		return "" // the span still ends the output: what comes next is separated in turn
	}
	if first, _ := utf8.DecodeRuneInString(rest); !unicode.IsSpace(first) {
		r.out.WriteByte(' ')
	}
	r.spaceAfter = false
	return rest
}

func (r *baleRenderer) text(t string) {
	if t == "" {
		return
	}
	t = r.separate(t)
	prev := r.out.String()
	if n := len(r.stack); n > 0 && r.stack[n-1].start == len(prev) && (r.stack[n-1].marker != "" || r.stack[n-1].href != "") {
		prev = "" // the span's marker will precede t: Bale reads a span's edge as a line edge
	}
	escaped, inURL := escapeBale(t, prev, r.inURL && prev != "")
	r.out.WriteString(escaped)
	r.inURL = inURL
}

// escapeBale replaces what Bale Markdown would read as markup: every '*'; an '_' unless it lies between
// letters, digits or underscores (/my_events, @tavan_bot); and square brackets. A bare http(s) URL is
// kept as it is up to the next space: Bale links it as written, so a deep link's payload such as
// cons_-Ng still opens the bot. prev is what was written before t, for the character before t's first
// rune ("" for a line or span edge); inURL says t continues a URL. endsInURL says t ends inside one.
func escapeBale(t, prev string, inURL bool) (escaped string, endsInURL bool) {
	before, _ := utf8.DecodeLastRuneInString(prev)
	if prev == "" {
		before = ' '
	}
	var b strings.Builder
	for i := 0; i < len(t); {
		c, size := utf8.DecodeRuneInString(t[i:])
		switch {
		case unicode.IsSpace(c):
			inURL = false
		case !inURL && c == 'h' && !isWordRune(before) && urlStart(t[i:]) == 0:
			inURL = true
		}
		n := size
		if c == '_' {
			n = len(t[i:]) - len(strings.TrimLeft(t[i:], "_")) // a run of underscores is kept or replaced whole
		}
		after, _ := utf8.DecodeRuneInString(t[i+n:])
		if i+n >= len(t) {
			after = ' '
		}
		out := string(c)
		switch {
		case inURL && (c != '*' && c != '_' || !unicode.IsSpace(after)):
			// Kept as written; only a marker ending the URL is replaced, since Bale could read it as the
			// closing marker of a span around the URL.
			out = t[i : i+n]
		case c == '*':
			out = lookAlikeStar
		case c == '_' && isWordRune(before) && isWordRune(after):
			out = t[i : i+n]
		case c == '_':
			out = strings.Repeat(lookAlikeUnderscore, n)
		case c == '[': // Bale reads every [ as a link's start…
			out = lookAlikeOpenBracket
		case c == ']': // …and a ] before a ( as its end, which a later text or tag may bring
			out = lookAlikeBracket
		}
		b.WriteString(out)
		before, _ = utf8.DecodeLastRuneInString(out)
		i += n
	}
	return b.String(), inURL
}

// urlStart is where the first bare http(s) URL in s begins, as Bale finds one (not inside a word), or -1.
func urlStart(s string) int {
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "http")
		if j < 0 {
			return -1
		}
		j += i
		prev, _ := utf8.DecodeLastRuneInString(s[:j])
		if (j == 0 || !isWordRune(prev)) && (strings.HasPrefix(s[j:], "https://") || strings.HasPrefix(s[j:], "http://")) {
			return j
		}
		i = j + 4
	}
	return -1
}

func isWordRune(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }

// BalePlain makes plain text safe to send to Bale as it is: what Bale Markdown would read as markup
// becomes look-alikes.
func BalePlain(s string) string {
	out, _ := escapeBale(s, "", false)
	return out
}
