package persian

import (
	"strings"
	"unicode"
)

const zwnj = '\u200c'

// Normalize prepares user input for parsing. It maps Arabic ي ى to ی and ك to ک (ة is kept),
// Persian and Arabic-Indic digits to ASCII, and removes tatweel, Arabic diacritics (U+064B–U+065F,
// U+0670) and invisible marks (bidi controls, BOM, zero-width space, soft hyphen). Then it cleans the
// gaps between words: a run of white space (tabs, NBSP, thin and other Unicode spaces) and ZWNJs
// becomes one line break if it holds one, else one space if it holds one, else one ZWNJ; gaps at
// either end are dropped. Invalid UTF-8 bytes become U+FFFD. Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	gap := gapNone // the widest separator seen since the last written rune
	for _, r := range s {
		switch r = normalizeRune(r); r {
		case dropRune:
		case zwnj:
			gap = max(gap, gapZWNJ)
		case ' ':
			gap = max(gap, gapSpace)
		case '\n':
			gap = max(gap, gapLine)
		default:
			if b.Len() > 0 && gap != gapNone {
				b.WriteRune(gapRunes[gap])
			}
			gap = gapNone
			b.WriteRune(r)
		}
	}
	return b.String()
}

const (
	gapNone = iota
	gapZWNJ
	gapSpace
	gapLine
)

var gapRunes = [...]rune{gapZWNJ: zwnj, gapSpace: ' ', gapLine: '\n'}

const dropRune = -1

// normalizeRune maps one rune for Normalize: dropRune to remove it, '\n' for a line break, ' ' for
// any other space.
func normalizeRune(r rune) rune {
	switch {
	case r == 'ي' || r == 'ى':
		return 'ی'
	case r == 'ك':
		return 'ک'
	case '۰' <= r && r <= '۹':
		return '0' + r - '۰'
	case '٠' <= r && r <= '٩':
		return '0' + r - '٠'
	case r == 'ـ' || 0x064B <= r && r <= 0x065F || r == 0x0670: // tatweel, diacritics
		return dropRune
	case r == 0x200B || r == 0x200E || r == 0x200F || r == 0x061C || r == 0xFEFF || r == 0x00AD ||
		0x202A <= r && r <= 0x202E || 0x2066 <= r && r <= 0x2069:
		return dropRune
	case r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
		return '\n'
	case unicode.IsSpace(r): // tab, NBSP, thin and other Unicode spaces
		return ' '
	}
	return r
}

// SearchKey turns s into a key for matching what users type against names: Normalize, then drop
// ZWNJ, spaces, punctuation and symbols, lower-case, and fold آ أ إ ٱ→ا, ؤ→و, ئ→ی, ۀ ة→ه. So
// «کسب‌وکار», «كسب وكار» and «کسب و کار» share one key. SearchKey(SearchKey(s)) == SearchKey(s).
func SearchKey(s string) string {
	n := Normalize(s)
	var b strings.Builder
	b.Grow(len(n))
	for _, r := range n {
		switch r {
		case 'آ', 'أ', 'إ', 'ٱ':
			r = 'ا'
		case 'ؤ':
			r = 'و'
		case 'ئ':
			r = 'ی'
		case 'ۀ', 'ة':
			r = 'ه'
		}
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
