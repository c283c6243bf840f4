package learning

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// The daily scheduler. The core's loop "schedule" (register.go) ticks every minute; ScheduleTick enqueues
// the learners whose daily lesson falls in that minute of their own day, found through the store's
// minute-of-day index (DueAt): a tick costs O(learners due), not O(learners).
//
// Catch-up: the last processed minute is stored. After downtime the missed minutes are processed once,
// oldest first, but only those at most catchUpLimit old, and a learner's missed slot only if it is still
// the same day for them and not in their quiet hours (unless they chose a time inside quiet hours). So a
// bot that was down from 20:55 to 21:30 still sends the 21:00 lessons at 21:30, and one that comes back at
// 03:00 does not wake anyone for a 21:00 slot.
const catchUpLimit = 3 * time.Hour

// Nudges: a learner idle for nudgeFirstAfter gets one friendly reminder, and at most one more once idle
// for nudgeSecondAfter; then silence (no daily lessons either) until they do anything in the bot.
// Learners with a daily time are nudged at that time instead of their lesson; learners without one at
// nudgeSweepMinute in the program's zone, found through the last-activity index.
const (
	nudgeFirstAfter  = 3 * 24 * time.Hour
	nudgeSecondAfter = 7 * 24 * time.Hour
	nudgeSweepMinute = 10 * 60
	nudgeVariants    = 3 // NudgeFirst0…2, NudgeSecond0…2: the wording varies by learner

	scheduleBatch    = 1000  // learners planned per transaction: a fan-out never holds one huge transaction
	planChunk        = 250   // the smallest batch: a tick of 700 learners is planned and committed in two
	dedupePruneEvery = 10    // minutes between two chunks of dedupe-key pruning
	pruneChunk       = 50000 // dedupe keys looked at per pruning: a million learners make a million keys a day
	keyLastTick      = "daily_tick"
)

// scheduledTick is a round of the "schedule" loop (register.go), which the core runs at start, to catch
// up after downtime, and at the start of every minute; Tick runs one on demand (tests, at a given now).
func (f *Feature) scheduledTick(ctx context.Context, now time.Time) error {
	start := time.Now() // wall time, for the log only
	if f.Metrics != nil {
		f.Metrics.SchedulerLag(now.Sub(now.Truncate(time.Minute))) // how late after its minute the tick runs
	}
	if err := f.ScheduleTick(ctx, now); err != nil {
		return fmt.Errorf("scheduler tick: %w", err) // the core logs it
	}
	f.log.Debug("scheduler tick", "took", time.Since(start))
	if now.Minute()%dedupePruneEvery == 0 {
		f.pruneDedupe(now)
	}
	return nil
}

// catchUpSchedule runs the daily scheduler over a time jump hour by hour, so that every minute jumped over
// is planned once (one big jump would fall past the scheduler's catch-up cut-off, as real downtime does).
func catchUpSchedule(from, to time.Time, tick func(time.Time) error) error {
	for t := from.Add(time.Hour); ; t = t.Add(time.Hour) {
		if t.After(to) {
			t = to
		}
		if err := tick(t); err != nil {
			return err
		}
		if !t.Before(to) {
			return nil
		}
	}
}

// ScheduleTick enqueues everything due up to now's minute that was not processed yet: the daily lessons
// (and nudges) of each minute since the last tick, within the catch-up cut-off. The loop calls it every
// minute; tests call it with the time they want.
func (f *Feature) ScheduleTick(ctx context.Context, now time.Time) error {
	f.tickMu.Lock()
	defer f.tickMu.Unlock()
	minute := now.Truncate(time.Minute)
	var last time.Time
	if err := f.Store.View(func(tx *store.Tx) error { last = tx.SchedulerTime(keyLastTick); return nil }); err != nil {
		return err
	}
	from := minute
	switch {
	case last.IsZero() || last.After(minute):
		// First tick ever, or the clock went back: start here (dedupe keys stop any double).
	case last.Equal(minute):
		return nil
	default:
		from = last.Add(time.Minute)
		if oldest := minute.Add(-catchUpLimit); from.Before(oldest) {
			f.Logger.Warn("scheduler was down longer than the catch-up cut-off; older slots are skipped",
				"down_since", last, "cut_off", catchUpLimit)
			from = oldest
		}
	}
	recorded := false
	for t := from; !t.After(minute); t = t.Add(time.Minute) {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if recorded, err = f.scheduleMinute(ctx, t, now); err != nil {
			return fmt.Errorf("schedule %s: %w", t.Format(time.RFC3339), err)
		}
	}
	if recorded {
		return nil
	}
	// A minute that enqueued something recorded itself in the same commit; otherwise record the last
	// one here (empty minutes redone after a crash cost nothing).
	return f.Store.Update(func(tx *store.Tx) error { return tx.PutSchedulerTime(keyLastTick, minute) })
}

