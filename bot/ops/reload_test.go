package ops_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/lessons"
)

// TestReloadWarnsAboutWritingRules: an external folder that breaks the writing rules (a lesson far too
// short, «ـه‌ی» as the ezafe) is still served on /reload, and the admin is told what to fix.
func TestReloadWarnsAboutWritingRules(t *testing.T) {
	overlay, err := lessons.Load(fstest.MapFS{
		"courses/09-extra/course.toml": {Data: []byte("id = \"extra\"\norder = 9\ncategory = \"business\"\ntracks = [\"home\"]\ntitle = \"دورهٔ افزوده\"\ndescription = \"توضیح\"\n")},
		"courses/09-extra/01-start.md": {Data: []byte("+++\nid = \"extra-01\"\ntitle = \"درس افزوده\"\nminutes = 1\n\n[[quiz]]\nquestion = \"کدام؟\"\noptions = [\"الف\", \"بب\"]\nanswer = 1\nexplanation = \"چون.\"\n+++\nخانه‌ی ما کوچک است.\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	merged := lessons.Merge(apptest.EmbeddedCatalog(t), overlay)
	h := newHarness(t, func(c *app.Config) {
		c.LoadContent = func() (*lessons.Catalog, error) { return merged, nil }
	})
	h.Onboard(adminUser, "fa", "general")
	h.Send(adminUser, "/reload")
	got := h.Last(adminUser).Plain
	for _, want := range []string{
		"دوباره بارگذاری شد", "هشدار",
		"courses/09-extra/01-start.md:12: the lesson body has 4 words",
		"courses/09-extra/01-start.md:12: «خانه\u200cی ما کوچک است.»: write the ezafe as «ـهٔ»",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/reload answered %q; want %q in it", got, want)
		}
	}
	if h.App.Content() != merged || h.App.Content().Course("extra") == nil {
		t.Error("a folder with only writing-rule warnings was not served")
	}
	if strings.Contains(got, "courses/01-home-business") {
		t.Errorf("the warnings name the embedded content: %q", got)
	}
}
