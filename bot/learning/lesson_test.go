package learning_test

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/lessons"
)

// TestEveryEmbeddedLessonSends walks every course from its card through [next] to the end, in Persian
// and, for translated courses, in English: every lesson, its media and its keyboard must pass the Bot API
// checks (the harness fails on any violation or HTML error).
func TestEveryEmbeddedLessonSends(t *testing.T) {
	apptest.EachPlatform(t, everyEmbeddedLessonSends) // on Bale: every lesson renders as valid Bale Markdown
}

func everyEmbeddedLessonSends(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, nil)
	cat := apptest.EmbeddedCatalog(t)
	learners := map[string]tgsim.User{"fa": maryam, "en": john}
	for _, lang := range []string{"fa", "en"} {
		u := learners[lang]
		h.Onboard(u, lang, "general")
		for _, co := range cat.Courses {
			if lang == "en" && !co.Translated {
				continue
			}
			h.Send(u, "/courses")
			h.PressData(u, h.Last(u), cb("course", co.ID))
			h.PressData(u, h.Last(u), cb("open", co.Lessons[0].ID))
			for i, l := range co.Lessons {
				last := h.Last(u)
				if !strings.Contains(last.Plain, l.Course.Title.In(lang)) {
					t.Errorf("%s lesson %s: footer %q lacks the course title", lang, l.ID, last.Plain)
				}
				if i+1 < len(co.Lessons) {
					h.PressData(u, last, cb("open", co.Lessons[i+1].ID))
				}
			}
		}
	}
	if n := len(h.Sim.Violations()); n != 0 {
		t.Fatalf("%d Bot API violations", n)
	}
}

func TestLessonNavigationAndProgress(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/courses")
	list := h.Last(maryam)
	course := apptest.EmbeddedCatalog(t).Course("home-business")
	total := persian.Digits(strconv.Itoa(len(course.Lessons)))
	if !strings.Contains(list.Plain, "راه‌اندازی کسب‌وکار خانگی") || !strings.Contains(list.Plain, "۰ از "+total) {
		t.Fatalf("course list %q; want the home-business course first with «۰ از %s»", list.Plain, total)
	}
	if first := list.InlineKeyboard[0][0].CallbackData; first != cb("course", "home-business") {
		t.Errorf("first course button %q; want the learner's track first", first)
	}
	h.Press(maryam, list, "راه‌اندازی کسب‌وکار خانگی")
	card := h.Last(maryam)
	if !strings.Contains(card.Plain, "▱▱▱▱▱ ۰٪") {
		t.Errorf("course card %q; want an empty progress bar", card.Plain)
	}
	h.Press(maryam, card, "شروع دوره")
	lesson1 := h.Last(maryam)
	of := func(n int) string { return "درس " + persian.Digits(strconv.Itoa(n)) + " از " + total }
	if !strings.Contains(lesson1.Plain, of(1)) || !lesson1.HasButton(cb("quiz", course.Lessons[0].ID)) {
		t.Fatalf("first lesson %q, buttons %q", lesson1.Plain, lesson1.ButtonTexts())
	}
	h.Press(maryam, lesson1, "درس بعد")
	lesson2 := h.Last(maryam)
	if !strings.Contains(lesson2.Plain, of(2)) {
		t.Errorf("after [next]: %q", lesson2.Plain)
	}
	h.Press(maryam, lesson2, "درس قبل")
	if !strings.Contains(h.Last(maryam).Plain, of(1)) {
		t.Errorf("after [previous]: %q", h.Last(maryam).Plain)
	}
	// Opening lessons twice counts once.
	h.Send(maryam, "/today")
	var delivered int64
	h.DB.View(func(tx *store.Tx) error { delivered = tx.Day(h.Clock.Now()).LessonsDelivered; return nil })
	if delivered != 2 {
		t.Errorf("lessons delivered = %d after opening two lessons (one of them three times); want 2", delivered)
	}
	h.Restart()
	h.Send(maryam, "/today")
	if got := h.Last(maryam).Plain; !strings.Contains(got, of(1)) {
		t.Errorf("/today after a restart sent %q; want the unfinished first lesson", got)
	}
}

func TestLessonMediaUploadedOnceThenCached(t *testing.T) {
	apptest.EachPlatform(t, lessonMediaUploadedOnceThenCached)
}

func lessonMediaUploadedOnceThenCached(t *testing.T, p bot.Platform) {
	h := newHarnessOn(t, p, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "home")
	var withPhoto *lessons.Lesson
	for _, l := range apptest.EmbeddedCatalog(t).Course("home-business").Lessons {
		if l.Media != nil && l.Media.Type == "photo" {
			withPhoto = l
		}
	}
	if withPhoto == nil {
		t.Fatal("the home-business course has no photo lesson")
	}
	photoOf := func(u tgsim.User) tgsim.Message {
		for _, m := range h.Sim.BotMessages(u.ID) {
			if m.Kind == "photo" {
				return m
			}
		}
		t.Fatalf("no photo sent to %s", u.FirstName)
		return tgsim.Message{}
	}
	h.PressForged(maryam, h.Last(maryam), cb("open", withPhoto.ID))
	h.PressForged(reza, h.Last(reza), cb("open", withPhoto.ID))
	if first, second := photoOf(maryam), photoOf(reza); !first.File.Uploaded || second.File.Uploaded || first.File.FileID != second.File.FileID {
		t.Errorf("first send uploaded=%v, second uploaded=%v (ids %s, %s); want one upload, then the cached file_id",
			first.File.Uploaded, second.File.Uploaded, first.File.FileID, second.File.FileID)
	}
}

