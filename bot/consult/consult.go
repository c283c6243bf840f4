// Package consult is the consultants club (issue 7).
package consult

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
)

// The consultants club (issue 7): a learner asks (/consult → topic → question), the request is offered to
// available consultants, the first to press [Take it] gets it, and the bot relays the conversation both
// ways until either side ends it. Files:
//
//	register.go           options, routes, the relay hook, the invite deep link, the sweep loop
//	consult.go            the learner's request, offers and the claim
//	consult_relay.go      the relay, ending, rating, summary, contact sharing, abuse reports
//	consult_consultant.go invites, the consultant's profile, /away and /available, the session picker
//	consult_admin.go      admins: invites, the consultant list, bars, /consultations, transcripts
//	consult_sweep.go      timeouts: re-offers, offline tickets, idle sessions, pruning
//	figures.go            the /stats block, the consultations export, the open-sessions gauge
//	catalog.go            what a consultant learns of a learner's progress, from the catalog and the store
//
// Privacy: consultants see a learner's first name and learning context only, until the learner presses
// [share my contact]; learners never see a consultant's account (everything goes through the bot, copied
// without a forward header); message contents are not stored unless an admin switched transcripts on.
//
// Direct sends vs the outbox: offer cards are sent directly because the claim must edit them ("taken")
// and needs their message ids; a crash before a card is sent leaves the offer pending and the sweep sends
// it again. Everything that is part of the live conversation (session started, ended, summaries, relayed
// messages) is sent directly as well, so it arrives in order with the relayed messages around it. Notices
// nobody is waiting on at that moment (idle close, re-offer and "consultants are back" notices, abuse
// reports to admins, admin actions) go through the outbox.

// Expertise topics of the club; their names are locale messages "ConsTopic_<id>".
var consultTopics = []string{"marketing", "finance", "legal", "home", "digital", "social"}

// topicOther is a learner's question for any consultant.
const topicOther = "other"

// Limits of what people type.
const (
	minQuestionRunes = 10
	maxNameRunes     = 40
	maxBioRunes      = 500
	maxHoursRunes    = 200
	maxSummaryRunes  = 2000
	maxCommentRunes  = 500
	maxReportRunes   = 1000
	defaultWait      = 15 * time.Minute // the wait estimate before any claim was measured
	inviteTTL        = 7 * 24 * time.Hour
)

func (f *Feature) offerTimeout() time.Duration { return orDefault(f.opts.OfferTimeout, 10*time.Minute) }
func (f *Feature) idleTimeout() time.Duration  { return orDefault(f.opts.IdleTimeout, 24*time.Hour) }
func (f *Feature) sweepEvery() time.Duration   { return orDefault(f.opts.SweepEvery, time.Minute) }

// floodConsult names the daily request counter (store.AddFlood), kept outside the erasable buckets.
const floodConsult = "consult"

func (f *Feature) dailyLimit() int {
	if f.opts.DailyLimit > 0 {
		return f.opts.DailyLimit
	}
	return 3
}

func (f *Feature) relayPerMinute() int {
	if f.opts.RelayPerMinute > 0 {
		return f.opts.RelayPerMinute
	}
	return 20
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// consultantHandler is a handler that runs only for consultants, with their record as read on this request.
type consultantHandler func(ctx context.Context, c *bot.Ctx, me *store.Consultant) error

// consultantOnly checks on every request that the sender is a consultant (active, away or suspended); to
// anyone else it answers as otherwise.
func (f *Feature) consultantOnly(h consultantHandler, otherwise bot.HandlerFunc) bot.HandlerFunc {
	return func(ctx context.Context, c *bot.Ctx) error {
		me, err := f.consultant(c.User.ID)
		if errors.Is(err, store.ErrNotFound) {
			return otherwise(ctx, c)
		}
		if err != nil {
			return err
		}
		return h(ctx, c, me)
	}
}

func (f *Feature) consultantCommand(h consultantHandler) bot.HandlerFunc {
	return f.consultantOnly(h, bot.HandleUnknownCommand)
}

func (f *Feature) consultantButton(h consultantHandler) bot.HandlerFunc {
	return f.consultantOnly(h, bot.HandleStaleButton)
}

// consultantStep runs a consultant's typed step; someone no longer a consultant loses the step.
func (f *Feature) consultantStep(h consultantHandler) bot.HandlerFunc {
	return f.consultantOnly(h, func(ctx context.Context, c *bot.Ctx) error {
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
			return err
		}
		return bot.HandleUnexpected(ctx, c)
	})
}

