// Package lessons is Tavan's content: the model of courses, lessons, quizzes, the library, resources, centres
// and stories; the loader that reads and validates a content folder (TOML and Markdown, see README.md); the
// Markdown to Telegram HTML renderer; and the content embedded in the binary.
//
// A Catalog is built once by Load and never changed afterwards, so any number of goroutines may read it.
// Everything that can fail (rendering, lengths, files) fails in Load, with the file and line, so that the bot
// refuses to start on broken content instead of failing in front of a learner.
package lessons

import (
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/tavan7/tavan/bot/tghtml"
)

// Limits of the Bot API that the content must respect (see shared/telegram/FACTS.md).
const (
	MaxMessage = 4096 // message text after entity parsing, UTF-16 units
	MaxCaption = 1024 // media caption after entity parsing
)

// Text is a text in Persian (canonical) with an optional English translation.
type Text struct{ FA, EN string }

// In picks the language: "en" gives the English text if there is one, anything else gives Persian.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.FA
}

func langIndex(lang string) int {
	if lang == "en" {
		return 1
	}
	return 0
}

// Catalog is all the content. Load or Merge make one; it is read-only afterwards.
type Catalog struct {
	Courses          []*Course // sorted by Order, then ID
	Library          []*LibraryItem
	Resources        []*Resource
	Centres          []*Centre
	CentresAreSample bool // the centres are examples, not real addresses: the bot must say so
	Stories          []*Story
	FAQ              []*FAQEntry // faq/faq.toml: the program's frequent questions

	fsys       fs.FS
	hasCentres bool // a centres file was read (Merge: then the overlay decides about centres)
	byID       map[string]any
	replacedBy map[string][]*Lesson // a replaced lesson id → the lessons that replace it, in course order
	overlay    *Catalog             // Merge: the external folder's own catalog
}

// Overlay is the external folder's part of a merged catalog (what Merge laid over the base), or nil. The
// writing rules are checked on it alone: they are warnings for an external folder, while the embedded
// content is held to them by its tests.
func (c *Catalog) Overlay() *Catalog { return c.overlay }

// Course is one course folder.
type Course struct {
	ID          string
	Order       int
	Category    string
	Tracks      []string
	Title       Text
	Description Text
	Cover       *Media
	Lessons     []*Lesson // in file order
	Translated  bool      // course.toml has [en] and every lesson has a .en.md twin

	file string // course.toml's path in the content fs, for lint findings
}

// Lesson is one NN-slug.md file (and its optional NN-slug.en.md twin).
type Lesson struct {
	ID       string
	Replaces []string // ids of earlier lessons whose learners' progress carries over to this one (a split lesson)
	Course   *Course
	Index    int // 0-based position in Course.Lessons
	Title    Text
	Minutes  int
	Media    *Media
	Quiz     []Question
	Body     Text // Markdown source

	parts   [2][]string // rendered at load time: [fa, en]
	caption [2]string

	file     string // the Persian file's path in the content fs and the line its body starts, for lint findings
	bodyLine int
}

// Parts is the lesson as Telegram HTML messages: the title in bold on the first line, then the body, split at
// paragraph boundaries so that each part is at most 4096 characters and valid on its own.
// The slice is a copy: callers may change it.
func (l *Lesson) Parts(lang string) []string { return pick(l.parts, lang) }

// Caption is the media caption as Telegram HTML, "" if there is no caption (or no media).
//
// Load rejects captions longer than 1024 characters, so a loaded lesson's caption always fits; CaptionFits
// exists for the bot to check anyway (a caption that does not fit is sent as a text message after the media).
func (l *Lesson) Caption(lang string) string {
	if c := l.caption[langIndex(lang)]; c != "" {
		return c
	}
	return l.caption[0]
}

// CaptionFits reports whether Caption(lang) is within Telegram's 1024-character caption limit.
func (l *Lesson) CaptionFits(lang string) bool {
	n, err := tghtml.Len(l.Caption(lang))
	return err == nil && n <= MaxCaption
}

// Next is the following lesson in the course, or nil after the last one.
func (l *Lesson) Next() *Lesson {
	if l.Course == nil || l.Index+1 >= len(l.Course.Lessons) {
		return nil
	}
	return l.Course.Lessons[l.Index+1]
}

func pick(parts [2][]string, lang string) []string {
	if p := parts[langIndex(lang)]; len(p) > 0 {
		return slices.Clone(p)
	}
	return slices.Clone(parts[0])
}

