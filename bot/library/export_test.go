package library

import (
	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// Test hooks for package library_test (compiled only with the tests).

// Conversation steps and limits the tests check.
const (
	StepSearch        = stepSearch
	StepFeedback      = stepFeedback
	MaxFeedbackPerDay = maxFeedbackPerDay
)

// Distance formats km as a nearest-centres list does.
func Distance(v bot.Voice, km float64) string { return distance(v, km) }

// SearchLibrary runs a typed search over cat's library as a learner's query does (the entries are built
// each time, as for every query), and returns how many items it found.
func (f *Feature) SearchLibrary(cat *lessons.Catalog, query string) int {
	return len(searchEntries(f.sectionEntries(cat, secLibrary), query))
}

// NearestCentres resolves and renders the first page of centres sorted by distance from the sender's
// browse seq (store.Browse with Near), as after a shared location.
func (f *Feature) NearestCentres(c *bot.Ctx, seq uint32) error {
	res, ok, err := f.resolve(c, view{sec: secCentres, filter: filterAll, seq: seq})
	if err != nil {
		return err
	}
	if !ok {
		return store.ErrNotFound
	}
	f.renderView(c, res)
	return nil
}