// menuConsultants is the consultants' command-menu audience.
const menuConsultants = "consultants"

// menuConsultants lists the consultants who may use their commands: all but the suspended.
func (f *Feature) menuConsultants() []int64 {
	var ids []int64
	_ = f.Store.View(func(tx *store.Tx) error {
		return tx.EachConsultant(func(c *store.Consultant) error {
			if c.Status != store.ConsultantSuspended {
				ids = append(ids, c.ID)
			}
			return nil
		})
	})
	return ids
}

func (f *Feature) consultant(id int64) (*store.Consultant, error) {
	var me *store.Consultant
	err := f.Store.View(func(tx *store.Tx) error {
		var err error
		me, err = tx.Consultant(id)
		return err
	})
	return me, err
}

// langOf is the language a stored user reads, Persian for someone unknown.
func langOf(tx *store.Tx, id int64) string {
	u, err := tx.User(id)
	if err != nil {
		return "fa"
	}
	return bot.UserLang(u)
}

// firstNameOf is the only name of a learner a consultant sees before the learner shares their contact.
func firstNameOf(tx *store.Tx, id int64) string {
	u, err := tx.User(id)
	if err != nil || strings.TrimSpace(u.FirstName) == "" {
		return "—"
	}
	return u.FirstName
}

// parseID reads a consultation number from callback data or typed input.
func parseID(s string) (uint64, bool) {
	id, err := strconv.ParseUint(s, 10, 64)
	return id, err == nil && id > 0
}

func idArg(id uint64) string { return strconv.FormatUint(id, 10) }

// sessionNum formats a session number in the reader's digits.
func sessionNum(v bot.Voice, id uint64) string {
	if v.Lang == "fa" {
		return persian.Int(int64(id))
	}
	return strconv.FormatUint(id, 10)
}

func topicName(v bot.Voice, topic string) string { return v.T("ConsTopic_" + topic) }

func topicNames(v bot.Voice, topics []string) string {
	names := make([]string, len(topics))
	for i, t := range topics {
		names[i] = topicName(v, t)
	}
	sep := "، "
	if v.Lang != "fa" {
		sep = ", "
	}
	return strings.Join(names, sep)
}

func validTopic(t string) bool { return slices.Contains(consultTopics, t) || t == topicOther }

// cleanInput trims typed text and reports its length in characters. It is shown to people as typed, so
// it is not normalised (persian.Normalize would turn «۱۷» into "17").
func cleanInput(s string) (string, int) {
	s = strings.TrimSpace(s)
	return s, utf8.RuneCountInString(s)
}

// ---- The learner's request ----

// handleConsult opens the club: the learner's current request or session if they have one, else the
// topics to ask about.
func (f *Feature) handleConsult(ctx context.Context, c *bot.Ctx) error {
	if done, err := f.gate(ctx, c, c.Menu); done || err != nil {
		return err
	}
	return c.Menu(ctx, c.T("ConsIntro"), f.topicKeyboard(c.Voice))
}

// gate checks whether the learner may ask now. When not, it answers (the refusal, or the request or
// session they already have, shown with show) and reports done.
func (f *Feature) gate(ctx context.Context, c *bot.Ctx, show func(context.Context, string, *tgbotapi.InlineKeyboardMarkup) error) (done bool, err error) {
	var (
		barred, isConsultant bool
		rec                  *store.Consultation
		asked                int // requests made today
	)
	if err := f.Store.View(func(tx *store.Tx) error {
		barred = tx.Barred(c.User.ID)
		_, err := tx.Consultant(c.User.ID)
		isConsultant = err == nil
		cl := tx.ClubLearner(c.User.ID)
		asked = tx.FloodCount(floodConsult, store.DayString(tx.Now().In(f.Location)), c.User.ID)
		if cl.Current != 0 {
			if r, err := tx.Consultation(cl.Current); err == nil && r.Live() {
				rec = r
			}
		}
		return nil
	}); err != nil {
		return true, err
	}
	switch {
	case barred:
		return true, c.Fail("ConsBarred")
	case rec != nil && rec.Status == store.ConsultWaiting:
		return true, f.showQueueStatusWith(ctx, c, rec.ID, show)
	case rec != nil:
		return true, f.showOpenSession(ctx, c, rec)
	case isConsultant:
		return true, c.Fail("ConsConsultantsDontAsk")
	case asked >= f.dailyLimit():
		return true, c.Fail("ConsDailyLimit", "Limit", c.Num(f.dailyLimit()))
	}
	return false, nil
}

