package lessons

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot/tghtml"
)

// Tracks are the program's audiences, in the order learners are offered them; their names are locale
// messages "Track_<id>".
func Tracks() []string { return slices.Clone(tracks) }

// Allowed values (README.md documents them for the writers).
var (
	categories  = []string{"business", "mindset", "marketing", "finance", "family", "youth", "social"}
	tracks      = []string{"general", "home", "lowincome", "parents", "youth", "social"}
	mediaTypes  = []string{"photo", "audio", "video", "voice", "document"}
	itemKinds   = []string{"book", "article"}
	centreKinds = []string{"training", "accelerator", "coworking", "incubator"}
	tags        = []string{"idea", "startup", "marketing", "finance", "family", "youth", "social", "home", "mindset", "management"}
)

// Limits that are ours rather than Telegram's.
const (
	maxCourseID     = 24
	maxID           = 32
	maxDescription  = 600
	maxQuestion     = 300 // sendPoll
	maxOption       = 100
	maxExplanation  = 200
	maxExplainLF    = 2
	maxOptions      = 10 // Bot API 5.5 (the library we use); newer servers take 12
	maxSummary      = 1500
	maxWhy          = 1000
	maxResourceDesc = 900 // title + description fit one document caption
	maxTitle        = 100
	maxPhotoBytes   = 10 << 20 // sendPhoto
	maxFileBytes    = 50 << 20 // any other upload
)

var (
	idRE       = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	numberedRE = regexp.MustCompile(`^([0-9]{2})-[a-z0-9]+(?:-[a-z0-9]+)*$`)
)

// Load reads and validates the content folder fsys (with courses/, library/, resources/, centres/, stories/;
// missing sections are fine). It collects every problem rather than stopping at the first; if there is any it
// returns nil and the Problems (sorted). The catalog keeps fsys to read media files later (Catalog.Open).
func Load(fsys fs.FS) (*Catalog, error) {
	l := &loader{fsys: fsys, cat: &Catalog{fsys: fsys}, ids: map[string]string{}}
	l.loadCourses()
	l.loadLibrary()
	l.loadResources()
	l.loadCentres()
	l.loadStories()
	l.loadFAQ()
	if len(l.probs) > 0 {
		sortProblems(l.probs)
		return nil, l.probs
	}
	sortCourses(l.cat.Courses)
	l.cat.index()
	return l.cat, nil
}

func sortCourses(cs []*Course) {
	slices.SortStableFunc(cs, func(a, b *Course) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.ID, b.ID)
	})
}

type reporter struct{ probs Problems }

func (r *reporter) add(file string, line int, msg string) {
	r.probs = append(r.probs, Problem{File: file, Line: line, Msg: msg})
}

func (r *reporter) addf(file string, line int, format string, args ...any) {
	r.add(file, line, fmt.Sprintf(format, args...))
}

type loader struct {
	reporter
	fsys fs.FS
	cat  *Catalog
	ids  map[string]string // id -> "file:line" where it was first defined
}

// readDir lists a section folder; a missing folder is an empty section.
func (l *loader) readDir(dir string) []fs.DirEntry {
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.addf(dir, 0, "cannot read folder: %v", err)
		}
		return nil
	}
	return entries
}

// readOptional reads a section file; ok is false (and nothing reported) when it does not exist.
func (l *loader) readOptional(file string) (data []byte, ok bool) {
	data, err := fs.ReadFile(l.fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		l.addf(file, 0, "cannot read: %v", err)
		return nil, false
	}
	if !utf8.Valid(data) {
		l.add(file, 0, "the file is not UTF-8 text")
		return nil, false
	}
	return normalizeText(data), true
}

