package ops

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// /broadcast (admins): compose (any message: it is copied as-is with copyMessage) → audience → preview
// → confirm → live progress in one edited message → summary. Cancelable at every step.
//
// The fan-out walks the audience in batches (fanOutBatch users per read, their jobs enqueued in one
// short write transaction together with the fan-out cursor), so 200,000 learners never hold one giant
// transaction, and a restart resumes from the cursor. Each job's dedupe key is bc:<id>:<user>: nothing
// is enqueued, hence sent, twice. Outcomes are tallied by the store in the commit that finishes each job
// (Job.Group), so the progress survives restarts exactly.

const (
	fanOutBatch         = 1000
	countBatch          = 10000
	broadcastEditEvery  = 3 * time.Second    // progress edits at most this often (Telegram limits edits too)
	inactiveAfter       = 7 * 24 * time.Hour // the "inactive learners" audience: idle this long
	broadcastGroupPrefx = "bc:"
)

// Other features offer audiences through the core (bot.AudienceSource, registered with Audience): the
// events feature offers "an event's attendees". The built-in ones — everyone, a track, a course, inactive
// learners — are this feature's.

func broadcastGroup(id uint64) string { return broadcastGroupPrefx + strconv.FormatUint(id, 10) }

// broadcastOfGroup reads the broadcast id from a job group.
func broadcastOfGroup(group string) (uint64, bool) {
	rest, ok := strings.CutPrefix(group, broadcastGroupPrefx)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	return id, err == nil
}

// speedSample remembers a progress reading, to measure the current rate.
type speedSample struct {
	at   time.Time
	done int
}

func (f *Feature) handleBroadcast(ctx context.Context, c *bot.Ctx) error {
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		u.Step, u.StepData = stepBroadcast, ""
		return nil
	}); err != nil {
		return err
	}
	_, err := c.Reply(ctx, c.T("BroadcastCompose"), nil)
	return err
}

// handleBroadcastMessage takes the admin's message (any kind) as the broadcast's content.
func (f *Feature) handleBroadcastMessage(ctx context.Context, c *bot.Ctx) error {
	if !c.IsAdmin() { // the step is open to everyone (register.go); a removed admin's is dropped
		return c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil })
	}
	m := c.Update.Message
	bc := &store.Broadcast{Admin: c.User.ID, FromChat: m.Chat.ID, MessageID: m.MessageID, Status: store.BroadcastDraft}
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		return tx.NewBroadcast(bc)
	}); err != nil {
		return err
	}
	return f.showAudiences(ctx, c, bc.ID)
}

func (f *Feature) showAudiences(ctx context.Context, c *bot.Ctx, id uint64) error {
	sid := strconv.FormatUint(id, 10)
	rows := [][]tgbotapi.InlineKeyboardButton{
		tgbotapi.NewInlineKeyboardRow(actBroadcastAudience.Button(c.T("AudienceAll"), sid, "all")),
		tgbotapi.NewInlineKeyboardRow(
			actBroadcastAudience.Button(c.T("AudienceTrack"), sid, "tracks"),
			actBroadcastAudience.Button(c.T("AudienceCourse"), sid, "courses"),
		),
		tgbotapi.NewInlineKeyboardRow(actBroadcastAudience.Button(c.T("AudienceInactive", "Days", c.Num(int(inactiveAfter.Hours()/24))), sid, "inactive")),
	}
	for _, s := range f.Audiences() {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actBroadcastAudience.Button(s.Label(c.Lang), sid, "s", s.ID)))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(actBroadcastCancel.Button(c.T("BroadcastDiscard"), sid)))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, c.T("BroadcastAudience"), &kb)
}

// loadBroadcast reads a broadcast for a button; nil if it does not exist or is not this admin's to
// change in that state.
func (f *Feature) loadBroadcast(idArg string, states ...string) *store.Broadcast {
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil {
		return nil
	}
	var bc *store.Broadcast
	_ = f.Store.View(func(tx *store.Tx) error { bc, _ = tx.Broadcast(id); return nil })
	if bc == nil || (len(states) > 0 && !slices.Contains(states, bc.Status)) {
		return nil
	}
	return bc
}

