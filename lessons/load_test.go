package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tavan7/tavan/bot/tghtml"
)

func TestLoadGood(t *testing.T) {
	c := mustLoad(t, os.DirFS("testdata/good"))

	if len(c.Courses) != 1 {
		t.Fatalf("len(Courses) = %d; want 1", len(c.Courses))
	}
	co := c.Course("good-course")
	if co == nil || co != c.Courses[0] {
		t.Fatalf("Course(good-course) = %v; want the first course", co)
	}
	if co.Title != (Text{FA: "دورهٔ آزمایشی", EN: "Test course"}) || co.Category != "business" || co.Order != 1 {
		t.Errorf("course = %+v", co)
	}
	if !co.Translated {
		t.Errorf("Translated = false; want true (course [en] and every lesson has .en.md)")
	}
	if co.Cover == nil || co.Cover.File != "courses/01-good-course/cover.png" || co.Cover.Type != "photo" {
		t.Errorf("Cover = %+v", co.Cover)
	}
	if len(co.Lessons) != 2 {
		t.Fatalf("len(Lessons) = %d; want 2", len(co.Lessons))
	}
	l := c.Lesson("good-course-01")
	if l == nil || l.Course != co || l.Index != 0 || l.Minutes != 3 || l.Next() != co.Lessons[1] || co.Lessons[1].Next() != nil {
		t.Fatalf("Lesson(good-course-01) = %+v", l)
	}
	if c.Lesson("nope") != nil || c.Course("good-course-01") != nil {
		t.Errorf("lookups of unknown ids or ids of another kind must be nil")
	}

	q := l.Quiz[1]
	if q.ID != "good-course-01/2" || q.Answer != 1 || len(q.Options) != 2 {
		t.Errorf("quiz 2 = %+v", q)
	}
	if got := q.OptionTexts("en"); strings.Join(got, "|") != "Cooking|Ten lunches a week" {
		t.Errorf("OptionTexts(en) = %q", got)
	}
	if got := q.OptionTexts("fa"); got[0] != "آشپزی" {
		t.Errorf("OptionTexts(fa) = %q", got)
	}
	if ql, qq := c.Question("good-course-01/2"); ql != l || qq == nil || qq.ID != q.ID {
		t.Errorf("Question(good-course-01/2) = %v, %v", ql, qq)
	}
	if ql, qq := c.Question("good-course-01/9"); ql != nil || qq != nil {
		t.Errorf("Question of an unknown number = %v, %v; want nil, nil", ql, qq)
	}

	m := l.Media
	if m == nil || m.Type != "photo" || m.File != "courses/01-good-course/01-stall.png" || m.Name != "01-stall.png" || len(m.Hash) != 64 {
		t.Fatalf("Media = %+v", m)
	}
	data, err := c.Open(m)
	if err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("Open(media) = %d bytes, %v", len(data), err)
	}
	if got, want := l.Caption("fa"), "غرفهٔ <b>نمونه</b> در بازارچه"; got != want {
		t.Errorf("Caption(fa) = %q; want %q", got, want)
	}
	if got, want := l.Caption("en"), "A <b>sample</b> stall at the bazaar"; got != want {
		t.Errorf("Caption(en) = %q; want %q", got, want)
	}
	if !l.CaptionFits("fa") || !l.CaptionFits("en") {
		t.Errorf("CaptionFits = false")
	}

	parts := l.Parts("fa")
	if len(parts) != 1 || !strings.HasPrefix(parts[0], "<b>غرفهٔ کوچک &lt;نمونه&gt; &amp; شرکا</b>\n\n") {
		t.Errorf("Parts(fa) = %q", parts)
	}
	if en := l.Parts("en"); len(en) != 1 || !strings.HasPrefix(en[0], "<b>A small stall</b>\n\nZahra") {
		t.Errorf("Parts(en) = %q", en)
	}
	if l.Body.FA == "" || l.Body.EN == "" || l.Title.In("en") != "A small stall" || l.Title.In("de") != l.Title.FA {
		t.Errorf("Body/Title = %+v %+v", l.Body, l.Title)
	}
	if l2 := co.Lessons[1]; l2.Quiz[0].Explanation.FA != "هزینه، زمان\nو سود." {
		t.Errorf("multi-line explanation = %q", l2.Quiz[0].Explanation.FA)
	}

	if len(c.Library) != 1 || c.LibraryItem("lean-startup").Title.EN != "The Lean Startup" || c.Library[0].Year != 2011 {
		t.Errorf("Library = %+v", c.Library)
	}
	r := c.Resource("worksheet")
	if r == nil || r.File == nil || r.File.Type != "document" || r.File.File != "resources/worksheet.pdf" {
		t.Errorf("Resource = %+v", r)
	}
	if !c.CentresAreSample || len(c.Centres) != 1 || c.Centre("sample-centre").Lat != 32.65 || len(c.Centres[0].Services) != 2 {
		t.Errorf("Centres = %+v sample=%v", c.Centres, c.CentresAreSample)
	}
	s := c.Story("story-maryam")
	if s == nil || !s.Fictional || s.Photo == nil || s.Photo.File != "stories/01-maryam.png" || len(s.Parts("fa")) != 1 || s.Parts("en")[0] != s.Parts("fa")[0] {
		t.Errorf("Story = %+v", s)
	}
}

