package ask

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/registry"
)

// Persian as learners type it: one word is written with a half-space (ZWNJ), a space or nothing
// («کسب‌وکار»، «کسب و کار»، «کسبوکار»), with Arabic or Persian letters (ي/ی، ك/ک), any digit script,
// with or without diacritics, plural with «ها» or «های» glued or apart, and colloquially («میشه»،
// «چطوری»، «رو»). Bleve's Persian analyzer splits words at every ZWNJ and knows none of this, so the
// words are cut here, by our tokenizer, and bleve's Persian filters (Arabic and Persian normalisation,
// Persian stop words) run after it. The same code reads the content and the questions.

const zwnj = '\u200c'

// fold maps a text to one spelling of each letter: Persian ی and ک, no diacritics or tatweel, ASCII
// digits, lower case, آ and the hamza forms of alef as ا, ۀ and ة as ه.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == 'ي' || r == 'ى' || r == 'ئ':
			r = 'ی'
		case r == 'ك':
			r = 'ک'
		case r == 'آ' || r == 'أ' || r == 'إ' || r == 'ٱ':
			r = 'ا'
		case r == 'ة' || r == 'ۀ':
			r = 'ه'
		case r == 'ؤ':
			r = 'و'
		case r >= '۰' && r <= '۹':
			r = '0' + (r - '۰')
		case r >= '٠' && r <= '٩':
			r = '0' + (r - '٠')
		case r == 'ـ' || r >= '\u064b' && r <= '\u065f' || r == '\u0670' || r == '\u200d' || r == '\u200f' || r == '\u200e':
			continue // tatweel, diacritics (the hamza above of «ـهٔ» too), joiners and direction marks
		case r == '\u00a0' || r == '\u202f':
			r = ' '
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// word is one word of a text: its byte span in the folded text and its letters (ZWNJ kept).
type word struct {
	start, end int
	text       string
}

// splitWords cuts folded text into words of letters and digits; a ZWNJ between letters stays in the word.
func splitWords(s string) []word {
	var out []word
	start := -1
	for i, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || (r == zwnj && start >= 0)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			out = append(out, word{start, i, strings.Trim(s[start:i], string(zwnj))})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, word{start, len(s), strings.Trim(s[start:], string(zwnj))})
	}
	return out
}

// colloquial maps spoken forms (already folded, without ZWNJ) to the written ones the content uses.
var colloquial = map[string]string{
	"میشه": "میشود", "نمیشه": "نمیشود", "بشه": "بشود", "نشه": "نشود",
	"چطوری": "چگونه", "چطوره": "چگونه", "چطور": "چگونه", "چجوری": "چگونه", "چجور": "چگونه", "چهجوری": "چگونه", "چطو": "چگونه",
	"چیه": "چیست", "چی": "چه", "کیه": "کیست", "کجاست": "کجا", "کجان": "کجا",
	"واسه": "برای", "واس": "برای", "برا": "برای", "رو": "را", "اینو": "این", "اونو": "ان", "اون": "ان",
	"اینا": "این", "اونا": "ان", "یه": "یک", "یکی": "یک",
	"میخوام": "میخواهم", "بخوام": "بخواهم", "میخواهم": "میخواهم", "میخوای": "میخواهی",
	"میتونم": "میتوانم", "نمیتونم": "نمیتوانم", "بتونم": "بتوانم", "میتونه": "میتواند", "بتونه": "بتواند",
	"میدونم": "میدانم", "نمیدونم": "نمیدانم", "بدونم": "بدانم",
	"میکنه": "میکند", "میده": "میدهد", "میگیره": "میگیرد", "میره": "میرود", "میاد": "میاید",
	"داره": "دارد", "نداره": "ندارد", "هستش": "است", "هست": "است", "نیستش": "نیست",
	"چقدره": "چقدر", "چنده": "چند", "کدومه": "کدام", "کدوم": "کدام",
	"خونه": "خانه", "خونگی": "خانگی", "خونهدار": "خانهدار", "نون": "نان", "تومن": "تومان",
	"بگم": "بگویم", "میگن": "میگویند", "بزنم": "بزنم", "بدم": "بدهم", "میدم": "میدهم",
	"بفروشم": "فروش", "میفروشم": "فروش", "فروختن": "فروش",
	"بگیرم": "گرفتن", "میگیرم": "گرفتن", "بگیرن": "گرفتن",
	"ثبتنام": "ثبتنام", "اسمنویسی": "ثبتنام",
	"مدرک": "گواهینامه", "گواهی": "گواهینامه", "سرتیفیکیت": "گواهینامه",
	"وبسایت": "وبگاه", "سایت": "وبگاه", "لینک": "پیوند", "کورس": "دوره",
	"سوال": "پرسش", "سوالم": "پرسش", "سؤال": "پرسش", "جواب": "پاسخ",
}