// handleBroadcastAudience: bca|<id>|all|inactive|tracks|courses, bca|<id>|t|<track>, bca|<id>|c|<course>,
// bca|<id>|s|<source>, bca|<id>|x|<source>|<arg>.
func (f *Feature) handleBroadcastAudience(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) < 2 {
		return bot.HandleStaleButton(ctx, c)
	}
	bc := f.loadBroadcast(c.Data[0], store.BroadcastDraft, store.BroadcastReady)
	if bc == nil {
		return bot.HandleStaleButton(ctx, c)
	}
	sid := c.Data[0]
	back := tgbotapi.NewInlineKeyboardRow(actBroadcastAudience.Button(c.T("BackButton"), sid, "menu"))
	spec := ""
	switch arg := c.Data[1]; {
	case arg == "menu" && len(c.Data) == 2:
		return f.showAudiences(ctx, c, bc.ID)
	case (arg == "all" || arg == "inactive") && len(c.Data) == 2:
		spec = arg
	case arg == "tracks" && len(c.Data) == 2:
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, t := range lessons.Tracks() {
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(actBroadcastAudience.Button(c.T("Track_"+t), sid, "t", t)))
		}
		kb := tgbotapi.NewInlineKeyboardMarkup(append(rows, back)...)
		return c.Menu(ctx, c.T("BroadcastAudience"), &kb)
	case arg == "courses" && len(c.Data) == 2:
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, co := range f.Content().Courses {
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(actBroadcastAudience.Button(
				bot.Truncate(co.Title.In(c.Lang), 60), sid, "c", co.ID)))
		}
		kb := tgbotapi.NewInlineKeyboardMarkup(append(rows, back)...)
		return c.Menu(ctx, c.T("BroadcastAudience"), &kb)
	case arg == "t" && len(c.Data) == 3 && slices.Contains(lessons.Tracks(), c.Data[2]):
		spec = "track:" + c.Data[2]
	case arg == "c" && len(c.Data) == 3 && f.Content().Course(c.Data[2]) != nil:
		spec = "course:" + c.Data[2]
	case arg == "s" && len(c.Data) == 3 && f.AudienceOf(c.Data[2]) != nil:
		src := f.AudienceOf(c.Data[2])
		var choices []bot.AudienceChoice
		_ = f.Store.View(func(tx *store.Tx) error { choices = src.Choices(tx, c.Lang); return nil })
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, ch := range choices {
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(actBroadcastAudience.Button(bot.Truncate(ch.Label, 60), sid, "x", src.ID, ch.Arg)))
		}
		kb := tgbotapi.NewInlineKeyboardMarkup(append(rows, back)...)
		return c.Menu(ctx, c.T("BroadcastAudience"), &kb)
	case arg == "x" && len(c.Data) == 4 && f.AudienceOf(c.Data[2]) != nil:
		spec = c.Data[2] + ":" + c.Data[3]
	default:
		return bot.HandleStaleButton(ctx, c)
	}
	return f.previewBroadcast(ctx, c, bc, spec)
}

// previewBroadcast counts the audience, shows the admin exactly what learners will get, and asks to
// confirm.
func (f *Feature) previewBroadcast(ctx context.Context, c *bot.Ctx, bc *store.Broadcast, spec string) error {
	n, err := f.countAudience(spec)
	if err != nil {
		return err
	}
	if err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		cur, err := tx.Broadcast(bc.ID)
		if err != nil {
			return err
		}
		cur.Audience, cur.Planned, cur.Status = spec, n, store.BroadcastReady
		return tx.PutBroadcast(cur)
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	// The preview is the very copy a learner gets.
	if _, err := f.Send(ctx, tgbotapi.NewCopyMessage(c.ChatID, bc.FromChat, bc.MessageID)); err != nil {
		return err
	}
	sid := strconv.FormatUint(bc.ID, 10)
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actBroadcastConfirm.Button(c.T("BroadcastConfirm"), sid),
		actBroadcastCancel.Button(c.T("BroadcastDiscard"), sid),
	))
	text := c.T("BroadcastPreview", "Audience", f.audienceLabel(c.Lang, spec), "Count", c.Num(n),
		"ETA", f.duration(c.Lang, etaFor(n, f.SendRate)))
	_, err = c.Reply(ctx, text, &kb)
	return err
}

