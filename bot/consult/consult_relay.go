package consult

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// relayLimiter is the per-chat flood limit while relaying: a chat may relay perMinute messages in a
// fixed one-minute window; beyond that its messages are refused (with one warning per window) so that one
// person cannot flood the other side, nor push the bot into Telegram's own limits. Telegram's 429s on the
// sends themselves are retried after retry_after (bot.Bot.Retry).
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

// inConsultSession is the relay's intercept (register.go): does this non-command message belong to an open session?
func (f *Feature) inConsultSession(c *bot.Ctx) bool {
	if c.User == nil || consultStepFirst(c.User.Step) {
		return false
	}
	open := false
	err := f.Store.View(func(tx *store.Tx) error {
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
		f.Logger.Error("read consultation state", "err", err)
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
func (f *Feature) handleRelay(ctx context.Context, c *bot.Ctx) error {
	m := c.Update.Message
	if ok, warn := f.relay.allow(c.ChatID, f.Now(), f.relayPerMinute()); !ok {
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
		// signature labels a consultant's message for the learner («💬 نیلوفر، مشاور»), so it never
		// looks like the bot's own
		signature string
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		rec, to, replyTo, label, problem, pick, signature = nil, 0, 0, nil, "", false, ""
		if cl := tx.ClubLearner(u.ID); cl.Current != 0 {
			if r, err := tx.Consultation(cl.Current); err == nil && r.Status == store.ConsultOpen {
				if _, err := tx.Consultant(r.ConsultantID); errors.Is(err, store.ErrNotFound) {
					// The consultant left the club: the session cannot go on.
					problem = "ConsConsultantGone"
					return f.closeConsultation(tx, r, "gone")
				}
				rec, side, to = r, store.SideLearner, r.ConsultantID
				if replyID != 0 {
					replyTo = tx.RelayLink(r.ID, store.SideLearner, replyID)
				}
				lc := f.Voice(langOf(tx, r.ConsultantID))
				kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(actPick.Button(bot.Truncate(lc.T("ConsLabel", "Name", u.FirstName, "Session", sessionNum(lc, r.ID)), 60), idArg(r.ID))))
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
			name := me.Name
			if name == "" {
				name = u.FirstName
			}
			signature = f.Voice(langOf(tx, r.LearnerID)).T("ConsReplyLabel", "Name", bot.Escape(bot.Truncate(name, 64)))
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
		return f.showSessionPicker(ctx, c, "ConsPickFirst")
	case problem != "":
		_, err := c.Reply(ctx, c.T(problem), nil)
		return err
	}
	var copyID int
	var err error
	if signature != "" {
		copyID, err = f.relaySigned(ctx, to, m, replyTo, signature)
	} else {
		copyID, err = f.copyMessage(ctx, to, c.ChatID, m.MessageID, replyTo, label)
	}
	if err != nil {
		var apiErr *tgbotapi.Error
		switch {
		case bot.IsGone(err):
			_, err = c.Reply(ctx, c.T("ConsOtherSideUnreachable"), nil)
			return err
		case errors.As(err, &apiErr) && apiErr.Code == 400:
			f.Logger.Info("message could not be relayed", "session", rec.ID, "kind", kind, "err", err)
			_, err = c.Reply(ctx, c.T("ConsCannotRelay"), nil)
			return err
		}
		return err
	}
	other := store.SideConsultant
	if side == store.SideConsultant {
		other = store.SideLearner
	}
	return f.Store.Update(func(tx *store.Tx) error {
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

// relaySigned relays a consultant's message to the learner under their signature: a text as one
// message that starts with it, a captioned medium copied with the signature heading its caption, anything
// else (a sticker, a video note, a location) copied after a line with the signature. Returns the id of
// the message that carries the content.
func (f *Feature) relaySigned(ctx context.Context, to int64, m *tgbotapi.Message, replyTo int, signature string) (int, error) {
	head := "<b>" + signature + "</b>"
	if m.Text != "" && utf8.RuneCountInString(m.Text) <= maxSignedText {
		sent, err := f.sendReplyText(ctx, to, head+"\n"+bot.Escape(m.Text), nil, replyTo)
		return sent.MessageID, err
	}
	if m.Photo != nil || m.Video != nil || m.Document != nil || m.Audio != nil || m.Voice != nil || m.Animation != nil {
		caption := head
		if m.Caption != "" {
			caption += "\n" + bot.Escape(bot.Truncate(m.Caption, f.Platform.CaptionMax-captionSignatureRoom))
		}
		return f.copyMessageCaptioned(ctx, to, m.Chat.ID, m.MessageID, replyTo, caption)
	}
	if _, err := f.sendReplyText(ctx, to, head, nil, replyTo); err != nil {
		return 0, err
	}
	return f.copyMessage(ctx, to, m.Chat.ID, m.MessageID, replyTo, nil)
}

// Room left for the consultant's words beside the signature: a message takes 4096 characters of text,
// and a caption the platform's CaptionMax (1024 on Telegram, 4096 on Bale).
const (
	maxSignedText        = 4000
	captionSignatureRoom = 74
)

// copyMessageCaptioned is copyMessage with a new caption (HTML).
func (f *Feature) copyMessageCaptioned(ctx context.Context, to, from int64, msgID, replyTo int, caption string) (int, error) {
	cfg := tgbotapi.NewCopyMessage(to, from, msgID)
	cfg.Caption, cfg.ParseMode = caption, tgbotapi.ModeHTML
	if replyTo != 0 {
		cfg.ReplyToMessageID, cfg.AllowSendingWithoutReply = replyTo, true
	}
	return f.requestCopy(ctx, cfg)
}

// copyMessage copies a message (no forward header: the recipient never sees the sender's account) and
// returns the copy's id. replyTo, when known, makes the copy a reply there.
func (f *Feature) copyMessage(ctx context.Context, to, from int64, msgID, replyTo int, kb *tgbotapi.InlineKeyboardMarkup) (int, error) {
	cfg := tgbotapi.NewCopyMessage(to, from, msgID)
	if replyTo != 0 {
		cfg.ReplyToMessageID, cfg.AllowSendingWithoutReply = replyTo, true
	}
	if kb != nil {
		cfg.ReplyMarkup = kb
	}
	return f.requestCopy(ctx, cfg)
}

func (f *Feature) requestCopy(ctx context.Context, cfg tgbotapi.CopyMessageConfig) (int, error) {
	var id int
	err := f.SendRaw(ctx, cfg.ChatID, "copyMessage", func() error {
		resp, err := f.API.Request(cfg)
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
	return id, err
}

// sendReplyText sends HTML text, as a reply to replyTo when it is not 0.
func (f *Feature) sendReplyText(ctx context.Context, chatID int64, text string, kb *tgbotapi.InlineKeyboardMarkup, replyTo int) (tgbotapi.Message, error) {
	msg := tgbotapi.NewMessage(chatID, text)
	msg.ParseMode = tgbotapi.ModeHTML
	msg.DisableWebPagePreview = true
	if kb != nil {
		msg.ReplyMarkup = kb
	}
	if replyTo != 0 {
		msg.ReplyToMessageID, msg.AllowSendingWithoutReply = replyTo, true
	}
	return f.Send(ctx, msg)
}

// closeConsultation ends an open session in tx: the learner is free to ask again, and the consultant's
// messages go to their newest other session, if any.
func (f *Feature) closeConsultation(tx *store.Tx, rec *store.Consultation, by string) error {
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
func (f *Feature) handleEndCommand(ctx context.Context, c *bot.Ctx) error {
	var (
		id      uint64
		waiting uint64
	)
	if err := f.Store.View(func(tx *store.Tx) error {
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
		return f.endSession(ctx, c, id)
	case waiting != 0:
		return f.showQueueStatus(ctx, c, waiting)
	}
	_, err := c.Reply(ctx, c.T("ConsNoSession"), nil)
	return err
}

func (f *Feature) handleEndButton(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	return f.endSession(ctx, c, id)
}

// endSession closes session id for one of its two sides; both are told, the learner is asked for a
// rating and the consultant offered to write a summary.
func (f *Feature) endSession(ctx context.Context, c *bot.Ctx, id uint64) error {
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
		return f.closeConsultation(tx, rec, role)
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
	oc := f.Voice(otherLang)
	if role == "learner" {
		if _, err := c.Reply(ctx, c.T("ConsEndedByYou", "Session", sessionNum(c.Voice, id))+"\n\n"+c.T("ConsRatePrompt"), ratingKeyboard(c.Voice, id)); err != nil {
			return err
		}
		_, err := f.SendText(ctx, rec.ConsultantID, oc.T("ConsEndedByLearner", "Session", sessionNum(oc, id), "Name", bot.Escape(learner)), afterSessionKeyboard(oc, id))
		if err != nil && !bot.IsGone(err) {
			return err
		}
		return nil
	}
	if _, err := c.Reply(ctx, c.T("ConsEndedByYouConsultant", "Session", sessionNum(c.Voice, id), "Name", bot.Escape(learner)), afterSessionKeyboard(c.Voice, id)); err != nil {
		return err
	}
	_, err := f.SendText(ctx, rec.LearnerID, oc.T("ConsEndedByConsultant", "Session", sessionNum(oc, id), "Name", bot.Escape(consName))+"\n\n"+oc.T("ConsRatePrompt"), ratingKeyboard(oc, id))
	if err != nil && !bot.IsGone(err) {
		return err
	}
	return nil
}

func ratingKeyboard(v bot.Voice, id uint64) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for n := 1; n <= 5; n++ {
		row = append(row, actRate.Button(v.Num(n)+"⭐", idArg(id), strconv.Itoa(n)))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(row)
	return &kb
}

// afterSessionKeyboard is what a consultant can do once a session ended: a summary, or a report.
func afterSessionKeyboard(v bot.Voice, id uint64) *tgbotapi.InlineKeyboardMarkup {
	kb := tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(
			actSummary.Button(v.T("ConsWriteSummaryButton"), idArg(id), "w"),
			actSummary.Button(v.T("ConsSkipSummaryButton"), idArg(id), "s"),
		),
		tgbotapi.NewInlineKeyboardRow(actReport.Button(v.T("ConsReportButton"), idArg(id))),
	)
	return &kb
}

// ---- Rating and comment ----

func (f *Feature) handleRate(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	stars, err := strconv.Atoi(c.Data[1])
	if !ok || err != nil || stars < 1 || stars > 5 {
		return bot.HandleStaleButton(ctx, c)
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
		actComment.Button(c.T("ConsCommentButton"), idArg(id))))
	return c.Menu(ctx, c.T("ConsRated", "Session", sessionNum(c.Voice, id), "Stars", strings.Repeat("⭐", stars)), &kb)
}

func (f *Feature) handleCommentButton(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
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

func (f *Feature) handleTypedComment(ctx context.Context, c *bot.Ctx) error {
	text, n := cleanInput(c.Update.Message.Text)
	switch {
	case n == 0:
		return c.Fail("ConsTypeText")
	case n > maxCommentRunes:
		return c.Fail("ConsTooLong", "Max", c.Num(maxCommentRunes))
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

// afterSessionRefusal is why the consultant of rec may no longer write about it (a summary that reaches
// the learner, an abuse report), read in the transaction that would act: the consultant was suspended or
// removed, or an admin closed the session. "" when they may. The buttons stay in old chats and callback
// data can be forged, so the check cannot rely on the buttons having been taken away.
func afterSessionRefusal(tx *store.Tx, rec *store.Consultation) string {
	if k, err := tx.Consultant(rec.ConsultantID); err != nil || k.Status == store.ConsultantSuspended {
		return "ConsSuspendedNoWrite"
	}
	if rec.ClosedBy == closedByAdmin {
		return "ConsClosedByAdminNoWrite"
	}
	return ""
}

func (f *Feature) handleSummaryButton(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	if len(c.Data) != 2 || (c.Data[1] != "w" && c.Data[1] != "s") {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
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
		if refusal := afterSessionRefusal(tx, rec); refusal != "" {
			return c.Fail(refusal)
		}
		if write {
			u.Step, u.StepData = stepConsSummary, idArg(id)
		}
		return nil
	}); err != nil {
		return err
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		actReport.Button(c.T("ConsReportButton"), idArg(id))))
	if !write {
		return c.Menu(ctx, c.T("ConsSummarySkipped", "Session", sessionNum(c.Voice, id)), &kb)
	}
	return c.Menu(ctx, c.T("ConsSummaryPrompt", "Session", sessionNum(c.Voice, id)), nil)
}

func (f *Feature) handleTypedSummary(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	text, n := cleanInput(c.Update.Message.Text)
	switch {
	case n == 0:
		return c.Fail("ConsTypeText")
	case n > maxSummaryRunes:
		return c.Fail("ConsTooLong", "Max", c.Num(maxSummaryRunes))
	}
	id, _ := parseID(c.User.StepData)
	var (
		rec     *store.Consultation
		lLang   string
		sent    bool
		refusal string
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = "", ""
		sent, refusal = false, ""
		var err error
		rec, err = tx.Consultation(id)
		if err != nil || rec.ConsultantID != u.ID || rec.SummarySent {
			return nil
		}
		if refusal = afterSessionRefusal(tx, rec); refusal != "" {
			return nil
		}
		rec.SummarySent, sent = true, true
		lLang = langOf(tx, rec.LearnerID)
		return tx.PutConsultation(rec)
	}); err != nil {
		return err
	}
	if refusal != "" {
		return c.Fail(refusal)
	}
	if !sent {
		return c.Fail("ConsSummaryAlreadySent")
	}
	lc := f.Voice(lLang)
	// Sent, not stored: the summary lives in the learner's chat only.
	if _, err := f.SendText(ctx, rec.LearnerID, lc.T("ConsSummaryForLearner", "Session", sessionNum(lc, id),
		"Name", bot.Escape(me.Name), "Text", bot.Escape(text)), nil); err != nil {
		if bot.IsGone(err) {
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
			f.Logger.Error("reopen an undelivered summary", "session", id, "err", uerr)
		}
		return err
	}
	_, err := c.Reply(ctx, c.T("ConsSummarySent"), nil)
	return err
}

// ---- Sharing the learner's contact ----

// handleShareContact is the learner's consent: the consultant gets their full name and username. A phone
// number only ever reaches a consultant when the learner sends a contact themselves.
func (f *Feature) handleShareContact(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
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
	kc := f.Voice(kLang)
	username := kc.T("ConsNoUsername")
	if u.Username != "" {
		username = "@" + bot.Escape(u.Username)
	}
	if _, err := f.SendText(ctx, rec.ConsultantID, kc.T("ConsContactShared", "Session", sessionNum(kc, id),
		"FirstName", bot.Escape(u.FirstName), "FullName", bot.Escape(full), "Username", username), nil); err != nil {
		if bot.IsGone(err) {
			_, err = c.Reply(ctx, c.T("ConsOtherSideUnreachable"), nil)
			return err
		}
		// Not delivered, and the learner is asked to try again: [share] must work the second time.
		if uerr := f.Store.Update(func(tx *store.Tx) error {
			r, err := tx.Consultation(id)
			if err != nil {
				return nil
			}
			r.Shared = false
			return tx.PutConsultation(r)
		}); uerr != nil {
			f.Logger.Error("reopen an undelivered contact share", "session", id, "err", uerr)
		}
		return err
	}
	_ = c.Toast(ctx, c.T("ConsSharedToast"), false)
	if q := c.Update.CallbackQuery; q != nil && q.Message != nil {
		// The share button goes; [End] stays.
		edit := tgbotapi.NewEditMessageReplyMarkup(c.ChatID, q.Message.MessageID, *f.learnerSessionKeyboard(c.Voice, rec))
		if err := f.Request(ctx, edit); err != nil && !bot.IsNotModified(err) {
			f.Logger.Warn("drop share button", "err", err)
		}
	}
	_, err := c.Reply(ctx, c.T("ConsSharedDone"), nil)
	return err
}

// ---- Abuse reports ----

func (f *Feature) handleReportButton(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	if len(c.Data) != 1 {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	return f.askReport(ctx, c, id)
}

// handleReportCommand reports the learner of the consultant's current session.
func (f *Feature) handleReportCommand(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	var id uint64
	_ = f.Store.View(func(tx *store.Tx) error {
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
	return f.askReport(ctx, c, id)
}

func (f *Feature) askReport(ctx context.Context, c *bot.Ctx, id uint64) error {
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		rec, err := tx.Consultation(id)
		if err != nil || rec.ConsultantID != u.ID {
			return c.Fail("ButtonExpired")
		}
		if refusal := afterSessionRefusal(tx, rec); refusal != "" {
			return c.Fail(refusal)
		}
		u.Step, u.StepData = stepConsReport, idArg(id)
		return nil
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	_, err := c.Reply(ctx, c.T("ConsReportPrompt", "Session", sessionNum(c.Voice, id)), nil)
	return err
}

// handleTypedReport files the report and tells the admins through the outbox, with a button to bar the
// learner.
func (f *Feature) handleTypedReport(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	text, n := cleanInput(c.Update.Message.Text)
	switch {
	case n == 0:
		return c.Fail("ConsTypeText")
	case n > maxReportRunes:
		return c.Fail("ConsTooLong", "Max", c.Num(maxReportRunes))
	}
	id, _ := parseID(c.User.StepData)
	refusal := ""
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData, refusal = "", "", ""
		rec, err := tx.Consultation(id)
		if err != nil || rec.ConsultantID != u.ID {
			return nil
		}
		if refusal = afterSessionRefusal(tx, rec); refusal != "" {
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
		for _, admin := range f.Admins {
			ac := f.Voice(langOf(tx, admin))
			kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
				actAdminConsl.Button(ac.T("ConsBarButton"), "bar", strconv.FormatInt(rec.LearnerID, 10))))
			if err := f.Enqueue(tx, bot.Notice{ChatID: admin, Keyboard: &kb, Text: ac.T("ConsReportForAdmins",
				"Report", ac.Num(int(r.ID)), "Session", sessionNum(ac, id), "Consultant", bot.Escape(me.Name),
				"Learner", bot.Escape(learner), "LearnerID", strconv.FormatInt(rec.LearnerID, 10), "Reason", bot.Escape(text))}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if refusal != "" {
		return c.Fail(refusal)
	}
	_, err := c.Reply(ctx, c.T("ConsReportSent"), nil)
	return err
}