func (f *Feature) topicKeyboard(v bot.Voice) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	for i := 0; i < len(consultTopics); i += 2 {
		row := tgbotapi.NewInlineKeyboardRow(actTopic.Button(topicName(v, consultTopics[i]), consultTopics[i]))
		if i+1 < len(consultTopics) {
			row = append(row, actTopic.Button(topicName(v, consultTopics[i+1]), consultTopics[i+1]))
		}
		rows = append(rows, row)
	}
	rows = append(rows,
		tgbotapi.NewInlineKeyboardRow(actTopic.Button(topicName(v, topicOther), topicOther)),
		tgbotapi.NewInlineKeyboardRow(actDirectory.Button(v.T("ConsDirectoryButton"))),
	)
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

// showOpenSession reminds a learner of the session they are in.
func (f *Feature) showOpenSession(ctx context.Context, c *bot.Ctx, rec *store.Consultation) error {
	name := "—"
	if me, err := f.consultant(rec.ConsultantID); err == nil {
		name = me.Name
	}
	_, err := c.Reply(ctx, c.T("ConsInSession", "Session", sessionNum(c.Voice, rec.ID), "Name", bot.Escape(name)), f.learnerSessionKeyboard(c.Voice, rec))
	return err
}

func (f *Feature) learnerSessionKeyboard(v bot.Voice, rec *store.Consultation) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	if !rec.Shared {
		row = append(row, actShare.Button(v.T("ConsShareButton"), idArg(rec.ID)))
	}
	row = append(row, actEnd.Button(v.T("ConsEndButton"), idArg(rec.ID)))
	kb := tgbotapi.NewInlineKeyboardMarkup(row)
	return &kb
}

func (f *Feature) handleConsultTopic(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) == 1 && c.Data[0] == "menu" { // back from the directory
		return f.handleConsult(ctx, c)
	}
	if len(c.Data) != 1 || !validTopic(c.Data[0]) {
		return bot.HandleStaleButton(ctx, c)
	}
	topic := c.Data[0]
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		if tx.Barred(u.ID) {
			return c.Fail("ConsBarred")
		}
		if _, err := tx.Consultant(u.ID); err == nil { // a topic button from before they joined the club
			return c.Fail("ConsConsultantsDontAsk")
		}
		u.Step, u.StepData = stepConsQuestion, topic
		return nil
	}); err != nil {
		return err
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actCancel.Button(c.T("ConsCancelButton"), "0")))
	return c.Menu(ctx, c.T("ConsAskQuestion", "Topic", topicName(c.Voice, topic)), &kb)
}

// handleQuestion takes the learner's question (text, or media with or without a caption), queues it and
// offers it to consultants.
func (f *Feature) handleQuestion(ctx context.Context, c *bot.Ctx) error {
	m := c.Update.Message
	topic := c.User.StepData
	if !validTopic(topic) {
		topic = topicOther
	}
	if relayKind(m) == "" {
		return c.Fail("ConsQuestionUnsupported")
	}
	if m.Text != "" {
		if _, n := cleanInput(m.Text); n < minQuestionRunes {
			return c.Fail("ConsQuestionShort")
		}
	}
	return f.submitQuestion(ctx, c, topic, m.MessageID, c.Menu)
}

// submitQuestion queues the learner's question (their message msgID, copied to consultants as written)
// under topic, tells them where they are in the queue with show, and offers it to consultants. The club's
// limits are checked again in the transaction: a bar or the day's last request may have come meanwhile.
func (f *Feature) submitQuestion(ctx context.Context, c *bot.Ctx, topic string, msgID int, show func(context.Context, string, *tgbotapi.InlineKeyboardMarkup) error) error {
	var (
		id      uint64
		refusal string // the question cannot be taken: the step ends and the learner is told why
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		id, refusal = 0, ""
		cl := tx.ClubLearner(u.ID)
		today := store.DayString(tx.Now().In(f.Location))
		switch {
		case tx.Barred(u.ID):
			refusal = "ConsBarred"
		case tx.FloodCount(floodConsult, today, u.ID) >= f.dailyLimit():
			refusal = "ConsDailyLimit"
		case cl.Current != 0:
			if r, err := tx.Consultation(cl.Current); err == nil && r.Live() {
				refusal = "ConsAlreadyAsked"
			}
		}
		if refusal != "" {
			u.Step, u.StepData = "", ""
			return nil
		}
		if _, err := tx.AddFlood(floodConsult, today, u.ID); err != nil {
			return err
		}
		rec := &store.Consultation{LearnerID: u.ID, Topic: topic, QuestionMsg: msgID, Status: store.ConsultWaiting}
		if err := tx.AddConsultation(rec); err != nil {
			return err
		}
		ids, wide := f.offerRecipients(tx, rec, 0)
		if wide {
			rec.Level = 1
		}
		if err := f.offer(tx, rec, ids); err != nil {
			return err
		}
		cl.Current = rec.ID
		if err := tx.PutClubLearner(u.ID, cl); err != nil {
			return err
		}
		u.Step, u.StepData = "", ""
		id = rec.ID
		return tx.AddClubStats(func(s *store.ClubStats) { s.Requests++ })
	}); err != nil {
		return err
	}
	if refusal != "" {
		return c.Fail(refusal, "Limit", c.Num(f.dailyLimit()))
	}
	if err := f.showQueueStatusWith(ctx, c, id, show); err != nil {
		return err
	}
	return f.sendOffers(ctx, id)
}