// audienceLabel names an audience spec for the admin.
func (f *Feature) audienceLabel(lang, spec string) string {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "all":
		return f.Texts.T(lang, "AudienceAll")
	case "inactive":
		return f.Texts.T(lang, "AudienceInactive", "Days", f.number(lang, int(inactiveAfter.Hours()/24)))
	case "track":
		return f.Texts.T(lang, "AudienceTrackNamed", "Track", f.Texts.T(lang, "Track_"+arg))
	case "course":
		title := arg
		if co := f.Content().Course(arg); co != nil {
			title = co.Title.In(lang)
		}
		return f.Texts.T(lang, "AudienceCourseNamed", "Course", bot.Escape(title))
	}
	if src := f.AudienceOf(kind); src != nil {
		return bot.Escape(src.Label(lang)) + " · " + bot.Escape(arg)
	}
	return bot.Escape(spec)
}

// audiencePage returns up to limit member ids above after, in ascending order, and whether more remain.
func (f *Feature) audiencePage(tx *store.Tx, spec string, after int64, limit int, now time.Time) ([]int64, int64, bool, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	if src := f.AudienceOf(kind); src != nil && kind != "all" && kind != "inactive" && kind != "track" && kind != "course" {
		ids, more, err := src.Members(tx, arg, after, limit)
		last := after
		if len(ids) > 0 {
			last = ids[len(ids)-1]
		}
		return ids, last, more, err
	}
	var course []string
	if kind == "course" {
		co := f.Content().Course(arg)
		if co == nil {
			return nil, after, false, fmt.Errorf("broadcast audience: course %q is gone", arg)
		}
		for _, l := range co.Lessons {
			course = append(course, l.ID)
		}
	}
	var ids []int64
	last, more, err := tx.UsersFrom(after, limit, func(u *store.User) error {
		if u.Blocked {
			return nil
		}
		in := false
		switch kind {
		case "all":
			in = true
		case "inactive":
			in = u.Onboarded && now.Sub(u.LastActive) >= inactiveAfter
		case "track":
			in = u.Track == arg
		case "course":
			for _, id := range course {
				if p, err := tx.Progress(u.ID, id); err == nil && !p.Opened.IsZero() {
					in = true
					break
				}
			}
		}
		if in {
			ids = append(ids, u.ID)
		}
		return nil
	})
	return ids, last, more, err
}

