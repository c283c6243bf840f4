package sandbox

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/tghtml"
)

func TestRichText(t *testing.T) {
	tests := []struct {
		in   string
		want string // the nodes as JSON
	}{
		{"سلام <b>مریم</b>!", `[{"text":"سلام "},{"tag":"b","children":[{"text":"مریم"}]},{"text":"!"}]`},
		{"<strong>a</strong><em>b</em><ins>c</ins><strike>d</strike><del>e</del>",
			`[{"tag":"b","children":[{"text":"a"}]},{"tag":"i","children":[{"text":"b"}]},{"tag":"u","children":[{"text":"c"}]},{"tag":"s","children":[{"text":"d"}]},{"tag":"s","children":[{"text":"e"}]}]`},
		{`<a href="https://example.org/?a=1&amp;b=2">link</a>`, `[{"tag":"a","href":"https://example.org/?a=1\u0026b=2","children":[{"text":"link"}]}]`},
		{`<a href="javascript:alert(1)">x</a>`, `[{"tag":"a","children":[{"text":"x"}]}]`},
		{`<a href="tg://user?id=42">کاربر</a>`, `[{"tag":"a","href":"tg://user?id=42","children":[{"text":"کاربر"}]}]`},
		{`<a href="//evil.example">x</a>`, `[{"tag":"a","children":[{"text":"x"}]}]`},
		{`<span class="tg-spoiler">راز</span> <tg-spoiler>دو</tg-spoiler>`, `[{"tag":"spoiler","children":[{"text":"راز"}]},{"text":" "},{"tag":"spoiler","children":[{"text":"دو"}]}]`},
		{`<span style="x">no</span>`, `[{"text":"\u003cspan style=\"x\"\u003eno\u003c/span\u003e"}]`},
		{`<pre><code class="language-go">x := 1</code></pre>`, `[{"tag":"pre","children":[{"tag":"code","lang":"go","children":[{"text":"x := 1"}]}]}]`},
		{`<blockquote>نقل</blockquote>`, `[{"tag":"blockquote","children":[{"text":"نقل"}]}]`},
		{`<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>`, `[{"text":"👍"}]`},
		{`<script>alert(1)</script>`, `[{"text":"\u003cscript\u003ealert(1)\u003c/script\u003e"}]`},
		{`<img src=x onerror=alert(1)>`, `[{"text":"\u003cimg src=x onerror=alert(1)\u003e"}]`},
		{"a &lt; b &amp;&amp; c &gt; d &quot;e&quot; &#1587;&#x644;", `[{"text":"a \u003c b \u0026\u0026 c \u003e d \"e\" سل"}]`},
		{"AT&T & co", `[{"text":"AT\u0026T \u0026 co"}]`},
		{"<b>open", `[{"tag":"b","children":[{"text":"open"}]}]`},
		{"stray </i> end", `[{"text":"stray \u003c/i\u003e end"}]`},
		{"<b><i>x</b>y", `[{"tag":"b","children":[{"tag":"i","children":[{"text":"x"}]}]},{"text":"y"}]`},
		{"1 < 2", `[{"text":"1 \u003c 2"}]`},
		{"", `null`},
	}
	for _, tt := range tests {
		b, _ := json.Marshal(RichText(tt.in))
		if string(b) != tt.want {
			t.Errorf("RichText(%q) = %s; want %s", tt.in, b, tt.want)
		}
	}
}

// FuzzRichText checks that any text renders without panicking, with safe links only, and, for the text
// Telegram accepts, shows exactly what Telegram shows.
func FuzzRichText(f *testing.F) {
	for _, s := range []string{"سلام <b>دنیا</b>", `<a href="https://x.org">x</a>`, "<pre><code class=\"language-x\">a&lt;b</code></pre>",
		"<span class=\"tg-spoiler\">s</span>", "&#1587;", "<b><i>x</i></b>", "<", "&", "<a href='tg://resolve?domain=x'>t</a>", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nodes := RichText(s)
		var walk func([]Node)
		walk = func(ns []Node) {
			for _, n := range ns {
				if n.Href != "" && !strings.HasPrefix(n.Href, "http://") && !strings.HasPrefix(n.Href, "https://") && !strings.HasPrefix(n.Href, "tg:") {
					t.Fatalf("RichText(%q) kept the link %q", s, n.Href)
				}
				if n.Tag != "" && !map[string]bool{"b": true, "i": true, "u": true, "s": true, "code": true, "pre": true, "blockquote": true, "a": true, "spoiler": true}[n.Tag] {
					t.Fatalf("RichText(%q) made the tag %q", s, n.Tag)
				}
				walk(n.Children)
			}
		}
		walk(nodes)
		if plain, err := tghtml.Plain(s); err == nil {
			if got := PlainText(nodes); got != plain {
				t.Fatalf("RichText(%q) shows %q; Telegram shows %q", s, got, plain)
			}
		}
	})
}

func TestClockOnlyMovesForward(t *testing.T) {
	wall := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	c := NewClock(0)
	c.wall = func() time.Time { return wall }
	if got := c.Now(); !got.Equal(wall) {
		t.Fatalf("Now() = %v; want the wall clock %v", got, wall)
	}
	from, to, err := c.Advance(36 * time.Hour)
	if err != nil || !from.Equal(wall) || !to.Equal(wall.Add(36*time.Hour)) || !c.Now().Equal(to) {
		t.Errorf("Advance(36h) = %v, %v, %v; Now %v", from, to, err, c.Now())
	}
	if _, _, err := c.Advance(0); err != ErrBackwards {
		t.Errorf("Advance(0) = %v; want ErrBackwards", err)
	}
	if _, _, err := c.Set(wall); err != ErrBackwards {
		t.Errorf("Set(the past) = %v; want ErrBackwards", err)
	}
	target := wall.Add(100 * time.Hour)
	if _, to, err := c.Set(target); err != nil || !to.Equal(target) || !c.Now().Equal(target) || c.Offset() != 100*time.Hour {
		t.Errorf("Set(+100h) = %v, %v; Now %v, Offset %v", to, err, c.Now(), c.Offset())
	}
	wall = wall.Add(time.Minute) // the wall clock runs on; the sandbox clock with it
	if got := c.Now(); !got.Equal(target.Add(time.Minute)) {
		t.Errorf("a minute later Now() = %v; want %v", got, target.Add(time.Minute))
	}
	if NewClock(-time.Hour).Offset() != 0 {
		t.Error("a negative offset was kept")
	}
}
