package consult

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
)

// newInviteToken is 18 random bytes in base64url: 24 characters, unguessable, fit for a deep link.
func newInviteToken() (string, error) {
	buf := make([]byte, 18)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// handleInviteConsultant makes a one-time invite link valid for a week.
func (f *Feature) handleInviteConsultant(ctx context.Context, c *bot.Ctx) error {
	token, err := newInviteToken()
	if err != nil {
		return err
	}
	var inv *store.Invite
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		inv = &store.Invite{Token: token, CreatedBy: u.ID, Created: tx.Now(), Expires: tx.Now().Add(inviteTTL)}
		return tx.PutInvite(inv)
	}); err != nil {
		return err
	}
	link := f.DeepLink(invitePrefix + token)
	_, err = c.Reply(ctx, c.T("ConsInviteCreated", "Link", bot.Escape(link), "Date", c.Date(inv.Expires)), nil)
	return err
}

// parseUserID reads a Telegram user id typed by an admin, in any digits.
func parseUserID(s string) (int64, bool) {
	n, err := persian.ParseInt(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, false
	}
	return int64(n), true
}

// parseTranscriptDays reads /transcripts' argument: "off" (or 0) switches transcripts off, a number of
// days from 1 to 365 keeps them that long.
func parseTranscriptDays(s string) (days int, ok bool) {
	s = strings.ToLower(persian.Normalize(s))
	switch s {
	case "off", "خاموش", "0":
		return 0, true
	}
	n, err := persian.ParseInt(s)
	if err != nil || n < 1 || n > 365 {
		return 0, false
	}
	return n, true
}

// ---- The consultant list ----

// consultantsPerPage keeps a page of /consultants well inside one message (4096 characters) and its
// buttons inside Telegram's 100.
const consultantsPerPage = 10

func (f *Feature) handleConsultantList(ctx context.Context, c *bot.Ctx) error {
	return f.showConsultantList(ctx, c, 0, 0)
}