// countAudience counts an audience in short read transactions.
func (f *Feature) countAudience(spec string) (int, error) {
	n, after, more := 0, int64(0), true
	now := f.Now()
	for more {
		err := f.Store.View(func(tx *store.Tx) error {
			var ids []int64
			var err error
			ids, after, more, err = f.audiencePage(tx, spec, after, countBatch, now)
			n += len(ids)
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

func etaFor(remaining int, rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(float64(remaining) / rate * float64(time.Second))
}

// duration says roughly how long, in the admin's language.
func (f *Feature) duration(lang string, d time.Duration) string {
	switch {
	case d < time.Minute:
		return f.Texts.T(lang, "LessThanAMinute") // not «۰ ثانیه»
	case d < time.Hour:
		return f.Texts.T(lang, "DurationMinutes", "Minutes", f.number(lang, int(d.Minutes()+0.5)))
	}
	return f.Texts.T(lang, "DurationHoursMinutes", "Hours", f.number(lang, int(d.Hours())), "Minutes", f.number(lang, int(d.Minutes())%60))
}

// number is n in the digits of lang.
func (f *Feature) number(lang string, n int) string { return f.Voice(lang).Num(n) }

// handleBroadcastConfirm starts the fan-out; the preview message becomes the progress message.
func (f *Feature) handleBroadcastConfirm(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	bc := f.loadBroadcast(c.Data[0], store.BroadcastReady)
	if bc == nil {
		return bot.HandleStaleButton(ctx, c)
	}
	progress := 0
	if q := c.Update.CallbackQuery; q != nil && q.Message != nil {
		progress = q.Message.MessageID
	}
	errNotReady := errors.New("broadcast is no longer ready")
	err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		cur, err := tx.Broadcast(bc.ID)
		if err != nil {
			return err
		}
		if cur.Status != store.BroadcastReady {
			return errNotReady // a double press
		}
		cur.Status, cur.Confirmed, cur.Progress = store.BroadcastSending, tx.Now(), progress
		*bc = *cur
		return tx.PutBroadcast(cur)
	})
	if errors.Is(err, errNotReady) {
		return bot.HandleStaleButton(ctx, c)
	}
	if err != nil {
		return err
	}
	_ = c.Toast(ctx, c.T("BroadcastStarted"), false)
	f.editProgress(ctx, bc.ID, true)
	f.kickBroadcasts(bc.ID)
	return nil
}

// handleBroadcastCancel discards a draft or stops a running broadcast: jobs not sent yet are skipped.
func (f *Feature) handleBroadcastCancel(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	bc := f.loadBroadcast(c.Data[0], store.BroadcastDraft, store.BroadcastReady, store.BroadcastSending, store.BroadcastQueued)
	if bc == nil {
		return bot.HandleStaleButton(ctx, c)
	}
	wasOpen := bc.Open()
	if err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		cur, err := tx.Broadcast(bc.ID)
		if err != nil {
			return err
		}
		cur.Status, cur.Finished = store.BroadcastCanceled, tx.Now()
		*bc = *cur
		return tx.PutBroadcast(cur)
	}); err != nil {
		return err
	}
	f.bcMu.Lock()
	f.bcCanceled[bc.ID] = true
	f.bcMu.Unlock()
	if !wasOpen {
		return c.Menu(ctx, c.T("BroadcastDiscarded"), nil)
	}
	_ = c.Toast(ctx, c.T("BroadcastCanceledToast"), false)
	f.editProgress(ctx, bc.ID, true)
	return nil
}

// broadcastCanceled reports whether jobs of broadcast id must be skipped.
func (f *Feature) broadcastCanceled(id uint64) bool {
	f.bcMu.Lock()
	defer f.bcMu.Unlock()
	if v, ok := f.bcCanceled[id]; ok {
		return v
	}
	var bc *store.Broadcast
	_ = f.Store.View(func(tx *store.Tx) error { bc, _ = tx.Broadcast(id); return nil })
	canceled := bc != nil && bc.Status == store.BroadcastCanceled
	f.bcCanceled[id] = canceled // every later cancel goes through handleBroadcastCancel, which updates it
	return canceled
}

// jobFinished hears from the sender how each job ended; broadcasts update their progress.
func (f *Feature) jobFinished(j *store.Job, _ string) {
	if id, ok := broadcastOfGroup(j.Group); ok {
		f.kickBroadcasts(id)
	}
}

func (f *Feature) kickBroadcasts(id uint64) {
	f.bcMu.Lock()
	f.bcDirty[id] = true
	f.bcMu.Unlock()
	select {
	case f.bcWake <- struct{}{}:
	default:
	}
}

// runBroadcasts fans out confirmed broadcasts and keeps their progress messages current until ctx ends.
// After a restart it picks up every open broadcast where it stopped.
func (f *Feature) runBroadcasts(ctx context.Context) error {
	log := f.Logger.With("subsystem", "broadcast")
	open, err := f.Store.OpenBroadcasts()
	if err != nil {
		return fmt.Errorf("load open broadcasts: %w", err)
	}
	for _, bc := range open {
		f.kickBroadcasts(bc.ID)
	}
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	for {
		retry := f.broadcastRound(ctx, log)
		if stop != nil {
			stop()
			stop = nil
		}
		var timer <-chan time.Time
		if retry > 0 {
			timer, stop = f.after(retry)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-f.bcWake:
		case <-timer:
		}
	}
}