// offerRecipients picks who gets a request: at level 0 the available consultants whose topics match
// (everyone available if none match, which is wide), at level 1 everyone available. Those already offered
// are skipped.
func (f *Feature) offerRecipients(tx *store.Tx, rec *store.Consultation, level int) (ids []int64, wide bool) {
	var all, matching []int64
	_ = tx.EachConsultant(func(k *store.Consultant) error {
		if !k.Available() || k.ID == rec.LearnerID || rec.Offered(k.ID) {
			return nil
		}
		if u, err := tx.User(k.ID); err == nil && u.Blocked {
			return nil // blocked the bot: a card cannot reach them
		}
		all = append(all, k.ID)
		if slices.Contains(k.Topics, rec.Topic) {
			matching = append(matching, k.ID)
		}
		return nil
	})
	if level == 0 && len(matching) > 0 {
		return matching, false
	}
	return all, true
}

// offer records pending offers of rec to ids (sendOffers sends them after the commit); with nobody to
// offer it to and nobody offered before, the request becomes an offline ticket.
func (f *Feature) offer(tx *store.Tx, rec *store.Consultation, ids []int64) error {
	for _, id := range ids {
		rec.Offers = append(rec.Offers, store.Offer{ConsultantID: id, Pending: true})
	}
	if len(ids) > 0 {
		rec.Offline = false
		rec.OfferedAt = tx.Now()
	} else if len(rec.Offers) == 0 {
		rec.Offline = true
	}
	return tx.PutConsultation(rec)
}

// availableCount is how many consultants take requests now.
func availableCount(tx *store.Tx) int {
	n := 0
	_ = tx.EachConsultant(func(k *store.Consultant) error {
		if k.Available() {
			n++
		}
		return nil
	})
	return n
}

// showQueueStatus tells a learner where their request stands, with a button to withdraw it.
func (f *Feature) showQueueStatus(ctx context.Context, c *bot.Ctx, id uint64) error {
	return f.showQueueStatusWith(ctx, c, id, c.Menu)
}

// showQueueStatusWith shows the status with show: c.Menu edits the screen pressed, a reply keeps it.
func (f *Feature) showQueueStatusWith(ctx context.Context, c *bot.Ctx, id uint64, show func(context.Context, string, *tgbotapi.InlineKeyboardMarkup) error) error {
	var (
		rec       *store.Consultation
		position  int
		available int
		avg       time.Duration
	)
	if err := f.Store.View(func(tx *store.Tx) error {
		var err error
		if rec, err = tx.Consultation(id); err != nil {
			return err
		}
		for _, other := range tx.LiveConsultations() {
			if other > id {
				break
			}
			if o, err := tx.Consultation(other); err == nil && o.Status == store.ConsultWaiting {
				position++
			}
		}
		available = availableCount(tx)
		avg = tx.ClubStats().AverageWait()
		return nil
	}); err != nil {
		return err
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actCancel.Button(c.T("ConsWithdrawButton"), idArg(id))))
	text := c.T("ConsQueued", "Session", sessionNum(c.Voice, id), "Position", c.Num(max(position, 1)),
		"Wait", c.Duration(waitEstimate(avg, max(position, 1), available)))
	if rec.Offline || available == 0 {
		text = c.T("ConsQueuedOffline", "Session", sessionNum(c.Voice, id), "Position", c.Num(max(position, 1)))
	}
	return show(ctx, text, &kb)
}