func TestLessonMediaFailureStillSendsText(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	var withMedia *lessons.Lesson
	for _, l := range apptest.EmbeddedCatalog(t).Course("home-business").Lessons {
		if l.Media != nil {
			withMedia = l
			break
		}
	}
	method := map[string]string{"photo": "sendPhoto", "document": "sendDocument", "voice": "sendVoice", "audio": "sendAudio"}[withMedia.Media.Type]
	h.Sim.FailNext(method, 1, 500, "Internal Server Error", 0)
	h.PressForged(maryam, h.Last(maryam), cb("open", withMedia.ID))
	msgs := h.Sim.BotMessages(maryam.ID)
	var note, body bool
	for _, m := range msgs {
		note = note || strings.Contains(m.Plain, "فایل این درس الان فرستاده نشد")
		body = body || strings.Contains(m.Plain, withMedia.Title.FA)
	}
	if !note || !body {
		t.Errorf("after a media failure: note=%v body=%v; want the text with a short note", note, body)
	}
}

// TestContentReload: an admin's /reload with a broken content set keeps the old content; a good one that
// replaces a course by id takes over, and progress in a removed lesson breaks nothing.
func TestContentReload(t *testing.T) {
	good := apptest.EmbeddedCatalog(t)
	var next func() (*lessons.Catalog, error)
	h := newHarness(t, func(c *app.Config) {
		c.LoadContent = func() (*lessons.Catalog, error) { return next() }
	})
	h.Onboard(admin, "fa", "general")
	h.Onboard(maryam, "fa", "home")
	h.PressForged(maryam, h.Last(maryam), cb("open", "home-business-02"))

	next = func() (*lessons.Catalog, error) {
		return nil, lessons.Problems{{File: "courses/09-x/01-a.md", Line: 3, Msg: "quiz answer 5 is out of range"}}
	}
	h.Send(admin, "/reload")
	if got := h.Last(admin).Plain; !strings.Contains(got, "پذیرفته نشد") || !strings.Contains(got, "courses/09-x/01-a.md:3") {
		t.Errorf("broken reload answered %q; want the rejection with file and line", got)
	}
	if h.App.Content() != good {
		t.Error("a broken reload replaced the live content")
	}

	overlay, err := lessons.Load(fstest.MapFS{
		"courses/01-home/course.toml": {Data: []byte("id = \"home-business\"\norder = 1\ncategory = \"business\"\ntracks = [\"home\"]\ntitle = \"دورهٔ تازهٔ خانگی\"\ndescription = \"نسخهٔ تازه\"\n")},
		"courses/01-home/01-start.md": {Data: []byte("+++\nid = \"home-new-01\"\ntitle = \"درس تازه\"\nminutes = 3\n\n[[quiz]]\nquestion = \"کدام؟\"\noptions = [\"الف\", \"ب\"]\nanswer = 1\nexplanation = \"چون.\"\n\n[[quiz]]\nquestion = \"و این؟\"\noptions = [\"الف\", \"ب\"]\nanswer = 2\nexplanation = \"چون.\"\n+++\nمتن درس تازه.\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	merged := lessons.Merge(good, overlay)
	next = func() (*lessons.Catalog, error) { return merged, nil }
	h.Send(admin, "/reload")
	if got := h.Last(admin).Plain; !strings.Contains(got, "دوباره بارگذاری شد") {
		t.Fatalf("good reload answered %q", got)
	}
	h.Send(maryam, "/courses")
	if got := h.Last(maryam).Plain; !strings.Contains(got, "دورهٔ تازهٔ خانگی") {
		t.Errorf("after reload the list is %q; want the replaced course", got)
	}
	h.Send(maryam, "/today") // her current lesson was removed: she gets the new course's lesson
	if got := h.Last(maryam).Plain; !strings.Contains(got, "درس تازه") {
		t.Errorf("/today after her lesson was removed: %q", got)
	}
	h.Send(maryam, "/me")
	h.Send(maryam, "/reload") // not an admin: exactly an unknown command
	if got := h.Last(maryam).Plain; !strings.Contains(got, "این فرمان را نمی‌شناسیم") {
		t.Errorf("non-admin /reload answered %q", got)
	}
}

// TestMeShowsTheLearnersID: /me ends with the learner's numeric id, named after the messenger, which is
// where the admin prompt sends a future admin to find it (no third-party bot, none on Bale).
func TestMeShowsTheLearnersID(t *testing.T) {
	apptest.EachPlatform(t, func(t *testing.T, p bot.Platform) {
		h := newHarnessOn(t, p, nil)
		h.Onboard(maryam, "fa", "home")
		h.Send(maryam, "/me")
		messenger := map[string]string{"telegram": "تلگرام", "bale": "بله"}[p.Name]
		want := "شناسهٔ شما در " + messenger + ": " + strconv.FormatInt(maryam.ID, 10)
		if got := h.Last(maryam).Plain; !strings.Contains(got, want) {
			t.Errorf("/me = %q; want it to end with %q", got, want)
		}
	})
}
