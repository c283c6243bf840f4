package ask

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/ar"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fa"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/tavan7/tavan/bot/tghtml"
	"github.com/tavan7/tavan/lessons"
)

// The index: one in-memory bleve index of everything learners can open, built at start and again for
// each /reload; it never changes once built, so any number of questions read it at once. Upcoming
// events are data in the store that changes while the bot runs: they are read at question time and
// measured with the same analyzer and coverage (Events, Search).

const (
	indexAnalyzer = "tavan"
	queryAnalyzer = "tavan_query"
)

// Field boosts: a question usually names what a title names (with a section's heading and a FAQ
// entry's other phrasings, which are questions too); the course a section belongs to is weak evidence.
// Each field is searched for every term of the question, so fewer fields answer faster.
var fieldBoosts = []struct {
	name  string
	boost float64
}{{"title", 3}, {"body", 1}, {"extra", 0.5}}

// Index answers questions from the content. It is read-only once built.
type Index struct {
	bleve bleve.Index
	query analysis.Analyzer
	index analysis.Analyzer

	closeMu sync.RWMutex // searches hold it shared; Close waits for them
	closed  bool

	docs     map[string]*doc
	keyTerms map[string]map[string]bool // source key → the indexed terms of all its docs (coverage)
	df       map[string]int             // term → how many docs have it
	n        int                        // docs
}

func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	filters := []any{ar.NormalizeName, fa.NormalizeName, fa.StopName, en.StopName, latinStemmer}
	for name, tok := range map[string]string{indexAnalyzer: indexTokenizer, queryAnalyzer: queryTokenizer} {
		if err := im.AddCustomAnalyzer(name, map[string]any{"type": custom.Name, "tokenizer": tok, "token_filters": filters}); err != nil {
			return nil, err
		}
	}
	dm := bleve.NewDocumentStaticMapping()
	for _, f := range fieldBoosts {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = indexAnalyzer
		fm.Store = false
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		fm.DocValues = false
		dm.AddFieldMappingsAt(f.name, fm)
	}
	im.DefaultMapping = dm
	im.DefaultAnalyzer = indexAnalyzer
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	return im, nil
}

// Build indexes the catalog.
func Build(cat *lessons.Catalog) (*Index, error) {
	im, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("ask index mapping: %w", err)
	}
	// Scorch with no path keeps its segments in memory; it indexes a batch several times faster than the
	// upsidedown index of bleve.NewMemOnly.
	bi, err := bleve.NewUsing("", im, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("ask index: %w", err)
	}
	ix := &Index{bleve: bi, docs: map[string]*doc{}, keyTerms: map[string]map[string]bool{}, df: map[string]int{}}
	ix.index = im.AnalyzerNamed(indexAnalyzer)
	ix.query = im.AnalyzerNamed(queryAnalyzer)
	if ix.index == nil || ix.query == nil {
		return nil, errors.New("ask index: analyzers missing")
	}
	batch := bi.NewBatch()
	for i, d := range catalogDocs(cat) {
		id := strconv.Itoa(i)
		if err := ix.add(batch, id, d); err != nil {
			return nil, err
		}
	}
	if err := bi.Batch(batch); err != nil {
		return nil, fmt.Errorf("ask index batch: %w", err)
	}
	return ix, nil
}

// add puts d into batch under id and records its terms.
func (ix *Index) add(batch *bleve.Batch, id string, d *doc) error {
	// A FAQ entry's other phrasings and a section's heading name what it is about, like a title.
	fields := map[string]any{"title": d.Title + "\n" + d.Heading + "\n" + d.Also, "body": d.Body, "extra": d.Extra}
	if err := batch.Index(id, fields); err != nil {
		return fmt.Errorf("ask index %s: %w", d.Key(), err)
	}
	terms := ix.terms(d)
	for t := range terms {
		ix.df[t]++
	}
	ix.n++
	ix.docs[id] = d
	kt := ix.keyTerms[d.Key()]
	if kt == nil {
		kt = map[string]bool{}
		ix.keyTerms[d.Key()] = kt
	}
	for t := range terms {
		kt[t] = true
	}
	return nil
}