// scheduleMinute enqueues the daily messages of minute t; recorded reports whether it also recorded t
// as done (in the commit of its last batch).
func (f *Feature) scheduleMinute(ctx context.Context, t, now time.Time) (recorded bool, err error) {
	var ids []int64
	if err := f.Store.View(func(tx *store.Tx) error {
		seen := map[int]bool{}
		for _, loc := range f.zonesInUse(tx) {
			l := t.In(loc)
			m := l.Hour()*60 + l.Minute()
			if !seen[m] {
				seen[m] = true
				ids = append(ids, tx.DueAt(m)...)
			}
		}
		return nil
	}); err != nil {
		return false, err
	}
	mark := func(last bool) func(*store.Tx) error {
		done := t.Add(-time.Minute) // the minute is done only with its last batch
		if last {
			done = t
		}
		return func(tx *store.Tx) error { return tx.PutSchedulerTime(keyLastTick, done) }
	}
	recorded, err = f.planAndCommit(ctx, ids, func(u *store.User) (time.Time, bool) { return f.dailySlot(u, t, now) }, now, mark)
	if err != nil {
		return false, err
	}
	if t.In(f.Location).Hour()*60+t.In(f.Location).Minute() == nudgeSweepMinute {
		if err := f.nudgeSweep(ctx, t, now); err != nil {
			return false, err
		}
		recorded = false
	}
	return recorded, nil
}

// zonesInUse are the zones whose local minute a tick looks up: the program's and those learners chose.
func (f *Feature) zonesInUse(tx *store.Tx) []*time.Location {
	zones := []*time.Location{f.Location}
	for _, name := range tx.Zones() {
		if loc, err := bot.LoadZone(name); err == nil && loc.String() != f.Location.String() {
			zones = append(zones, loc)
		}
	}
	return zones
}

// dailySlot decides whether u's daily lesson is due at minute t (seen at now): the local slot time, or
// false. It checks the zone, the weekday, a pause, and for a caught-up minute the catch-up rules.
func (f *Feature) dailySlot(u *store.User, t, now time.Time) (time.Time, bool) {
	zone := f.ZoneOf(u)
	local := t.In(zone)
	if local.Hour()*60+local.Minute() != u.DailyMinute || !u.Onboarded || u.Blocked {
		return time.Time{}, false // another zone's learner at the same local minute
	}
	if !dueOnWeekday(u.Days, local.Weekday()) || u.Paused(now) {
		return time.Time{}, false
	}
	if now.Sub(t) >= time.Minute { // caught up after downtime
		nowLocal := now.In(zone)
		if store.DayString(nowLocal) != store.DayString(local) {
			return time.Time{}, false
		}
		if f.Quiet().Contains(nowLocal.Hour()*60+nowLocal.Minute()) && !f.Quiet().Contains(u.DailyMinute) {
			return time.Time{}, false
		}
	}
	return local, true
}

// dueOnWeekday reads the Days bitmask: bit d set = lessons on weekday d; 0 = every day.
func dueOnWeekday(days uint8, d time.Weekday) bool { return days == 0 || days&(1<<d) != 0 }

// reviewNote is the daily message's line about due reviews, with its button.
type reviewNote struct {
	text string
	kb   *tgbotapi.InlineKeyboardMarkup
}

// plan is what one learner gets from a tick.
type plan struct {
	user   *store.User
	notice bot.Notice
	nudge  int // 1 or 2 when the notice is a nudge
	lesson bool
	// midLesson is the lesson the learner is in the middle of, when the notice says so instead of
	// sending the lesson again (midlesson.go); a pushed lesson is recorded as opened.
	midLesson string
}

