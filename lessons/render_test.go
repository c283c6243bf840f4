package lessons

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/tghtml"
)

// TestRenderGolden renders testdata/render/*.md and compares with the .golden files (go test -update rewrites them).
func TestRenderGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/render/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			got, err := RenderHTML(string(mustRead(t, in)))
			if err != nil {
				t.Fatalf("RenderHTML: %v", err)
			}
			if err := tghtml.Validate(got); err != nil {
				t.Errorf("output rejected by Telegram rules: %v", err)
			}
			golden := strings.TrimSuffix(in, ".md") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := string(mustRead(t, golden)); got != want {
				t.Errorf("RenderHTML(%s) =\n%s\nwant (%s):\n%s", in, got, golden, want)
			}
		})
	}
}

func TestRenderHTML(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"سلام", "سلام"},
		{"a & b < c > d \"e\"", "a &amp; b &lt; c &gt; d &quot;e&quot;"},
		{"**پررنگ**", "<b>پررنگ</b>"},
		{"*کج* و _کج_", "<i>کج</i> و <i>کج</i>"},
		{"`<b>`", "<code>&lt;b&gt;</code>"},
		{"[a](https://x.org/?a=1&b=2)", `<a href="https://x.org/?a=1&amp;b=2">a</a>`},
		{"- الف\n- ب", "• الف\n• ب"},
		{"1. الف\n2. ب", "۱. الف\n۲. ب"},
		{"۱۰. الف\n۱۱. ب", "۱۰. الف\n۱۱. ب"},
		{"### تیتر", "<b>تیتر</b>"},
		{"### تیتر **پررنگ**", "<b>تیتر پررنگ</b>"},
		{"> نقل", "<blockquote>نقل</blockquote>"},
		{"یک\n\n\n\nدو", "یک\n\nدو"},
		{"یک\nدو", "یک\nدو"},
		{"\\*نه\\*", "*نه*"},
		{"کسب‌وکار", "کسب‌وکار"}, // ZWNJ kept
		{"a\r\nb", "a\nb"},
	}
	for _, tt := range tests {
		got, err := RenderHTML(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("RenderHTML(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestRenderHTMLErrors(t *testing.T) {
	tests := []struct {
		in   string
		line int
		msg  string
	}{
		{"| a | b |\n|---|---|\n| 1 | 2 |", 1, "tables are not supported"},
		{"text\n\n![x](https://x.org/a.png)", 3, "images are not allowed"},
		{"<div>x</div>", 1, "raw HTML is not allowed"},
		{"a\n\nb <span>x</span>", 3, `raw HTML "<span>" is not allowed`},
		{"    code", 1, "code blocks are not supported"},
		{"```\ncode\n```", 1, "code blocks are not supported"},
		{"---", 1, "horizontal rules"},
		{"> a\n>\n> > b", 3, "block quote inside a block quote"},
		{"- a\n\n  > b", 3, "block quote inside a list"},
		{"[x](ftp://x.org)", 1, "links must start with https://"},
		{"[x](/relative)", 1, "full address"},
		{"[x](http://)", 1, "no host"},
		{"[](https://x.org)", 1, "has no text"},
	}
	for _, tt := range tests {
		_, err := RenderHTML(tt.in)
		var re *RenderError
		if !errors.As(err, &re) || re.Line != tt.line || !strings.Contains(re.Msg, tt.msg) {
			t.Errorf("RenderHTML(%q) error = %v; want line %d %q", tt.in, err, tt.line, tt.msg)
		}
	}
}