// terms are the indexed terms of a doc's fields (joined neighbours left out).
func (ix *Index) terms(d *doc) map[string]bool {
	terms := map[string]bool{}
	for _, t := range ix.index.Analyze([]byte(d.Title + "\n" + d.Heading + "\n" + d.Body + "\n" + d.Extra + "\n" + d.Also)) {
		if t.Type != analysis.Shingle {
			terms[string(t.Term)] = true
		}
	}
	return terms
}

// ErrClosed is a search on an index closed meanwhile (replaced after a reload): search the new one.
var ErrClosed = errors.New("ask index closed")

// Close frees the index once the searches in progress have finished; later searches get ErrClosed.
func (ix *Index) Close() error {
	ix.closeMu.Lock()
	defer ix.closeMu.Unlock()
	if ix.closed {
		return nil
	}
	ix.closed = true
	return ix.bleve.Close()
}

// DocCount is how many pieces of content are indexed.
func (ix *Index) DocCount() int { return ix.n }

// Events are the upcoming events prepared for searching: each with its terms. A fingerprint tells
// whether the events read from the store changed since they were prepared.
type Events struct {
	index       *Index // the analyzer they were prepared with
	fingerprint string
	docs        []*doc
	terms       []map[string]bool
}

// eventsFingerprint identifies a list of event docs by what is searched in them.
func eventsFingerprint(docs []*doc) string {
	h := fnv.New64a()
	for _, d := range docs {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x01", d.Key(), d.Lang, d.Title, d.Body, d.Extra)
	}
	return strconv.FormatUint(h.Sum64(), 16) + ":" + strconv.Itoa(len(docs))
}

// PrepareEvents analyzes event docs, or returns prev when they did not change.
func (ix *Index) PrepareEvents(prev *Events, docs []*doc) *Events {
	fp := eventsFingerprint(docs)
	if prev != nil && prev.index == ix && prev.fingerprint == fp {
		return prev
	}
	ev := &Events{index: ix, fingerprint: fp, docs: docs}
	for _, d := range docs {
		ev.terms = append(ev.terms, ix.terms(d))
	}
	return ev
}

// Match is one source that answers a question.
type Match struct {
	Doc      *doc
	Score    float64 // the ranking: bleve's relevance weighted by Coverage
	Coverage float64 // the share of the question's words (weighted by rarity) the source has, 0–1
}

// Result is what the index found for a question.
type Result struct {
	Matches []Match         // distinct sources, best first, at most three
	Terms   map[string]bool // the question's terms, to bold them in the snippet
}

// Best is the first match, or nil.
func (r Result) Best() *Match {
	if len(r.Matches) == 0 {
		return nil
	}
	return &r.Matches[0]
}

// Thresholds of a confident answer (tuned on testdata/questions.toml; see accuracy_test.go).
const (
	minCoverage = 0.35
	candidates  = 40
	maxMatches  = 3
)

// Confident reports whether the best match answers the question well enough to be shown as the answer.
func (r Result) Confident() bool {
	b := r.Best()
	return b != nil && b.Coverage >= minCoverage
}