// extraStop are words of questions that say nothing about what is asked (bleve's Persian list has most
// function words; these are the polite and spoken ones).
var extraStop = map[string]bool{
	"سلام": true, "لطفا": true, "ممنون": true, "مرسی": true, "باتشکر": true, "تشکر": true, "ببخشید": true,
	"توان": true, "میخواهم": true, "بدانم": true, "میدانم": true, "نمیدانم": true, "بگویید": true, "بگید": true,
	"میشود": true, "شود": true, "نمیشود": true, "بشود": true, "کنم": true, "بکنم": true, "کنیم": true, "میکنم": true,
	"باید": true, "دارم": true, "هستم": true, "است": true, "را": true, "یک": true, "چیست": true, "کیست": true,
	"چه": true, "چگونه": true, "کجا": true, "کی": true, "هم": true, "من": true, "ما": true, "شما": true,
	"please": true, "hi": true, "hello": true, "thanks": true, "want": true, "know": true, "need": true,
	"tell": true, "my": true, "me": true, "can": true, "do": true, "does": true, "how": true, "what": true,
	"where": true, "when": true, "who": true, "which": true, "i": true, "you": true, "get": true, "is": true,
}

// pluralSuffixes are removed from a word written without its half-space («کتابهای» → «کتاب»); longest
// first.
var pluralSuffixes = []string{"هایتان", "هایشان", "هایمان", "هایی", "هایم", "هایت", "هایش", "های", "ها"}

// canonical is a word's indexed form: spoken forms written out, plurals made singular, «یان» plurals of
// words ending in «ی» («مشتریان» → «مشتری»).
func canonical(w string) string {
	if c, ok := colloquial[w]; ok {
		w = c
	}
	for _, suf := range pluralSuffixes {
		if stem, ok := strings.CutSuffix(w, suf); ok && utf8.RuneCountInString(stem) >= 3 {
			return stem
		}
	}
	if stem, ok := strings.CutSuffix(w, "یان"); ok && utf8.RuneCountInString(stem) >= 3 {
		return stem + "ی"
	}
	return w
}

// variants are the forms a word is indexed and searched under: for a word with half-spaces its parts and
// the whole without them («کسب‌وکار» → «کسب»، «وکار»، «کسبوکار»), each in canonical form, and for a verb
// glued to «می» or «نمی» the verb without it («میفروشد» → «فروشد»).
func variants(w string) []string {
	joined := strings.ReplaceAll(w, string(zwnj), "")
	c := canonical(joined)
	if extraStop[c] {
		return nil // «میخوام»، «بگید»: the whole word says nothing
	}
	out := []string{c}
	add := func(s string) {
		if s != "" && !extraStop[s] && !contains(out, s) {
			out = append(out, s)
		}
	}
	if strings.ContainsRune(w, zwnj) {
		parts := strings.Split(w, string(zwnj))
		for i, p := range parts {
			add(canonical(p))
			if rest, ok := strings.CutPrefix(p, "و"); ok && i > 0 && utf8.RuneCountInString(rest) >= 2 {
				add(canonical(rest)) // «کسب‌وکار»: «کار» as in «کسب و کار»
			}
		}
		if len(parts) > 2 || (len(parts) == 2 && parts[0] != "می" && parts[0] != "نمی") {
			add(canonical(strings.Join(parts[1:], ""))) // «بازاریابی‌های» reads as «بازاریابی»
		}
	}
	for _, pre := range []string{"نمی", "می"} {
		if rest, ok := strings.CutPrefix(c, pre); ok && utf8.RuneCountInString(rest) >= 3 {
			add(canonical(rest))
			break
		}
	}
	return out
}

