package lessons

import (
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// The writing rules Lint checks. Load accepts anything Telegram can show; these are editorial rules, so a
// finding fails the build for the embedded content and is only a warning for an external content folder.
const (
	MinLessonWords = 120 // a lesson body outside these bounds is not a micro-lesson (aim for 150 to 320)
	MaxLessonWords = 350
	// MaxLongestRightShare: when the right option is strictly the longest in more than this share of a
	// course's questions, learners can pass by picking the longest option.
	MaxLongestRightShare = 0.40
)

const zwnj = '\u200c'

// CourseStats are one course's figures for `tavanbot lessons check`.
type CourseStats struct {
	ID           string
	Lessons      int
	MedianWords  int // of the Persian lesson bodies
	Minutes      int
	Questions    int
	LongestRight int // questions whose right option is strictly the longest
	Findings     int
	Translated   bool
}

// LongestRightShare is the share of questions whose right option is strictly the longest.
func (s CourseStats) LongestRightShare() float64 {
	if s.Questions == 0 {
		return 0
	}
	return float64(s.LongestRight) / float64(s.Questions)
}

// LintReport is what Lint found: the findings, sorted by file and line, and each course's figures.
type LintReport struct {
	Findings Problems
	Courses  []CourseStats
}

// Lint checks the catalog against the writing rules: lesson length, guessable quizzes (the right option
// strictly the longest too often), «ـه‌ی» as the ezafe (write «ـهٔ»), Arabic ي and ك, and the content
// glossary's variants (glossary.toml). Persian texts only; sections (library, resources, centres, stories)
// are checked for spelling too.
func Lint(c *Catalog) LintReport {
	var r LintReport
	g := contentGlossary()
	for _, co := range c.Courses {
		start := len(r.Findings)
		st := CourseStats{ID: co.ID, Lessons: len(co.Lessons), Translated: co.Translated}
		spell := func(file string, line int, what, text string) {
			r.Findings = append(r.Findings, spellText(g, file, line, what, text)...)
		}
		spell(co.file, 0, "title", co.Title.FA)
		spell(co.file, 0, "description", co.Description.FA)
		var words []int
		for _, l := range co.Lessons {
			n := CountWords(l.Body.FA)
			words = append(words, n)
			st.Minutes += l.Minutes
			if n < MinLessonWords || n > MaxLessonWords {
				r.Findings = append(r.Findings, Problem{File: l.file, Line: l.bodyLine,
					Msg: fmt.Sprintf("the lesson body has %d words; a micro-lesson has %d to %d (aim for 150 to 320): one idea per lesson, split or trim it", n, MinLessonWords, MaxLessonWords)})
			}
			spell(l.file, 0, "title", l.Title.FA)
			if l.Media != nil {
				spell(l.file, 0, "media caption", l.Media.Caption.FA)
			}
			for i, line := range strings.Split(l.Body.FA, "\n") {
				spell(l.file, l.bodyLine+i, "", line)
			}
			for i, q := range l.Quiz {
				what := fmt.Sprintf("quiz %d", i+1)
				spell(l.file, q.line, what, q.Question.FA)
				spell(l.file, q.line, what, q.Explanation.FA)
				for _, o := range q.Options {
					spell(l.file, q.line, what, o.FA)
				}
				st.Questions++
				if RightIsLongest(q) {
					st.LongestRight++
				}
			}
		}
		st.MedianWords = median(words)
		if st.Questions > 0 && st.LongestRightShare() > MaxLongestRightShare {
			r.Findings = append(r.Findings, Problem{File: co.file, Msg: fmt.Sprintf(
				"the right option is strictly the longest in %d of %d questions (%.0f%%; at most %.0f%%): learners can guess by length; make wrong options as long and as plausible",
				st.LongestRight, st.Questions, 100*st.LongestRightShare(), 100*MaxLongestRightShare)})
		}
		st.Findings = len(r.Findings) - start
		r.Courses = append(r.Courses, st)
	}
	section := func(file, id string, texts ...string) {
		for _, t := range texts {
			r.Findings = append(r.Findings, spellText(g, file, 0, id, t)...)
		}
	}
	for _, it := range c.Library {
		section("library/library.toml", "item "+it.ID, it.Title.FA, it.Author.FA, it.Summary.FA, it.Why.FA)
	}
	for _, re := range c.Resources {
		section("resources/resources.toml", "resource "+re.ID, re.Title.FA, re.Description.FA)
	}
	for _, ce := range c.Centres {
		section("centres/centres.toml", "centre "+ce.ID, ce.Name.FA, ce.Address.FA, ce.Hours.FA)
		for _, s := range ce.Services {
			section("centres/centres.toml", "centre "+ce.ID, s.FA)
		}
	}
	for _, s := range c.Stories {
		section(s.file, "title", s.Title.FA, s.Field.FA)
		for i, line := range strings.Split(s.Body.FA, "\n") {
			r.Findings = append(r.Findings, spellText(g, s.file, s.bodyLine+i, "", line)...)
		}
	}
	for _, e := range c.FAQ {
		section("faq/faq.toml", "entry "+e.ID, append([]string{e.Question.FA}, e.Also...)...)
		for _, line := range strings.Split(e.Answer.FA, "\n") {
			section("faq/faq.toml", "entry "+e.ID, line)
		}
	}
	sortProblems(r.Findings)
	return r
}

// RightIsLongest reports whether the right option is strictly longer (in characters) than every other.
func RightIsLongest(q Question) bool {
	if q.Answer < 0 || q.Answer >= len(q.Options) {
		return false
	}
	right := utf8.RuneCountInString(strings.TrimSpace(q.Options[q.Answer].FA))
	for i, o := range q.Options {
		if i != q.Answer && utf8.RuneCountInString(strings.TrimSpace(o.FA)) >= right {
			return false
		}
	}
	return true
}

// CountWords counts the words of a Markdown text: runs of non-space characters with a letter or digit in
// them, so list dashes and heading marks do not count.
func CountWords(md string) int {
	n := 0
	for _, f := range strings.Fields(md) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}

func median(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spellText reports «ـه‌ی» used as the ezafe, Arabic ي and ك, and the glossary's variants in one text.
func spellText(g []glossaryTerm, file string, line int, what, text string) Problems {
	var out Problems
	add := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if what != "" {
			msg = what + ": " + msg
		}
		out = append(out, Problem{File: file, Line: line, Msg: msg})
	}
	for i := 0; ; {
		j := strings.Index(text[i:], "ه\u200cی")
		if j < 0 {
			break
		}
		at := i + j
		i = at + len("ه\u200cی")
		if next, _ := utf8.DecodeRuneInString(text[i:]); !unicode.IsLetter(next) && next != zwnj {
			add("«%s»: write the ezafe as «ـهٔ», not «ـه‌ی»", excerptAround(text, at))
		}
	}
	if i := strings.IndexAny(text, "يك"); i >= 0 {
		add("«%s»: Arabic ي or ك; use Persian ی and ک", excerptAround(text, i))
	}
	for _, t := range g {
		for _, v := range t.Whole {
			if at := findWord(text, v, true); at >= 0 {
				add("«%s»: write «%s»%s", excerptAround(text, at), t.Use, t.why())
			}
		}
		for _, v := range t.Prefix {
			if at := findWord(text, v, false); at >= 0 {
				add("«%s»: write «%s»%s", excerptAround(text, at), t.Use, t.why())
			}
		}
	}
	return out
}

// findWord finds v at the start of a word (not after a letter or a half-space) and, if whole, not followed
// by a letter either (a half-space may follow: «اینجا‌ست»). It returns the byte offset or -1.
func findWord(text, v string, whole bool) int {
	for i := 0; i <= len(text); {
		j := strings.Index(text[i:], v)
		if j < 0 {
			return -1
		}
		at := i + j
		i = at + len(v)
		prev, _ := utf8.DecodeLastRuneInString(text[:at])
		if at > 0 && (unicode.IsLetter(prev) || prev == zwnj) {
			continue
		}
		if next, _ := utf8.DecodeRuneInString(text[i:]); whole && unicode.IsLetter(next) {
			continue
		}
		return at
	}
	return -1
}

func excerptAround(s string, i int) string {
	r := []rune(s[:i])
	from := max(0, len(r)-12)
	rest := []rune(s[i:])
	return string(r[from:]) + string(rest[:min(len(rest), 16)])
}

//go:embed glossary.toml
var glossaryTOML string

type glossaryTerm struct {
	Use    string   `toml:"use"`
	Whole  []string `toml:"whole"`
	Prefix []string `toml:"prefix"`
	Note   string   `toml:"note"`
}

func (t glossaryTerm) why() string {
	if t.Note == "" {
		return ""
	}
	return " (" + t.Note + ")"
}

// contentGlossary is glossary.toml, parsed once; a broken glossary is a programming error caught by the
// package's tests.
var contentGlossary = sync.OnceValue(func() []glossaryTerm {
	var f struct {
		Terms []glossaryTerm `toml:"term"`
	}
	if _, err := toml.Decode(glossaryTOML, &f); err != nil {
		panic("lessons/glossary.toml: " + err.Error())
	}
	return f.Terms
})

// WriteTable prints the per-course figures of `tavanbot lessons check` and their totals (the findings
// column of the totals counts the sections' findings too).
func (r LintReport) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "course\tlessons\tmedian words\tminutes\tquestions\tright = longest\tfindings\ten\t")
	var lessons, minutes, questions, longest, translated int
	for _, s := range r.Courses {
		en := "no"
		if s.Translated {
			en = "yes"
			translated++
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d (%.0f%%)\t%d\t%s\t\n", s.ID, s.Lessons, s.MedianWords, s.Minutes,
			s.Questions, s.LongestRight, 100*s.LongestRightShare(), s.Findings, en)
		lessons += s.Lessons
		minutes += s.Minutes
		questions += s.Questions
		longest += s.LongestRight
	}
	share := 0.0
	if questions > 0 {
		share = 100 * float64(longest) / float64(questions)
	}
	fmt.Fprintf(tw, "total %d courses\t%d\t\t%d\t%d\t%d (%.0f%%)\t%d\t%d/%d\t\n", len(r.Courses), lessons, minutes,
		questions, longest, share, len(r.Findings), translated, len(r.Courses))
	_ = tw.Flush()
}
