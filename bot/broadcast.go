package bot

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

	"github.com/tavan7/tavan/bot/store"
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
	stepBroadcast       = "bcCompose"
	fanOutBatch         = 1000
	countBatch          = 10000
	broadcastEditEvery  = 3 * time.Second    // progress edits at most this often (Telegram limits edits too)
	inactiveAfter       = 7 * 24 * time.Hour // the "inactive learners" audience: idle this long
	broadcastGroupPrefx = "bc:"
)

// AudienceSource lets another feature offer broadcast audiences. The events feature registers "an
// event's attendees" this way, from its routes function:
//
//	b.addAudienceSource(AudienceSource{
//		ID:      "ev",
//		Label:   func(lang string) string { return b.Texts.T(lang, "BroadcastToEvent") },
//		Choices: func(tx *store.Tx, lang string) []AudienceChoice { /* upcoming events: Arg = event id */ },
//		Members: func(tx *store.Tx, arg string, after int64, limit int) ([]int64, bool, error) { /* attendees */ },
//	})
//
// Members returns up to limit member ids above after, in ascending order, and whether more remain: the
// fan-out's cursor relies on that order. Arg must be short ASCII (it travels in callback data).
type AudienceSource struct {
	ID      string
	Label   func(lang string) string
	Choices func(tx *store.Tx, lang string) []AudienceChoice
	Members func(tx *store.Tx, arg string, after int64, limit int) ([]int64, bool, error)
}

// AudienceChoice is one audience a source offers.
type AudienceChoice struct{ Arg, Label string }

// addAudienceSource registers a source; call it from a feature's routes function (run by New).
func (b *Bot) addAudienceSource(s AudienceSource) { b.dl.audiences = append(b.dl.audiences, s) }

func (b *Bot) audienceSource(id string) *AudienceSource {
	for i := range b.dl.audiences {
		if b.dl.audiences[i].ID == id {
			return &b.dl.audiences[i]
		}
	}
	return nil
}

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

func (b *Bot) handleBroadcast(ctx context.Context, c *Ctx) error {
	if !c.IsAdmin() {
		return handleUnknownCommand(ctx, c)
	}
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
func (b *Bot) handleBroadcastMessage(ctx context.Context, c *Ctx) error {
	if !c.IsAdmin() {
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
	return b.showAudiences(ctx, c, bc.ID)
}

func (b *Bot) showAudiences(ctx context.Context, c *Ctx, id uint64) error {
	sid := strconv.FormatUint(id, 10)
	rows := [][]tgbotapi.InlineKeyboardButton{
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("AudienceAll"), cb("bca", sid, "all"))),
		tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(c.T("AudienceTrack"), cb("bca", sid, "tracks")),
			tgbotapi.NewInlineKeyboardButtonData(c.T("AudienceCourse"), cb("bca", sid, "courses")),
		),
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("AudienceInactive", "Days", c.num(int(inactiveAfter.Hours()/24))), cb("bca", sid, "inactive"))),
	}
	for _, s := range b.dl.audiences {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(s.Label(c.Lang), cb("bca", sid, "s", s.ID))))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("BroadcastDiscard"), cb("bcx", sid))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, c.T("BroadcastAudience"), &kb)
}

// loadBroadcast reads a broadcast for a button; nil if it does not exist or is not this admin's to
// change in that state.
func (b *Bot) loadBroadcast(idArg string, states ...string) *store.Broadcast {
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil {
		return nil
	}
	var bc *store.Broadcast
	_ = b.Store.View(func(tx *store.Tx) error { bc, _ = tx.Broadcast(id); return nil })
	if bc == nil || (len(states) > 0 && !slices.Contains(states, bc.Status)) {
		return nil
	}
	return bc
}