// showConsultantList shows a page of the consultants, in id order: page, or the page where the consultant
// focus is (or would be, once removed) when focus is not 0.
func (f *Feature) showConsultantList(ctx context.Context, c *bot.Ctx, page int, focus int64) error {
	var list []*store.Consultant
	if err := f.Store.View(func(tx *store.Tx) error {
		return tx.EachConsultant(func(k *store.Consultant) error { list = append(list, k); return nil })
	}); err != nil {
		return err
	}
	if len(list) == 0 {
		return c.Menu(ctx, c.T("ConsAdminNoConsultants"), nil)
	}
	if focus != 0 {
		page = slices.IndexFunc(list, func(k *store.Consultant) bool { return k.ID >= focus })
		if page < 0 {
			page = len(list) - 1
		}
		page /= consultantsPerPage
	}
	pages := (len(list) + consultantsPerPage - 1) / consultantsPerPage
	page = min(max(page, 0), pages-1)
	title := c.T("ConsAdminListTitle")
	if pages > 1 {
		title += " " + c.T("EvPage", "Page", c.Num(page+1), "Pages", c.Num(pages))
	}
	lines := []string{title}
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, k := range list[page*consultantsPerPage : min((page+1)*consultantsPerPage, len(list))] {
		name := k.Name
		if name == "" {
			name = c.T("ConsProfileUnfinished")
		}
		lines = append(lines, c.T("ConsAdminLine", "Name", bot.Escape(name), "ID", strconv.FormatInt(k.ID, 10),
			"Status", c.T("ConsStatus_"+k.Status), "Topics", topicNames(c.Voice, k.Topics), "Rating", rating(c.Voice, k), "Sessions", c.Num(k.Sessions)))
		toggle := actAdminConsl.Button(bot.Truncate(c.T("ConsSuspendButton", "Name", name), 40), "sus", strconv.FormatInt(k.ID, 10))
		if k.Status == store.ConsultantSuspended {
			toggle = actAdminConsl.Button(bot.Truncate(c.T("ConsReinstateButton", "Name", name), 40), "act", strconv.FormatInt(k.ID, 10))
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(toggle,
			actAdminConsl.Button(c.T("ConsRemoveButton"), "rm", strconv.FormatInt(k.ID, 10))))
	}
	var nav []tgbotapi.InlineKeyboardButton
	if page > 0 {
		nav = append(nav, actAdminConsl.Button(c.T("EvPrevButton"), "list", strconv.Itoa(page-1)))
	}
	if page < pages-1 {
		nav = append(nav, actAdminConsl.Button(c.T("EvNextButton"), "list", strconv.Itoa(page+1)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, strings.Join(lines, "\n"), &kb)
}

// handleConsultantAdminButton: "csadm|<op>|<id>" with op sus (suspend), act (reinstate), rm (ask to
// remove), rmy (remove), bar (bar a learner), list.
func (f *Feature) handleConsultantAdminButton(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) == 1 && c.Data[0] == "list" {
		return f.handleConsultantList(ctx, c)
	}
	if len(c.Data) == 2 && c.Data[0] == "list" { // "csadm|list|<page>"
		page, err := strconv.Atoi(c.Data[1])
		if err != nil || page < 0 || page > 10000 {
			return bot.HandleStaleButton(ctx, c)
		}
		return f.showConsultantList(ctx, c, page, 0)
	}
	if len(c.Data) != 2 {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseUserID(c.Data[1])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	switch c.Data[0] {
	case "bar":
		return f.barLearner(ctx, c, id)
	case "rm":
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			actAdminConsl.Button(c.T("ConsRemoveConfirmButton"), "rmy", strconv.FormatInt(id, 10)),
			actAdminConsl.Button(c.T("BackButton"), "list"),
		))
		name := "—"
		if k, err := f.consultant(id); err == nil {
			name = k.Name
		}
		return c.Menu(ctx, c.T("ConsRemoveAsk", "Name", bot.Escape(name)), &kb)
	case "sus", "act", "rmy":
	default:
		return bot.HandleStaleButton(ctx, c)
	}
	op := c.Data[0]
	changed := false
	if err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		changed = false
		k, err := tx.Consultant(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		kc := f.Voice(langOf(tx, id))
		switch op {
		case "act":
			if k.Status != store.ConsultantSuspended {
				return nil
			}
			k.Status = store.ConsultantAway // they say when they are back, with /available
			changed = true
			if err := tx.PutConsultant(k); err != nil {
				return err
			}
			return f.Enqueue(tx, bot.Notice{ChatID: id, Text: kc.T("ConsReinstated")})
		case "sus":
			if k.Status == store.ConsultantSuspended {
				return nil
			}
			k.Status = store.ConsultantSuspended
			if err := tx.PutConsultant(k); err != nil {
				return err
			}
		}
		changed = true
		if err := f.closeSessionsOf(tx, k); err != nil {
			return err
		}
		notice := "ConsYouWereSuspended"
		if op == "rmy" {
			notice = "ConsYouWereRemoved"
			if err := tx.DeleteConsultant(id); err != nil {
				return err
			}
		}
		return f.Enqueue(tx, bot.Notice{ChatID: id, Text: kc.T(notice)})
	}); err != nil {
		return err
	}
	if !changed {
		// A second tap on a stale button: the list already shows this, and an identical edit is an error.
		return c.Toast(ctx, c.T("Saved"), false)
	}
	_ = c.Toast(ctx, c.T("Saved"), false)
	return f.showConsultantList(ctx, c, 0, id)
}

// closedByAdmin is Consultation.ClosedBy for a session an admin ended (a suspension, a bar): its consultant
// may no longer write a summary or report about it.
const closedByAdmin = "admin"

// closeSessionsOf ends a consultant's open sessions (suspension, removal); their learners hear it through
// the outbox.
func (f *Feature) closeSessionsOf(tx *store.Tx, k *store.Consultant) error {
	for _, id := range tx.ConsultantSessions(k.ID) {
		rec, err := tx.Consultation(id)
		if err != nil {
			if err := tx.DropConsultantSession(k.ID, id); err != nil {
				return err
			}
			continue
		}
		if rec.Status != store.ConsultOpen {
			continue
		}
		if err := f.closeConsultation(tx, rec, closedByAdmin); err != nil {
			return err
		}
		lc := f.Voice(langOf(tx, rec.LearnerID))
		if err := f.Enqueue(tx, bot.Notice{ChatID: rec.LearnerID, Text: lc.T("ConsClosedConsultantLeft", "Session", sessionNum(lc, id))}); err != nil {
			return err
		}
	}
	return nil
}

// ---- Bars ----

func (f *Feature) handleBarCommand(ctx context.Context, c *bot.Ctx) error {
	id, ok := parseUserID(c.Args)
	if !ok {
		return c.Fail("ConsBarUsage")
	}
	return f.barLearner(ctx, c, id)
}

