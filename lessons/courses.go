package lessons

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/tavan7/tavan/bot/tghtml"
)

type courseFile struct {
	ID          string   `toml:"id"`
	Order       int      `toml:"order"`
	Category    string   `toml:"category"`
	Tracks      []string `toml:"tracks"`
	Cover       string   `toml:"cover"`
	Title       string   `toml:"title"`
	Description string   `toml:"description"`
	EN          *struct {
		Title       string `toml:"title"`
		Description string `toml:"description"`
	} `toml:"en"`
}

type lessonFile struct {
	ID       string     `toml:"id"`
	Replaces []string   `toml:"replaces"`
	Title    string     `toml:"title"`
	Minutes  int        `toml:"minutes"`
	Media    *mediaFile `toml:"media"`
	Quiz     []quizFile `toml:"quiz"`
}

type quizFile struct {
	Question    string   `toml:"question"`
	Options     []string `toml:"options"`
	Answer      int      `toml:"answer"`
	Explanation string   `toml:"explanation"`
}

func (l *loader) loadCourses() {
	for _, e := range l.readDir("courses") {
		if !e.IsDir() || hidden(e.Name()) {
			continue // a README or .DS_Store next to the course folders
		}
		if c := l.loadCourse(path.Join("courses", e.Name())); c != nil {
			l.cat.Courses = append(l.cat.Courses, c)
		}
	}
}

func (l *loader) loadCourse(dir string) *Course {
	file := dir + "/course.toml"
	folderNumber := -1
	if m := numberedRE.FindStringSubmatch(path.Base(dir)); m != nil {
		folderNumber, _ = strconv.Atoi(m[1])
	} else {
		l.add(dir, 0, "course folder name must be two digits, a hyphen and a-z/0-9 words joined by hyphens, like 01-home-business")
	}
	c := &Course{file: file}
	data, ok := l.readOptional(file)
	if !ok {
		l.add(file, 0, "missing: every course folder needs a course.toml")
	}
	var cf courseFile
	var doc *tomlDoc
	if ok {
		doc = decodeTOML(&l.reporter, file, string(data), 0, &cf)
	}
	if doc != nil {
		if l.claimID(cf.ID, file, doc.line("id"), maxCourseID) {
			c.ID = cf.ID
		}
		c.Order = cf.Order
		if !doc.meta.IsDefined("order") {
			c.Order = folderNumber
		}
		l.checkOneOf(doc, cf.Category, "category", categories, "category")
		c.Category = cf.Category
		if len(cf.Tracks) == 0 {
			l.addf(file, doc.line("tracks"), "tracks: at least one is required (from %s)", strings.Join(tracks, ", "))
		}
		for _, t := range cf.Tracks {
			l.checkOneOf(doc, t, "track", tracks, "tracks")
		}
		c.Tracks = cf.Tracks
		l.checkText(doc, cf.Title, "title (Persian)", true, maxTitle, "title")
		l.checkText(doc, cf.Description, "description (Persian)", true, maxDescription, "description")
		c.Title.FA, c.Description.FA = cf.Title, cf.Description
		if cf.EN != nil {
			l.checkText(doc, cf.EN.Title, "[en] title", true, maxTitle, "en", "title")
			l.checkText(doc, cf.EN.Description, "[en] description", false, maxDescription, "en", "description")
			c.Title.EN, c.Description.EN = cf.EN.Title, cf.EN.Description
		}
		if cf.Cover != "" {
			c.Cover = l.fileMedia(doc, doc.line("cover"), "photo", dir, cf.Cover, "cover")
		}
	}

	entries := l.readDir(dir)
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	numbers := map[int]string{}
	translated := cf.EN != nil && cf.EN.Title != ""
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || hidden(name) || !strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".how.md") {
			continue
		}
		file := path.Join(dir, name)
		if base, ok := strings.CutSuffix(name, ".en.md"); ok {
			if !names[base+".md"] {
				l.addf(file, 0, "translation without a Persian lesson %s.md", base)
			}
			continue
		}
		m := numberedRE.FindStringSubmatch(strings.TrimSuffix(name, ".md"))
		if m == nil {
			l.add(file, 0, "lesson file name must be NN-slug.md: two digits, a hyphen, a-z/0-9 words joined by hyphens (01-skill-to-product.md)")
		} else {
			n, _ := strconv.Atoi(m[1])
			if other, dup := numbers[n]; dup {
				l.addf(file, 0, "two lessons numbered %s: %s and %s (the number gives the order)", m[1], other, name)
			}
			numbers[n] = name
		}
		twin := strings.TrimSuffix(name, ".md") + ".en.md"
		lesson := l.loadLesson(c, dir, file, names[twin])
		if lesson == nil {
			translated = false
			continue
		}
		if lesson.Title.EN == "" {
			translated = false
		}
		lesson.Index = len(c.Lessons)
		c.Lessons = append(c.Lessons, lesson)
	}
	if len(c.Lessons) == 0 && doc != nil {
		l.add(file, 0, "the course has no lessons (NN-slug.md files next to course.toml)")
	}
	c.Translated = translated && len(c.Lessons) > 0
	if doc == nil || c.ID == "" {
		return nil
	}
	return c
}

