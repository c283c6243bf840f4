package persian

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"سلام", "سلام"},
		// Arabic letters; ة is kept.
		{"علي", "علی"},
		{"مصطفى", "مصطفی"},
		{"كتاب", "کتاب"},
		{"مدرسة", "مدرسة"},
		// Digits of every script become ASCII.
		{"۱۴۰۵/۰۹/۰۶", "1405/09/06"},
		{"٠١٢٣٤٥٦٧٨٩", "0123456789"},
		{"۱2٣", "123"},
		// Tatweel, diacritics and superscript alef go.
		{"كـــتاب", "کتاب"},
		{"مُحَمَّد", "محمد"},
		{"رحمٰن", "رحمن"},
		{"سَلامٌ", "سلام"},
		// Spaces: NBSP, thin, narrow and ideographic spaces, tabs; runs collapse; ends are trimmed.
		{"  سلام   دنیا  ", "سلام دنیا"},
		{"a\u00a0b\u2009c\u202fd\u3000e\tf", "a b c d e f"},
		{"a \n\n  b", "a\nb"},
		{"a\r\nb", "a\nb"},
		{"\n\na\n", "a"},
		// ZWNJ: kept inside words, runs collapse, dropped next to a space or a line break and at the ends.
		{"می‌روم", "می‌روم"},
		{"می‌‌‌روم", "می‌روم"},
		{"می‌ روم", "می روم"},
		{"می ‌روم", "می روم"},
		{"می ‌ روم", "می روم"},
		{"‌سلام‌", "سلام"},
		{"‌", ""},
		{"a‌\nb", "a\nb"},
		{"کتاب‌ـ‌ها", "کتاب‌ها"}, // the tatweel between two ZWNJs goes, leaving one
		// Invisible marks go: RLM, LRM, bidi embeddings and isolates, BOM, zero-width space, soft hyphen.
		{"\u200f۱۸:۳۰\u200e", "18:30"},
		{"\u202bسلام\u202c \u2067x\u2069", "سلام x"},
		{"\ufeffab\u200bc\u00add", "abcd"},
		// Everything else stays.
		{"Hello, World!", "Hello, World!"},
		{"کسب‌وکار؟", "کسب‌وکار؟"},
		{"ۀ آ أ ؤ ئ", "ۀ آ أ ؤ ئ"}, // folded only by SearchKey
		{"a\xffb", "a\ufffdb"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestSearchKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"کسب‌وکار", "کسبوکار"},
		{"كسب وكار", "کسبوکار"},
		{"کسب و کار", "کسبوکار"},
		{"کسب‌و‌کار!", "کسبوکار"},
		{"آموزش", "اموزش"},
		{"أحمد إبراهيم", "احمدابراهیم"},
		{"ٱلله", "الله"},
		{"مؤسسه", "موسسه"},
		{"مسئله", "مسیله"},
		{"خانهٔ", "خانه"},
		{"خانۀ", "خانه"},
		{"مدرسة", "مدرسه"},
		{"Go-Lang  101", "golang101"},
		{"C++ و «پایتون»", "cوپایتون"},
		{"۱۴۰۵/۰۹/۰۶", "14050906"},
		{"ÉCOLE", "école"},
		{"  ", ""},
	}
	for _, tt := range tests {
		if got := SearchKey(tt.in); got != tt.want {
			t.Errorf("SearchKey(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// The lexer vocabularies must be in the form lex produces, or a word could never match.
func TestVocabulariesAreFolded(t *testing.T) {
	for _, vocab := range [][]string{clockVocab, dateVocab} {
		for _, w := range vocab {
			if w == "" || SearchKey(w) != w {
				t.Errorf("vocabulary word %q; want a non-empty SearchKey", w)
			}
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "كـــتاب", "می‌‌ روم", "\u200f۱۸:۳۰\u200e", "a \n\n b", "\xff\u200c", " \u00a0‌x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize(%q) = %q; want %q (Normalize is not idempotent)", n, again, n)
		}
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q; want valid UTF-8", s, n)
		}
		if strings.TrimSpace(strings.Trim(n, "\u200c")) != n || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q; want it trimmed with spaces collapsed", s, n)
		}
	})
}

func FuzzSearchKey(f *testing.F) {
	for _, s := range []string{"", "کسب‌وکار", "كسب وكار", "ÉCOLE", "خانهٔ", "İ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := SearchKey(s)
		if again := SearchKey(k); again != k {
			t.Fatalf("SearchKey(%q) = %q; want %q (SearchKey is not idempotent)", k, again, k)
		}
		if other := SearchKey(Normalize(s)); other != k {
			t.Fatalf("SearchKey(Normalize(%q)) = %q; want %q", s, other, k)
		}
	})
}

// A typical user message: Arabic-keyboard letters, Persian digits, ZWNJ, and stray spaces.
var benchText = strings.Repeat("  كلاس‌هاي   آموزشي  كسب‌‌وكار  از ساعت ۱۸:۳۰ روز ۱۵ آذر ۱۴۰۵ شروع مي‌شود. ", 8)

func BenchmarkNormalize(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		Normalize(benchText)
	}
}