// after is a timer on the bot's clock (Deps.After) or a real one.
func (f *Feature) after(d time.Duration) (<-chan time.Time, func() bool) {
	if f.After != nil {
		return f.After(d)
	}
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// broadcastRound fans out and reports the broadcasts marked dirty. It returns when to look again for
// progress edits that were held back (0: not needed).
func (f *Feature) broadcastRound(ctx context.Context, log *slog.Logger) time.Duration {
	f.bcMu.Lock()
	var ids []uint64
	for id := range f.bcDirty {
		ids = append(ids, id)
	}
	clear(f.bcDirty)
	f.bcMu.Unlock()
	slices.Sort(ids)
	var retry time.Duration
	for _, id := range ids {
		if ctx.Err() != nil {
			return 0
		}
		var bc *store.Broadcast
		if err := f.Store.View(func(tx *store.Tx) error { var err error; bc, err = tx.Broadcast(id); return err }); err != nil {
			log.Error("load broadcast", "id", id, "err", err)
			continue
		}
		if bc.Status == store.BroadcastSending {
			if err := f.fanOut(ctx, bc); err != nil {
				if ctx.Err() == nil {
					log.Error("broadcast fan-out", "id", id, "err", err)
				}
				continue
			}
		}
		if !bc.Open() {
			continue
		}
		tally, err := f.Store.Tally(broadcastGroup(id))
		if err != nil {
			log.Error("read broadcast tally", "id", id, "err", err)
			continue
		}
		final := bc.Status == store.BroadcastQueued && tally.Done() >= bc.Enqueued
		if final {
			err := f.Store.Update(func(tx *store.Tx) error {
				cur, err := tx.Broadcast(id)
				if err != nil {
					return err
				}
				if cur.Status != store.BroadcastQueued {
					return nil // canceled meanwhile
				}
				cur.Status, cur.Finished = store.BroadcastDone, tx.Now()
				return tx.PutBroadcast(cur)
			})
			if err != nil {
				log.Error("finish broadcast", "id", id, "err", err)
				continue
			}
		}
		if wait := f.editProgress(ctx, id, final); wait > 0 {
			f.kickLater(id)
			if retry == 0 || wait < retry {
				retry = wait
			}
		}
	}
	return retry
}

// kickLater marks a broadcast dirty without waking the loop (its timer will).
func (f *Feature) kickLater(id uint64) {
	f.bcMu.Lock()
	f.bcDirty[id] = true
	f.bcMu.Unlock()
}

// fanOut enqueues the broadcast's jobs from its cursor to the end of the audience, one short
// transaction per batch; the cursor moves in the same transaction as the jobs, so a restart resumes
// exactly where it stopped.
func (f *Feature) fanOut(ctx context.Context, bc *store.Broadcast) error {
	group := broadcastGroup(bc.ID)
	now := f.Now()
	for bc.Status == store.BroadcastSending {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.broadcastCanceled(bc.ID) {
			return nil
		}
		var ids []int64
		var last int64
		var more bool
		if err := f.Store.View(func(tx *store.Tx) error {
			var err error
			ids, last, more, err = f.audiencePage(tx, bc.Audience, bc.Cursor, fanOutBatch, now)
			return err
		}); err != nil {
			return err
		}
		err := f.Store.Update(func(tx *store.Tx) error {
			cur, err := tx.Broadcast(bc.ID)
			if err != nil {
				return err
			}
			if cur.Status != store.BroadcastSending || cur.Cursor != bc.Cursor {
				*bc = *cur
				return nil // canceled or moved on meanwhile
			}
			for _, id := range ids {
				added, err := f.EnqueueAdded(tx, bot.Notice{
					ChatID:   id,
					CopyFrom: &bot.NoticeCopy{ChatID: cur.FromChat, MessageID: cur.MessageID},
					Bulk:     true,
					Dedupe:   "bc:" + strconv.FormatUint(cur.ID, 10) + ":" + strconv.FormatInt(id, 10),
					Group:    group,
				})
				if err != nil {
					return err
				}
				if added {
					cur.Enqueued++
				}
			}
			cur.Cursor = last
			if !more {
				// Done: the cursor is a learner's id, which a finished broadcast has no reason to keep
				// (it would outlive that learner's /deleteme).
				cur.Status, cur.Cursor = store.BroadcastQueued, 0
			}
			*bc = *cur
			return tx.PutBroadcast(cur)
		})
		if err != nil {
			return err
		}
		if hook := f.FanOutHook; hook != nil {
			hook(bc.Cursor)
		}
	}
	return nil
}

// editProgress shows a broadcast's progress in the admin's progress message: sent / blocked / failed,
// what remains and the time it should take at the current rate. Edits are held back to one per
// broadcastEditEvery unless force; the returned duration says when the held edit may go.
func (f *Feature) editProgress(ctx context.Context, id uint64, force bool) time.Duration {
	// One edit of a broadcast at a time, from its latest record (a handler and the loop may both edit).
	f.bcEditMu.Lock()
	defer f.bcEditMu.Unlock()
	var bc *store.Broadcast
	if err := f.Store.View(func(tx *store.Tx) error { var err error; bc, err = tx.Broadcast(id); return err }); err != nil {
		f.Logger.Warn("load broadcast", "id", id, "err", err)
		return 0
	}
	t, err := f.Store.Tally(broadcastGroup(id))
	if err != nil {
		f.Logger.Warn("read broadcast tally", "id", id, "err", err)
		return 0
	}
	if bc.Progress == 0 {
		return 0
	}
	now := f.Now()
	f.bcMu.Lock()
	last, edited := f.bcEdited[bc.ID]
	if !force && edited && now.Sub(last) < broadcastEditEvery {
		f.bcMu.Unlock()
		return broadcastEditEvery - now.Sub(last)
	}
	f.bcEdited[bc.ID] = now
	prev, hasPrev := f.bcSpeed[bc.ID]
	f.bcSpeed[bc.ID] = speedSample{at: now, done: t.Done()}
	f.bcMu.Unlock()

	lang := "fa"
	if u, err := f.Store.GetUser(bc.Admin); err == nil {
		lang = bot.UserLang(u)
	}
	n := func(v int) string { return f.number(lang, v) }
	total := max(bc.Planned, bc.Enqueued)
	counts := f.Texts.T(lang, "BroadcastCounts", "Sent", n(t.Sent), "Blocked", n(t.Blocked), "Failed", n(t.Failed), "Skipped", n(t.Skipped+t.Canceled))
	var text string
	var kb *tgbotapi.InlineKeyboardMarkup
	switch bc.Status {
	case store.BroadcastDone:
		text = f.Texts.T(lang, "BroadcastSummary", "ID", n(int(bc.ID)), "Counts", counts, "Took", f.duration(lang, bc.Finished.Sub(bc.Confirmed)))
	case store.BroadcastCanceled:
		text = f.Texts.T(lang, "BroadcastCanceled", "ID", n(int(bc.ID)), "Counts", counts)
	default:
		remaining := max(0, total-t.Done())
		rate := f.SendRate
		if hasPrev && now.Sub(prev.at) >= time.Second && t.Done() > prev.done {
			rate = float64(t.Done()-prev.done) / now.Sub(prev.at).Seconds()
		}
		text = f.Texts.T(lang, "BroadcastProgress", "ID", n(int(bc.ID)), "Done", n(t.Done()), "Total", n(total),
			"Counts", counts, "ETA", f.duration(lang, etaFor(remaining, rate)))
		k := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			actBroadcastCancel.Button(f.Texts.T(lang, "BroadcastStop"), strconv.FormatUint(bc.ID, 10))))
		kb = &k
	}
	h := fnv.New64a()
	h.Write([]byte(text))
	if kb != nil {
		h.Write([]byte("kb"))
	}
	shown := h.Sum64()
	if shown == bc.Shown {
		return 0 // Telegram refuses an edit that changes nothing
	}
	if err := f.EditText(ctx, bc.Admin, bc.Progress, text, kb); err != nil {
		if ctx.Err() == nil {
			f.Logger.Warn("edit broadcast progress", "id", bc.ID, "err", err)
		}
		return 0
	}
	bc.Shown = shown
	if err := f.Store.Update(func(tx *store.Tx) error {
		cur, err := tx.Broadcast(bc.ID)
		if err != nil {
			return err
		}
		cur.Shown = shown
		return tx.PutBroadcast(cur)
	}); err != nil {
		f.Logger.Warn("record broadcast progress", "id", bc.ID, "err", err)
	}
	return 0
}
