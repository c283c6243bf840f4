// Package ask is «از توان بپرسید», Ask Tavan (issue 19): free text a learner types outside any step is a
// question, answered from the program's own content (lessons by section, quiz explanations, the library,
// resources, centres, stories, the FAQ, upcoming events) through an in-memory bleve index that reads
// Persian as people type it; when nothing answers well enough, the learner is offered a consultant.
// Admins see the questions left without a good answer with /questions (masked; CSV through /export).
//
//	register.go  options, routes, the index's life (built at start or first use, rebuilt on /reload)
//	normalize.go the Persian tokenizer: letter variants, digits, ZWNJ compounds, plurals, spoken forms
//	docs.go      what is indexed: the catalog's pieces and the upcoming events
//	index.go     the bleve index, the search and the coverage measure behind a confident answer
//	answer.go    the text handler: greetings, the answer card, the buttons under it
//	questions.go storing questions (masked), /questions, the export, the 90-day pruning
package ask

import (
	"context"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/lessons"
)

// Options tune Ask Tavan; zero values take the defaults.
type Options struct {
	// BuildAtStart builds the index as the bot starts, beside the update loop (cmd and the sandbox); a
	// question that comes first waits for it. Otherwise the first question builds it (the end-to-end
	// tests, most of which never ask).
	BuildAtStart bool
	Retention    time.Duration // how long questions are kept; 90 days
	// Build indexes a catalog; nil is Build. The end-to-end tests pass one that builds the embedded
	// content's index once for all their bots (the index is read-only once built).
	Build func(*lessons.Catalog) (*Index, error)
}

// Feature is Ask Tavan.
type Feature struct {
	*bot.Bot
	opts Options

	index   atomic.Pointer[Index]
	events  atomic.Pointer[Events] // the upcoming events as last prepared
	buildMu sync.Mutex             // one build at a time

	ownsIndexes bool // the indexes are built here (not shared by the tests): a replaced one is closed
}

// Button actions (callback data "1|<action>|…").
const (
	actFeedback bot.Action = "akf" // akf|<question id>|u or d: helpful or not this
	actConsult  bot.Action = "akc" // akc|<question id>: hand the question to a consultant
	actFAQ      bot.Action = "akq" // akq|<faq id>: a FAQ entry's answer (another match under a card)
)

// Register adds Ask Tavan to b: the free-text handler, its buttons, /questions, the export and the
// pruning loop.
func Register(b *bot.Bot, o Options) (*Feature, error) {
	if o.Retention <= 0 {
		o.Retention = 90 * 24 * time.Hour
	}
	owns := o.Build == nil
	if owns {
		o.Build = Build
	}
	f := &Feature{Bot: b, opts: o, ownsIndexes: owns}
	r := f.Routes()
	f.OnText(f.handleText)
	r.Callback(actFeedback, f.handleFeedback)
	r.Callback(actConsult, f.handleConsult)
	r.Callback(actFAQ, f.handleFAQ)

	admin := f.Routes(bot.AdminOnly)
	admin.Command("questions", f.handleQuestions)
	f.Export("questions", f.exportQuestions)
	f.Loop("ask-prune", "@every 6h", func(ctx context.Context, now time.Time) error {
		_, err := f.Prune(now)
		return err
	})

	if o.BuildAtStart {
		f.Service("ask-index", func(ctx context.Context) error {
			if err := f.Ready(); err != nil {
				return err
			}
			<-ctx.Done()
			return nil
		})
	}
	f.OnReload(func(cat *lessons.Catalog) {
		if f.index.Load() == nil {
			return // never built: the first question builds it from the new content
		}
		if err := f.rebuild(cat); err != nil {
			// The old index keeps answering: a reload must not leave learners without answers.
			f.Logger.Error("ask: rebuild the index after a reload", "err", err)
		}
	})
	return f, nil
}

// Ready builds the index if it is not built yet.
func (f *Feature) Ready() error {
	_, err := f.ensureIndex()
	return err
}

// ensureIndex returns the index, building it from the content served now if there is none yet.
func (f *Feature) ensureIndex() (*Index, error) {
	if ix := f.index.Load(); ix != nil {
		return ix, nil
	}
	f.buildMu.Lock()
	defer f.buildMu.Unlock()
	if ix := f.index.Load(); ix != nil {
		return ix, nil
	}
	start := time.Now()
	ix, err := f.opts.Build(f.Content())
	if err != nil {
		return nil, err
	}
	f.index.Store(ix)
	debug.FreeOSMemory() // the build's garbage (~30 MiB) would stay in the RSS until the scavenger returns it
	f.Logger.Info("ask: index built", "docs", ix.DocCount(), "took", time.Since(start).Round(time.Millisecond))
	return ix, nil
}

// rebuild indexes new content and swaps it in; the old index is closed once the questions searching it
// have finished (a question that reaches it later searches the new one).
func (f *Feature) rebuild(cat *lessons.Catalog) error {
	f.buildMu.Lock()
	defer f.buildMu.Unlock()
	start := time.Now()
	ix, err := f.opts.Build(cat)
	if err != nil {
		return err
	}
	old := f.index.Swap(ix)
	if old != nil && f.ownsIndexes {
		if err := old.Close(); err != nil {
			f.Logger.Warn("ask: close the replaced index", "err", err)
		}
	}
	debug.FreeOSMemory()
	f.Logger.Info("ask: index rebuilt", "docs", ix.DocCount(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}