// waitEstimate is the expected wait in whole minutes: the average wait so far (15 minutes before any
// claim), times the queue ahead shared among the available consultants.
func waitEstimate(avg time.Duration, position, available int) int {
	if avg <= 0 {
		avg = defaultWait
	}
	est := avg * time.Duration(position) / time.Duration(max(available, 1))
	return max(1, int((est+time.Minute-1)/time.Minute))
}

// handleCancelRequest withdraws a waiting request ("csx|<id>"), or drops a question not yet sent ("csx|0").
func (f *Feature) handleCancelRequest(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	if c.Data[0] == "0" {
		if err := c.Apply(func(_ *store.Tx, u *store.User) error {
			if u.Step == stepConsQuestion {
				u.Step, u.StepData = "", ""
			}
			return nil
		}); err != nil {
			return err
		}
		return c.Menu(ctx, c.T("ConsDraftCancelled"), nil)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	var rec *store.Consultation
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		var err error
		rec, err = tx.Consultation(id)
		if err != nil || rec.LearnerID != u.ID {
			return c.Fail("ButtonExpired")
		}
		switch rec.Status {
		case store.ConsultOpen:
			return c.Fail("ConsAlreadyTakenUseEnd")
		case store.ConsultWaiting:
		default:
			return c.Fail("ConsAlreadyWithdrawn")
		}
		rec.Status, rec.Closed, rec.ClosedBy = store.ConsultCancelled, tx.Now(), "learner"
		if err := tx.PutConsultation(rec); err != nil {
			return err
		}
		cl := tx.ClubLearner(u.ID)
		if cl.Current == id {
			cl.Current = 0
		}
		return tx.PutClubLearner(u.ID, cl)
	}); err != nil {
		return err
	}
	if err := c.Menu(ctx, c.T("ConsWithdrawn", "Session", sessionNum(c.Voice, id)), nil); err != nil {
		return err
	}
	f.retireCards(ctx, rec, 0, "ConsCardWithdrawn")
	return nil
}

// ---- Offers ----

// learnerContext is what a consultant learns about a learner before consent: where they are in the program.
type learnerContext struct {
	FirstName string
	Track     string
	Courses   []courseInProgress
	Weak      []string // lesson ids whose questions sit in Leitner box 1
}

type courseInProgress struct {
	ID          string
	Done, Total int
}

func (f *Feature) loadLearnerContext(tx *store.Tx, learnerID int64) learnerContext {
	lc := learnerContext{FirstName: firstNameOf(tx, learnerID)}
	if u, err := tx.User(learnerID); err == nil {
		lc.Track = u.Track
	}
	cat := f.Content()
	if progress, err := tx.AllProgress(learnerID); err == nil {
		for _, co := range coursesFor(cat, lc.Track) {
			done := courseDone(co, progress)
			started := done > 0
			for _, l := range co.Lessons {
				started = started || !progress[l.ID].Opened.IsZero()
			}
			if started && done < len(co.Lessons) && len(lc.Courses) < 3 {
				lc.Courses = append(lc.Courses, courseInProgress{co.ID, done, len(co.Lessons)})
			}
		}
	}
	for _, q := range tx.ReviewQuestions(learnerID, 1) {
		if l, _ := questionByID(cat, q); l != nil && !slices.Contains(lc.Weak, l.ID) && len(lc.Weak) < 4 {
			lc.Weak = append(lc.Weak, l.ID)
		}
	}
	return lc
}

// contextCard renders a learner's context for a consultant.
func (f *Feature) contextCard(v bot.Voice, lc learnerContext) string {
	cat := f.Content()
	track := v.T("NotChosen")
	if lc.Track != "" {
		track = v.T("Track_" + lc.Track)
	}
	none := v.T("ConsNone")
	var courses, weak []string
	for _, p := range lc.Courses {
		if co := cat.Course(p.ID); co != nil {
			courses = append(courses, bot.Escape(co.Title.In(v.Lang))+" ("+v.OfTotal(p.Done, p.Total)+")")
		}
	}
	for _, id := range lc.Weak {
		if l := cat.Lesson(id); l != nil {
			weak = append(weak, bot.Escape(l.Title.In(v.Lang)))
		}
	}
	sep := "، "
	if v.Lang != "fa" {
		sep = ", "
	}
	join := func(xs []string) string {
		if len(xs) == 0 {
			return none
		}
		return strings.Join(xs, sep)
	}
	return v.T("ConsContextCard", "Track", track, "Courses", join(courses), "Weak", join(weak))
}

