package learning

import (
	"github.com/tavan7/tavan/lessons"
)

// carryOverSplits carries learners' progress from lessons the content split to the lessons that replace
// them (store.DB.CarryOverSplits; each split once). It runs when the feature registers, before the bot
// takes updates, and after every reload. A failure is logged, not fatal: the old ids still open their
// first replacement (lessons.Catalog.Lesson), and the next start tries again.
func (f *Feature) carryOverSplits(cat *lessons.Catalog) {
	ids := cat.ReplacedIDs()
	if len(ids) == 0 {
		return
	}
	replacements := make(map[string][]string, len(ids))
	for _, old := range ids {
		for _, l := range cat.ReplacedBy(old) {
			replacements[old] = append(replacements[old], l.ID)
		}
	}
	res, err := f.Store.CarryOverSplits(replacements)
	if err != nil {
		f.Logger.Error("carrying progress over split lessons failed; retried at the next start", "err", err)
		return
	}
	if res.Lessons > 0 {
		f.Logger.Info("progress carried over split lessons", "lessons", res.Lessons, "learners", res.Learners, "marked", res.Marked)
	}
}