// Search finds the sources that answer q among the content and the events (nil: none), preferring docs
// in lang for the card.
func (ix *Index) Search(q, lang string, events *Events) (Result, error) {
	ix.closeMu.RLock()
	defer ix.closeMu.RUnlock()
	if ix.closed {
		return Result{}, ErrClosed
	}
	// The question is analyzed once: its terms (with the joined neighbours) are searched in every field.
	tokens := ix.query.Analyze([]byte(q))
	groups := groupTokens(tokens)
	res := Result{Terms: map[string]bool{}}
	for _, g := range groups {
		for _, t := range g {
			res.Terms[t] = true
		}
	}
	if len(groups) == 0 {
		return res, nil
	}
	var terms []string
	for _, t := range tokens {
		if term := string(t.Term); !slices.Contains(terms, term) {
			terms = append(terms, term)
		}
	}
	var qs []query.Query
	for _, f := range fieldBoosts {
		for _, term := range terms {
			tq := bleve.NewTermQuery(term)
			tq.SetField(f.name)
			tq.SetBoost(f.boost)
			qs = append(qs, tq)
		}
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), candidates, 0, false)
	sr, err := ix.bleve.Search(req)
	if err != nil {
		return res, fmt.Errorf("ask search: %w", err)
	}
	weights := ix.groupWeights(groups)
	var all []Match
	for _, h := range sr.Hits {
		d := ix.docs[h.ID]
		cov := coverage(groups, weights, ix.keyTerms[d.Key()])
		all = append(all, Match{Doc: d, Score: h.Score * (0.25 + cov), Coverage: cov})
	}
	slices.SortStableFunc(all, func(a, b Match) int { return cmpFloat(b.Score, a.Score) })
	seen := map[string]int{} // key → index in res.Matches
	for _, m := range all {
		k := m.Doc.Key()
		if i, ok := seen[k]; ok {
			// The same source in the learner's language reads better than a better-scoring translation.
			if res.Matches[i].Doc.Lang != lang && m.Doc.Lang == lang {
				res.Matches[i].Doc = m.Doc
			}
			continue
		}
		if len(res.Matches) == maxMatches {
			continue
		}
		seen[k] = len(res.Matches)
		res.Matches = append(res.Matches, m)
	}
	res.Matches = mergeEvents(res.Matches, eventMatches(events, groups, weights, lang))
	return res, nil
}

// eventMatches are the events that cover the question well enough to be an answer, best first, one per
// event (in lang where it has a translation).
func eventMatches(ev *Events, groups [][]string, weights []float64, lang string) []Match {
	if ev == nil {
		return nil
	}
	var out []Match
	seen := map[string]int{}
	for i, d := range ev.docs {
		cov := coverage(groups, weights, ev.terms[i])
		if cov < minCoverage {
			continue
		}
		if j, ok := seen[d.Key()]; ok {
			if cov > out[j].Coverage || (cov == out[j].Coverage && d.Lang == lang) {
				out[j] = Match{Doc: d, Coverage: cov}
			}
			continue
		}
		seen[d.Key()] = len(out)
		out = append(out, Match{Doc: d, Coverage: cov})
	}
	slices.SortStableFunc(out, func(a, b Match) int { return cmpFloat(b.Coverage, a.Coverage) })
	return out
}