func (f *Feature) handleUnbarCommand(ctx context.Context, c *bot.Ctx) error {
	id, ok := parseUserID(c.Args)
	if !ok {
		return c.Fail("ConsUnbarUsage")
	}
	was := false
	if err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		was = tx.Barred(id)
		return tx.DeleteBar(id)
	}); err != nil {
		return err
	}
	msg := "ConsUnbarred"
	if !was {
		msg = "ConsWasNotBarred"
	}
	_, err := c.Reply(ctx, c.T(msg, "ID", strconv.FormatInt(id, 10)), nil)
	return err
}

// barLearner keeps a learner out of the club: a waiting request is withdrawn, an open session closed
// (its consultant told), and the learner told, through the outbox. Its routes (/bar, the csadm button)
// are admin-only.
func (f *Feature) barLearner(ctx context.Context, c *bot.Ctx, id int64) error {
	var (
		withdrawn *store.Consultation
		already   bool
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		withdrawn, already = nil, tx.Barred(id)
		if already {
			return nil
		}
		if err := tx.PutBar(id, store.Bar{By: u.ID, At: tx.Now()}); err != nil {
			return err
		}
		if cl := tx.ClubLearner(id); cl.Current != 0 {
			if rec, err := tx.Consultation(cl.Current); err == nil {
				switch rec.Status {
				case store.ConsultWaiting:
					rec.Status, rec.Closed, rec.ClosedBy = store.ConsultCancelled, tx.Now(), closedByAdmin
					if err := tx.PutConsultation(rec); err != nil {
						return err
					}
					cl.Current = 0
					if err := tx.PutClubLearner(id, cl); err != nil {
						return err
					}
					withdrawn = rec
				case store.ConsultOpen:
					if err := f.closeConsultation(tx, rec, closedByAdmin); err != nil {
						return err
					}
					kc := f.Voice(langOf(tx, rec.ConsultantID))
					if err := f.Enqueue(tx, bot.Notice{ChatID: rec.ConsultantID, Text: kc.T("ConsClosedLearnerBarred",
						"Session", sessionNum(kc, rec.ID), "Name", bot.Escape(firstNameOf(tx, id)))}); err != nil {
						return err
					}
				}
			}
		}
		if _, err := tx.User(id); err != nil {
			return nil // never talked to the bot: barred in advance, nobody to tell
		}
		lc := f.Voice(langOf(tx, id))
		return f.Enqueue(tx, bot.Notice{ChatID: id, Text: lc.T("ConsYouAreBarred")})
	}); err != nil {
		return err
	}
	if withdrawn != nil {
		f.retireCards(ctx, withdrawn, 0, "ConsCardWithdrawn")
	}
	msg := "ConsBarredAdmin"
	if already {
		msg = "ConsAlreadyBarred"
	}
	text := c.T(msg, "ID", strconv.FormatInt(id, 10))
	if c.Update.CallbackQuery != nil {
		return c.Toast(ctx, bot.Truncate(tghtmlPlain(text), 200), true)
	}
	_, err := c.Reply(ctx, text, nil)
	return err
}

// tghtmlPlain strips Telegram HTML for a toast, which is plain text.
func tghtmlPlain(s string) string {
	if p, err := tghtml.Plain(s); err == nil {
		return p
	}
	return s
}

// ---- Figures ----

// handleConsultationStats is /consultations: the queue, open sessions, waits and ratings.
func (f *Feature) handleConsultationStats(ctx context.Context, c *bot.Ctx) error {
	var (
		waiting, offline, open int
		stats                  store.ClubStats
		settings               store.ClubSettings
		reports                int
		list                   []*store.Consultant
	)
	if err := f.Store.View(func(tx *store.Tx) error {
		for _, id := range tx.LiveConsultations() {
			rec, err := tx.Consultation(id)
			if err != nil {
				continue
			}
			switch rec.Status {
			case store.ConsultWaiting:
				waiting++
				if rec.Offline {
					offline++
				}
			case store.ConsultOpen:
				open++
			}
		}
		stats, settings, reports = tx.ClubStats(), tx.ClubSettings(), tx.CountAbuseReports()
		return tx.EachConsultant(func(k *store.Consultant) error { list = append(list, k); return nil })
	}); err != nil {
		return err
	}
	avg := c.T("ConsNone")
	if stats.Claims > 0 {
		avg = c.Duration(max(1, int((stats.AverageWait()+30e9)/60e9)))
	}
	transcripts := c.T("ConsTranscriptsOff")
	if settings.TranscriptDays > 0 {
		transcripts = c.T("ConsTranscriptsOn", "Days", c.Num(settings.TranscriptDays))
	}
	lines := []string{c.T("ConsStats", "Waiting", c.Num(waiting), "Offline", c.Num(offline), "Open", c.Num(open),
		"Requests", c.Num(stats.Requests), "Claims", c.Num(stats.Claims), "Wait", avg, "Closed", c.Num(stats.Closed),
		"Ratings", c.Num(stats.Ratings), "Reports", c.Num(reports), "Transcripts", transcripts)}
	if len(list) > 0 {
		lines = append(lines, "", c.T("ConsStatsRatings"))
	}
	for _, k := range list {
		name := k.Name
		if name == "" {
			name = c.T("ConsProfileUnfinished")
		}
		lines = append(lines, c.T("ConsStatsLine", "Name", bot.Escape(name), "Status", c.T("ConsStatus_"+k.Status),
			"Rating", rating(c.Voice, k), "Sessions", c.Num(k.Sessions)))
	}
	return c.ReplyLong(ctx, strings.Join(lines, "\n")) // a line per consultant: a big club needs more than one message
}

