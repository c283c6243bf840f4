package lessons

import (
	"io/fs"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/tavan7/tavan/bot/tghtml"
)

// TestEmbeddedContent loads the content compiled into the binary: any problem fails the build, because the
// bot would refuse to start with it.
func TestEmbeddedContent(t *testing.T) {
	c := mustLoadEmbedded(t)
	var b strings.Builder
	c.WriteSummary(&b)
	t.Logf("embedded content:\n%s", b.String())
	for _, co := range c.Courses {
		for _, l := range co.Lessons {
			for _, lang := range []string{"fa", "en"} {
				for i, p := range l.Parts(lang) {
					if n, err := tghtml.Len(p); err != nil || n > MaxMessage {
						t.Errorf("%s %s part %d: Len = %d, %v", l.ID, lang, i, n, err)
					}
				}
			}
		}
	}
}

// TestLoadConcurrent runs loads side by side (a /reload while another runs) for the race detector.
func TestLoadConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := Load(Embedded()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func mustLoadEmbedded(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(Embedded())
	if err != nil {
		if probs, ok := err.(Problems); ok {
			for _, p := range probs {
				t.Errorf("lessons/content/%s", p)
			}
			t.FailNow()
		}
		t.Fatal(err)
	}
	return c
}

// TestEmbeddedContentGuidelines holds the project's own content to the writing rules of the content format
// that Load does not enforce (Load accepts anything Telegram can show; these are editorial rules).
func TestEmbeddedContentGuidelines(t *testing.T) {
	c := mustLoadEmbedded(t)
	fsys := Embedded()
	where := func(l *Lesson) string { return l.Course.ID + "/" + l.ID }
	checkMedia := func(owner string, m *Media, maxKB int) {
		if m == nil || m.File == "" {
			return
		}
		_, errFile := fs.Stat(fsys, m.File+".how.md")
		_, errDir := fs.Stat(fsys, path.Join(path.Dir(m.File), "README.how.md")) // one note for a folder of generated files
		if errFile != nil && errDir != nil {
			t.Errorf("%s: %s has no %s.how.md (or README.how.md in its folder) saying how it was made", owner, m.File, m.Name)
		}
		if info, err := fs.Stat(fsys, m.File); err == nil && info.Size() > int64(maxKB)<<10 {
			t.Errorf("%s: %s is %d KB; keep it under %d KB", owner, m.File, info.Size()>>10, maxKB)
		}
	}
	sizes := map[string]int{"photo": 150, "audio": 300, "voice": 300, "document": 200, "video": 1024}
	for _, co := range c.Courses {
		checkMedia(co.ID, co.Cover, 60)
		checkPersian(t, co.ID, co.Title.FA, co.Description.FA)
		for _, l := range co.Lessons {
			if l.Minutes < 1 || l.Minutes > 4 {
				t.Errorf("%s: minutes = %d; a micro-lesson takes 1 to 4 minutes (150 to 320 words)", where(l), l.Minutes)
			}
			words := len(strings.Fields(l.Body.FA))
			if honest := (words + 149) / 150; l.Minutes < honest-1 || l.Minutes > honest+1 {
				t.Errorf("%s: minutes = %d but %d words read in about %d", where(l), l.Minutes, words, honest)
			}
			if len(l.Quiz) < 2 {
				t.Errorf("%s: %d quiz questions; at least 2 per lesson", where(l), len(l.Quiz))
			}
			for _, q := range l.Quiz {
				if q.Explanation.FA == "" {
					t.Errorf("%s: question %s has no explanation (say why)", where(l), q.ID)
				}
				checkPersian(t, q.ID, q.Question.FA, q.Explanation.FA)
				for _, o := range q.Options {
					checkPersian(t, q.ID, o.FA)
				}
			}
			if !strings.Contains(l.Body.FA, "تمرین امروز") {
				t.Errorf("%s: the lesson does not end with «تمرین امروز» (a small action for today)", where(l))
			}
			checkPersian(t, where(l), l.Title.FA, l.Body.FA)
			if l.Media != nil {
				checkMedia(where(l), l.Media, sizes[l.Media.Type])
			}
		}
	}
	for _, r := range c.Resources {
		checkMedia(r.ID, r.File, 200)
		checkPersian(t, r.ID, r.Title.FA, r.Description.FA)
	}
	for _, it := range c.Library {
		checkMedia(it.ID, it.File, 200)
		checkPersian(t, it.ID, it.Title.FA, it.Summary.FA, it.Why.FA)
	}
	for _, s := range c.Stories {
		checkMedia(s.ID, s.Photo, 150)
		checkPersian(t, s.ID, s.Title.FA, s.Body.FA)
	}
	for _, ce := range c.Centres {
		checkPersian(t, ce.ID, ce.Name.FA, ce.Address.FA)
	}
}

// checkPersian reports Arabic yeh and kaf (ي ك) and filler text in Persian texts.
func checkPersian(t *testing.T, owner string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if i := strings.IndexAny(s, "يك"); i >= 0 {
			t.Errorf("%s: Arabic ي or ك in %q: use Persian ی and ک", owner, excerpt(s, i))
		}
		if i := strings.Index(strings.ToLower(s), "lorem"); i >= 0 {
			t.Errorf("%s: filler text %q", owner, excerpt(s, i))
		}
	}
}

func excerpt(s string, i int) string {
	r := []rune(s[:i])
	from := max(0, len(r)-15)
	rest := []rune(s[i:])
	return string(r[from:]) + string(rest[:min(len(rest), 15)])
}