// Media is a file to send: exactly one of File (in the content fs), URL or FileID is set.
type Media struct {
	Type    string // photo|audio|video|voice|document
	File    string // path within the fs ("courses/01-home-business/01-plan.png"), or ""
	URL     string
	FileID  string
	Caption Text   // Markdown source; lessons render it (Lesson.Caption)
	Hash    string // hex sha256 of the file bytes (key for the bot's file_id cache); "" for URL/FileID
	Name    string // base file name for uploads

	fsys fs.FS // the fs the file was loaded from (Merge keeps overlay media readable)
}

// Open reads a media file's bytes from the fs the media was loaded from.
func (c *Catalog) Open(m *Media) ([]byte, error) {
	if m == nil || m.File == "" {
		return nil, fmt.Errorf("open media: no file")
	}
	fsys := m.fsys
	if fsys == nil {
		fsys = c.fsys
	}
	if fsys == nil {
		return nil, fmt.Errorf("open media %s: catalog has no file system", m.File)
	}
	b, err := fs.ReadFile(fsys, m.File)
	if err != nil {
		return nil, fmt.Errorf("open media: %w", err)
	}
	return b, nil
}

// Question is one quiz question of a lesson.
type Question struct {
	ID          string // "<lesson id>/<n>", n 1-based
	Question    Text
	Options     []Text
	Answer      int // 0-based index into Options
	Explanation Text

	line int // the [[quiz]] line in the lesson file, for lint findings
}

// OptionTexts are the options in one language (plain text, as polls and buttons take them).
func (q Question) OptionTexts(lang string) []string {
	out := make([]string, len(q.Options))
	for i, o := range q.Options {
		out[i] = o.In(lang)
	}
	return out
}

// LibraryItem is a recommended book or article (library/library.toml).
type LibraryItem struct {
	ID            string
	Kind          string // book|article
	Title         Text
	OriginalTitle string // the title in the original language, if translated
	Author        Text
	Year          int // 0 if unknown
	Summary       Text
	Why           Text // why a Tavan learner should read it
	Link          string
	File          *Media // a document in library/, or nil
	Tags          []string
}

// Resource is a downloadable worksheet or template (resources/resources.toml).
type Resource struct {
	ID          string
	Title       Text
	Description Text
	File        *Media // Type "document"
	Tags        []string
}

// Centre is a training centre, accelerator, co-working space or incubator (centres/centres.toml).
type Centre struct {
	ID       string
	Name     Text
	Kind     string // training|accelerator|coworking|incubator
	Services []Text
	Address  Text
	Lat, Lon float64
	Phone    string
	Website  string
	Hours    Text
}

// Story is a short entrepreneur story (stories/NN-slug.md).
type Story struct {
	ID        string
	Title     Text
	Field     Text // the line of work ("خیاطی")
	Tags      []string
	Photo     *Media // or nil
	Fictional bool   // an invented example, not a real person: the bot must say so
	Body      Text   // Markdown source

	parts    [2][]string
	file     string // for lint findings
	bodyLine int
}

// Parts is the story as Telegram HTML messages, like Lesson.Parts.
func (s *Story) Parts(lang string) []string { return pick(s.parts, lang) }

// Course returns the course with the id, or nil.
func (c *Catalog) Course(id string) *Course { v, _ := c.byID[id].(*Course); return v }

// Lesson returns the lesson with the id, or nil.
// An id that a split replaced finds the first lesson that replaces it, so an old button or a notice
// queued before the split still opens the right place.
func (c *Catalog) Lesson(id string) *Lesson {
	if v, ok := c.byID[id].(*Lesson); ok {
		return v
	}
	if ls := c.replacedBy[id]; len(ls) > 0 {
		return ls[0]
	}
	return nil
}

// ReplacedBy lists the lessons that replace an earlier lesson id, in course order (none for a live id).
func (c *Catalog) ReplacedBy(id string) []*Lesson { return c.replacedBy[id] }

