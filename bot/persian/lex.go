package persian

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one piece of parser input: a number or a known word.
type token struct {
	num  string // ASCII digits and separators, when the token is a number
	word string // a vocabulary entry (a SearchKey), when the token is a word
}

// lex splits normalized input into numbers — runs of ASCII digits and the separator runes in seps —
// and words. The letters between two numbers, whatever spaces, ZWNJs or dots split them, are folded
// with SearchKey and cut into entries of vocab, longest first; so «بعد از ظهر», «بعدازظهر» and «ق.ظ»
// all lex the same. It reports false for an unknown word or any other character.
func lex(s, seps string, vocab []string) ([]token, bool) {
	var toks []token
	var letters strings.Builder
	flushWords := func() bool {
		key := SearchKey(letters.String())
		letters.Reset()
		for key != "" {
			w := longestPrefix(key, vocab)
			if w == "" {
				return false
			}
			toks = append(toks, token{word: w})
			key = key[len(w):]
		}
		return true
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isDigit(r):
			if !flushWords() {
				return nil, false
			}
			j := i
			for j < len(s) {
				r, size := utf8.DecodeRuneInString(s[j:])
				if !isDigit(r) && !strings.ContainsRune(seps, r) {
					break
				}
				j += size
			}
			toks = append(toks, token{num: s[i:j]})
			i = j
			continue
		case unicode.IsLetter(r) || unicode.IsMark(r) || r == zwnj || r == '.' || r == ' ' || r == '\n':
			letters.WriteRune(r)
		default:
			return nil, false
		}
		i += size
	}
	if !flushWords() {
		return nil, false
	}
	return toks, true
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

func longestPrefix(s string, vocab []string) string {
	best := ""
	for _, w := range vocab {
		if len(w) > len(best) && strings.HasPrefix(s, w) {
			best = w
		}
	}
	return best
}

// splitNum splits a number token at its separators, keeping empty parts, and returns the separators.
func splitNum(num string) (parts []string, seps []rune) {
	start := 0
	for i, r := range num {
		if !isDigit(r) {
			parts = append(parts, num[start:i])
			seps = append(seps, r)
			start = i + utf8.RuneLen(r)
		}
	}
	return append(parts, num[start:]), seps
}

// atoi parses s if it is minLen to maxLen ASCII digits (maxLen is small: no overflow).
func atoi(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// foldKeys returns words with each key replaced by its SearchKey, the form lex produces.
func foldKeys[V any](words map[string]V) map[string]V {
	folded := make(map[string]V, len(words))
	for w, v := range words {
		folded[SearchKey(w)] = v
	}
	return folded
}
