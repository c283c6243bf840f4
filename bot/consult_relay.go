package bot

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// clubState is the club's in-memory state: the relay's flood limit and the sweep's lock. Everything that
// must survive a restart is in the store.
type clubState struct {
	relay relayLimiter
	sweep sync.Mutex // one sweep at a time (the ticker and a direct call may meet)
}

// relayLimiter is the per-chat flood limit while relaying: a chat may relay perMinute messages in a
// fixed one-minute window; beyond that its messages are refused (with one warning per window) so that one
// person cannot flood the other side, nor push the bot into Telegram's own limits. Telegram's 429s on the
// sends themselves are retried after retry_after (Bot.retry).
type relayLimiter struct {
	mu    sync.Mutex
	chats map[int64]*relayWindow
}

type relayWindow struct {
	start  time.Time
	n      int
	warned bool
}

// allow counts a message of chatID at now; warn is true for the first refusal of a window.
func (l *relayLimiter) allow(chatID int64, now time.Time, perMinute int) (ok, warn bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.chats == nil {
		l.chats = map[int64]*relayWindow{}
	}
	w := l.chats[chatID]
	if w == nil || now.Sub(w.start) >= time.Minute || now.Before(w.start) {
		if len(l.chats) > 10_000 {
			for id, old := range l.chats {
				if now.Sub(old.start) >= time.Minute {
					delete(l.chats, id)
				}
			}
		}
		w = &relayWindow{start: now}
		l.chats[chatID] = w
	}
	w.n++
	if w.n <= perMinute {
		return true, false
	}
	warn = !w.warned
	w.warned = true
	return false, warn
}

// consultStepFirst lists the club's own steps that take a typed answer even during a session (a summary
// for an ended session, an abuse report, a profile edit): they are explicit, and short.
func consultStepFirst(step string) bool {
	switch step {
	case stepConsName, stepConsBio, stepConsHours, stepConsSummary, stepConsReport, stepConsComment:
		return true
	}
	return false
}

// inConsultSession is the router's hook: does this non-command message belong to an open session?
func (b *Bot) inConsultSession(c *Ctx) bool {
	if c.User == nil || consultStepFirst(c.User.Step) {
		return false
	}
	open := false
	err := b.Store.View(func(tx *store.Tx) error {
		if cl := tx.ClubLearner(c.User.ID); cl.Current != 0 {
			if r, err := tx.Consultation(cl.Current); err == nil && r.Status == store.ConsultOpen {
				open = true
				return nil
			}
		}
		open = len(tx.ConsultantSessions(c.User.ID)) > 0
		return nil
	})
	if err != nil {
		b.Logger.Error("read consultation state", "err", err)
	}
	return open
}

// relayKind names what a message carries, or "" for what cannot be copied (service messages, quizzes
// whose answer the bot does not know).
func relayKind(m *tgbotapi.Message) string {
	switch {
	case m == nil:
		return ""
	case m.Text != "":
		return "text"
	case len(m.Photo) > 0:
		return "photo"
	case m.Animation != nil:
		return "animation"
	case m.Video != nil:
		return "video"
	case m.VideoNote != nil:
		return "video_note"
	case m.Voice != nil:
		return "voice"
	case m.Audio != nil:
		return "audio"
	case m.Document != nil:
		return "document"
	case m.Sticker != nil:
		return "sticker"
	case m.Venue != nil:
		return "venue"
	case m.Location != nil:
		return "location"
	case m.Contact != nil:
		return "contact"
	case m.Dice != nil:
		return "dice"
	case m.Poll != nil && m.Poll.Type != "quiz":
		return "poll"
	}
	return ""
}

func fileIDOf(m *tgbotapi.Message) string {
	switch {
	case len(m.Photo) > 0:
		return m.Photo[len(m.Photo)-1].FileID
	case m.Animation != nil:
		return m.Animation.FileID
	case m.Video != nil:
		return m.Video.FileID
	case m.VideoNote != nil:
		return m.VideoNote.FileID
	case m.Voice != nil:
		return m.Voice.FileID
	case m.Audio != nil:
		return m.Audio.FileID
	case m.Document != nil:
		return m.Document.FileID
	case m.Sticker != nil:
		return m.Sticker.FileID
	}
	return ""
}

