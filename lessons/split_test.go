package lessons

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"github.com/tavan7/tavan/bot/tghtml"
)

func TestSplitHTML(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  []string
	}{
		{"", 10, nil},
		{" \n\n ", 10, nil},
		{"  fits  ", 10, []string{"  fits  "}},
		{"aaa\n\nbbb", 5, []string{"aaa", "bbb"}},
		{"<b>aaa\n\nbbb</b>", 5, []string{"<b>aaa</b>", "<b>bbb</b>"}},
		{"one two. three four", 12, []string{"one two.", "three four"}},
		{"aa bb\ncc dd", 8, []string{"aa bb", "cc dd"}},
		{"aa. bb cc\n\ndd", 9, []string{"aa. bb cc", "dd"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{`<a href="https://x.org/?a=1&amp;b=2">aaa bbb</a>`, 4, []string{`<a href="https://x.org/?a=1&amp;b=2">aaa</a>`, `<a href="https://x.org/?a=1&amp;b=2">bbb</a>`}},
		{"&lt;&lt;&lt; &amp;&amp;", 3, []string{"&lt;&lt;&lt;", "&amp;&amp;"}},
		{"😀😀😀", 4, []string{"😀😀", "😀"}},
		{"😀", 1, []string{"😀"}}, // a limit below 2 is 2
		{"<blockquote>p1\n\np2</blockquote>", 3, []string{"<blockquote>p1</blockquote>", "<blockquote>p2</blockquote>"}},
		{"<b>x <i>y\n\nz</i> w</b>", 4, []string{"<b>x <i>y</i></b>", "<b><i>z</i> w</b>"}},
		{"«سلام.» دنیا", 8, []string{"«سلام.»", "دنیا"}},
		{"ab\u200ccdef", 3, []string{"a", "b\u200cc", "def"}}, // never cut next to a ZWNJ
	}
	for _, tt := range tests {
		got := SplitHTML(tt.in, tt.limit)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("SplitHTML(%q, %d) = %q; want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

// checkSplit asserts the SplitHTML properties: each part valid, non-empty, within the limit, and together
// the parts hold exactly the text of the input (only the whitespace at the breaks is dropped).
func checkSplit(t *testing.T, in string, limit int) []string {
	t.Helper()
	parts := SplitHTML(in, limit)
	var joined strings.Builder
	for i, p := range parts {
		n, err := tghtml.Len(p)
		if err != nil {
			t.Fatalf("part %d of SplitHTML(%q, %d) is invalid: %v\n%q", i, in, limit, err, p)
		}
		if n > max(limit, 2) {
			t.Fatalf("part %d of SplitHTML(%q, %d) has length %d", i, in, limit, n)
		}
		plain, _ := tghtml.Plain(p)
		if strings.TrimSpace(plain) == "" {
			t.Fatalf("part %d of SplitHTML(%q, %d) is empty: %q", i, in, limit, p)
		}
		joined.WriteString(plain)
	}
	want, _ := tghtml.Plain(in)
	if a, b := dropSpace(joined.String()), dropSpace(want); a != b {
		t.Fatalf("SplitHTML(%q, %d) lost or changed text:\n got %q\nwant %q", in, limit, a, b)
	}
	return parts
}

func dropSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestSplitHTMLProperties splits generated lesson-like HTML at many limits.
func TestSplitHTMLProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"کسب‌وکار", "خانگی", "<b>پررنگ</b>", "<i>کج</i>", "&lt;", "&amp;", "&quot;x&quot;", "😀", "مشتری.", "قیمت؟",
		`<a href="https://example.com/?a=1&amp;b=2">پیوند</a>`, "<code>a &lt; b</code>", "abcdefghijklmnopqrstuvwxyz0123456789"}
	for round := range 200 {
		var b strings.Builder
		for p := range 1 + rng.IntN(8) {
			if p > 0 {
				b.WriteString([]string{"\n\n", "\n", " "}[rng.IntN(3)])
			}
			open := []string{"", "<blockquote>", "<b>", "<i>"}[rng.IntN(4)]
			b.WriteString(open)
			for w := range 1 + rng.IntN(60) {
				if w > 0 {
					b.WriteString([]string{" ", " ", " ", "\n", ". "}[rng.IntN(5)])
				}
				b.WriteString(words[rng.IntN(len(words))])
			}
			if open != "" {
				b.WriteString("</" + open[1:])
			}
		}
		in := b.String()
		if err := tghtml.Validate(in); err != nil {
			t.Fatalf("generator made invalid HTML: %v", err)
		}
		limit := []int{2, 3, 7, 20, 50, 200, 4096}[round%7]
		checkSplit(t, in, limit)
	}
}

func TestLongLessonIsSplit(t *testing.T) {
	fsys := dirFS(t, "testdata/good")
	var body strings.Builder
	for i := range 60 {
		fmt.Fprintf(&body, "### بخش %d\n\n", i+1)
		body.WriteString(strings.Repeat("این یک جملهٔ نمونه برای آزمودن درس‌های بلند است. ", 4) + "\n\n")
		body.WriteString("- **مورد** اول\n- مورد دوم با [پیوند](https://example.com/?a=1&b=2)\n\n")
	}
	body.WriteString(strings.Repeat("جملهٔ بسیار بلند بی‌وقفه ", 400) + "\n") // one paragraph over 4096
	fsys["courses/01-good-course/02-price.md"] = &fstest.MapFile{Data: []byte("+++\nid = \"good-course-02\"\ntitle = \"درس بلند\"\nminutes = 40\n+++\n" + body.String())}
	delete(fsys, "courses/01-good-course/02-price.en.md")
	l := mustLoad(t, fsys).Lesson("good-course-02")
	parts := l.Parts("fa")
	if len(parts) < 4 {
		t.Fatalf("len(Parts) = %d; want the long lesson split into several messages", len(parts))
	}
	if !strings.HasPrefix(parts[0], "<b>درس بلند</b>\n\n") {
		t.Errorf("first part starts %q; want the bold title", parts[0][:40])
	}
	for i, p := range parts {
		n, err := tghtml.Len(p)
		if err != nil || n > MaxMessage {
			t.Errorf("part %d: Len = %d, %v", i, n, err)
		}
		if i < len(parts)-2 && n < MaxMessage/2 {
			t.Errorf("part %d has only %d characters: the split wastes messages", i, n)
		}
	}
	html, err := RenderHTML(body.String())
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, "<b>درس بلند</b>\n\n"+html, MaxMessage)
}