func TestTextIn(t *testing.T) {
	tests := []struct {
		text Text
		lang string
		want string
	}{
		{Text{FA: "سلام", EN: "Hello"}, "en", "Hello"},
		{Text{FA: "سلام", EN: "Hello"}, "fa", "سلام"},
		{Text{FA: "سلام", EN: "Hello"}, "", "سلام"},
		{Text{FA: "سلام", EN: "Hello"}, "de", "سلام"},
		{Text{FA: "سلام"}, "en", "سلام"},
	}
	for _, tt := range tests {
		if got := tt.text.In(tt.lang); got != tt.want {
			t.Errorf("%+v.In(%q) = %q; want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

// TestLoadBroken loads testdata/good with one testdata/broken/<case> laid over it and expects exactly the
// listed problems, each given as "file:line: part of the message".
func TestLoadBroken(t *testing.T) {
	const c = "courses/01-good-course/"
	tests := []struct {
		name string
		want []string
	}{
		{"toml-syntax", []string{
			c + "course.toml:6: TOML: strings cannot contain newlines",
		}},
		{"unknown-key", []string{
			c + "02-price.md:2: minutes must be between 1 and 60",
			c + `02-price.md:4: unknown key "minuts"`,
			c + `02-price.md:10: unknown key "quiz.explanaton"`,
			c + "03-inline.md:5: media needs exactly one of file, url and file_id (has 0)",
			c + `03-inline.md:5: unknown key "media.fiel"`,
			`library/library.toml:4: key "item.Title" must be lowercase`,
			"library/library.toml:11: [item.en] title is required",
			`library/library.toml:12: unknown key "item.en.titel"`,
		}},
		{"duplicate-id", []string{
			c + `02-price.md:2: duplicate id "good-course-01": already used at courses/01-good-course/01-stall.md:2`,
			`resources/resources.toml:2: duplicate id "good-course": already used at courses/01-good-course/course.toml:1`,
		}},
		{"missing-fields", []string{
			c + "02-price.md:2: minutes must be between 1 and 60",
			c + "02-price.md:2: title (Persian) is required",
			c + "02-price.md:4: quiz 1: answer must be the number of the right option, 1 to 2 (not 0)",
			c + "course.toml:1: description (Persian) is required",
			c + "course.toml:4: title (Persian) is required",
			"resources/resources.toml:1: file is required",
		}},
		{"unknown-values", []string{
			c + `02-price.md:7: unknown media type "image"`,
			c + `course.toml:2: unknown category "buisness"`,
			c + `course.toml:3: unknown track "teens"`,
			`library/library.toml:3: unknown kind "magazine"`,
			`library/library.toml:8: unknown tag "money"`,
		}},
		{"media", []string{
			c + `02-price.md:8: media file "02-missing.png": no such file`,
			c + "03-both.md:6: media needs exactly one of file, url and file_id (has 2)",
			c + "04-http.md:8: Telegram sends documents by URL only for PDF, ZIP and GIF",
			c + `04-http.md:8: media url "http://example.com/sheet.docx" must be a full https:// address`,
			c + `05-not-photo.md:8: media file "05-not-photo.md" is text/plain`,
			c + `06-escape.md:8: media file "../../library/library.toml" must be a file name inside courses/01-good-course/`,
		}},
		{"quiz", []string{
			c + "02-price.md:8: quiz 1 has 1 options; a quiz needs 2 to 10",
			c + "02-price.md:9: quiz 1: answer must be the number of the right option, 1 to 1 (not 0)",
			c + "02-price.md:12: quiz 2 question is 301 characters; Telegram allows 300",
			c + "02-price.md:13: quiz 2 option 1 is 101 characters; Telegram allows 100",
			c + "02-price.md:13: quiz 2: option 3 repeats option 2",
			c + "02-price.md:14: quiz 2: answer must be the number of the right option, 1 to 3 (not 4)",
			c + "02-price.md:15: quiz 2 explanation is 201 characters; Telegram allows 200",
			c + "02-price.md:18: quiz 3 question is empty",
			c + "02-price.md:19: quiz 3 option 2 is empty",
			c + "02-price.md:21: quiz 3 explanation has 3 line breaks; Telegram allows 2",
		}},
		{"minutes", []string{
			c + "02-price.md:4: minutes must be between 1 and 60 (reading time), not 90",
			c + "03-zero.md:4: minutes must be between 1 and 60 (reading time), not 0",
		}},
		{"empty-course", []string{
			"courses/02-empty/course.toml: the course has no lessons",
		}},
		{"file-names", []string{
			c + "02-twice.md: two lessons numbered 02: 02-price.md and 02-twice.md",
			c + "09-orphan.en.md: translation without a Persian lesson 09-orphan.md",
			c + "3-intro.md: lesson file name must be NN-slug.md",
			"courses/2-Bad_Name: course folder name must be two digits",
		}},
		{"twin", []string{
			c + "01-stall.en.md:2: 1 quiz question(s) but the Persian file has 2",
			c + "01-stall.en.md:2: id does not belong in a translation",
			c + "01-stall.en.md:4: minutes does not belong in a translation",
			c + "01-stall.en.md:7: media.file does not belong in a translation",
			c + "01-stall.en.md:12: quiz 1: 2 options but the Persian file has 3",
			c + "01-stall.en.md:13: quiz.answer does not belong in a translation",
			c + "02-price.en.md:2: 0 quiz question(s) but the Persian file has 1",
			c + "02-price.en.md:4: [media] in the translation but the Persian lesson has no media",
			c + "02-price.en.md:7: the translation has no text after the front matter",
		}},
		{"markdown", []string{
			c + "03-table.md:8: tables are not supported",
			c + "04-image.md:8: images are not allowed in the text",
			c + `05-html.md:8: raw HTML "<b>" is not allowed`,
			c + "06-code.md:8: code blocks are not supported",
			c + "07-quote.md:9: a block quote inside a block quote is not supported",
			c + `08-link.md:8: link "javascript:alert(1)": links must start with https://`,
			c + "09-rule.md:8: horizontal rules (---, ***) are not supported",
		}},
		{"caption", []string{
			c + "01-stall.md:9: caption is 1030 characters; Telegram allows 1024",
		}},
		{"centres", []string{
			"centres/centres.toml:1: sample = true or false is required",
			`centres/centres.toml:4: unknown kind "school"`,
			"centres/centres.toml:6: lat 95.5 is outside -90..90",
			"centres/centres.toml:7: lon 200 is outside -180..180",
			`centres/centres.toml:8: website "http://example.org" must be a full https:// address`,
			`centres/centres.toml:9: phone "تلفن ندارد" may contain only digits`,
			"centres/centres.toml:11: lat and lon are required",
		}},
		{"stories", []string{
			"stories/01-maryam.md:2: fictional = true or false is required",
			`stories/01-maryam.md:5: unknown tag "cakes"`,
			`stories/01-maryam.md:6: photo "missing.png": no such file in stories/`,
			"stories/02-x.en.md: translation without a Persian story 02-x.md",
		}},
		{"faq", []string{
			`faq/faq.toml:2: id "Bad Id" may use only a-z, 0-9 and single hyphens between them`,
			`faq/faq.toml:3: unknown topic "cooking"`,
			"faq/faq.toml:4: question (Persian) is required",
			`faq/faq.toml:5: raw HTML "<b>" is not allowed`,
			"faq/faq.toml:11: answer (Persian) is required",
			"faq/faq.toml:13: [entry.en] question is required",
		}},
		{"front-matter", []string{
			c + `02-price.md:1: the file must start with a line "+++"`,
			c + `03-unclosed.md:1: the front matter is not closed by a line "+++"`,
		}},
		{"types", []string{
			c + `02-price.md:4: TOML: incompatible types: TOML value has type string; destination has type integer (key "minutes")`,
			c + `03-options.md:8: TOML: incompatible types`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat, err := Load(brokenFS(t, tt.name))
			if cat != nil {
				t.Errorf("Load returned a catalog despite problems")
			}
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("Load error = %v; want Problems", err)
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Errorf("Load found %d problems; want %d:\n%s", len(got), len(tt.want), err)
			}
			for i, want := range tt.want {
				if i >= len(got) {
					break
				}
				file, rest, _ := strings.Cut(want, ":")
				if !strings.HasPrefix(got[i], file+":") || !strings.Contains(got[i], rest) {
					t.Errorf("problem %d = %q; want %q", i+1, got[i], want)
				}
			}
			for _, p := range probs { // Problem fields agree with the printed form
				if !strings.HasPrefix(p.String(), fmt.Sprintf("%s:", p.File)) {
					t.Errorf("Problem %+v prints as %q", p, p.String())
				}
			}
		})
	}
}

func TestProblemsError(t *testing.T) {
	ps := Problems{
		{File: "b.md", Line: 2, Msg: "second"},
		{File: "a.md", Line: 10, Msg: "x"},
		{File: "a.md", Line: 9, Msg: "y"},
		{File: "a.md", Msg: "no line"},
	}
	want := "a.md: no line\na.md:9: y\na.md:10: x\nb.md:2: second"
	if got := ps.Error(); got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}

func TestLoadEmptyAndSections(t *testing.T) {
	c := mustLoad(t, fstest.MapFS{})
	if len(c.Courses)+len(c.Library)+len(c.Resources)+len(c.Centres)+len(c.Stories) != 0 {
		t.Errorf("empty fs gave %+v", c)
	}
	var b strings.Builder
	c.WriteSummary(&b)
	if !strings.Contains(b.String(), "total 0 courses") {
		t.Errorf("WriteSummary of empty catalog = %q", b.String())
	}
}

func TestCourseOrder(t *testing.T) {
	fsys := dirFS(t, "testdata/good")
	second := func(id, order string) {
		dir := "courses/" + order + "-" + id + "/"
		fsys[dir+"course.toml"] = &fstest.MapFile{Data: []byte(`id = "` + id + `"
category = "family"
tracks = ["parents"]
title = "دوره"
description = "توضیح"
`)}
		fsys[dir+"01-only.md"] = &fstest.MapFile{Data: []byte("+++\nid = \"" + id + "-01\"\ntitle = \"درس\"\nminutes = 2\n+++\nمتن.\n")}
	}
	second("zeta", "00") // no order: the folder number (0) orders it first
	second("alpha", "07")
	c := mustLoad(t, fsys)
	var ids []string
	for _, co := range c.Courses {
		ids = append(ids, co.ID)
	}
	if got, want := strings.Join(ids, ","), "zeta,good-course,alpha"; got != want {
		t.Errorf("course order = %s; want %s", got, want)
	}
	if c.Course("alpha").Translated {
		t.Errorf("a course without [en] must not count as translated")
	}
}

func TestMerge(t *testing.T) {
	base := mustLoad(t, os.DirFS("testdata/good"))

	over := fstest.MapFS{
		"courses/01-good-course/course.toml": {Data: []byte(`id = "good-course"
category = "business"
tracks = ["home"]
title = "دورهٔ تازه"
description = "جایگزین"
`)},
		"courses/01-good-course/01-new.md": {Data: []byte("+++\nid = \"new-01\"\ntitle = \"تازه\"\nminutes = 2\n\n[media]\ntype = \"photo\"\nfile = \"new.png\"\n+++\nمتن.\n")},
		"courses/01-good-course/new.png":   {Data: mustRead(t, "testdata/good/courses/01-good-course/cover.png")},
		"library/library.toml": {Data: []byte(`[[item]]
id = "extra-book"
kind = "article"
title = "مقاله"
author = "نویسنده"
summary = "خلاصه"
why = "چرا"
tags = ["idea"]
`)},
		"centres/centres.toml": {Data: []byte(`sample = false
[[centre]]
id = "real-centre"
name = "مرکز واقعی"
kind = "incubator"
address = "اصفهان"
lat = 32.6
lon = 51.6
`)},
	}
	overlay := mustLoad(t, over)
	m := Merge(base, overlay)

	if len(m.Courses) != 1 || m.Course("good-course").Title.FA != "دورهٔ تازه" || len(m.Course("good-course").Lessons) != 1 {
		t.Errorf("merged course = %+v", m.Course("good-course"))
	}
	if m.Lesson("good-course-01") != nil || m.Lesson("new-01") == nil {
		t.Errorf("lessons of the replaced course must be gone and the overlay's present")
	}
	if len(m.Library) != 2 || m.LibraryItem("lean-startup") == nil || m.LibraryItem("extra-book") == nil {
		t.Errorf("merged library = %+v", m.Library)
	}
	if m.CentresAreSample || len(m.Centres) != 1 || m.Centre("real-centre") == nil {
		t.Errorf("real overlay centres must replace sample base centres: %+v sample=%v", m.Centres, m.CentresAreSample)
	}
	if m.Resource("worksheet") == nil || m.Story("story-maryam") == nil {
		t.Errorf("base-only items must stay")
	}
	// Media read from the folder they came from.
	if _, err := m.Open(m.Lesson("new-01").Media); err != nil {
		t.Errorf("Open(overlay media) = %v", err)
	}
	if _, err := m.Open(m.Resource("worksheet").File); err != nil {
		t.Errorf("Open(base media) = %v", err)
	}
	// Inputs are unchanged.
	if base.Course("good-course").Title.FA != "دورهٔ آزمایشی" || len(base.Library) != 1 || !base.CentresAreSample {
		t.Errorf("Merge modified base")
	}
	if Merge(base, nil) != base || Merge(nil, overlay) != overlay {
		t.Errorf("Merge with nil must return the other catalog")
	}
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestOpenErrors(t *testing.T) {
	c := mustLoad(t, os.DirFS("testdata/good"))
	for _, m := range []*Media{nil, {Type: "photo", URL: "https://example.com/a.png"}, {Type: "photo", File: "nope.png"}} {
		if _, err := c.Open(m); err == nil {
			t.Errorf("Open(%+v) = nil error", m)
		}
	}
}

func TestWriteSummary(t *testing.T) {
	c := mustLoad(t, os.DirFS("testdata/good"))
	var b strings.Builder
	c.WriteSummary(&b)
	got := b.String()
	for _, want := range []string{"good-course", "yes", "total 1 courses", "1/1", "library: 1, resources: 1, centres: 1 (sample data), stories: 1, faq: 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("WriteSummary() = %q; missing %q", got, want)
		}
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if f := strings.Fields(lines[1]); len(f) != 9 || f[1] != "2" || f[2] != "26" || f[3] != "7" || f[4] != "3" || f[5] != "3" || f[6] != "(100%)" || f[7] != "3" {
		t.Errorf("course row = %q; want id, 2 lessons, median 26 words, 7 minutes, 3 questions, 3 (100%%) right = longest, 3 findings, yes", lines[1])
	}
}

// TestPartsAreValid checks every rendered message of the good fixture against Telegram's rules.
func TestPartsAreValid(t *testing.T) {
	c := mustLoad(t, os.DirFS("testdata/good"))
	for _, l := range c.Courses[0].Lessons {
		for _, lang := range []string{"fa", "en"} {
			for _, p := range l.Parts(lang) {
				if n, err := tghtml.Len(p); err != nil || n > MaxMessage || n == 0 {
					t.Errorf("%s %s part: Len = %d, %v", l.ID, lang, n, err)
				}
			}
		}
	}
}

func TestLoadFAQ(t *testing.T) {
	c := mustLoad(t, os.DirFS("testdata/good"))
	e := c.FAQEntry("good-faq-hours")
	if e == nil || len(c.FAQ) != 1 || c.FAQ[0] != e {
		t.Fatalf("FAQEntry(good-faq-hours) = %v; FAQ = %v", e, c.FAQ)
	}
	if e.Topic != "other" || len(e.Also) != 2 || e.Question.EN != "How are learning hours counted?" {
		t.Errorf("entry = %+v", e)
	}
	if got := e.AnswerHTML("fa"); !strings.Contains(got, "<b>به اندازهٔ زمان خواندنش</b>") || !strings.Contains(got, "آزمون‌ها") {
		t.Errorf("AnswerHTML(fa) = %q; want the rendered Markdown", got)
	}
	if got := e.AnswerHTML("en"); got != "Each lesson you finish counts for its <b>reading time</b>." {
		t.Errorf("AnswerHTML(en) = %q", got)
	}
	// An external folder's entry replaces the embedded one with the same id.
	over := mustLoad(t, fstest.MapFS{"faq/faq.toml": {Data: []byte("[[entry]]\nid = \"good-faq-hours\"\ntopic = \"finance\"\nquestion = \"پرسش تازه\"\nanswer = \"پاسخ تازه\"\n")}})
	if m := Merge(c, over); m.FAQEntry("good-faq-hours").Topic != "finance" || len(m.FAQ) != 1 {
		t.Errorf("merged FAQ = %+v", m.FAQ)
	}
}
