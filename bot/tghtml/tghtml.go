// Package tghtml checks and measures text in Telegram's HTML parse mode, the way the Bot API server does,
// so that lessons, the bot and the emulator agree on what Telegram would accept.
package tghtml

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ParseError is Telegram's "can't parse entities" answer.
type ParseError struct {
	Reason string
	Offset int
}

func (e *ParseError) Error() string {
	return "can't parse entities: " + e.Reason
}

func errAt(offset int, format string, args ...any) *ParseError {
	return &ParseError{Reason: fmt.Sprintf(format, args...), Offset: offset}
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// Escape makes s safe to interpolate into Telegram HTML, in text or in an attribute value.
func Escape(s string) string {
	return htmlEscaper.Replace(s)
}

// Validate reports whether s would be accepted with parse_mode=HTML.
func Validate(s string) error {
	_, err := Plain(s)
	return err
}

// Len is the length Telegram's limits count: UTF-16 code units of the text after entity parsing.
func Len(s string) (int, error) {
	p, err := Plain(s)
	if err != nil {
		return 0, err
	}
	return UTF16Len(p), nil
}

// UTF16Len counts UTF-16 code units, Telegram's unit for lengths and entity offsets.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
		if utf16.RuneLen(r) < 0 {
			n += 2 // invalid rune, encoded as replacement
		}
	}
	return n
}

// allowed lists the tags Telegram accepts and checks their attributes.
var allowed = map[string]func(attrs map[string]string) string{
	"b": noAttrs, "strong": noAttrs, "i": noAttrs, "em": noAttrs, "u": noAttrs, "ins": noAttrs,
	"s": noAttrs, "strike": noAttrs, "del": noAttrs, "tg-spoiler": noAttrs, "pre": noAttrs,
	"span": func(a map[string]string) string {
		if a["class"] != "tg-spoiler" {
			return "Tag \"span\" must have class \"tg-spoiler\""
		}
		return ""
	},
	// <a> without href is accepted (the link is dropped); code may carry class="language-x".
	"a": noAttrs, "code": noAttrs, "blockquote": noAttrs,
	"tg-emoji": func(a map[string]string) string {
		if a["emoji-id"] == "" {
			return "Custom emoji identifier must be specified"
		}
		return ""
	},
}

// noAttrs accepts the tag whatever its attributes: Telegram ignores unknown ones.
func noAttrs(map[string]string) string { return "" }

// Plain returns the text a user sees: tags removed and entities decoded.
func Plain(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", &ParseError{Reason: "Text must be encoded in UTF-8"}
	}
	var out strings.Builder
	out.Grow(len(s))
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", errAt(i, "Unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			if strings.HasPrefix(tag, "/") {
				name := strings.ToLower(strings.TrimSpace(tag[1:]))
				if len(stack) == 0 {
					return "", errAt(i, "Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != top {
					return "", errAt(i, "Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top, name)
				}
				stack = stack[:len(stack)-1]
			} else {
				name, attrs, ok := StartTag(tag)
				if !ok {
					return "", errAt(i, "Unsupported start tag %q at byte offset %d", name, i)
				}
				check, known := allowed[name]
				if !known {
					return "", errAt(i, "Unsupported start tag %q at byte offset %d", name, i)
				}
				if msg := check(attrs); msg != "" {
					return "", errAt(i, "%s at byte offset %d", msg, i)
				}
				stack = append(stack, name)
			}
			i += end + 1
		case '>':
			// Telegram accepts a bare '>' as text.
			out.WriteByte('>')
			i++
		case '&':
			r, n, ok := Entity(s[i:])
			if !ok {
				return "", errAt(i, "Unknown entity at byte offset %d", i)
			}
			out.WriteString(r)
			i += n
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", errAt(len(s), "Can't find end tag corresponding to start tag %q", stack[len(stack)-1])
	}
	return out.String(), nil
}

// StartTag splits the inside of a start tag, `a href="x"`, into its lower-case name and its attributes
// (values decoded); ok is false when it is not a well-formed tag.
func StartTag(tag string) (name string, attrs map[string]string, ok bool) {
	tag = strings.TrimSuffix(tag, "/")
	i := 0
	for i < len(tag) && (isNameByte(tag[i])) {
		i++
	}
	name = strings.ToLower(tag[:i])
	if name == "" {
		return "", nil, false
	}
	attrs = map[string]string{}
	rest := tag[i:]
	for {
		rest = strings.TrimLeft(rest, " \t\n\r")
		if rest == "" {
			return name, attrs, true
		}
		j := 0
		for j < len(rest) && isNameByte(rest[j]) {
			j++
		}
		if j == 0 {
			return name, nil, false
		}
		key := strings.ToLower(rest[:j])
		rest = strings.TrimLeft(rest[j:], " \t\n\r")
		if !strings.HasPrefix(rest, "=") {
			attrs[key] = ""
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\n\r")
		var val string
		if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
			q := rest[0]
			k := strings.IndexByte(rest[1:], q)
			if k < 0 {
				return name, nil, false
			}
			val, rest = rest[1:1+k], rest[2+k:]
		} else {
			k := strings.IndexAny(rest, " \t\n\r")
			if k < 0 {
				k = len(rest)
			}
			val, rest = rest[:k], rest[k:]
		}
		decoded, err := Plain(val)
		if err != nil {
			return name, nil, false
		}
		attrs[key] = decoded
	}
}

func isNameByte(c byte) bool {
	return c == '-' || c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

var named = map[string]string{"lt": "<", "gt": ">", "amp": "&", "quot": `"`}

// Entity decodes the character reference at the start of s (the four names Telegram knows, or a numeric
// one), returning its text and byte length.
func Entity(s string) (string, int, bool) {
	semi := strings.IndexByte(s, ';')
	if semi < 2 || semi > 12 {
		return "", 0, false
	}
	body := s[1:semi]
	if r, ok := named[body]; ok {
		return r, semi + 1, true
	}
	if body[0] != '#' {
		return "", 0, false
	}
	var n uint64
	var err error
	if len(body) > 1 && (body[1] == 'x' || body[1] == 'X') {
		n, err = strconv.ParseUint(body[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(body[1:], 10, 32)
	}
	if err != nil || n == 0 || n > utf8.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
		return "", 0, false
	}
	return string(rune(n)), semi + 1, true
}