// offerCard is the text of a request's card for a consultant.
func (f *Feature) offerCard(v bot.Voice, rec *store.Consultation, lc learnerContext, questionShown bool) string {
	text := v.T("ConsOfferCard", "Session", sessionNum(v, rec.ID), "Name", bot.Escape(lc.FirstName),
		"Topic", topicName(v, rec.Topic)) + "\n\n" + f.contextCard(v, lc)
	if !questionShown {
		text += "\n\n" + v.T("ConsQuestionNotShown")
	}
	return text
}

// sendOffers sends the pending offers of a waiting request: the learner's question copied (no forward
// header, so nothing of the learner's account), then the card with [Take it] replying to it. Each sent
// card is recorded at once; a card whose request was taken meanwhile is retired straight away.
func (f *Feature) sendOffers(ctx context.Context, id uint64) error {
	type target struct {
		id   int64
		lang string
	}
	var (
		rec     *store.Consultation
		lc      learnerContext
		targets []target
	)
	if err := f.Store.View(func(tx *store.Tx) error {
		var err error
		if rec, err = tx.Consultation(id); err != nil {
			return err
		}
		if rec.Status != store.ConsultWaiting {
			return nil
		}
		lc = f.loadLearnerContext(tx, rec.LearnerID)
		for _, o := range rec.Offers {
			if o.Pending {
				targets = append(targets, target{o.ConsultantID, langOf(tx, o.ConsultantID)})
			}
		}
		return nil
	}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	for _, t := range targets {
		v := f.Voice(t.lang)
		// The card (who asks, on what) comes first, so the consultant reads the question knowing whose it
		// is; the question follows as a reply to it.
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			actTake.Button(v.T("ConsTakeButton"), idArg(id))))
		card, err := f.sendReplyText(ctx, t.id, f.offerCard(v, rec, lc, true), &kb, 0)
		copyID := 0
		if err == nil {
			var cerr error
			if copyID, cerr = f.copyMessage(ctx, t.id, rec.LearnerID, rec.QuestionMsg, card.MessageID, nil); cerr != nil && !bot.IsGone(cerr) {
				f.Logger.Warn("copy question for an offer", "session", id, "err", cerr)
				if _, err := f.sendReplyText(ctx, t.id, v.T("ConsQuestionNotShown"), nil, card.MessageID); err != nil {
					f.Logger.Warn("say the question was not shown", "session", id, "err", err)
				}
			}
		}
		switch {
		case err != nil && bot.IsGone(err):
			// The consultant blocked the bot: the offer is settled without a card, not retried each sweep.
			f.Logger.Info("consultant unreachable for an offer", "consultant", t.id, "session", id)
		case err != nil:
			f.Logger.Warn("send offer card", "session", id, "consultant", t.id, "err", err)
			continue // still pending: the sweep tries again
		}
		still := true
		if err := f.Store.Update(func(tx *store.Tx) error {
			r, err := tx.Consultation(id)
			if err != nil {
				return err
			}
			still = r.Status == store.ConsultWaiting
			for i := range r.Offers {
				if r.Offers[i].ConsultantID == t.id {
					r.Offers[i] = store.Offer{ConsultantID: t.id, Card: card.MessageID, Copy: copyID, Sent: tx.Now()}
				}
			}
			return tx.PutConsultation(r)
		}); err != nil {
			return err
		}
		if !still && card.MessageID != 0 {
			// Taken or withdrawn between the send and this record: the winner's claim did not know this
			// card, so it is retired here, once.
			f.retireCard(ctx, t.id, t.lang, id, store.Offer{Card: card.MessageID, Copy: copyID, Sent: f.Now()}, "ConsCardTaken")
		}
	}
	return nil
}

// retireCards edits the cards of a request that is no longer open to offers ("taken", "withdrawn") and
// deletes the question copied above them, so that only the consultant who took it keeps the question.
func (f *Feature) retireCards(ctx context.Context, rec *store.Consultation, except int64, msgID string) {
	langs := map[int64]string{}
	_ = f.Store.View(func(tx *store.Tx) error {
		for _, o := range rec.Offers {
			langs[o.ConsultantID] = langOf(tx, o.ConsultantID)
		}
		return nil
	})
	for _, o := range rec.Offers {
		if o.ConsultantID == except || o.Card == 0 {
			continue
		}
		f.retireCard(ctx, o.ConsultantID, langs[o.ConsultantID], rec.ID, o, msgID)
	}
}