// handleRelay copies a message of an open session to the other side: learner → consultant with a label
// (the learner's first name and the session number, a button that also picks that session), consultant →
// learner as is. A reply to a relayed message replies to its counterpart on the other side; a
// consultant's reply also picks the session it belongs to.
func (b *Bot) handleRelay(ctx context.Context, c *Ctx) error {
	m := c.Update.Message
	if ok, warn := b.club.relay.allow(c.ChatID, b.Now(), b.relayPerMinute()); !ok {
		if warn {
			_, err := c.Reply(ctx, c.T("ConsTooFast"), nil)
			return err
		}
		return nil
	}
	kind := relayKind(m)
	if kind == "" {
		_, err := c.Reply(ctx, c.T("ConsCannotRelay"), nil)
		return err
	}
	replyID := 0
	if m.ReplyToMessage != nil {
		replyID = m.ReplyToMessage.MessageID
	}
	var (
		rec     *store.Consultation
		side    byte // the sender's side
		to      int64
		replyTo int
		label   *tgbotapi.InlineKeyboardMarkup
		problem string
		pick    bool
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		rec, to, replyTo, label, problem, pick = nil, 0, 0, nil, "", false
		if cl := tx.ClubLearner(u.ID); cl.Current != 0 {
			if r, err := tx.Consultation(cl.Current); err == nil && r.Status == store.ConsultOpen {
				if _, err := tx.Consultant(r.ConsultantID); errors.Is(err, store.ErrNotFound) {
					// The consultant left the club: the session cannot go on.
					problem = "ConsConsultantGone"
					return b.closeConsultation(tx, r, "gone")
				}
				rec, side, to = r, store.SideLearner, r.ConsultantID
				if replyID != 0 {
					replyTo = tx.RelayLink(r.ID, store.SideLearner, replyID)
				}
				lc := b.langCtx(langOf(tx, r.ConsultantID))
				kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
					truncateRunes(lc.T("ConsLabel", "Name", u.FirstName, "Session", lc.sessionNum(r.ID)), 60), cb("cssel", idArg(r.ID)))))
				label = &kb
			}
		}
		if rec == nil {
			me, err := tx.Consultant(u.ID)
			if err != nil {
				problem = "ConsNoSession"
				return nil
			}
			sessions := tx.ConsultantSessions(u.ID)
			target := uint64(0)
			if replyID != 0 {
				for _, s := range sessions {
					if p := tx.RelayLink(s, store.SideConsultant, replyID); p != 0 {
						target, replyTo = s, p
						break
					}
				}
			}
			if target == 0 && slices.Contains(sessions, me.Current) {
				target = me.Current
			}
			if target == 0 && len(sessions) == 1 {
				target = sessions[0]
				me.Current = target
				if err := tx.PutConsultant(me); err != nil {
					return err
				}
			}
			if target == 0 {
				pick = len(sessions) > 0
				if !pick {
					problem = "ConsNoSession"
				}
				return nil
			}
			r, err := tx.Consultation(target)
			if errors.Is(err, store.ErrNotFound) || (err == nil && r.Status != store.ConsultOpen) {
				// The learner deleted their data, or the session ended under us.
				problem = "ConsSessionGone"
				return tx.DropConsultantSession(u.ID, target)
			} else if err != nil {
				return err
			}
			rec, side, to = r, store.SideConsultant, r.LearnerID
		}
		rec.LastActive = tx.Now()
		rec.Relayed++
		if rec.Transcript {
			text := m.Text
			if text == "" {
				text = m.Caption
			}
			if err := tx.AddTranscriptLine(rec, store.TranscriptLine{At: tx.Now(), From: side, Kind: kind, Text: text, FileID: fileIDOf(m)}); err != nil {
				return err
			}
		}
		return tx.PutConsultation(rec)
	}); err != nil {
		return err
	}
	switch {
	case pick:
		return b.showSessionPicker(ctx, c, "ConsPickFirst")
	case problem != "":
		_, err := c.Reply(ctx, c.T(problem), nil)
		return err
	}
	copyID, err := b.copyMessage(ctx, to, c.ChatID, m.MessageID, replyTo, label)
	if err != nil {
		var apiErr *tgbotapi.Error
		switch {
		case isGone(err):
			_, err = c.Reply(ctx, c.T("ConsOtherSideUnreachable"), nil)
			return err
		case errors.As(err, &apiErr) && apiErr.Code == 400:
			b.Logger.Info("message could not be relayed", "session", rec.ID, "kind", kind, "err", err)
			_, err = c.Reply(ctx, c.T("ConsCannotRelay"), nil)
			return err
		}
		return err
	}
	other := store.SideConsultant
	if side == store.SideConsultant {
		other = store.SideLearner
	}
	return b.Store.Update(func(tx *store.Tx) error {
		r, err := tx.Consultation(rec.ID)
		if err != nil || r.Status != store.ConsultOpen {
			return nil // ended meanwhile: its links are gone and must stay gone
		}
		if err := tx.PutRelayLink(rec.ID, side, m.MessageID, copyID); err != nil {
			return err
		}
		return tx.PutRelayLink(rec.ID, other, copyID, m.MessageID)
	})
}