// handleBroadcastAudience: bca|<id>|all|inactive|tracks|courses, bca|<id>|t|<track>, bca|<id>|c|<course>,
// bca|<id>|s|<source>, bca|<id>|x|<source>|<arg>.
func (b *Bot) handleBroadcastAudience(ctx context.Context, c *Ctx) error {
	if !c.IsAdmin() || len(c.Data) < 2 {
		return handleStaleButton(ctx, c)
	}
	bc := b.loadBroadcast(c.Data[0], store.BroadcastDraft, store.BroadcastReady)
	if bc == nil {
		return handleStaleButton(ctx, c)
	}
	sid := c.Data[0]
	back := tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("BackButton"), cb("bca", sid, "menu")))
	spec := ""
	switch arg := c.Data[1]; {
	case arg == "menu" && len(c.Data) == 2:
		return b.showAudiences(ctx, c, bc.ID)
	case (arg == "all" || arg == "inactive") && len(c.Data) == 2:
		spec = arg
	case arg == "tracks" && len(c.Data) == 2:
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, t := range tracks {
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("Track_"+t), cb("bca", sid, "t", t))))
		}
		kb := tgbotapi.NewInlineKeyboardMarkup(append(rows, back)...)
		return c.Menu(ctx, c.T("BroadcastAudience"), &kb)
	case arg == "courses" && len(c.Data) == 2:
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, co := range b.catalog().Courses {
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
				truncateRunes(co.Title.In(c.Lang), 60), cb("bca", sid, "c", co.ID))))
		}
		kb := tgbotapi.NewInlineKeyboardMarkup(append(rows, back)...)
		return c.Menu(ctx, c.T("BroadcastAudience"), &kb)
	case arg == "t" && len(c.Data) == 3 && slices.Contains(tracks, c.Data[2]):
		spec = "track:" + c.Data[2]
	case arg == "c" && len(c.Data) == 3 && b.catalog().Course(c.Data[2]) != nil:
		spec = "course:" + c.Data[2]
	case arg == "s" && len(c.Data) == 3 && b.audienceSource(c.Data[2]) != nil:
		src := b.audienceSource(c.Data[2])
		var choices []AudienceChoice
		_ = b.Store.View(func(tx *store.Tx) error { choices = src.Choices(tx, c.Lang); return nil })
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, ch := range choices {
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(truncateRunes(ch.Label, 60), cb("bca", sid, "x", src.ID, ch.Arg))))
		}
		kb := tgbotapi.NewInlineKeyboardMarkup(append(rows, back)...)
		return c.Menu(ctx, c.T("BroadcastAudience"), &kb)
	case arg == "x" && len(c.Data) == 4 && b.audienceSource(c.Data[2]) != nil:
		spec = c.Data[2] + ":" + c.Data[3]
	default:
		return handleStaleButton(ctx, c)
	}
	return b.previewBroadcast(ctx, c, bc, spec)
}

// previewBroadcast counts the audience, shows the admin exactly what learners will get, and asks to
// confirm.
func (b *Bot) previewBroadcast(ctx context.Context, c *Ctx, bc *store.Broadcast, spec string) error {
	n, err := b.countAudience(spec)
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
	if _, err := b.send(ctx, tgbotapi.NewCopyMessage(c.ChatID, bc.FromChat, bc.MessageID)); err != nil {
		return err
	}
	sid := strconv.FormatUint(bc.ID, 10)
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("BroadcastConfirm"), cb("bcs", sid)),
		tgbotapi.NewInlineKeyboardButtonData(c.T("BroadcastDiscard"), cb("bcx", sid)),
	))
	text := c.T("BroadcastPreview", "Audience", b.audienceLabel(c.Lang, spec), "Count", c.num(n),
		"ETA", b.duration(c.Lang, etaFor(n, b.SendRate)))
	_, err = c.Reply(ctx, text, &kb)
	return err
}

// audienceLabel names an audience spec for the admin.
func (b *Bot) audienceLabel(lang, spec string) string {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "all":
		return b.Texts.T(lang, "AudienceAll")
	case "inactive":
		return b.Texts.T(lang, "AudienceInactive", "Days", b.number(lang, int(inactiveAfter.Hours()/24)))
	case "track":
		return b.Texts.T(lang, "AudienceTrackNamed", "Track", b.Texts.T(lang, "Track_"+arg))
	case "course":
		title := arg
		if co := b.catalog().Course(arg); co != nil {
			title = co.Title.In(lang)
		}
		return b.Texts.T(lang, "AudienceCourseNamed", "Course", htmlEscape(title))
	}
	if src := b.audienceSource(kind); src != nil {
		return htmlEscape(src.Label(lang)) + " · " + htmlEscape(arg)
	}
	return htmlEscape(spec)
}

