package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/robfig/cron/v3"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// The registries features fill when they are registered (bot/app), before Run. What one feature offers to
// another's screen goes through here: the core knows the shape of a contribution, never the feature.

// registry holds everything features registered.
type registry struct {
	problems []string // registrations that clash; Validate reports them before the bot starts

	payloads   []startPayload
	menu       []menuEntry
	menuGroups map[string]func() []int64 // audience → the chats that see its menu entries
	services   []service
	loops      map[string]*loop
	loopOrder  []string
	timeJumps  []func(ctx context.Context, from, to time.Time) error
	reloaded   []func(*lessons.Catalog)
	meLines    []ordered[func(c *Ctx) string]
	settings   []ordered[func(c *Ctx) ([]string, []tgbotapi.InlineKeyboardButton)]
	stats      []ordered[StatsFunc]
	exports    map[string]ExportFunc
	exportKeys []string
	audiences  []AudienceSource
	jobDone    []func(j *store.Job, outcome string)
	jobSkip    []func(j *store.Job) bool
	lesson     LessonSender
	opsRoutes  []opsRoute
	opsPages   []opsRoute                        // OpsPage: routes that authenticate their own requests
	mainMenu   []ordered[mainMenuEntry]          // mainmenu.go
	openers    map[string]func(id string) string // open.go
	handoff    HandoffFunc                       // open.go

	settingsScreen HandlerFunc
}

func (r *registry) init() {
	r.loops = map[string]*loop{}
	r.exports = map[string]ExportFunc{}
	r.menuGroups = map[string]func() []int64{}
}