// copyMessage copies a message (no forward header: the recipient never sees the sender's account) and
// returns the copy's id. replyTo, when known, makes the copy a reply there.
func (b *Bot) copyMessage(ctx context.Context, to, from int64, msgID, replyTo int, kb *tgbotapi.InlineKeyboardMarkup) (int, error) {
	cfg := tgbotapi.NewCopyMessage(to, from, msgID)
	if replyTo != 0 {
		cfg.ReplyToMessageID, cfg.AllowSendingWithoutReply = replyTo, true
	}
	if kb != nil {
		cfg.ReplyMarkup = kb
	}
	var id int
	err := b.retry(ctx, func() error {
		resp, err := b.API.Request(cfg)
		if err != nil {
			return err
		}
		var mid tgbotapi.MessageID
		if err := json.Unmarshal(resp.Result, &mid); err != nil {
			return err
		}
		id = mid.MessageID
		return nil
	})
	return id, describe("copyMessage", err)
}

// sendReplyText sends HTML text, as a reply to replyTo when it is not 0.
func (b *Bot) sendReplyText(ctx context.Context, chatID int64, text string, kb *tgbotapi.InlineKeyboardMarkup, replyTo int) (tgbotapi.Message, error) {
	msg := tgbotapi.NewMessage(chatID, text)
	msg.ParseMode = tgbotapi.ModeHTML
	msg.DisableWebPagePreview = true
	if kb != nil {
		msg.ReplyMarkup = kb
	}
	if replyTo != 0 {
		msg.ReplyToMessageID, msg.AllowSendingWithoutReply = replyTo, true
	}
	return b.send(ctx, msg)
}

// closeConsultation ends an open session in tx: the learner is free to ask again, and the consultant's
// messages go to their newest other session, if any.
func (b *Bot) closeConsultation(tx *store.Tx, rec *store.Consultation, by string) error {
	rec.Status, rec.Closed, rec.ClosedBy = store.ConsultClosed, tx.Now(), by
	if err := tx.PutConsultation(rec); err != nil {
		return err
	}
	if cl := tx.ClubLearner(rec.LearnerID); cl.Current == rec.ID {
		cl.Current = 0
		if err := tx.PutClubLearner(rec.LearnerID, cl); err != nil {
			return err
		}
	}
	if k, err := tx.Consultant(rec.ConsultantID); err == nil && k.Current == rec.ID {
		k.Current = 0
		if open := tx.ConsultantSessions(k.ID); len(open) > 0 {
			k.Current = open[len(open)-1]
		}
		if err := tx.PutConsultant(k); err != nil {
			return err
		}
	}
	return tx.AddClubStats(func(s *store.ClubStats) { s.Closed++ })
}