// normalizeText drops a byte-order mark and Windows line ends (line numbers stay the same).
func normalizeText(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	return bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// claimID checks an id's form and that nothing else has it.
func (l *loader) claimID(id, file string, line, maxLen int) bool {
	switch {
	case id == "":
		l.add(file, line, "id is required")
		return false
	case !idRE.MatchString(id):
		l.addf(file, line, "id %q may use only a-z, 0-9 and single hyphens between them", id)
		return false
	case len(id) > maxLen:
		l.addf(file, line, "id %q is %d characters; at most %d", id, len(id), maxLen)
		return false
	}
	if where, dup := l.ids[id]; dup {
		l.addf(file, line, "duplicate id %q: already used at %s", id, where)
		return false
	}
	l.ids[id] = fmt.Sprintf("%s:%d", file, line)
	return true
}

// checkText reports a required text that is missing, or a text longer than maxLen characters (0: no limit).
func (l *loader) checkText(doc *tomlDoc, value, name string, required bool, maxLen int, path ...any) {
	line := doc.line(path...)
	switch n := utf8.RuneCountInString(value); {
	case strings.TrimSpace(value) == "" && required:
		l.addf(doc.file, line, "%s is required", name)
	case maxLen > 0 && n > maxLen:
		l.addf(doc.file, line, "%s is %d characters; at most %d", name, n, maxLen)
	}
}

func (l *loader) checkOneOf(doc *tomlDoc, value, name string, allowed []string, path ...any) bool {
	line := doc.line(path...)
	if value == "" {
		l.addf(doc.file, line, "%s is required (one of %s)", name, strings.Join(allowed, ", "))
		return false
	}
	if !slices.Contains(allowed, value) {
		l.addf(doc.file, line, "unknown %s %q (allowed: %s)", name, value, strings.Join(allowed, ", "))
		return false
	}
	return true
}

func (l *loader) checkTags(doc *tomlDoc, values []string, path ...any) {
	line := doc.line(path...)
	if len(values) == 0 {
		l.addf(doc.file, line, "tags: at least one tag is required (from %s)", strings.Join(tags, ", "))
	}
	for _, t := range values {
		if !slices.Contains(tags, t) {
			l.addf(doc.file, line, "unknown tag %q (allowed: %s)", t, strings.Join(tags, ", "))
		}
	}
}

// checkURL accepts absolute https addresses.
func (l *loader) checkURL(doc *tomlDoc, value, name string, path ...any) {
	u, err := url.Parse(value)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		l.addf(doc.file, doc.line(path...), "%s %q must be a full https:// address", name, value)
	}
}

// mediaFile is [media] in a lesson (and the media-like fields elsewhere).
type mediaFile struct {
	Type    string `toml:"type"`
	File    string `toml:"file"`
	URL     string `toml:"url"`
	FileID  string `toml:"file_id"`
	Caption string `toml:"caption"`
}

