package learning_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// TestProgressSurvivesTheCourseSplit seeds a database as the release before the split left it: Maryam
// finished the old home-business-01 (its quiz passed, 4 minutes credited) and is in the middle of the old
// home-business-02. At start the learning feature carries that over to the embedded course 01's split: both
// parts of 01 are completed, nothing is credited twice, /today continues with the first part of 02, and a
// restart carries nothing again.
func TestProgressSurvivesTheCourseSplit(t *testing.T) {
	var seeded bool
	h := newHarness(t, func(c *app.Config) {
		if seeded {
			return
		}
		seeded = true
		now := c.Now()
		done := now.AddDate(0, 0, -3)
		err := c.Store.Update(func(tx *store.Tx) error {
			if err := tx.PutUser(&store.User{
				ID: maryam.ID, FirstName: maryam.FirstName, Lang: "fa", Track: "home", Onboarded: true,
				DailyMinute: store.NoDailyTime, Created: done, LastActive: now,
				CurrentLesson: "home-business-02", MinutesLearned: 4, LessonsCompleted: 1,
			}); err != nil {
				return err
			}
			if err := tx.PutProgress(maryam.ID, "home-business-01", store.LessonProgress{
				Opened: done, Completed: done, Minutes: 4, Attempt: 1, Answered: 7, Correct: 7, Best: 3, Passed: true,
			}); err != nil {
				return err
			}
			return tx.PutProgress(maryam.ID, "home-business-02", store.LessonProgress{Opened: now, Attempt: 1, Answered: 1, Correct: 1})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	content := h.App.Content()
	parts := content.ReplacedBy("home-business-01")
	if len(parts) < 2 || content.Lesson("home-business-01") != parts[0] {
		t.Fatalf("the embedded course 01 no longer splits home-business-01: %v", parts)
	}
	check := func(when string) {
		t.Helper()
		err := h.App.Store.View(func(tx *store.Tx) error {
			for i, l := range parts {
				p, err := tx.Progress(maryam.ID, l.ID)
				if err != nil {
					return err
				}
				wantMinutes := 0
				if i == 0 {
					wantMinutes = 4
				}
				if p.Completed.IsZero() || !p.Passed || p.Minutes != wantMinutes {
					t.Errorf("%s: %s = %+v; want completed, passed, %d minutes recorded", when, l.ID, p, wantMinutes)
				}
			}
			u, err := tx.User(maryam.ID)
			if err != nil {
				return err
			}
			if u.MinutesLearned != 4 || u.LessonsCompleted != 1 {
				t.Errorf("%s: Maryam has %d minutes, %d lessons; want the 4 minutes and 1 lesson she earned, once", when, u.MinutesLearned, u.LessonsCompleted)
			}
			if first := content.ReplacedBy("home-business-02")[0].ID; u.CurrentLesson != first {
				t.Errorf("%s: current lesson %q; want %s, the first part of the lesson she was in", when, u.CurrentLesson, first)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("after the start")

	h.Send(maryam, "/today")
	want := content.ReplacedBy("home-business-02")[0]
	if got := h.Last(maryam).Plain; !strings.Contains(got, want.Title.FA) {
		t.Errorf("/today after the split sent %q; want %q", got, want.Title.FA)
	}
	h.Send(maryam, "/courses")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "۲ از ۱۴") {
		t.Errorf("/courses after the split = %q; want two of course 01's fourteen lessons done", got)
	}

	h.Restart()
	check("after a restart")

	// Opening a carried lesson again credits nothing.
	h.PressForged(maryam, h.Last(maryam), cb("open", parts[1].ID))
	err := h.App.Store.View(func(tx *store.Tx) error {
		u, err := tx.User(maryam.ID)
		if err == nil && (u.MinutesLearned != 4 || u.LessonsCompleted != 1) {
			t.Errorf("reopening a carried lesson: %d minutes, %d lessons; want 4 and 1", u.MinutesLearned, u.LessonsCompleted)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReloadCarriesProgressOverANewSplit: content published with /reload that splits a lesson carries the
// progress at once, without waiting for a restart.
func TestReloadCarriesProgressOverANewSplit(t *testing.T) {
	lesson := func(id, title string) []byte {
		return []byte("+++\nid = \"" + id + "\"\nreplaces = [\"home-business-07\"]\ntitle = \"" + title + "\"\nminutes = 2\n\n[[quiz]]\nquestion = \"کدام؟\"\noptions = [\"الف\", \"ب\"]\nanswer = 1\nexplanation = \"چون.\"\n+++\nمتن درس.\n")
	}
	overlay, err := lessons.Load(fstest.MapFS{
		"courses/01-home/course.toml":  {Data: []byte("id = \"home-business\"\norder = 1\ncategory = \"business\"\ntracks = [\"home\"]\ntitle = \"دورهٔ خانگی\"\ndescription = \"نسخهٔ تازه\"\n")},
		"courses/01-home/01-first.md":  {Data: lesson("home-new-07a", "بخش یکم")},
		"courses/01-home/02-second.md": {Data: lesson("home-new-07b", "بخش دوم")},
	})
	if err != nil {
		t.Fatal(err)
	}
	merged := lessons.Merge(apptest.EmbeddedCatalog(t), overlay)
	h := newHarness(t, func(c *app.Config) {
		c.LoadContent = func() (*lessons.Catalog, error) { return merged, nil }
	})
	h.Onboard(admin, "fa", "general")
	h.Onboard(maryam, "fa", "home")
	done := h.Clock.Now().AddDate(0, 0, -1)
	if err := h.DB.Update(func(tx *store.Tx) error {
		return tx.PutProgress(maryam.ID, "home-business-07", store.LessonProgress{Opened: done, Completed: done, Minutes: 4, Passed: true})
	}); err != nil {
		t.Fatal(err)
	}
	h.Send(admin, "/reload")
	err = h.DB.View(func(tx *store.Tx) error {
		for _, id := range []string{"home-new-07a", "home-new-07b"} {
			if p, err := tx.Progress(maryam.ID, id); err != nil || p.Completed.IsZero() {
				t.Errorf("after /reload %s = %+v, %v; want completed from home-business-07", id, p, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