// ReplacedIDs lists every lesson id that a lesson replaces.
func (c *Catalog) ReplacedIDs() []string {
	ids := make([]string, 0, len(c.replacedBy))
	for id := range c.replacedBy {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Story returns the story with the id, or nil.
func (c *Catalog) Story(id string) *Story { v, _ := c.byID[id].(*Story); return v }

// LibraryItem returns the library item with the id, or nil.
func (c *Catalog) LibraryItem(id string) *LibraryItem { v, _ := c.byID[id].(*LibraryItem); return v }

// Resource returns the resource with the id, or nil.
func (c *Catalog) Resource(id string) *Resource { v, _ := c.byID[id].(*Resource); return v }

// FAQEntry returns the FAQ entry with the id, or nil.
func (c *Catalog) FAQEntry(id string) *FAQEntry { v, _ := c.byID[id].(*FAQEntry); return v }

// Centre returns the centre with the id, or nil.
func (c *Catalog) Centre(id string) *Centre { v, _ := c.byID[id].(*Centre); return v }

// Question returns the question with the id "<lesson id>/<n>" and its lesson, or nil, nil.
func (c *Catalog) Question(id string) (*Lesson, *Question) {
	for i := len(id) - 1; i > 0; i-- {
		if id[i] == '/' {
			l := c.Lesson(id[:i])
			if l == nil {
				return nil, nil
			}
			for k := range l.Quiz {
				if l.Quiz[k].ID == id {
					return l, &l.Quiz[k]
				}
			}
			return nil, nil
		}
	}
	return nil, nil
}

// index builds the id lookup. Later entries win, which is what Merge wants for overlay items.
func (c *Catalog) index() {
	c.byID = map[string]any{}
	for _, co := range c.Courses {
		c.byID[co.ID] = co
	}
	c.replacedBy = map[string][]*Lesson{}
	for _, co := range c.Courses {
		for _, l := range co.Lessons {
			c.byID[l.ID] = l
			for _, old := range l.Replaces {
				c.replacedBy[old] = append(c.replacedBy[old], l)
			}
		}
	}
	for _, it := range c.Library {
		c.byID[it.ID] = it
	}
	for _, r := range c.Resources {
		c.byID[r.ID] = r
	}
	for _, ce := range c.Centres {
		c.byID[ce.ID] = ce
	}
	for _, s := range c.Stories {
		c.byID[s.ID] = s
	}
	for _, e := range c.FAQ {
		c.byID[e.ID] = e
	}
}

// Merge returns base extended by overlay (an external TAVAN_CONTENT folder): an overlay item replaces the base
// item with the same id (a course is replaced whole, with its lessons), other overlay items are added. If the
// overlay has a centres file, its sample flag wins, and when the base centres were only samples they are
// dropped rather than mixed with real ones. Neither input is modified. Each media keeps reading from the
// folder it came from. Ids are unique within each input (Load checks); if an overlay lesson reuses the id of a
// lesson in a base course that it does not replace, lookups by id find the overlay's.
func Merge(base, overlay *Catalog) *Catalog {
	if overlay == nil {
		return base
	}
	if base == nil {
		return overlay
	}
	m := &Catalog{
		fsys:             base.fsys,
		CentresAreSample: base.CentresAreSample,
		hasCentres:       base.hasCentres || overlay.hasCentres,
		overlay:          overlay,
	}
	m.Courses = mergeByID(base.Courses, overlay.Courses, func(c *Course) string { return c.ID })
	sortCourses(m.Courses)
	m.Library = mergeByID(base.Library, overlay.Library, func(it *LibraryItem) string { return it.ID })
	m.Resources = mergeByID(base.Resources, overlay.Resources, func(r *Resource) string { return r.ID })
	m.Stories = mergeByID(base.Stories, overlay.Stories, func(s *Story) string { return s.ID })
	m.Centres = mergeByID(base.Centres, overlay.Centres, func(c *Centre) string { return c.ID })
	m.FAQ = mergeByID(base.FAQ, overlay.FAQ, func(e *FAQEntry) string { return e.ID })
	if overlay.hasCentres {
		m.CentresAreSample = overlay.CentresAreSample
		if base.CentresAreSample && !overlay.CentresAreSample {
			m.Centres = append([]*Centre(nil), overlay.Centres...)
		}
	}
	m.index()
	return m
}

// mergeByID keeps base's order, replacing items in place, then appends the new overlay items.
func mergeByID[T any](base, overlay []T, id func(T) string) []T {
	out := make([]T, 0, len(base)+len(overlay))
	over := make(map[string]T, len(overlay))
	for _, o := range overlay {
		over[id(o)] = o
	}
	used := map[string]bool{}
	for _, b := range base {
		if o, ok := over[id(b)]; ok {
			out = append(out, o)
			used[id(b)] = true
			continue
		}
		out = append(out, b)
	}
	for _, o := range overlay {
		if !used[id(o)] {
			out = append(out, o)
		}
	}
	return out
}

// WriteSummary prints the table of `tavanbot lessons check`: one row per course (lessons, median words,
// minutes, questions, how often the right option is the longest, lint findings, English), totals, and
// section counts. The findings themselves are Lint's.
func (c *Catalog) WriteSummary(w io.Writer) {
	Lint(c).WriteTable(w)
	sample := ""
	if c.CentresAreSample {
		sample = " (sample data)"
	}
	fmt.Fprintf(w, "library: %d, resources: %d, centres: %d%s, stories: %d, faq: %d\n",
		len(c.Library), len(c.Resources), len(c.Centres), sample, len(c.Stories), len(c.FAQ))
}