func (r *registry) clash(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// Validate reports registrations that clash (a command, button action, step, deep-link prefix, loop or
// export registered twice). app.New calls it after registering every feature; Run refuses to start on one.
func (b *Bot) Validate() error {
	var all []string
	all = append(all, b.reg.problems...)
	all = append(all, b.router.problems...)
	if len(all) == 0 {
		return nil
	}
	return errors.New("bot: registrations clash: " + strings.Join(all, "; "))
}

type ordered[T any] struct {
	order int
	fn    T
}

func insertOrdered[T any](list []ordered[T], order int, fn T) []ordered[T] {
	list = append(list, ordered[T]{order, fn})
	sort.SliceStable(list, func(i, j int) bool { return list[i].order < list[j].order })
	return list
}

// StartHandler acts on a /start deep-link payload (t.me/<bot>?start=<prefix><rest>) before the greeting.
// handled means the payload answered the /start fully; otherwise the usual greeting or onboarding
// follows. It runs before anything is saved, so that a feature can act in the transaction that creates
// a new learner (referrals).
type StartHandler func(ctx context.Context, c *Ctx, rest string) (handled bool, err error)

type startPayload struct {
	prefix string
	h      StartHandler
}

// StartPayload registers the handler of deep-link payloads that begin with prefix.
func (b *Bot) StartPayload(prefix string, h StartHandler) {
	for _, p := range b.reg.payloads {
		if strings.HasPrefix(prefix, p.prefix) || strings.HasPrefix(p.prefix, prefix) {
			b.reg.clash("deep-link prefix %q overlaps %q", prefix, p.prefix)
		}
	}
	b.reg.payloads = append(b.reg.payloads, startPayload{prefix, h})
}

// HandleStartPayload runs the handler whose prefix the payload carries; the /start handler calls it.
func (b *Bot) HandleStartPayload(ctx context.Context, c *Ctx, payload string) (handled bool, err error) {
	if !ValidPayload(payload) {
		return false, nil
	}
	for _, p := range b.reg.payloads {
		if rest, ok := strings.CutPrefix(payload, p.prefix); ok {
			return p.h(ctx, c, rest)
		}
	}
	return false, nil
}

// ValidPayload reports whether p is a deep-link payload Telegram could have sent: 1–64 characters of
// [A-Za-z0-9_-].
func ValidPayload(p string) bool {
	if p == "" || len(p) > 64 {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Menu audiences: every learner sees the Learners entries; the chats of another audience (admins,
// consultants) see theirs as well.
const (
	Learners = ""
	Admins   = "admins"
)

type menuEntry struct {
	audience string
	name     string
	order    int
}

// MenuCommand adds /name to the command menu of an audience, at order (lower first). Its description is
// the locale message "Cmd_<name>".
func (b *Bot) MenuCommand(audience, name string, order int) {
	for _, e := range b.reg.menu {
		if e.name == name && e.audience == audience {
			b.reg.clash("menu command /%s twice", name)
		}
	}
	b.reg.menu = append(b.reg.menu, menuEntry{audience, name, order})
	sort.SliceStable(b.reg.menu, func(i, j int) bool { return b.reg.menu[i].order < b.reg.menu[j].order })
}

// MenuAudience names the chats of an audience other than Learners and Admins (e.g. consultants), read
// when the menus are published at start.
func (b *Bot) MenuAudience(audience string, members func() []int64) {
	b.reg.menuGroups[audience] = members
}

type service struct {
	name string
	run  func(ctx context.Context) error
}

// Service runs fn beside the update loop while the bot runs; fn returns when ctx ends (nil then). An
// error it returns stops the bot.
func (b *Bot) Service(name string, run func(ctx context.Context) error) {
	for _, s := range b.reg.services {
		if s.name == name {
			b.reg.clash("service %q twice", name)
		}
	}
	b.reg.services = append(b.reg.services, service{name, run})
}

// LoopFunc is one round of a loop's periodic work, at now.
type LoopFunc func(ctx context.Context, now time.Time) error

type loop struct {
	spec string
	fn   LoopFunc
}

// Loop runs fn on a cron schedule in the program's zone ("* * * * *": at the start of every minute;
// "@every 10m") while the bot runs, once at start (to catch up after downtime), and on demand with Tick.
// A round that fails or panics is logged; the loop goes on. Rounds of one loop never overlap.
func (b *Bot) Loop(name, spec string, fn LoopFunc) {
	if _, ok := b.reg.loops[name]; ok {
		b.reg.clash("loop %q twice", name)
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		b.reg.clash("loop %q: schedule %q: %v", name, spec, err)
	}
	b.reg.loops[name] = &loop{spec, fn}
	b.reg.loopOrder = append(b.reg.loopOrder, name)
}

// Tick runs one round of the named loop now (tests, and the sandbox after a time jump).
func (b *Bot) Tick(ctx context.Context, name string, now time.Time) error {
	l, ok := b.reg.loops[name]
	if !ok {
		return fmt.Errorf("bot: no loop %q", name)
	}
	return l.fn(ctx, now)
}

// OnTimeJump registers what a feature catches up on when the clock jumps forward (the sandbox's time
// travel): due reminders, daily lessons of the minutes jumped over.
func (b *Bot) OnTimeJump(fn func(ctx context.Context, from, to time.Time) error) {
	b.reg.timeJumps = append(b.reg.timeJumps, fn)
}

// TimeJumped tells every feature that the clock moved from from to to.
func (b *Bot) TimeJumped(ctx context.Context, from, to time.Time) error {
	var errs []error
	for _, fn := range b.reg.timeJumps {
		errs = append(errs, fn(ctx, from, to))
	}
	// Jobs queued for a later time (a reminder an hour before) may be due now: the sender waits on a
	// real timer, which knows nothing of the jump, and would see them only at its next idle poll (30 s).
	b.wakeSender()
	return errors.Join(errs...)
}

// runLoops runs every registered loop until ctx ends; it returns when the rounds in progress finished.
func (b *Bot) runLoops(ctx context.Context) error {
	if len(b.reg.loopOrder) == 0 {
		return nil
	}
	log := b.Logger.With("subsystem", "loops")
	c := cron.New(cron.WithLocation(b.Location), cron.WithChain(cron.Recover(cronLogger{log}), cron.SkipIfStillRunning(cronLogger{log})))
	round := func(name string, l *loop) func() {
		return func() {
			if err := l.fn(ctx, b.Now()); err != nil && ctx.Err() == nil {
				log.Warn("loop round failed", "loop", name, "err", err)
			}
		}
	}
	for _, name := range b.reg.loopOrder {
		l := b.reg.loops[name]
		if _, err := c.AddFunc(l.spec, round(name, l)); err != nil {
			return fmt.Errorf("loop %s: %w", name, err)
		}
	}
	for _, name := range b.reg.loopOrder {
		round(name, b.reg.loops[name])() // catch up after downtime before the first scheduled round
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done() // a round in progress finishes (it stops at its next step: ctx is done)
	return nil
}

// cronLogger lets cron.Recover log through slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug(msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error(msg, append([]any{"err", err}, kv...)...)
}

// MeLine adds a line to a learner's /me, at order; fn returns "" for nothing.
func (b *Bot) MeLine(order int, fn func(c *Ctx) string) {
	b.reg.meLines = insertOrdered(b.reg.meLines, order, fn)
}

// MeLines are the contributed /me lines for c's learner.
func (b *Bot) MeLines(c *Ctx) []string {
	var lines []string
	for _, l := range b.reg.meLines {
		if s := l.fn(c); s != "" {
			lines = append(lines, s)
		}
	}
	return lines
}

// SettingsRow adds lines to the /settings summary and a row of buttons under it, at order.
func (b *Bot) SettingsRow(order int, fn func(c *Ctx) (summary []string, buttons []tgbotapi.InlineKeyboardButton)) {
	b.reg.settings = insertOrdered(b.reg.settings, order, fn)
}

// SettingsRows are the contributed summary lines and button rows for c's learner.
func (b *Bot) SettingsRows(c *Ctx) (summary []string, rows [][]tgbotapi.InlineKeyboardButton) {
	for _, s := range b.reg.settings {
		lines, buttons := s.fn(c)
		summary = append(summary, lines...)
		if len(buttons) > 0 {
			rows = append(rows, buttons)
		}
	}
	return summary, rows
}

// StatsFunc renders a feature's block of the admins' /stats from the /stats read transaction.
type StatsFunc func(tx *store.Tx, v Voice, now time.Time) (string, error)

// StatsSection adds a block to /stats, at order.
func (b *Bot) StatsSection(order int, fn StatsFunc) {
	b.reg.stats = insertOrdered(b.reg.stats, order, fn)
}

// StatsSections renders every contributed /stats block in tx.
func (b *Bot) StatsSections(tx *store.Tx, v Voice, now time.Time) ([]string, error) {
	var blocks []string
	for _, s := range b.reg.stats {
		block, err := s.fn(tx, v, now)
		if err != nil {
			return nil, err
		}
		if block != "" {
			blocks = append(blocks, block)
		}
	}
	return blocks, nil
}

// ExportWriter receives an export while it is read: the header once, then each row with the learner it
// is about (0: about no one; rows about a learner who deleted their data are dropped). Rows go straight
// from the store's cursor to the file, so an export of any size takes bounded memory. An error from Row
// (the file passed a size limit, the client went away) must end the export and be returned as is.
type ExportWriter interface {
	Header(cols []string) error
	Row(userID int64, cells []string) error
}

// ExportFunc writes an export in lang, read inside tx, to w.
type ExportFunc func(tx *store.Tx, lang string, w ExportWriter) error

// Export offers an export kind (/export, GET /export/{kind}).
func (b *Bot) Export(kind string, fn ExportFunc) {
	if _, ok := b.reg.exports[kind]; ok {
		b.reg.clash("export %q twice", kind)
	}
	b.reg.exports[kind] = fn
	b.reg.exportKeys = append(b.reg.exportKeys, kind)
}

// Exports are the registered export kinds, in registration order.
func (b *Bot) Exports() []string { return slices.Clone(b.reg.exportKeys) }

// ExportOf is the export of a kind, or nil.
func (b *Bot) ExportOf(kind string) ExportFunc { return b.reg.exports[kind] }

// AudienceSource offers broadcast audiences, e.g. "an event's attendees". Members returns up to limit
// member ids above after, in ascending order, and whether more remain: the fan-out's cursor relies on
// that order. Arg must be short ASCII (it travels in callback data).
type AudienceSource struct {
	ID      string
	Label   func(lang string) string
	Choices func(tx *store.Tx, lang string) []AudienceChoice
	Members func(tx *store.Tx, arg string, after int64, limit int) ([]int64, bool, error)
}

// AudienceChoice is one audience a source offers.
type AudienceChoice struct{ Arg, Label string }

// Audience registers a source of broadcast audiences.
func (b *Bot) Audience(s AudienceSource) {
	if b.AudienceOf(s.ID) != nil {
		b.reg.clash("audience source %q twice", s.ID)
	}
	b.reg.audiences = append(b.reg.audiences, s)
}

// Audiences are the registered audience sources.
func (b *Bot) Audiences() []AudienceSource { return slices.Clone(b.reg.audiences) }

// AudienceOf is the source with that id, or nil.
func (b *Bot) AudienceOf(id string) *AudienceSource {
	for i := range b.reg.audiences {
		if b.reg.audiences[i].ID == id {
			return &b.reg.audiences[i]
		}
	}
	return nil
}

// OnJobFinished is told of every outbox job the sender finished, with its outcome.
func (b *Bot) OnJobFinished(fn func(j *store.Job, outcome string)) {
	b.reg.jobDone = append(b.reg.jobDone, fn)
}

// SkipJob registers a test the sender applies before delivering a job: true skips it as canceled
// (e.g. the jobs of a canceled broadcast).
func (b *Bot) SkipJob(fn func(j *store.Job) bool) { b.reg.jobSkip = append(b.reg.jobSkip, fn) }

// LessonSender delivers a lesson to a chat as the learner would open it (a notice's LessonID).
type LessonSender func(ctx context.Context, chatID int64, v Voice, u *store.User, l *lessons.Lesson) error

// SendLessonWith sets how notices deliver lessons; one feature owns lessons.
func (b *Bot) SendLessonWith(fn LessonSender) {
	if b.reg.lesson != nil {
		b.reg.clash("lesson sender twice")
	}
	b.reg.lesson = fn
}

type opsRoute struct {
	pattern string
	h       http.Handler
}

// OpsRoute serves h on the ops listener at pattern (e.g. "GET /backup"), to holders of the bearer token.
func (b *Bot) OpsRoute(pattern string, h http.Handler) {
	b.reg.opsRoutes = append(b.reg.opsRoutes, opsRoute{pattern, h})
}
