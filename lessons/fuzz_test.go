package lessons

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tavan7/tavan/bot/tghtml"
)

func FuzzRenderHTML(f *testing.F) {
	files, _ := filepath.Glob("testdata/render/*.md")
	for _, name := range files {
		f.Add(string(mustRead(f, name)))
	}
	for _, s := range []string{"", "**", "[a](b)", "<x>", "> > a", "- > a", "1. a\n   1. b", "`", "&#0;", "&#xD800;", "a\\\nb", "* * *", "۱. الف"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		html, err := RenderHTML(md)
		if err != nil {
			return
		}
		if err := tghtml.Validate(html); err != nil {
			t.Fatalf("RenderHTML(%q) = %q, rejected: %v", md, html, err)
		}
	})
}

// FuzzFrontMatter loads a course whose only lesson is the fuzzed file: it must never panic, and every problem
// must name a file.
func FuzzFrontMatter(f *testing.F) {
	for _, name := range []string{"testdata/good/courses/01-good-course/01-stall.md", "testdata/good/courses/01-good-course/02-price.md"} {
		f.Add(mustRead(f, name))
	}
	f.Add([]byte("+++\n+++\n"))
	f.Add([]byte("+++\n[[quiz]]\noptions = [\n\"a\",\n\"b\"]\n[media]\ntype='photo'\n+++\nx"))
	f.Add([]byte("+++\na.b.\"c\" = '''x\ny'''\n[x.y]\n+++"))
	course := []byte("id = \"c\"\ncategory = \"family\"\ntracks = [\"home\"]\ntitle = \"ت\"\ndescription = \"ت\"\n")
	f.Fuzz(func(t *testing.T, lesson []byte) {
		_, err := Load(fstest.MapFS{
			"courses/01-c/course.toml": {Data: course},
			"courses/01-c/01-l.md":     {Data: lesson},
		})
		if probs, ok := err.(Problems); ok {
			for _, p := range probs {
				if p.File == "" || p.Msg == "" {
					t.Fatalf("problem without file or message: %+v", p)
				}
			}
		}
		scanKeyLines(string(lesson)) // the line scanner must survive any input, valid TOML or not
	})
}

func FuzzSplitHTML(f *testing.F) {
	f.Add("aaa\n\nbbb", 5)
	f.Add("<b>x <i>y\n\nz</i> w</b>", 4)
	f.Add(`<a href="https://x.org">aaa bbb</a> &lt;&amp;`, 3)
	f.Add("😀😀😀 می‌توانید", 2)
	f.Add("<blockquote>p1\n\np2</blockquote>", 3)
	f.Fuzz(func(t *testing.T, html string, limit int) {
		if tghtml.Validate(html) != nil {
			return
		}
		if limit < 0 {
			limit = -limit
		}
		checkSplit(t, html, 2+limit%5000)
	})
}

func BenchmarkLoadEmbedded(b *testing.B) {
	fsys := Embedded()
	for b.Loop() {
		if _, err := Load(fsys); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderHTML(b *testing.B) {
	md := strings.Repeat(string(mustRead(b, "testdata/render/persian.md"))+"\n\n", 10)
	for b.Loop() {
		if _, err := RenderHTML(md); err != nil {
			b.Fatal(err)
		}
	}
}