// localFile resolves name inside dir and reads it; it reports a name that leaves dir or does not exist.
func (l *loader) localFile(doc *tomlDoc, line int, dir, name, what string) (string, []byte, bool) {
	p := path.Join(dir, name)
	if name == "" || path.IsAbs(name) || strings.Contains(name, `\`) || !strings.HasPrefix(p, dir+"/") {
		l.addf(doc.file, line, "%s %q must be a file name inside %s/", what, name, dir)
		return "", nil, false
	}
	data, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		l.addf(doc.file, line, "%s %q: no such file in %s/", what, name, dir)
		return "", nil, false
	}
	return p, data, true
}

// fileMedia makes the Media of a file in the content fs and checks what Telegram will take.
func (l *loader) fileMedia(doc *tomlDoc, line int, typ, dir, name, what string) *Media {
	p, data, ok := l.localFile(doc, line, dir, name, what)
	if !ok {
		return nil
	}
	limit := maxFileBytes
	if typ == "photo" {
		limit = maxPhotoBytes
		switch ct := http.DetectContentType(data); ct {
		case "image/jpeg", "image/png", "image/webp":
		default:
			l.addf(doc.file, line, "%s %q is %s, not a JPEG, PNG or WebP picture", what, name, ct)
		}
	}
	if len(data) > limit {
		l.addf(doc.file, line, "%s %q is %d MB; Telegram takes at most %d MB", what, name, len(data)>>20, limit>>20)
	}
	sum := sha256.Sum256(data)
	return &Media{Type: typ, File: p, Hash: hex.EncodeToString(sum[:]), Name: path.Base(p), fsys: l.fsys}
}

// media checks a [media] table: a known type and exactly one of file (in dir), url (https) and file_id.
func (l *loader) media(doc *tomlDoc, dir string, mf *mediaFile, key string) *Media {
	ok := l.checkOneOf(doc, mf.Type, "media type", mediaTypes, key, "type")
	set := 0
	for _, v := range []string{mf.File, mf.URL, mf.FileID} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		l.addf(doc.file, doc.line(key), "media needs exactly one of file, url and file_id (has %d)", set)
		return nil
	}
	if !ok {
		return nil
	}
	switch {
	case mf.File != "":
		return l.fileMedia(doc, doc.line(key, "file"), mf.Type, dir, mf.File, "media file")
	case mf.URL != "":
		l.checkURL(doc, mf.URL, "media url", key, "url")
		if u, err := url.Parse(mf.URL); err == nil && mf.Type == "document" {
			switch strings.ToLower(path.Ext(u.Path)) {
			case ".pdf", ".zip", ".gif":
			default:
				l.add(doc.file, doc.line(key, "url"), "Telegram sends documents by URL only for PDF, ZIP and GIF files: put the file in the folder instead")
			}
		}
		return &Media{Type: mf.Type, URL: mf.URL, Name: path.Base(mf.URL)}
	default:
		return &Media{Type: mf.Type, FileID: mf.FileID}
	}
}

// renderBody renders a Markdown body, reporting errors at their line in the file.
func (l *loader) renderBody(file string, bodyLine int, body string) (string, bool) {
	html, err := RenderHTML(body)
	if err != nil {
		var re *RenderError
		line := 0
		msg := err.Error()
		if errors.As(err, &re) {
			msg = re.Msg
			if re.Line > 0 {
				line = bodyLine + re.Line - 1
			}
		}
		l.add(file, line, msg)
		return "", false
	}
	return html, true
}

// messageParts is the title in bold on the first line, a blank line, then the body, split into messages.
func (l *loader) messageParts(file, title, body string) []string {
	full := "<b>" + tghtml.Escape(title) + "</b>"
	if body != "" {
		full += "\n\n" + body
	}
	parts := SplitHTML(full, MaxMessage)
	for i, p := range parts {
		if n, err := tghtml.Len(p); err != nil || n > MaxMessage {
			l.addf(file, 0, "internal error: message part %d does not fit Telegram (%d characters, %v)", i+1, n, err)
		}
	}
	return parts
}

// mdDoc is a Markdown file with TOML front matter between "+++" lines.
type mdDoc struct {
	front    string
	frontOff int // file line of the front matter's line 1, minus 1
	body     string
	bodyLine int // file line where the body starts
}

// splitFrontMatter separates the front matter; msg says what is wrong if it cannot.
func splitFrontMatter(data []byte) (doc mdDoc, msg string) {
	s := string(normalizeText(data))
	first, rest, found := strings.Cut(s, "\n")
	if strings.TrimRight(first, " \t") != "+++" {
		return doc, `the file must start with a line "+++" (the front matter)`
	}
	if !found {
		return doc, `the front matter is not closed by a line "+++"`
	}
	line := 2
	for off := 0; off <= len(rest); {
		end := strings.IndexByte(rest[off:], '\n')
		cur := rest[off:]
		if end >= 0 {
			cur = rest[off : off+end]
		}
		if strings.TrimRight(cur, " \t") == "+++" {
			doc.front = rest[:off]
			doc.frontOff = 1
			if end >= 0 {
				doc.body = rest[off+end+1:]
			}
			doc.bodyLine = line + 1
			return doc, ""
		}
		if end < 0 {
			break
		}
		off += end + 1
		line++
	}
	return doc, `the front matter is not closed by a line "+++"`
}

// readMD reads a Markdown file with front matter and decodes the front matter into v.
func (l *loader) readMD(file string, v any) (*tomlDoc, mdDoc, bool) {
	data, ok := l.readOptional(file)
	if !ok {
		return nil, mdDoc{}, false
	}
	md, msg := splitFrontMatter(data)
	if msg != "" {
		l.add(file, 1, msg)
		return nil, md, false
	}
	doc := decodeTOML(&l.reporter, file, md.front, md.frontOff, v)
	return doc, md, doc != nil
}

// forbidKeys reports keys a translation must not have (the Persian file decides them).
func (l *loader) forbidKeys(doc *tomlDoc, forbidden ...string) {
	seen := map[string]int{}
	for _, k := range doc.meta.Keys() {
		ks := k.String()
		n := seen[ks]
		seen[ks] = n + 1
		if slices.Contains(forbidden, ks) {
			l.addf(doc.file, doc.nthLine(ks, n), "%s does not belong in a translation: the Persian file decides it", ks)
		}
	}
}
