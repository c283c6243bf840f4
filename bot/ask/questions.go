package ask

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// What the content team writes next: the questions that got no confident answer or a 👎, grouped by
// their normalised words. The texts were masked before they were stored; no learner is named.

const (
	maxGapsShown   = 20  // groups on the /questions screen; the export has them all
	maxGapTextRune = 100 // a group's example question on the screen
)

// gap is a group of questions asked alike that the content did not answer well.
type gap struct {
	norm       string
	text       string // the latest question of the group, masked
	count      int    // questions in the group
	unanswered int    // … that got no confident answer
	notThis    int    // … whose answer got a 👎
	last       time.Time
}

// gaps reads the stored questions into groups, most asked first (the latest first among equals).
func gaps(tx *store.Tx) (groups []*gap, total int, err error) {
	byNorm := map[string]*gap{}
	err = tx.AskedQuestions(func(q *store.AskedQuestion) bool {
		total++
		if q.Answered && q.Feedback >= 0 {
			return true
		}
		key := q.Norm
		if key == "" {
			key = strings.ToLower(strings.Join(strings.Fields(q.Text), " "))
		}
		g := byNorm[key]
		if g == nil {
			g = &gap{norm: key}
			byNorm[key] = g
			groups = append(groups, g)
		}
		g.count++
		if !q.Answered {
			g.unanswered++
		}
		if q.Feedback < 0 {
			g.notThis++
		}
		if !q.At.Before(g.last) {
			g.last, g.text = q.At, q.Text
		}
		return true
	})
	slices.SortStableFunc(groups, func(a, b *gap) int {
		if a.count != b.count {
			return b.count - a.count
		}
		return b.last.Compare(a.last)
	})
	return groups, total, err
}

// handleQuestions shows admins the most frequent questions without a good answer.
func (f *Feature) handleQuestions(ctx context.Context, c *bot.Ctx) error {
	var (
		groups []*gap
		total  int
	)
	if err := f.Store.View(func(tx *store.Tx) error {
		var err error
		groups, total, err = gaps(tx)
		return err
	}); err != nil {
		return err
	}
	days := c.Num(int(f.opts.Retention / (24 * time.Hour)))
	if len(groups) == 0 {
		_, err := c.Reply(ctx, c.T("AskGapsNone", "Total", c.Num(total), "Days", days), nil)
		return err
	}
	lines := []string{c.T("AskGapsHeader", "Total", c.Num(total), "Groups", c.Num(len(groups)), "Days", days), ""}
	for i, g := range groups {
		if i == maxGapsShown {
			break
		}
		line := c.T("AskGapLine", "N", c.Num(i+1), "Text", bot.Escape(bot.Truncate(g.text, maxGapTextRune)), "Count", c.Num(g.count))
		if g.notThis > 0 {
			line += " " + c.T("AskGapNotThis", "Count", c.Num(g.notThis))
		}
		lines = append(lines, line)
	}
	lines = append(lines, "", c.T("AskGapsFooter"))
	_, err := c.Reply(ctx, strings.Join(lines, "\n"), nil)
	return err
}

// exportQuestions is the "questions" export: every group, with its counts (rows about no one learner).
func (f *Feature) exportQuestions(tx *store.Tx, lang string, w bot.ExportWriter) error {
	v := f.Voice(lang)
	if err := w.Header(v.CSVHeader("AskCSVHeader")); err != nil {
		return err
	}
	groups, _, err := gaps(tx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := w.Row(0, []string{g.text, strconv.Itoa(g.count), strconv.Itoa(g.unanswered), strconv.Itoa(g.notThis), v.CSVTime(g.last), g.norm}); err != nil {
			return err
		}
	}
	return nil
}

// Prune erases the questions older than the retention (90 days); the loop runs it every six hours.
func (f *Feature) Prune(now time.Time) (int, error) {
	n, err := f.Store.PruneAskedQuestions(now.Add(-f.opts.Retention))
	if n > 0 {
		f.Logger.Info("ask: pruned old questions", "count", n)
	}
	return n, err
}