// ---- Ending ----

// handleEndCommand ends the sender's session: a consultant's current one, or the learner's.
func (b *Bot) handleEndCommand(ctx context.Context, c *Ctx) error {
	var (
		id      uint64
		waiting uint64
	)
	if err := b.Store.View(func(tx *store.Tx) error {
		if me, err := tx.Consultant(c.User.ID); err == nil {
			if sessions := tx.ConsultantSessions(me.ID); len(sessions) > 0 {
				id = sessions[len(sessions)-1]
				if slices.Contains(sessions, me.Current) {
					id = me.Current
				}
				return nil
			}
		}
		if cl := tx.ClubLearner(c.User.ID); cl.Current != 0 {
			if r, err := tx.Consultation(cl.Current); err == nil {
				switch r.Status {
				case store.ConsultOpen:
					id = r.ID
				case store.ConsultWaiting:
					waiting = r.ID
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	switch {
	case id != 0:
		return b.endSession(ctx, c, id)
	case waiting != 0:
		return b.showQueueStatus(ctx, c, waiting)
	}
	_, err := c.Reply(ctx, c.T("ConsNoSession"), nil)
	return err
}

func (b *Bot) handleEndButton(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return handleStaleButton(ctx, c)
	}
	return b.endSession(ctx, c, id)
}

// endSession closes session id for one of its two sides; both are told, the learner is asked for a
// rating and the consultant offered to write a summary.
func (b *Bot) endSession(ctx context.Context, c *Ctx, id uint64) error {
	var (
		rec       *store.Consultation
		role      string
		already   bool
		otherLang string
		learner   string
		consName  string
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		already = false
		var err error
		rec, err = tx.Consultation(id)
		if errors.Is(err, store.ErrNotFound) {
			already = true
			return nil
		} else if err != nil {
			return err
		}
		switch u.ID {
		case rec.LearnerID:
			role = "learner"
		case rec.ConsultantID:
			role = "consultant"
		default:
			return c.Fail("ButtonExpired")
		}
		if rec.Status != store.ConsultOpen {
			already = true
			return nil
		}
		other := rec.ConsultantID
		if role == "consultant" {
			other = rec.LearnerID
		}
		otherLang = langOf(tx, other)
		learner = firstNameOf(tx, rec.LearnerID)
		if k, err := tx.Consultant(rec.ConsultantID); err == nil {
			consName = k.Name
		}
		return b.closeConsultation(tx, rec, role)
	}); err != nil {
		return err
	}
	if already {
		if c.Update.CallbackQuery != nil {
			return c.Toast(ctx, c.T("ConsAlreadyEnded"), false)
		}
		_, err := c.Reply(ctx, c.T("ConsAlreadyEnded"), nil)
		return err
	}
	_ = c.Toast(ctx, "", false)
	oc := b.langCtx(otherLang)
	if role == "learner" {
		if _, err := c.Reply(ctx, c.T("ConsEndedByYou", "Session", c.sessionNum(id))+"\n\n"+c.T("ConsRatePrompt"), ratingKeyboard(c, id)); err != nil {
			return err
		}
		_, err := b.sendText(ctx, rec.ConsultantID, oc.T("ConsEndedByLearner", "Session", oc.sessionNum(id), "Name", htmlEscape(learner)), afterSessionKeyboard(oc, id))
		if err != nil && !isGone(err) {
			return err
		}
		return nil
	}
	if _, err := c.Reply(ctx, c.T("ConsEndedByYouConsultant", "Session", c.sessionNum(id), "Name", htmlEscape(learner)), afterSessionKeyboard(c, id)); err != nil {
		return err
	}
	_, err := b.sendText(ctx, rec.LearnerID, oc.T("ConsEndedByConsultant", "Session", oc.sessionNum(id), "Name", htmlEscape(consName))+"\n\n"+oc.T("ConsRatePrompt"), ratingKeyboard(oc, id))
	if err != nil && !isGone(err) {
		return err
	}
	return nil
}

func ratingKeyboard(c *Ctx, id uint64) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for n := 1; n <= 5; n++ {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(c.num(n)+"⭐", cb("csrate", idArg(id), strconv.Itoa(n))))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(row)
	return &kb
}

// afterSessionKeyboard is what a consultant can do once a session ended: a summary, or a report.
func afterSessionKeyboard(c *Ctx, id uint64) *tgbotapi.InlineKeyboardMarkup {
	kb := tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(c.T("ConsWriteSummaryButton"), cb("cssum", idArg(id), "w")),
			tgbotapi.NewInlineKeyboardButtonData(c.T("ConsSkipSummaryButton"), cb("cssum", idArg(id), "s")),
		),
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("ConsReportButton"), cb("csrep", idArg(id)))),
	)
	return &kb
}