// loadLesson reads NN-slug.md and, if hasTwin, NN-slug.en.md.
func (l *loader) loadLesson(c *Course, dir, file string, hasTwin bool) *Lesson {
	var lf lessonFile
	doc, md, ok := l.readMD(file, &lf)
	if !ok {
		return nil
	}
	les := &Lesson{Course: c, Minutes: lf.Minutes, Title: Text{FA: lf.Title}, Body: Text{FA: md.body}, file: file, bodyLine: md.bodyLine}
	good := l.claimID(lf.ID, file, doc.line("id"), maxID)
	les.ID = lf.ID
	for _, old := range lf.Replaces {
		if !idRE.MatchString(old) || len(old) > maxID {
			l.addf(file, doc.line("replaces"), "replaces: %q is not a lesson id (a-z, 0-9 and single hyphens, at most %d characters)", old, maxID)
			continue
		}
		les.Replaces = append(les.Replaces, old)
	}
	l.checkText(doc, lf.Title, "title (Persian)", true, maxTitle, "title")
	if lf.Minutes < 1 || lf.Minutes > 60 {
		l.addf(file, doc.line("minutes"), "minutes must be between 1 and 60 (reading time), not %d", lf.Minutes)
	}
	if lf.Media != nil {
		les.Media = l.media(doc, dir, lf.Media, "media")
		if les.Media != nil {
			les.Media.Caption.FA = lf.Media.Caption
			les.caption[0] = l.caption(doc, lf.Media.Caption)
		}
	}
	for i, q := range lf.Quiz {
		les.Quiz = append(les.Quiz, l.question(doc, lf.ID, i, q, nil))
	}
	bodyHTML, rendered := "", true
	if strings.TrimSpace(md.body) == "" {
		l.add(file, md.bodyLine, "the lesson has no text after the front matter")
	} else {
		bodyHTML, rendered = l.renderBody(file, md.bodyLine, md.body)
	}
	if rendered {
		les.parts[0] = l.messageParts(file, lf.Title, bodyHTML)
	}
	if hasTwin {
		l.loadTwin(les, lf, dir, strings.TrimSuffix(file, ".md")+".en.md")
	}
	if !good {
		return nil
	}
	return les
}

// caption renders a media caption (Markdown) and checks it fits Telegram's caption limit.
func (l *loader) caption(doc *tomlDoc, src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	line := doc.line("media", "caption")
	html, err := RenderHTML(src)
	if err != nil {
		l.addf(doc.file, line, "caption: %v", err)
		return ""
	}
	if n, _ := tghtml.Len(html); n > MaxCaption {
		l.addf(doc.file, line, "caption is %d characters; Telegram allows %d", n, MaxCaption)
	}
	return html
}

