package main

import (
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
