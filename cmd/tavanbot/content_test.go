package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestContentLoaderOverlaysEmbeddedCourses(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir+"/courses/01-home/course.toml", "id = \"home-business\"\norder = 1\ncategory = \"business\"\ntracks = [\"home\"]\ntitle = \"نسخهٔ تازه\"\ndescription = \"توضیح\"\n")
	writeTestFile(t, dir+"/courses/01-home/01-a.md", "+++\nid = \"home-new-01\"\ntitle = \"درس\"\nminutes = 3\n\n[[quiz]]\nquestion = \"؟\"\noptions = [\"الف\", \"ب\"]\nanswer = 1\nexplanation = \"چون\"\n+++\nمتن.\n")
	cat, err := contentLoader(dir)()
	if err != nil {
		t.Fatal(err)
	}
	if co := cat.Course("home-business"); co == nil || co.Title.FA != "نسخهٔ تازه" || len(co.Lessons) != 1 {
		t.Errorf("home-business was not replaced by the folder's version: %+v", co)
	}
	if cat.Course("teens") == nil {
		t.Error("embedded courses the folder does not mention disappeared")
	}
	writeTestFile(t, dir+"/courses/01-home/02-b.md", "+++\nid = \"home-new-01\"\ntitle = \"\"\nminutes = 3\n+++\nمتن.\n")
	if _, err := contentLoader(dir)(); err == nil || !strings.Contains(err.Error(), "02-b.md") {
		t.Errorf("a broken folder loaded: %v", err)
	}
}

// TestLessonsCheckWarnsForAFolder: writing-rule findings in an external folder are printed as warnings and
// do not fail the check (the bot serves such a folder).
func TestLessonsCheckWarnsForAFolder(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir+"/courses/01-x/course.toml", "id = \"x\"\norder = 1\ncategory = \"business\"\ntracks = [\"home\"]\ntitle = \"دوره\"\ndescription = \"توضیح\"\n")
	writeTestFile(t, dir+"/courses/01-x/01-a.md", "+++\nid = \"x-01\"\ntitle = \"درس\"\nminutes = 1\n\n[[quiz]]\nquestion = \"؟\"\noptions = [\"الف\", \"ب\"]\nanswer = 1\nexplanation = \"چون\"\n+++\nبه جای حدس بپرسید.\n")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"lessons", "check", dir}, envOf(nil), &out, io.Discard); err != nil {
		t.Fatalf("lessons check of a folder with warnings failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{"median words", "right = longest", "warning(s)", "courses/01-x/01-a.md:12: the lesson body has 4 words", "write «به\u200cجای»", "courses/01-x/course.toml: the right option is strictly the longest in 1 of 1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("lessons check output lacks %q:\n%s", want, out.String())
		}
	}
}