// question checks one [[quiz]] entry. With fa != nil it checks a translation against the Persian question and
// returns fa with the English texts filled in.
func (l *loader) question(doc *tomlDoc, lessonID string, i int, q quizFile, fa *Question) Question {
	file := doc.file
	at := func(key string) int { return doc.line("quiz", i, key) }
	n := i + 1
	l.checkLen(doc, q.Question, fmt.Sprintf("quiz %d question", n), maxQuestion, at("question"))
	if len(q.Options) < 2 || len(q.Options) > maxOptions {
		l.addf(file, at("options"), "quiz %d has %d options; a quiz needs 2 to %d", n, len(q.Options), maxOptions)
	}
	for k, o := range q.Options {
		l.checkLen(doc, o, fmt.Sprintf("quiz %d option %d", n, k+1), maxOption, at("options"))
		for j := range k {
			if strings.TrimSpace(q.Options[j]) == strings.TrimSpace(o) && o != "" {
				l.addf(file, at("options"), "quiz %d: option %d repeats option %d", n, k+1, j+1)
			}
		}
	}
	if q.Explanation != "" {
		l.checkLen(doc, q.Explanation, fmt.Sprintf("quiz %d explanation", n), maxExplanation, at("explanation"))
		if lf := strings.Count(q.Explanation, "\n"); lf > maxExplainLF {
			l.addf(file, at("explanation"), "quiz %d explanation has %d line breaks; Telegram allows %d", n, lf, maxExplainLF)
		}
	}
	if fa != nil {
		out := *fa
		if len(q.Options) != len(fa.Options) {
			l.addf(file, at("options"), "quiz %d: %d options but the Persian file has %d (same options, same order)", n, len(q.Options), len(fa.Options))
		}
		if fa.Explanation.FA != "" && q.Explanation == "" {
			l.addf(file, doc.line("quiz", i), "quiz %d: explanation is missing (the Persian file has one)", n)
		}
		out.Question.EN = q.Question
		out.Explanation.EN = q.Explanation
		out.Options = make([]Text, len(fa.Options))
		for k := range fa.Options {
			out.Options[k] = fa.Options[k]
			if k < len(q.Options) {
				out.Options[k].EN = q.Options[k]
			}
		}
		return out
	}
	if q.Answer < 1 || q.Answer > len(q.Options) {
		l.addf(file, at("answer"), "quiz %d: answer must be the number of the right option, 1 to %d (not %d)", n, len(q.Options), q.Answer)
	}
	out := Question{
		ID:          fmt.Sprintf("%s/%d", lessonID, n),
		Question:    Text{FA: q.Question},
		Answer:      q.Answer - 1,
		Explanation: Text{FA: q.Explanation},
		line:        doc.line("quiz", i),
	}
	for _, o := range q.Options {
		out.Options = append(out.Options, Text{FA: o})
	}
	return out
}

// checkLen checks a required poll text against a Telegram limit (UTF-16 units, as Telegram counts).
func (l *loader) checkLen(doc *tomlDoc, s, name string, limit, line int) {
	switch n := utf16Len(s); {
	case strings.TrimSpace(s) == "":
		l.addf(doc.file, line, "%s is empty", name)
	case n > limit:
		l.addf(doc.file, line, "%s is %d characters; Telegram allows %d", name, n, limit)
	}
}

// loadTwin reads the English translation of a lesson into les.
func (l *loader) loadTwin(les *Lesson, fa lessonFile, dir, file string) {
	var en lessonFile
	doc, md, ok := l.readMD(file, &en)
	if !ok {
		return
	}
	l.forbidKeys(doc, "id", "minutes", "quiz.answer", "media.type", "media.file", "media.url", "media.file_id")
	l.checkText(doc, en.Title, "title", true, maxTitle, "title")
	if en.Media != nil {
		switch {
		case fa.Media == nil:
			l.add(file, doc.line("media"), "[media] in the translation but the Persian lesson has no media")
		case les.Media != nil:
			les.Media.Caption.EN = en.Media.Caption
			les.caption[1] = l.caption(doc, en.Media.Caption)
		}
	}
	if len(en.Quiz) != len(fa.Quiz) {
		l.addf(file, doc.line("quiz"), "%d quiz question(s) but the Persian file has %d (translate each, in order)", len(en.Quiz), len(fa.Quiz))
	}
	for i, q := range en.Quiz {
		if i < len(les.Quiz) {
			les.Quiz[i] = l.question(doc, les.ID, i, q, &les.Quiz[i])
		}
	}
	if strings.TrimSpace(md.body) == "" {
		l.add(file, md.bodyLine, "the translation has no text after the front matter")
		return
	}
	body, ok := l.renderBody(file, md.bodyLine, md.body)
	if !ok || en.Title == "" {
		return
	}
	les.Title.EN = en.Title
	les.Body.EN = md.body
	les.parts[1] = l.messageParts(file, en.Title, body)
}