// planAndCommit decides, for each learner of ids that slot accepts, between the daily lesson, a nudge
// or silence, and enqueues the notices. It works in batches: one goroutine plans the next batch in a read
// transaction while the caller commits the previous one in a write transaction, so reading and writing
// overlap on two CPUs, and no transaction grows with the number of learners. mark, when not nil, adds a
// change to each batch's commit; last tells the final batch. committedLast reports whether the final
// batch was committed (an empty batch commits nothing).
func (f *Feature) planAndCommit(ctx context.Context, ids []int64, slot func(*store.User) (time.Time, bool), now time.Time,
	mark func(last bool) func(*store.Tx) error) (committedLast bool, err error) {
	type planned struct {
		plans []plan
		last  bool
		err   error
	}
	size := min(scheduleBatch, max(planChunk, (len(ids)+1)/2))
	out := make(chan planned, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(out)
		for start := 0; start < len(ids); start += size {
			end := min(start+size, len(ids))
			var p planned
			p.last = end == len(ids)
			p.err = f.Store.View(func(tx *store.Tx) error {
				var err error
				p.plans, err = f.planChunk(tx, ids[start:end], slot, now)
				return err
			})
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
			if p.err != nil {
				return
			}
		}
	}()
	for p := range out {
		if p.err != nil {
			return false, p.err
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if len(p.plans) == 0 {
			continue
		}
		var extra func(*store.Tx) error
		if mark != nil {
			extra = mark(p.last)
		}
		if err := f.commitPlans(p.plans, extra); err != nil {
			return false, err
		}
		committedLast = p.last
	}
	return committedLast, nil
}

// planChunk plans some learners in one read transaction.
func (f *Feature) planChunk(tx *store.Tx, ids []int64, slot func(*store.User) (time.Time, bool), now time.Time) ([]plan, error) {
	plans := make([]plan, 0, len(ids))
	notes := map[string]reviewNote{} // rendered once per language and count
	for _, id := range ids {
		u, err := tx.User(id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		local, ok := slot(u)
		if !ok {
			continue
		}
		progress, err := f.progressForNext(tx, u)
		if err != nil {
			return nil, err
		}
		p, ok := f.planFor(tx, u, progress, local, now)
		if !ok {
			continue
		}
		if p.lesson {
			// The reviews due, as /review counts them.
			if due := f.dueReviewsIn(tx, u.ID, now); len(due) > 0 {
				lang := bot.UserLang(u)
				key := lang + "/" + strconv.Itoa(len(due))
				note, ok := notes[key]
				if !ok {
					kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
						actDailyReview.Button(f.Texts.T(lang, "DailyReviewButton"))))
					note = reviewNote{f.Texts.N(lang, "DailyReviews", len(due), "Count", f.Voice(lang).Num(len(due))), &kb}
					notes[key] = note
				}
				if p.midLesson != "" {
					p.notice = withReviewNote(p.notice, note)
				} else {
					p.notice.Text, p.notice.Keyboard = note.text, note.kb
				}
			}
			if p.notice.LessonID == "" && p.notice.Text == "" {
				continue // finished every lesson and nothing to review: nothing to send today
			}
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// progressForNext reads what nextFor needs: when the lesson the learner is in is not finished, its
// progress alone (nextFor picks it); otherwise all of it. Most learners are in a lesson, so a tick
// decodes one record per learner instead of their whole history.
func (f *Feature) progressForNext(tx *store.Tx, u *store.User) (map[string]store.LessonProgress, error) {
	if f.Content().Lesson(u.CurrentLesson) != nil {
		p, err := tx.Progress(u.ID, u.CurrentLesson)
		if err != nil {
			return nil, err
		}
		if p.Completed.IsZero() {
			return map[string]store.LessonProgress{u.CurrentLesson: p}, nil
		}
	}
	return tx.AllProgress(u.ID)
}

// planFor picks what u gets at their slot: the next lesson while they are active, else a nudge, else
// nothing.
func (f *Feature) planFor(tx *store.Tx, u *store.User, progress map[string]store.LessonProgress, local, now time.Time) (plan, bool) {
	day := store.DayString(local)
	nd := tx.Nudge(u.ID)
	if u.LastActive.After(nd.Last) {
		nd = store.Nudge{} // they came back since the last nudge
	}
	next := f.nextFor(u, progress)
	idle := now.Sub(u.LastActive)
	switch {
	case idle < nudgeFirstAfter:
		if u.DailyMinute == store.NoDailyTime {
			return plan{}, false // the nudge sweep's learner is active: nothing to do
		}
		n := bot.Notice{ChatID: u.ID, Bulk: true, Dedupe: "daily:" + strconv.FormatInt(u.ID, 10) + ":" + day}
		if next != nil {
			if p := progress[next.ID]; !p.Opened.IsZero() {
				// Already sent or opened and not finished: where they stand, not the whole lesson again.
				n.Text, n.Keyboard = f.midLessonMessage(u, next, p.Reminded)
				return plan{user: u, notice: n, lesson: true, midLesson: next.ID}, true
			}
			n.LessonID = next.ID
		}
		return plan{user: u, notice: n, lesson: true}, true
	case nd.Count == 0:
		return plan{user: u, notice: f.nudgeNotice(u, 1, next, day), nudge: 1}, true
	case nd.Count == 1 && idle >= nudgeSecondAfter:
		return plan{user: u, notice: f.nudgeNotice(u, 2, next, day), nudge: 2}, true
	}
	return plan{}, false // nudged enough: silence until they come back
}

// nudgeNotice is a friendly reminder; the wording varies by learner and by nudge.
func (f *Feature) nudgeNotice(u *store.User, n int, next *lessons.Lesson, day string) bot.Notice {
	lang := bot.UserLang(u)
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%d", u.ID, n)
	id := "NudgeFirst"
	if n == 2 {
		id = "NudgeSecond"
	}
	text := f.Texts.T(lang, id+strconv.Itoa(int(h.Sum32()%nudgeVariants)), "Name", bot.Escape(u.FirstName))
	button := actCourses.Button(f.Texts.T(lang, "NudgeCoursesButton"))
	if next != nil {
		button = actOpen.Button(f.Texts.T(lang, "NudgeContinueButton"), next.ID)
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(button))
	return bot.Notice{ChatID: u.ID, Text: text, Keyboard: &kb, Bulk: true,
		Dedupe: "nudge:" + strconv.FormatInt(u.ID, 10) + ":" + day}
}

// commitPlans enqueues a batch of plans in one transaction, with the nudge records and the day's count
// of pushed lessons; extra runs in the same transaction.
func (f *Feature) commitPlans(plans []plan, extra func(*store.Tx) error) error {
	if len(plans) == 0 && extra == nil {
		return nil
	}
	return f.Store.Update(func(tx *store.Tx) error {
		lessons := 0
		for _, p := range plans {
			if err := f.Enqueue(tx, p.notice); err != nil {
				return err
			}
			if p.nudge > 0 {
				if err := tx.PutNudge(p.user.ID, store.Nudge{Count: p.nudge, Last: tx.Now()}); err != nil {
					return err
				}
			}
			if p.notice.LessonID != "" {
				lessons++
			}
			if err := f.recordDaily(tx, p); err != nil {
				return err
			}
		}
		if lessons > 0 {
			if err := tx.AddDay(f.dayOf(tx), func(d *store.DayStats) { d.LessonsDelivered += int64(lessons) }); err != nil {
				return err
			}
		}
		if extra != nil {
			return extra(tx)
		}
		return nil
	})
}

// nudgeSweep nudges onboarded learners without a daily time who went quiet, once a day.
func (f *Feature) nudgeSweep(ctx context.Context, t, now time.Time) error {
	var ids []int64
	first := store.DayString(now.Add(-nudgeSecondAfter - 2*24*time.Hour).UTC())
	last := store.DayString(now.Add(-nudgeFirstAfter).UTC())
	if err := f.Store.View(func(tx *store.Tx) error {
		return tx.LastActiveBetween(first, last, func(id int64) error { ids = append(ids, id); return nil })
	}); err != nil {
		return err
	}
	slot := func(u *store.User) (time.Time, bool) {
		if u.DailyMinute != store.NoDailyTime || !u.Onboarded || u.Blocked || u.Paused(now) {
			return time.Time{}, false // learners with a daily time are nudged at their slot
		}
		return t.In(f.ZoneOf(u)), true
	}
	_, err := f.planAndCommit(ctx, ids, slot, now, nil)
	return err
}

// pruneDedupe forgets a chunk of expired dedupe keys each tick; a cursor walks the whole set over time.
func (f *Feature) pruneDedupe(now time.Time) {
	f.tickMu.Lock()
	defer f.tickMu.Unlock()
	next, n, err := f.Store.PruneDedupeChunk(f.pruneCursor, now, pruneChunk)
	if err != nil {
		f.Logger.Warn("prune dedupe keys", "err", err)
		return
	}
	f.pruneCursor = next
	if n > 0 {
		f.Logger.Debug("pruned dedupe keys", "n", n)
	}
}

func (f *Feature) handleDailyReview(ctx context.Context, c *bot.Ctx) error {
	_ = c.Toast(ctx, "", false)
	return f.handleReview(ctx, c)
}
