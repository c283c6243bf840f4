package lessons

import (
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// lintFS is testdata/lint/good with testdata/lint/<name> laid over it (files replace or add).
func lintFS(tb testing.TB, name string) fstest.MapFS {
	tb.Helper()
	m := dirFS(tb, "testdata/lint/good")
	if name != "" {
		for p, f := range dirFS(tb, path.Join("testdata/lint", name)) {
			m[p] = f
		}
	}
	return m
}

func TestLintGoodFixtureIsClean(t *testing.T) {
	r := Lint(mustLoad(t, lintFS(t, "")))
	if len(r.Findings) != 0 {
		t.Errorf("findings on the clean fixture:\n%v", r.Findings)
	}
	if len(r.Courses) != 1 || r.Courses[0].Lessons != 2 || r.Courses[0].Questions != 4 || r.Courses[0].LongestRight != 0 {
		t.Errorf("Courses = %+v", r.Courses)
	}
}

// TestLintRules: each fixture breaks one rule; the findings must be exactly the listed ones, each given as
// "file:line: part of the message".
func TestLintRules(t *testing.T) {
	const c = "courses/01-lint-course/"
	tests := []struct {
		name string
		want []string
	}{
		{"words", []string{
			c + "01-first.md:18: the lesson body has 39 words",
			c + "02-second.md:18: the lesson body has 411 words",
		}},
		{"longest", []string{
			c + "course.toml: the right option is strictly the longest in 4 of 4 questions (100%; at most 40%)",
		}},
		{"ezafe", []string{
			c + "01-first.md:6: quiz 1: «فقط هزینه\u200cی مواد»: write the ezafe as «ـهٔ», not «ـه\u200cی»",
			c + "01-first.md:28: «خانه\u200cی ما کوچک است،»: write the ezafe as «ـهٔ»",
		}},
		{"arabic", []string{
			c + "01-first.md:28: «يك شیشه را برای »: Arabic ي or ك",
		}},
		{"glossary", []string{
			c + "01-first.md:28: «به جای حدس زدن ب»: write «به\u200cجای»",
			c + "01-first.md:28: «ایی رسید که اینجا و ویدیوهای»: write «این\u200cجا»",
			c + "01-first.md:28: « که اینجا و ویدیوهای هم\u200cکلاس»: write «ویدئو»",
			c + "01-first.md:28: «ای هم\u200cکلاسی نشانگر کتاب.»: write «نشانک» (one word for a bookmark)",
			c + "course.toml: description: «دوره\u200cای اینجا برای آزمود»: write «این\u200cجا»",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lint(mustLoad(t, lintFS(t, tt.name))).Findings
			lines := strings.Split(got.Error(), "\n")
			if len(got) == 0 {
				lines = nil
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("Lint(%s) found %d:\n%s\nwant %d:\n%s", tt.name, len(lines), got.Error(), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for _, w := range tt.want {
				file, msg, _ := strings.Cut(w, ": ")
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, file+": ") && strings.Contains(l, msg) }) {
					t.Errorf("no finding %q in:\n%s", w, got.Error())
				}
			}
		})
	}
}

func TestFindWordBoundaries(t *testing.T) {
	tests := []struct {
		text, v string
		whole   bool
		want    int
	}{
		{"به جای آن", "به جای", true, 0},
		{"به جایی رسید", "به جای", true, -1},
		{"اینجانب", "اینجا", true, -1},
		{"اینجا‌ست", "اینجا", true, 0},
		{"ویدیوها", "ویدیو", false, 0},
		{"می‌ویدیو", "ویدیو", false, -1},
		{"او همکلاسی‌ام است", "همکلاسی", false, len("او ")},
	}
	for _, tt := range tests {
		if got := findWord(tt.text, tt.v, tt.whole); got != tt.want {
			t.Errorf("findWord(%q, %q, %v) = %d; want %d", tt.text, tt.v, tt.whole, got, tt.want)
		}
	}
}

func TestContentGlossaryParses(t *testing.T) {
	g := contentGlossary()
	if len(g) < 5 {
		t.Fatalf("glossary.toml has %d terms", len(g))
	}
	for _, term := range g {
		if term.Use == "" || len(term.Whole)+len(term.Prefix) == 0 {
			t.Errorf("term %+v: needs use and at least one variant", term)
		}
		for _, v := range append(append([]string{}, term.Whole...), term.Prefix...) {
			if findWord(term.Use, v, false) == 0 && v != term.Use {
				t.Errorf("term %q: its own spelling matches the variant %q", term.Use, v)
			}
		}
	}
}

// TestEmbeddedContentFollowsWritingRules fails the build on any writing-rule finding in the embedded content.
func TestEmbeddedContentFollowsWritingRules(t *testing.T) {
	if f := Lint(mustLoadEmbedded(t)).Findings; len(f) > 0 {
		t.Errorf("%d writing-rule finding(s) in lessons/content:\n%v", len(f), f)
	}
}