// ---- Transcripts ----

// handleTranscriptSetting is /transcripts [off|days]. Transcripts are off by default; switching them off
// deletes what was kept.
func (f *Feature) handleTranscriptSetting(ctx context.Context, c *bot.Ctx) error {
	if strings.TrimSpace(c.Args) == "" {
		var s store.ClubSettings
		_ = f.Store.View(func(tx *store.Tx) error { s = tx.ClubSettings(); return nil })
		state := c.T("ConsTranscriptsOff")
		if s.TranscriptDays > 0 {
			state = c.T("ConsTranscriptsOn", "Days", c.Num(s.TranscriptDays))
		}
		_, err := c.Reply(ctx, state+"\n\n"+c.T("ConsTranscriptsUsage"), nil)
		return err
	}
	days, ok := parseTranscriptDays(c.Args)
	if !ok {
		return c.Fail("ConsTranscriptsUsage")
	}
	deleted := 0
	if err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		deleted = 0
		if err := tx.PutClubSettings(store.ClubSettings{TranscriptDays: days}); err != nil {
			return err
		}
		if days == 0 {
			var err error
			deleted, err = tx.PruneTranscripts(tx.Now().Add(1)) // everything kept so far
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	text := c.T("ConsTranscriptsOn", "Days", c.Num(days))
	if days == 0 {
		text = c.T("ConsTranscriptsOff") + "\n" + c.T("ConsTranscriptsDeleted", "Count", c.Num(deleted))
	}
	_, err := c.Reply(ctx, text, nil)
	return err
}

// handleTranscript is /transcript <session>: what was kept of a session, for admins.
func (f *Feature) handleTranscript(ctx context.Context, c *bot.Ctx) error {
	n, err := persian.ParseInt(strings.TrimSpace(c.Args))
	if err != nil || n <= 0 {
		return c.Fail("ConsTranscriptUsage")
	}
	id := uint64(n)
	var lines []store.TranscriptLine
	if err := f.Store.View(func(tx *store.Tx) error {
		rec, err := tx.Consultation(id)
		if err != nil {
			return nil
		}
		lines = tx.Transcript(rec)
		return nil
	}); err != nil {
		return err
	}
	if len(lines) == 0 {
		return c.Fail("ConsTranscriptEmpty", "Session", sessionNum(c.Voice, id))
	}
	out := c.T("ConsTranscriptTitle", "Session", sessionNum(c.Voice, id))
	const budget = 3800 // characters, under Telegram's 4096 with room for the marker
	for _, l := range lines {
		who := c.T("ConsTranscriptLearner")
		if l.From == store.SideConsultant {
			who = c.T("ConsTranscriptConsultant")
		}
		text := l.Text
		if text == "" || l.Kind != "text" {
			text = strings.TrimSpace("[" + l.Kind + "] " + text)
		}
		line := "\n<b>" + who + "</b> " + clockOf(c.Voice, l.At) + ": " + bot.Escape(bot.Truncate(text, 500))
		if n, _ := tghtml.Len(out + line); n > budget {
			out += "\n…"
			break
		}
		out += line
	}
	_, err = c.Reply(ctx, out, nil)
	return err
}

// clockOf is a moment as the reader's date and time of day, in the program's zone.
func clockOf(v bot.Voice, t time.Time) string {
	return v.Date(t) + " " + v.Time(t)
}