func (f *Feature) retireCard(ctx context.Context, chatID int64, lang string, id uint64, o store.Offer, msgID string) {
	v := f.Voice(lang)
	if err := f.EditText(ctx, chatID, o.Card, v.T(msgID, "Session", sessionNum(v, id)), nil); err != nil && !bot.IsGone(err) {
		f.Logger.Warn("retire offer card", "session", id, "err", err)
	}
	if o.Copy != 0 && f.Now().Sub(o.Sent) < 47*time.Hour {
		if err := f.Request(ctx, tgbotapi.NewDeleteMessage(chatID, o.Copy)); err != nil && !bot.IsGone(err) {
			f.Logger.Debug("delete offered question copy", "session", id, "err", err)
		}
	}
}

// handleTake is [Take it]: the first press claims the request in one transaction (store.ClaimConsultation);
// every later press finds it taken, and that card is edited to say so.
func (f *Feature) handleTake(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	if me.Status == store.ConsultantSuspended || !me.ProfileDone {
		return c.Fail("ConsCannotTake")
	}
	var (
		rec     *store.Consultation
		outcome string // "won", "taken", "withdrawn"
		lc      learnerContext
		lLang   string
		transcr int
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		outcome = ""
		r, err := tx.Consultation(id)
		if errors.Is(err, store.ErrNotFound) {
			outcome = "withdrawn"
			return nil
		} else if err != nil {
			return err
		}
		if r.LearnerID == u.ID || !r.Offered(u.ID) {
			// Session numbers are sequential: only a consultant the request was offered to may claim it.
			return c.Fail("ButtonExpired")
		}
		// Again inside the transaction: a suspension may have committed since the handler read me.
		if k, err := tx.Consultant(u.ID); err != nil || k.Status == store.ConsultantSuspended || !k.ProfileDone {
			return c.Fail("ConsCannotTake")
		}
		rec, err = tx.ClaimConsultation(id, u.ID)
		if errors.Is(err, store.ErrTaken) {
			outcome = "taken"
			if rec.Status == store.ConsultCancelled {
				outcome = "withdrawn"
			}
			return nil
		} else if err != nil {
			return err
		}
		outcome = "won"
		transcr = tx.ClubSettings().TranscriptDays
		rec.Transcript = transcr > 0
		for _, o := range rec.Offers {
			if o.ConsultantID == u.ID && o.Copy != 0 {
				// Replies to the question keep their context, on both sides.
				if err := tx.PutRelayLink(id, store.SideConsultant, o.Copy, rec.QuestionMsg); err != nil {
					return err
				}
				if err := tx.PutRelayLink(id, store.SideLearner, rec.QuestionMsg, o.Copy); err != nil {
					return err
				}
			}
		}
		if err := tx.PutConsultation(rec); err != nil {
			return err
		}
		// The session takes over both chats: a half-finished step elsewhere would swallow what they write
		// to each other (steps take a message before the relay). The consultant's own club steps stay.
		if lu, err := tx.User(rec.LearnerID); err == nil && lu.Step != "" {
			lu.Step, lu.StepData = "", ""
			if err := tx.PutUser(lu); err != nil {
				return err
			}
		}
		if u.Step != "" && !consultStepFirst(u.Step) {
			u.Step, u.StepData = "", ""
		}
		k, err := tx.Consultant(u.ID)
		if err != nil {
			return err
		}
		k.Current = id
		k.Sessions++
		if err := tx.PutConsultant(k); err != nil {
			return err
		}
		lc = f.loadLearnerContext(tx, rec.LearnerID)
		lLang = langOf(tx, rec.LearnerID)
		wait := tx.Now().Sub(rec.Created)
		return tx.AddClubStats(func(s *store.ClubStats) { s.Claims++; s.WaitSum += int64(wait) })
	}); err != nil {
		return err
	}
	q := c.Update.CallbackQuery
	if outcome != "won" {
		// Only the toast: the card itself is retired by whoever ended the offer (the winner's claim or the
		// learner's withdrawal), so that no card is edited twice.
		if outcome == "withdrawn" {
			return c.Toast(ctx, c.T("ConsCardWithdrawnToast"), true)
		}
		return c.Toast(ctx, c.T("ConsCardTakenToast"), true)
	}
	_ = c.Toast(ctx, c.T("ConsTookToast"), false)
	if q.Message != nil {
		text := f.offerCard(c.Voice, rec, lc, true) + "\n\n" + c.T("ConsYouTookIt", "Name", bot.Escape(lc.FirstName))
		if err := c.Menu(ctx, text, f.consultantSessionKeyboard(c.Voice, id)); err != nil {
			return err
		}
	}
	// The learner hears first, before the consultant's first words can arrive.
	lcx := f.Voice(lLang)
	text := lcx.T("ConsSessionStarted", "Session", sessionNum(lcx, id), "Name", bot.Escape(me.Name),
		"Topics", topicNames(lcx, me.Topics), "FirstName", bot.Escape(lc.FirstName))
	if rec.Transcript {
		text += "\n\n" + lcx.T("ConsTranscriptNotice", "Days", lcx.Num(transcr))
	}
	if _, err := f.SendText(ctx, rec.LearnerID, text, f.learnerSessionKeyboard(lcx, rec)); err != nil && !bot.IsGone(err) {
		return err
	}
	f.retireCards(ctx, rec, c.User.ID, "ConsCardTaken")
	return nil
}