// audiencePage returns up to limit member ids above after, in ascending order, and whether more remain.
func (b *Bot) audiencePage(tx *store.Tx, spec string, after int64, limit int, now time.Time) ([]int64, int64, bool, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	if src := b.audienceSource(kind); src != nil && kind != "all" && kind != "inactive" && kind != "track" && kind != "course" {
		ids, more, err := src.Members(tx, arg, after, limit)
		last := after
		if len(ids) > 0 {
			last = ids[len(ids)-1]
		}
		return ids, last, more, err
	}
	var course []string
	if kind == "course" {
		co := b.catalog().Course(arg)
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
func (b *Bot) countAudience(spec string) (int, error) {
	n, after, more := 0, int64(0), true
	now := b.Now()
	for more {
		err := b.Store.View(func(tx *store.Tx) error {
			var ids []int64
			var err error
			ids, after, more, err = b.audiencePage(tx, spec, after, countBatch, now)
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
func (b *Bot) duration(lang string, d time.Duration) string {
	switch {
	case d < time.Minute:
		return b.Texts.T(lang, "DurationSeconds", "N", b.number(lang, int(d.Seconds()+0.5)))
	case d < time.Hour:
		return b.Texts.T(lang, "DurationMinutes", "Minutes", b.number(lang, int(d.Minutes()+0.5)))
	}
	return b.Texts.T(lang, "DurationHoursMinutes", "Hours", b.number(lang, int(d.Hours())), "Minutes", b.number(lang, int(d.Minutes())%60))
}

// handleBroadcastConfirm starts the fan-out; the preview message becomes the progress message.
func (b *Bot) handleBroadcastConfirm(ctx context.Context, c *Ctx) error {
	if !c.IsAdmin() || len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	bc := b.loadBroadcast(c.Data[0], store.BroadcastReady)
	if bc == nil {
		return handleStaleButton(ctx, c)
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
		return handleStaleButton(ctx, c)
	}
	if err != nil {
		return err
	}
	_ = c.Toast(ctx, c.T("BroadcastStarted"), false)
	b.editProgress(ctx, bc.ID, true)
	b.kickBroadcasts(bc.ID)
	return nil
}

// handleBroadcastCancel discards a draft or stops a running broadcast: jobs not sent yet are skipped.
func (b *Bot) handleBroadcastCancel(ctx context.Context, c *Ctx) error {
	if !c.IsAdmin() || len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	bc := b.loadBroadcast(c.Data[0], store.BroadcastDraft, store.BroadcastReady, store.BroadcastSending, store.BroadcastQueued)
	if bc == nil {
		return handleStaleButton(ctx, c)
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
	b.dl.bcMu.Lock()
	b.dl.bcCanceled[bc.ID] = true
	b.dl.bcMu.Unlock()
	if !wasOpen {
		return c.Menu(ctx, c.T("BroadcastDiscarded"), nil)
	}
	_ = c.Toast(ctx, c.T("BroadcastCanceledToast"), false)
	b.editProgress(ctx, bc.ID, true)
	return nil
}

// broadcastCanceled reports whether jobs of broadcast id must be skipped.
func (b *Bot) broadcastCanceled(id uint64) bool {
	b.dl.bcMu.Lock()
	defer b.dl.bcMu.Unlock()
	if v, ok := b.dl.bcCanceled[id]; ok {
		return v
	}
	var bc *store.Broadcast
	_ = b.Store.View(func(tx *store.Tx) error { bc, _ = tx.Broadcast(id); return nil })
	canceled := bc != nil && bc.Status == store.BroadcastCanceled
	b.dl.bcCanceled[id] = canceled // every later cancel goes through handleBroadcastCancel, which updates it
	return canceled
}

// jobFinished hears from the sender how each job ended; broadcasts update their progress.
func (b *Bot) jobFinished(j *store.Job, _ string) {
	if id, ok := broadcastOfGroup(j.Group); ok {
		b.kickBroadcasts(id)
	}
}

func (b *Bot) kickBroadcasts(id uint64) {
	b.dl.bcMu.Lock()
	b.dl.bcDirty[id] = true
	b.dl.bcMu.Unlock()
	select {
	case b.dl.bcWake <- struct{}{}:
	default:
	}
}

// runBroadcasts fans out confirmed broadcasts and keeps their progress messages current until ctx ends.
// After a restart it picks up every open broadcast where it stopped.
func (b *Bot) runBroadcasts(ctx context.Context) error {
	log := b.Logger.With("subsystem", "broadcast")
	open, err := b.Store.OpenBroadcasts()
	if err != nil {
		return fmt.Errorf("load open broadcasts: %w", err)
	}
	for _, bc := range open {
		b.kickBroadcasts(bc.ID)
	}
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	for {
		retry := b.broadcastRound(ctx, log)
		if stop != nil {
			stop()
			stop = nil
		}
		var timer <-chan time.Time
		if retry > 0 {
			timer, stop = b.after(retry)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-b.dl.bcWake:
		case <-timer:
		}
	}
}

// after is a timer on the bot's clock (Deps.After) or a real one.
func (b *Bot) after(d time.Duration) (<-chan time.Time, func() bool) {
	if b.After != nil {
		return b.After(d)
	}
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// broadcastRound fans out and reports the broadcasts marked dirty. It returns when to look again for
// progress edits that were held back (0: not needed).
func (b *Bot) broadcastRound(ctx context.Context, log *slog.Logger) time.Duration {
	b.dl.bcMu.Lock()
	var ids []uint64
	for id := range b.dl.bcDirty {
		ids = append(ids, id)
	}
	clear(b.dl.bcDirty)
	b.dl.bcMu.Unlock()
	slices.Sort(ids)
	var retry time.Duration
	for _, id := range ids {
		if ctx.Err() != nil {
			return 0
		}
		var bc *store.Broadcast
		if err := b.Store.View(func(tx *store.Tx) error { var err error; bc, err = tx.Broadcast(id); return err }); err != nil {
			log.Error("load broadcast", "id", id, "err", err)
			continue
		}
		if bc.Status == store.BroadcastSending {
			if err := b.fanOut(ctx, bc); err != nil {
				if ctx.Err() == nil {
					log.Error("broadcast fan-out", "id", id, "err", err)
				}
				continue
			}
		}
		if !bc.Open() {
			continue
		}
		tally, err := b.Store.Tally(broadcastGroup(id))
		if err != nil {
			log.Error("read broadcast tally", "id", id, "err", err)
			continue
		}
		final := bc.Status == store.BroadcastQueued && tally.Done() >= bc.Enqueued
		if final {
			err := b.Store.Update(func(tx *store.Tx) error {
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
		if wait := b.editProgress(ctx, id, final); wait > 0 {
			b.kickLater(id)
			if retry == 0 || wait < retry {
				retry = wait
			}
		}
	}
	return retry
}

// kickLater marks a broadcast dirty without waking the loop (its timer will).
func (b *Bot) kickLater(id uint64) {
	b.dl.bcMu.Lock()
	b.dl.bcDirty[id] = true
	b.dl.bcMu.Unlock()
}

// fanOut enqueues the broadcast's jobs from its cursor to the end of the audience, one short
// transaction per batch; the cursor moves in the same transaction as the jobs, so a restart resumes
// exactly where it stopped.
func (b *Bot) fanOut(ctx context.Context, bc *store.Broadcast) error {
	group := broadcastGroup(bc.ID)
	now := b.Now()
	for bc.Status == store.BroadcastSending {
		if err := ctx.Err(); err != nil {
			return err
		}
		if b.broadcastCanceled(bc.ID) {
			return nil
		}
		var ids []int64
		var last int64
		var more bool
		if err := b.Store.View(func(tx *store.Tx) error {
			var err error
			ids, last, more, err = b.audiencePage(tx, bc.Audience, bc.Cursor, fanOutBatch, now)
			return err
		}); err != nil {
			return err
		}
		err := b.Store.Update(func(tx *store.Tx) error {
			cur, err := tx.Broadcast(bc.ID)
			if err != nil {
				return err
			}
			if cur.Status != store.BroadcastSending || cur.Cursor != bc.Cursor {
				*bc = *cur
				return nil // canceled or moved on meanwhile
			}
			for _, id := range ids {
				added, err := b.enqueueAdded(tx, Notice{
					ChatID:   id,
					CopyFrom: &NoticeCopy{ChatID: cur.FromChat, MessageID: cur.MessageID},
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
				cur.Status = store.BroadcastQueued
			}
			*bc = *cur
			return tx.PutBroadcast(cur)
		})
		if err != nil {
			return err
		}
		if hook := b.dl.fanOutHook; hook != nil {
			hook(bc.Cursor)
		}
	}
	return nil
}

// editProgress shows a broadcast's progress in the admin's progress message: sent / blocked / failed,
// what remains and the time it should take at the current rate. Edits are held back to one per
// broadcastEditEvery unless force; the returned duration says when the held edit may go.
func (b *Bot) editProgress(ctx context.Context, id uint64, force bool) time.Duration {
	// One edit of a broadcast at a time, from its latest record (a handler and the loop may both edit).
	b.dl.bcEditMu.Lock()
	defer b.dl.bcEditMu.Unlock()
	var bc *store.Broadcast
	if err := b.Store.View(func(tx *store.Tx) error { var err error; bc, err = tx.Broadcast(id); return err }); err != nil {
		b.Logger.Warn("load broadcast", "id", id, "err", err)
		return 0
	}
	t, err := b.Store.Tally(broadcastGroup(id))
	if err != nil {
		b.Logger.Warn("read broadcast tally", "id", id, "err", err)
		return 0
	}
	if bc.Progress == 0 {
		return 0
	}
	now := b.Now()
	b.dl.bcMu.Lock()
	last, edited := b.dl.bcEdited[bc.ID]
	if !force && edited && now.Sub(last) < broadcastEditEvery {
		b.dl.bcMu.Unlock()
		return broadcastEditEvery - now.Sub(last)
	}
	b.dl.bcEdited[bc.ID] = now
	prev, hasPrev := b.dl.bcSpeed[bc.ID]
	b.dl.bcSpeed[bc.ID] = speedSample{at: now, done: t.Done()}
	b.dl.bcMu.Unlock()

	lang := "fa"
	if u, err := b.Store.GetUser(bc.Admin); err == nil {
		lang = userLang(u)
	}
	n := func(v int) string { return b.number(lang, v) }
	total := max(bc.Planned, bc.Enqueued)
	counts := b.Texts.T(lang, "BroadcastCounts", "Sent", n(t.Sent), "Blocked", n(t.Blocked), "Failed", n(t.Failed), "Skipped", n(t.Skipped+t.Canceled))
	var text string
	var kb *tgbotapi.InlineKeyboardMarkup
	switch bc.Status {
	case store.BroadcastDone:
		text = b.Texts.T(lang, "BroadcastSummary", "ID", n(int(bc.ID)), "Counts", counts, "Took", b.duration(lang, bc.Finished.Sub(bc.Confirmed)))
	case store.BroadcastCanceled:
		text = b.Texts.T(lang, "BroadcastCanceled", "ID", n(int(bc.ID)), "Counts", counts)
	default:
		remaining := max(0, total-t.Done())
		rate := b.SendRate
		if hasPrev && now.Sub(prev.at) >= time.Second && t.Done() > prev.done {
			rate = float64(t.Done()-prev.done) / now.Sub(prev.at).Seconds()
		}
		text = b.Texts.T(lang, "BroadcastProgress", "ID", n(int(bc.ID)), "Done", n(t.Done()), "Total", n(total),
			"Counts", counts, "ETA", b.duration(lang, etaFor(remaining, rate)))
		k := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(b.Texts.T(lang, "BroadcastStop"), cb("bcx", strconv.FormatUint(bc.ID, 10)))))
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
	if err := b.editText(ctx, bc.Admin, bc.Progress, text, kb); err != nil {
		if ctx.Err() == nil {
			b.Logger.Warn("edit broadcast progress", "id", bc.ID, "err", err)
		}
		return 0
	}
	bc.Shown = shown
	if err := b.Store.Update(func(tx *store.Tx) error {
		cur, err := tx.Broadcast(bc.ID)
		if err != nil {
			return err
		}
		cur.Shown = shown
		return tx.PutBroadcast(cur)
	}); err != nil {
		b.Logger.Warn("record broadcast progress", "id", bc.ID, "err", err)
	}
	return 0
}

// broadcastRoutes registers /broadcast and its buttons (admins only).
func (b *Bot) broadcastRoutes(r *Router) {
	r.AdminCommand("broadcast", b.handleBroadcast)
	r.Step(stepBroadcast, b.handleBroadcastMessage)
	r.AdminCallback("bca", b.handleBroadcastAudience)
	r.AdminCallback("bcs", b.handleBroadcastConfirm)
	r.AdminCallback("bcx", b.handleBroadcastCancel)
}