// ---- Rating and comment ----

func (b *Bot) handleRate(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 2 {
		return handleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	stars, err := strconv.Atoi(c.Data[1])
	if !ok || err != nil || stars < 1 || stars > 5 {
		return handleStaleButton(ctx, c)
	}
	already := false
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		already = false
		rec, err := tx.Consultation(id)
		if err != nil || rec.LearnerID != u.ID || rec.Status != store.ConsultClosed {
			return c.Fail("ButtonExpired")
		}
		if rec.Rating != 0 {
			already = true
			return nil
		}
		rec.Rating = stars
		if err := tx.PutConsultation(rec); err != nil {
			return err
		}
		if k, err := tx.Consultant(rec.ConsultantID); err == nil {
			k.RatingSum += stars
			k.RatingCount++
			if err := tx.PutConsultant(k); err != nil {
				return err
			}
		}
		return tx.AddClubStats(func(s *store.ClubStats) { s.Ratings++ })
	}); err != nil {
		return err
	}
	if already {
		return c.Toast(ctx, c.T("ConsAlreadyRated"), false)
	}
	_ = c.Toast(ctx, c.T("ConsRatedToast"), false)
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("ConsCommentButton"), cb("cscom", idArg(id)))))
	return c.Menu(ctx, c.T("ConsRated", "Session", c.sessionNum(id), "Stars", strings.Repeat("⭐", stars)), &kb)
}

func (b *Bot) handleCommentButton(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return handleStaleButton(ctx, c)
	}
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		rec, err := tx.Consultation(id)
		if err != nil || rec.LearnerID != u.ID || rec.Rating == 0 {
			return c.Fail("ButtonExpired")
		}
		u.Step, u.StepData = stepConsComment, idArg(id)
		return nil
	}); err != nil {
		return err
	}
	return c.Menu(ctx, c.T("ConsCommentPrompt"), nil)
}

func (b *Bot) handleTypedComment(ctx context.Context, c *Ctx) error {
	text, n := cleanInput(c.Update.Message.Text)
	switch {
	case n == 0:
		return c.Fail("ConsTypeText")
	case n > maxCommentRunes:
		return c.Fail("ConsTooLong", "Max", c.num(maxCommentRunes))
	}
	id, _ := parseID(c.User.StepData)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		rec, err := tx.Consultation(id)
		if err != nil || rec.LearnerID != u.ID {
			return nil
		}
		rec.Comment = text
		return tx.PutConsultation(rec)
	}); err != nil {
		return err
	}
	_, err := c.Reply(ctx, c.T("ConsCommentThanks"), nil)
	return err
}

// ---- Summary ----

func (b *Bot) handleSummaryButton(ctx context.Context, c *Ctx, me *store.Consultant) error {
	if len(c.Data) != 2 || (c.Data[1] != "w" && c.Data[1] != "s") {
		return handleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return handleStaleButton(ctx, c)
	}
	write := c.Data[1] == "w"
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		rec, err := tx.Consultation(id)
		if err != nil || rec.ConsultantID != u.ID || rec.Status != store.ConsultClosed {
			return c.Fail("ButtonExpired")
		}
		if rec.SummarySent {
			return c.Fail("ConsSummaryAlreadySent")
		}
		if write {
			u.Step, u.StepData = stepConsSummary, idArg(id)
		}
		return nil
	}); err != nil {
		return err
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("ConsReportButton"), cb("csrep", idArg(id)))))
	if !write {
		return c.Menu(ctx, c.T("ConsSummarySkipped", "Session", c.sessionNum(id)), &kb)
	}
	return c.Menu(ctx, c.T("ConsSummaryPrompt", "Session", c.sessionNum(id)), nil)
}