func (f *Feature) consultantSessionKeyboard(v bot.Voice, id uint64) *tgbotapi.InlineKeyboardMarkup {
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actEnd.Button(v.T("ConsEndButton"), idArg(id)),
		actReport.Button(v.T("ConsReportButton"), idArg(id)),
	))
	return &kb
}

// ---- The directory ----

// handleClubDirectory lists the club's consultants with their topics and ratings (/club or the button).
func (f *Feature) handleClubDirectory(ctx context.Context, c *bot.Ctx) error {
	var list []*store.Consultant
	if err := f.Store.View(func(tx *store.Tx) error {
		return tx.EachConsultant(func(k *store.Consultant) error {
			if k.ProfileDone && k.Status != store.ConsultantSuspended {
				list = append(list, k)
			}
			return nil
		})
	}); err != nil {
		return err
	}
	slices.SortStableFunc(list, func(x, y *store.Consultant) int {
		if x.Available() != y.Available() {
			if x.Available() {
				return -1
			}
			return 1
		}
		return compareRating(y, x)
	})
	// Fifteen at most, and fewer when their hours are long: the directory is one message (4096 characters).
	const maxListed, budget = 15, 3800
	lines := []string{c.T("ConsDirectoryTitle")}
	if len(list) == 0 {
		lines = append(lines, c.T("ConsDirectoryEmpty"))
	}
	size, _ := tghtml.Len(lines[0])
	for i, k := range list {
		mark := "⚪️"
		if k.Available() {
			mark = "🟢"
		}
		line := c.T("ConsDirectoryLine", "Mark", mark, "Name", bot.Escape(k.Name),
			"Topics", topicNames(c.Voice, k.Topics), "Rating", rating(c.Voice, k), "Hours", bot.Escape(k.Hours))
		n, _ := tghtml.Len(line)
		if i == maxListed || size+n+1 > budget {
			lines = append(lines, c.T("ConsDirectoryMore", "Count", c.Num(len(list)-i)))
			break
		}
		size += n + 1
		lines = append(lines, line)
	}
	var kb *tgbotapi.InlineKeyboardMarkup
	if c.Update.CallbackQuery != nil {
		back := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			actTopic.Button(c.T("BackButton"), "menu")))
		kb = &back
	}
	return c.Menu(ctx, strings.Join(lines, "\n"), kb)
}

func compareRating(x, y *store.Consultant) int {
	// x.Sum/x.Count vs y.Sum/y.Count without division; unrated sorts last.
	switch {
	case x.RatingCount == 0 && y.RatingCount == 0:
		return 0
	case x.RatingCount == 0:
		return -1
	case y.RatingCount == 0:
		return 1
	}
	l, r := x.RatingSum*y.RatingCount, y.RatingSum*x.RatingCount
	switch {
	case l < r:
		return -1
	case l > r:
		return 1
	}
	return 0
}

// rating renders «★ ۴٫۵ (۱۲)», or "no ratings yet".
func rating(v bot.Voice, k *store.Consultant) string {
	if k.RatingCount == 0 {
		return v.T("ConsNoRatings")
	}
	avg := float64(k.RatingSum) / float64(k.RatingCount)
	s := strconv.FormatFloat(avg, 'f', 1, 64)
	if v.Lang == "fa" {
		s = persian.Float(avg, 1)
	}
	return fmt.Sprintf("★ %s (%s)", s, v.Num(k.RatingCount))
}
