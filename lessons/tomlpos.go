package lessons

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// The toml package reports the line of a syntax error but keeps the position of each key to itself, so
// keyLines re-scans an already valid document to learn on which line every key and table header sits.
// That lets the validator point at the line of a bad value ("answer = 5") and not just at the file.

// keyLines maps keys to the line (1-based, within the TOML text) where they are written.
type keyLines struct {
	indexed map[string]int // "quiz[1].answer" -> line; tables of arrays carry their 0-based index
	order   []keyLine      // every key and header in document order, without indices (as toml.MetaData.Keys)
}

type keyLine struct {
	key  string // "quiz.answer"
	line int
}

// indexedKey builds the indexed form of a key path: strings are keys, ints are positions in an array of tables.
func indexedKey(path ...any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		}
	}
	return b.String()
}

// line returns the line of the key, or of its nearest enclosing key or table that was found, or 0.
func (kl *keyLines) line(path ...any) int {
	for n := len(path); n > 0; n-- {
		if l, ok := kl.indexed[indexedKey(path[:n]...)]; ok {
			return l
		}
	}
	return 0
}

// scanKeyLines scans TOML source. It assumes the source parsed (it never fails, it only guesses less on bad input).
func scanKeyLines(src string) *keyLines {
	kl := &keyLines{indexed: map[string]int{}}
	s := &tomlScanner{src: src, line: 1}
	var table []string         // current table header, indexed ("item[2]", "en")
	counts := map[string]int{} // indexed array-of-tables path -> number seen so far
	for s.pos < len(s.src) {
		s.skipBlank()
		if s.pos >= len(s.src) {
			break
		}
		switch c := s.src[s.pos]; {
		case c == '\n':
			s.line++
			s.pos++
		case c == '#':
			s.skipComment()
		case c == '[':
			line := s.line
			array := strings.HasPrefix(s.src[s.pos:], "[[")
			if array {
				s.pos += 2
			} else {
				s.pos++
			}
			keys := s.keyPath()
			s.skipToEOL()
			table = table[:0]
			var plain []string
			for i, k := range keys {
				plain = append(plain, k)
				table = append(table, k)
				prefix := strings.Join(table, ".")
				if array && i == len(keys)-1 {
					n := counts[prefix]
					counts[prefix] = n + 1
					table[len(table)-1] = fmt.Sprintf("%s[%d]", k, n)
				} else if n, ok := counts[prefix]; ok && n > 0 {
					table[len(table)-1] = fmt.Sprintf("%s[%d]", k, n-1)
				}
			}
			full := strings.Join(table, ".")
			if _, seen := kl.indexed[full]; !seen {
				kl.indexed[full] = line
			}
			kl.order = append(kl.order, keyLine{strings.Join(plain, "."), line})
		default:
			line := s.line
			keys := s.keyPath()
			if len(keys) == 0 { // not a key: give up on this line
				s.skipToEOL()
				continue
			}
			if s.pos < len(s.src) && s.src[s.pos] == '=' {
				s.pos++
			}
			s.skipValue()
			// A dotted key (a.b = 1) also defines a.
			for i := range keys {
				full := strings.Join(append(append([]string{}, table...), keys[:i+1]...), ".")
				if _, seen := kl.indexed[full]; !seen {
					kl.indexed[full] = line
				}
			}
			plainTable := make([]string, len(table))
			for i, t := range table {
				plainTable[i] = stripIndex(t)
			}
			kl.order = append(kl.order, keyLine{strings.Join(append(plainTable, keys...), "."), line})
		}
	}
	return kl
}

func stripIndex(s string) string {
	if i := strings.IndexByte(s, '['); i >= 0 {
		return s[:i]
	}
	return s
}

type tomlScanner struct {
	src  string
	pos  int
	line int
}

func (s *tomlScanner) skipBlank() {
	for s.pos < len(s.src) && (s.src[s.pos] == ' ' || s.src[s.pos] == '\t' || s.src[s.pos] == '\r') {
		s.pos++
	}
}

func (s *tomlScanner) skipComment() {
	for s.pos < len(s.src) && s.src[s.pos] != '\n' {
		s.pos++
	}
}

// skipToEOL skips the rest of a header line (the closing brackets and a comment).
func (s *tomlScanner) skipToEOL() {
	s.skipComment()
}

// keyPath reads a dotted key (bare or quoted parts) and leaves pos after it and following blanks.
func (s *tomlScanner) keyPath() []string {
	var keys []string
	for {
		s.skipBlank()
		if s.pos >= len(s.src) {
			return keys
		}
		c := s.src[s.pos]
		var k string
		switch {
		case c == '"' || c == '\'':
			start := s.pos
			s.skipString()
			raw := s.src[start:s.pos]
			if c == '"' {
				if u, err := strconv.Unquote(raw); err == nil {
					k = u
				} else {
					k = strings.Trim(raw, `"`)
				}
			} else {
				k = strings.Trim(raw, "'")
			}
		case isBareKeyByte(c):
			start := s.pos
			for s.pos < len(s.src) && isBareKeyByte(s.src[s.pos]) {
				s.pos++
			}
			k = s.src[start:s.pos]
		default:
			return keys
		}
		keys = append(keys, k)
		s.skipBlank()
		if s.pos < len(s.src) && s.src[s.pos] == '.' {
			s.pos++
			continue
		}
		return keys
	}
}