// mergeEvents places each event before the first content match that covers the question less well
// (an event named in the question is what is asked for), keeping at most maxMatches.
func mergeEvents(content, events []Match) []Match {
	for _, e := range events {
		i := slices.IndexFunc(content, func(m Match) bool { return m.Coverage < e.Coverage })
		if i < 0 {
			i = len(content)
		}
		content = slices.Insert(content, i, e)
	}
	if len(content) > maxMatches {
		content = content[:maxMatches]
	}
	return content
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// queryGroups are the question's words, each with the forms it is searched under (stop words gone).
func (ix *Index) queryGroups(q string) [][]string { return groupTokens(ix.query.Analyze([]byte(q))) }

// groupTokens gathers a question's tokens by word (joined neighbours left out).
func groupTokens(tokens analysis.TokenStream) [][]string {
	byPos := map[int][]string{}
	var order []int
	for _, t := range tokens {
		if t.Type == analysis.Shingle {
			continue
		}
		if _, ok := byPos[t.Position]; !ok {
			order = append(order, t.Position)
		}
		if term := string(t.Term); !slices.Contains(byPos[t.Position], term) {
			byPos[t.Position] = append(byPos[t.Position], term)
		}
	}
	slices.Sort(order)
	groups := make([][]string, 0, len(order))
	for _, p := range order {
		groups = append(groups, byPos[p])
	}
	return groups
}

// groupWeights weigh each of the question's words by how rare it is in the content (idf): a word no
// content has weighs most, so a question about something the program does not cover is not answered
// from its common words.
func (ix *Index) groupWeights(groups [][]string) []float64 {
	w := make([]float64, len(groups))
	for i, g := range groups {
		df := 0
		for _, t := range g {
			df = max(df, ix.df[t])
		}
		w[i] = math.Log(1 + float64(ix.n)/float64(df+1))
	}
	return w
}

// coverage is the weighted share of the question's words that a doc has in one of their forms.
func coverage(groups [][]string, weights []float64, terms map[string]bool) float64 {
	var have, all float64
	for i, g := range groups {
		all += weights[i]
		for _, t := range g {
			if terms[t] {
				have += weights[i]
				break
			}
		}
	}
	if all == 0 {
		return 0
	}
	return have / all
}

// NormKey is a question's words in their indexed form, stop words left out and joined without spaces,
// so that questions asked alike («قیمت‌گذاری چطوریه؟»، «قيمت گذاري چطوري») share it.
func (ix *Index) NormKey(q string) string {
	var b strings.Builder
	for _, g := range ix.queryGroups(q) {
		b.WriteString(g[0])
	}
	return b.String()
}

// Snippet is the part of body that best matches the question's terms, at most maxRunes long, as
// Telegram HTML with the matched words in bold.
func (ix *Index) Snippet(body string, terms map[string]bool, maxRunes int) string {
	sentences := splitSentences(body)
	best, bestScore := 0, -1
	for i, s := range sentences {
		n := 0
		forWords(s, func(w string, _ bool) {
			if ix.matches(w, terms) {
				n++
			}
		})
		if n > bestScore {
			best, bestScore = i, n
		}
	}
	text := ""
	for _, s := range sentences[best:] {
		if text != "" && utf8.RuneCountInString(text+s) > maxRunes {
			break
		}
		text += s
	}
	text = strings.TrimSpace(text)
	if r := []rune(text); len(r) > maxRunes {
		cut := string(r[:maxRunes])
		if i := strings.LastIndexAny(cut, " \n"); i > maxRunes/2 {
			cut = cut[:i]
		}
		text = cut + "…"
	}
	if best > 0 {
		text = "…" + text
	}
	var b strings.Builder
	forWords(text, func(w string, isWord bool) {
		switch {
		case !isWord:
			b.WriteString(tghtml.Escape(w))
		case ix.matches(w, terms):
			b.WriteString("<b>" + tghtml.Escape(w) + "</b>")
		default:
			b.WriteString(tghtml.Escape(w))
		}
	})
	// Matched words in a row read as one bold phrase, not a string of bold words.
	return strings.ReplaceAll(b.String(), "</b> <b>", " ")
}

// matches reports whether a word of the content is one of the question's terms in any of its forms.
func (ix *Index) matches(w string, terms map[string]bool) bool {
	for _, t := range ix.index.Analyze([]byte(w)) {
		if t.Type != analysis.Shingle && terms[string(t.Term)] {
			return true
		}
	}
	return false
}

// splitSentences cuts a text after each sentence end (. ! ? ؟ ؛ and line breaks), keeping every
// character.
func splitSentences(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if strings.ContainsRune(".!?؟؛\n", r) {
			end := i + utf8.RuneLen(r)
			out = append(out, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// forWords calls fn for each run of word characters (letters, digits, marks, ZWNJ) and each run of
// anything else, in order.
func forWords(s string, fn func(part string, isWord bool)) {
	start, inWord := 0, false
	for i, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == zwnj
		if i > start && w != inWord {
			fn(s[start:i], inWord)
			start = i
		}
		inWord = w
	}
	if start < len(s) {
		fn(s[start:], inWord)
	}
}
