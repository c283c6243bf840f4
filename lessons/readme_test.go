package lessons

import (
	"regexp"
	"testing"
	"testing/fstest"
)

// TestREADMEExample loads the complete example course of README.md, so the documentation cannot drift from
// what the loader accepts.
func TestREADMEExample(t *testing.T) {
	readme := string(mustRead(t, "README.md"))
	block := regexp.MustCompile("(?s)`(courses/09-bazaar-stall/[^`]+)`:\n\n```[a-z]*\n(.*?)\n```\n")
	fsys := fstest.MapFS{}
	for _, m := range block.FindAllStringSubmatch(readme, -1) {
		fsys[m[1]] = &fstest.MapFile{Data: []byte(m[2] + "\n")}
	}
	if len(fsys) != 3 {
		t.Fatalf("found %d example files in README.md; want 3", len(fsys))
	}
	fsys["courses/09-bazaar-stall/01-stall.png"] = &fstest.MapFile{Data: mustRead(t, "testdata/good/courses/01-good-course/01-stall.png")}
	c := mustLoad(t, fsys)
	l := c.Lesson("bazaar-stall-01")
	if l == nil || len(l.Quiz) != 2 || l.Title.EN == "" || !c.Course("bazaar-stall").Translated {
		t.Errorf("example course loaded as %+v", c.Course("bazaar-stall"))
	}
}