// querySuffixes are endings learners add that the content rarely has («محصولم»، «کارمو»، «فروشمون»):
// a question's word is also searched without them.
var querySuffixes = []string{"مون", "تون", "شون", "مو", "تو", "شو", "مان", "تان", "شان", "م", "ت", "ش", "ی", "ای", "ه"}

// queryVariants adds, to a question word's variants, the word without a possessive or indefinite ending.
func queryVariants(w string) []string {
	out := variants(w)
	if len(out) == 0 {
		return nil
	}
	joined := strings.ReplaceAll(w, string(zwnj), "")
	for _, suf := range querySuffixes {
		if stem, ok := strings.CutSuffix(joined, suf); ok && utf8.RuneCountInString(stem) >= 3 {
			if c := canonical(stem); !contains(out, c) && !extraStop[c] {
				out = append(out, c)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// tokens cuts a text into bleve tokens. Every variant of a word shares its position, so a question's
// word matches whichever form the content uses, and (with query) the position numbers the question's
// words for the coverage measure (search.go). Two or three neighbouring words are also joined, so that
// «کسب و کار» and «می شود» meet «کسبوکار» and «میشود».
func tokens(text []byte, query bool) analysis.TokenStream {
	s := fold(string(text))
	words := splitWords(s)
	var out analysis.TokenStream
	emit := func(term string, w word, pos int, typ analysis.TokenType) {
		out = append(out, &analysis.Token{Term: []byte(term), Start: w.start, End: w.end, Position: pos, Type: typ})
	}
	for i, w := range words {
		pos := i + 1
		vs := variants(w.text)
		if query {
			vs = queryVariants(w.text)
		}
		for _, v := range vs {
			emit(v, w, pos, analysis.AlphaNumeric)
		}
		// Joined neighbours are Shingle tokens: they add to bleve's score but are not words of their own
		// in the coverage measure.
		if i+1 < len(words) && !strings.ContainsRune(w.text, zwnj) && !strings.ContainsRune(words[i+1].text, zwnj) {
			pair := w.text + words[i+1].text
			if isPersian(pair) && utf8.RuneCountInString(pair) >= 4 && (len(w.text) <= 6 || len(words[i+1].text) <= 6) {
				emit(canonical(pair), word{w.start, words[i+1].end, pair}, pos, analysis.Shingle)
			}
			if i+2 < len(words) && words[i+1].text == "و" && isPersian(words[i+2].text) {
				emit(canonical(pair+words[i+2].text), word{w.start, words[i+2].end, ""}, pos, analysis.Shingle)
			}
		}
	}
	return out
}

// isPersian reports whether s is all Arabic-script letters: only Persian is written apart and together.
func isPersian(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Arabic, r) || !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// The tokenizers bleve's analyzers are built from (index.go). Bleve's registry is global and filled at
// init, as its own analyzers are.
const (
	indexTokenizer = "tavan_words"
	queryTokenizer = "tavan_query_words"
	latinStemmer   = "tavan_latin_porter" // Porter's stemmer for the English words only
)

// latinPorter stems English words and leaves the rest alone (Porter's rules are for English; running
// them over Persian costs time for nothing).
type latinPorter struct{ porter analysis.TokenFilter }

func (p latinPorter) Filter(in analysis.TokenStream) analysis.TokenStream {
	var latin analysis.TokenStream
	for _, t := range in {
		if isASCII(t.Term) {
			latin = append(latin, t)
		}
	}
	p.porter.Filter(latin) // stems in place
	return in
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

type tokenizer struct{ query bool }

func (t tokenizer) Tokenize(text []byte) analysis.TokenStream { return tokens(text, t.query) }

func init() {
	if err := registry.RegisterTokenFilter(latinStemmer, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return latinPorter{porter.NewPorterStemmer()}, nil
	}); err != nil {
		panic(err)
	}
	for name, query := range map[string]bool{indexTokenizer: false, queryTokenizer: true} {
		t := tokenizer{query}
		if err := registry.RegisterTokenizer(name, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
			return t, nil
		}); err != nil {
			panic(err)
		}
	}
}
