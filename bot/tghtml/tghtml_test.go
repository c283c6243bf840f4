package tghtml

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPlain(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"سلام", "سلام"},
		{"<b>درس</b> اول", "درس اول"},
		{`<a href="https://x.ir/?a=1&amp;b=2">پیوند</a>`, "پیوند"},
		{"a &lt; b &amp;&amp; c &gt; d &quot;q&quot;", `a < b && c > d "q"`},
		{"&#1587;&#x644;", "سل"},
		{"<blockquote expandable>نقل</blockquote>", "نقل"},
		{`<span class="tg-spoiler">راز</span>`, "راز"},
		{`<code class="language-go">x</code>`, "x"},
		{"<b><i>تو</i></b>", "تو"},
		{"3 > 2", "3 > 2"},
	}
	for _, tt := range tests {
		got, err := Plain(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Plain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		in, wantSub string
	}{
		{"<div>x</div>", `Unsupported start tag "div" at byte offset 0`},
		{"<b>x", `Can't find end tag corresponding to start tag "b"`},
		{"x</b>", "Unexpected end tag at byte offset 1"},
		{"<b>x</i>", `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{"نام: علی <رضا", "Unclosed start tag"},
		{"Tom & Jerry", "Unknown entity at byte offset 4"},
		{"a < b", "Unclosed start tag at byte offset 2"},
		{"a < b > c", `Unsupported start tag "" at byte offset 2`},
		{`<span>x</span>`, `Tag "span" must have class "tg-spoiler"`},
		{"&#xD800;", "Unknown entity"},
	}
	for _, tt := range tests {
		err := Validate(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantSub) {
			t.Errorf("Validate(%q) = %v; want error containing %q", tt.in, err, tt.wantSub)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "can't parse entities: ") {
			t.Errorf("Validate(%q) = %q; want Telegram's prefix", tt.in, err)
		}
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{`<script>&"`, "علی & <رضا>", "plain"} {
		got, err := Plain("<b>" + Escape(s) + "</b>")
		if err != nil || got != s {
			t.Errorf("Plain(Escape(%q)) = %q, %v; want the input back", s, got, err)
		}
	}
}

func TestLenCountsUTF16(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"<b>سلام</b>", 4},
		{"😀", 2},
		{"a&amp;b", 3},
	}
	for _, tt := range tests {
		if got, err := Len(tt.in); err != nil || got != tt.want {
			t.Errorf("Len(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func FuzzEscapeIsValid(f *testing.F) {
	f.Add("علی <b> & \"x\"")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got, err := Plain(Escape(s))
		if err != nil || got != s {
			t.Fatalf("Plain(Escape(%q)) = %q, %v", s, got, err)
		}
	})
}

func FuzzPlain(f *testing.F) {
	f.Add("<b>x</b>&amp;<a href='y'>z</a>")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Plain(s)
		if err == nil && len(p) > len(s) {
			t.Fatalf("Plain(%q) grew to %q", s, p)
		}
	})
}