func isBareKeyByte(c byte) bool {
	return c == '_' || c == '-' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// skipString skips a basic, literal or multi-line string starting at pos, counting line feeds.
func (s *tomlScanner) skipString() {
	q := s.src[s.pos]
	if strings.HasPrefix(s.src[s.pos:], strings.Repeat(string(q), 3)) {
		s.pos += 3
		for s.pos < len(s.src) {
			c := s.src[s.pos]
			switch {
			case c == '\\' && q == '"':
				if s.pos+1 < len(s.src) && s.src[s.pos+1] == '\n' {
					s.line++
				}
				s.pos = min(s.pos+2, len(s.src))
			case c == '\n':
				s.line++
				s.pos++
			case c == q && strings.HasPrefix(s.src[s.pos:], strings.Repeat(string(q), 3)):
				s.pos += 3
				for extra := 0; extra < 2 && s.pos < len(s.src) && s.src[s.pos] == q; extra++ {
					s.pos++
				}
				return
			default:
				s.pos++
			}
		}
		return
	}
	s.pos++
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c == '\\' && q == '"':
			s.pos = min(s.pos+2, len(s.src))
		case c == q:
			s.pos++
			return
		case c == '\n': // unterminated: stop at the line end
			return
		default:
			s.pos++
		}
	}
}

// skipValue skips a value, which may span lines inside arrays, inline tables and multi-line strings.
func (s *tomlScanner) skipValue() {
	depth := 0
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch c {
		case '"', '\'':
			s.skipString()
			continue
		case '[', '{':
			depth++
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '#':
			s.skipComment()
			continue
		case '\n':
			if depth == 0 {
				return
			}
			s.line++
		}
		s.pos++
	}
}

// tomlDoc is a decoded TOML document with what the validator needs to point at lines.
type tomlDoc struct {
	file  string // path within the content fs
	off   int    // added to TOML line numbers to get file line numbers (front matter starts on line 2)
	meta  toml.MetaData
	lines *keyLines
}

// line is the file line of a key (see keyLines.line); a top-level key that is missing points at the
// first line of the document.
func (d *tomlDoc) line(path ...any) int {
	if l := d.lines.line(path...); l > 0 {
		return l + d.off
	}
	if len(path) > 1 {
		return 0
	}
	return 1 + d.off
}

var tomlLineRE = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: `)

// decodeTOML decodes src into v, reporting syntax and type errors, unknown keys (typos) and keys that are not
// lowercase. It returns nil when v could not be filled.
func decodeTOML(r *reporter, file, src string, off int, v any) *tomlDoc {
	meta, err := toml.Decode(src, v)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg := pe.Message
			if pe.LastKey != "" {
				msg = fmt.Sprintf("%s (key %q)", msg, pe.LastKey)
			}
			r.add(file, pe.Position.Line+off, "TOML: "+msg)
			return nil
		}
		// Type mismatches come as plain errors of the form "toml: line N (last key "k"): message".
		msg := err.Error()
		line := 0
		if m := tomlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			line += off
			msg = msg[len(m[0]):]
			if m[2] != "" {
				msg = fmt.Sprintf("%s (key %q)", msg, m[2])
			}
		} else {
			msg = strings.TrimPrefix(msg, "toml: ")
		}
		r.add(file, line, "TOML: "+msg)
		return nil
	}
	d := &tomlDoc{file: file, off: off, meta: meta, lines: scanKeyLines(src)}
	undecoded := map[string]bool{}
	for _, k := range meta.Undecoded() {
		undecoded[k.String()] = true
	}
	seen := map[string]int{}
	for _, k := range meta.Keys() {
		ks := k.String()
		n := seen[ks]
		seen[ks] = n + 1
		line := d.nthLine(ks, n)
		for p := k[:len(k)-1]; line == 0 && len(p) > 0; p = p[:len(p)-1] {
			line = d.nthLine(p.String(), 0) // a key inside an inline table: point at the table's key
		}
		last := k[len(k)-1]
		if undecoded[ks] && !undecoded[k[:len(k)-1].String()] {
			r.add(file, line, fmt.Sprintf("unknown key %q (a typo? see lessons/README.md)", ks))
		} else if last != strings.ToLower(last) {
			r.add(file, line, fmt.Sprintf("key %q must be lowercase", ks))
		}
	}
	return d
}

// nthLine is the file line of the n-th (0-based) occurrence of the unindexed key, or 0.
func (d *tomlDoc) nthLine(key string, n int) int {
	for _, kl := range d.lines.order {
		if kl.key == key {
			if n == 0 {
				return kl.line + d.off
			}
			n--
		}
	}
	return 0
}