func (b *Bot) handleTypedSummary(ctx context.Context, c *Ctx, me *store.Consultant) error {
	text, n := cleanInput(c.Update.Message.Text)
	switch {
	case n == 0:
		return c.Fail("ConsTypeText")
	case n > maxSummaryRunes:
		return c.Fail("ConsTooLong", "Max", c.num(maxSummaryRunes))
	}
	id, _ := parseID(c.User.StepData)
	var (
		rec   *store.Consultation
		lLang string
		sent  bool
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		sent = false
		var err error
		rec, err = tx.Consultation(id)
		if err != nil || rec.ConsultantID != u.ID || rec.SummarySent {
			return nil
		}
		rec.SummarySent, sent = true, true
		lLang = langOf(tx, rec.LearnerID)
		return tx.PutConsultation(rec)
	}); err != nil {
		return err
	}
	if !sent {
		return c.Fail("ConsSummaryAlreadySent")
	}
	lc := b.langCtx(lLang)
	// Sent, not stored: the summary lives in the learner's chat only.
	if _, err := b.sendText(ctx, rec.LearnerID, lc.T("ConsSummaryForLearner", "Session", lc.sessionNum(id),
		"Name", htmlEscape(me.Name), "Text", htmlEscape(text)), nil); err != nil {
		if isGone(err) {
			_, err = c.Reply(ctx, c.T("ConsOtherSideUnreachable"), nil)
			return err
		}
		// Not delivered, and the consultant is asked to try again: the summary is not spent, and their
		// next message is the summary again.
		if uerr := c.Apply(func(tx *store.Tx, u *store.User) error {
			r, err := tx.Consultation(id)
			if err != nil {
				return nil
			}
			r.SummarySent = false
			u.Step, u.StepData = stepConsSummary, idArg(id)
			return tx.PutConsultation(r)
		}); uerr != nil {
			b.Logger.Error("reopen an undelivered summary", "session", id, "err", uerr)
		}
		return err
	}
	_, err := c.Reply(ctx, c.T("ConsSummarySent"), nil)
	return err
}

// ---- Sharing the learner's contact ----

// handleShareContact is the learner's consent: the consultant gets their full name and username. A phone
// number only ever reaches a consultant when the learner sends a contact themselves.
func (b *Bot) handleShareContact(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return handleStaleButton(ctx, c)
	}
	var (
		rec     *store.Consultation
		already bool
		kLang   string
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		already = false
		var err error
		rec, err = tx.Consultation(id)
		if err != nil || rec.LearnerID != u.ID || rec.Status != store.ConsultOpen {
			return c.Fail("ConsSessionGone")
		}
		if rec.Shared {
			already = true
			return nil
		}
		rec.Shared = true
		kLang = langOf(tx, rec.ConsultantID)
		return tx.PutConsultation(rec)
	}); err != nil {
		return err
	}
	if already {
		return c.Toast(ctx, c.T("ConsAlreadyShared"), false)
	}
	u := c.User
	full := strings.TrimSpace(u.FirstName + " " + u.LastName)
	kc := b.langCtx(kLang)
	username := kc.T("ConsNoUsername")
	if u.Username != "" {
		username = "@" + htmlEscape(u.Username)
	}
	if _, err := b.sendText(ctx, rec.ConsultantID, kc.T("ConsContactShared", "Session", kc.sessionNum(id),
		"FirstName", htmlEscape(u.FirstName), "FullName", htmlEscape(full), "Username", username), nil); err != nil {
		if isGone(err) {
			_, err = c.Reply(ctx, c.T("ConsOtherSideUnreachable"), nil)
			return err
		}
		// Not delivered, and the learner is asked to try again: [share] must work the second time.
		if uerr := b.Store.Update(func(tx *store.Tx) error {
			r, err := tx.Consultation(id)
			if err != nil {
				return nil
			}
			r.Shared = false
			return tx.PutConsultation(r)
		}); uerr != nil {
			b.Logger.Error("reopen an undelivered contact share", "session", id, "err", uerr)
		}
		return err
	}
	_ = c.Toast(ctx, c.T("ConsSharedToast"), false)
	if q := c.Update.CallbackQuery; q != nil && q.Message != nil {
		// The share button goes; [End] stays.
		edit := tgbotapi.NewEditMessageReplyMarkup(c.ChatID, q.Message.MessageID, *b.learnerSessionKeyboard(c, rec))
		if err := b.request(ctx, edit); err != nil && !isNotModified(err) {
			b.Logger.Warn("drop share button", "err", err)
		}
	}
	_, err := c.Reply(ctx, c.T("ConsSharedDone"), nil)
	return err
}

// ---- Abuse reports ----

func (b *Bot) handleReportButton(ctx context.Context, c *Ctx, me *store.Consultant) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return handleStaleButton(ctx, c)
	}
	return b.askReport(ctx, c, id)
}

// handleReportCommand reports the learner of the consultant's current session.
func (b *Bot) handleReportCommand(ctx context.Context, c *Ctx, me *store.Consultant) error {
	var id uint64
	_ = b.Store.View(func(tx *store.Tx) error {
		if sessions := tx.ConsultantSessions(me.ID); slices.Contains(sessions, me.Current) {
			id = me.Current
		} else if len(sessions) > 0 {
			id = sessions[len(sessions)-1]
		}
		return nil
	})
	if id == 0 {
		return c.Fail("ConsReportNoSession")
	}
	return b.askReport(ctx, c, id)
}

func (b *Bot) askReport(ctx context.Context, c *Ctx, id uint64) error {
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		rec, err := tx.Consultation(id)
		if err != nil || rec.ConsultantID != u.ID {
			return c.Fail("ButtonExpired")
		}
		u.Step, u.StepData = stepConsReport, idArg(id)
		return nil
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	_, err := c.Reply(ctx, c.T("ConsReportPrompt", "Session", c.sessionNum(id)), nil)
	return err
}

// handleTypedReport files the report and tells the admins through the outbox, with a button to bar the
// learner.
func (b *Bot) handleTypedReport(ctx context.Context, c *Ctx, me *store.Consultant) error {
	text, n := cleanInput(c.Update.Message.Text)
	switch {
	case n == 0:
		return c.Fail("ConsTypeText")
	case n > maxReportRunes:
		return c.Fail("ConsTooLong", "Max", c.num(maxReportRunes))
	}
	id, _ := parseID(c.User.StepData)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		rec, err := tx.Consultation(id)
		if err != nil || rec.ConsultantID != u.ID {
			return nil
		}
		r := &store.AbuseReport{ConsultationID: id, ConsultantID: u.ID, LearnerID: rec.LearnerID, Reason: text}
		if err := tx.AddAbuseReport(r); err != nil {
			return err
		}
		rec.Reported = true
		if err := tx.PutConsultation(rec); err != nil {
			return err
		}
		learner := firstNameOf(tx, rec.LearnerID)
		for _, admin := range b.Admins {
			ac := b.langCtx(langOf(tx, admin))
			kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData(ac.T("ConsBarButton"), cb("csadm", "bar", strconv.FormatInt(rec.LearnerID, 10)))))
			if err := b.enqueue(tx, Notice{ChatID: admin, Keyboard: &kb, Text: ac.T("ConsReportForAdmins",
				"Report", ac.num(int(r.ID)), "Session", ac.sessionNum(id), "Consultant", htmlEscape(me.Name),
				"Learner", htmlEscape(learner), "LearnerID", strconv.FormatInt(rec.LearnerID, 10), "Reason", htmlEscape(text))}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	_, err := c.Reply(ctx, c.T("ConsReportSent"), nil)
	return err
}
