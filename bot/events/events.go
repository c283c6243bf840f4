package events

// Events: city events with RSVP, capacity and a waitlist, reminders through the outbox, calendar files and
// door check-in. Learners' side and the waitlist engine live here; the admins' side in events_admin.go,
// bulk import in events_import.go, the .ics writer in events_ics.go.
//
// Scheduled messages. Reminders, change and cancellation notices and seat offers are outbox notices,
// written in the transaction of the change that causes them. Their dedupe keys all start with
// "ev:<event>:" and name the event's change sequence where it matters (reminders
// "ev:<event>:r<minutes>:<user>:<seq>"). When an event changes, or a learner cancels, the pending
// reminders are taken back out of the outbox (store.Tx.DropPendingJobs) in that same transaction and
// scheduled again with the new sequence, so the sender never sees a stale reminder; the only window
// left is a job the sender had already picked up at that very moment, and the change notice follows it.
//
// Quiet hours. Reminders go on the notice lane, which the sender does not hold back at night, so a
// reminder scheduled at least 12 hours ahead (the 24-hour one) moves out of 23:00–07:00 program time
// by itself: to 07:00 the next morning, which is still well before the event. Shorter reminders are
// sent on time, since the event is close.
//
// Seat offers. When a seat frees up, the first learner on the waitlist is offered it (status Offered,
// OfferExpires = now + the window, default 12 h, never past the start) and the seat is held for them.
// Nothing in the outbox can run code, so expiry is state, not a message: every action on an event first
// settles it (lapsed offers expire, free seats go to the next in line), and the events loop settles all
// upcoming events every minute and once at start-up, so offers lapse on time with nobody touching the
// event and after a restart. Both read the injected clock.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

const (
	defaultOfferWindow = 12 * time.Hour
	eventsPerPage      = 6
	doorsOpenBefore    = time.Hour // check-in opens an hour before the start and closes at the end
	quietFrom, quietTo = 23, 7     // hours of the program's day when early reminders wait
	quietMinLead       = 12 * time.Hour
	settleLookback     = 24 * time.Hour // offers never outlive the start, so older events need no settling
)

// defaultReminders are minutes before the start: a day and an hour.
var defaultReminders = []int{24 * 60, 60}

// voice is bot.Voice with the events' own renderers: replies speak the sender's language, notices
// their recipient's.
type voice struct {
	bot.Voice
	loc *time.Location
}

func (f *Feature) voiceFor(c *bot.Ctx) voice { return voice{c.Voice, f.Location} }

func (f *Feature) voiceOf(u *store.User) voice { return voice{f.VoiceOf(u), f.Location} }

func (f *Feature) voiceIn(lang string) voice { return voice{f.Voice(lang), f.Location} }

// when is a moment in words: «جمعه ۱۵ آذر ۱۴۰۵، ساعت ۱۸:۳۰».
func (v voice) when(t time.Time) string {
	return v.T("EvWhen", "Date", v.Date(t), "Clock", v.Time(t))
}

// span is an event's time in words, the end on the same day or in full.
func (v voice) span(e *store.Event) string {
	s, end := e.Start.In(v.loc), e.End.In(v.loc)
	if s.YearDay() == end.YearDay() && s.Year() == end.Year() {
		return v.T("EvSpanSameDay", "Date", v.Date(s), "From", v.Time(s), "To", v.Time(end))
	}
	return v.T("EvSpanDays", "From", v.when(s), "To", v.when(end))
}

// title and description fall back to Persian when an English one is missing.
func (v voice) title(e *store.Event) string {
	if v.Lang == "en" && e.TitleEn != "" {
		return e.TitleEn
	}
	return e.Title
}

func (v voice) description(e *store.Event) string {
	if v.Lang == "en" && e.DescriptionEn != "" {
		return e.DescriptionEn
	}
	return e.Description
}

// place is the venue or the online link in one line of HTML.
func (v voice) place(e *store.Event) string {
	p := e.Place
	switch {
	case p.Online != "":
		return v.T("EvOnline", "URL", bot.Escape(p.Online))
	case p.Address != "" && p.Name != "":
		return bot.Escape(p.Name) + "، " + bot.Escape(p.Address)
	case p.Name != "":
		return bot.Escape(p.Name)
	case p.Address != "":
		return bot.Escape(p.Address)
	case p.HasGeo:
		return v.T("EvPlaceOnMap")
	}
	return v.T("EvPlaceUnknown")
}

// eventCounts are the reservations of an event by status.
type eventCounts struct{ going, offered, waitlist, checkedIn int }

func countRSVPs(rs []store.RSVP) eventCounts {
	var n eventCounts
	for _, r := range rs {
		switch r.Status {
		case store.RSVPGoing:
			n.going++
		case store.RSVPOffered:
			n.offered++
		case store.RSVPWaitlist:
			n.waitlist++
		}
		if !r.CheckedIn.IsZero() {
			n.checkedIn++
		}
	}
	return n
}

// seatsLeft is the free seats, or -1 for an event without a capacity.
func seatsLeft(e *store.Event, n eventCounts) int {
	if e.Capacity == 0 {
		return -1
	}
	return max(e.Capacity-n.going-n.offered, 0)
}

func (v voice) seats(e *store.Event, n eventCounts) string {
	switch left := seatsLeft(e, n); {
	case left < 0:
		return v.T("EvSeatsUnlimited")
	case left == 0 && n.waitlist == 0:
		return v.T("EvSeatsFull")
	case left == 0:
		return v.T("EvSeatsFullWaiting", "Waiting", v.Num(n.waitlist))
	default:
		return v.T("EvSeatsLeft", "Left", v.Num(left), "Capacity", v.Num(e.Capacity))
	}
}

// eventText is the card of an event: what, when, where, seats, and where the reader stands.
func (f *Feature) eventText(v voice, e *store.Event, rs []store.RSVP, mine *store.RSVP, admin bool, now time.Time) string {
	n := countRSVPs(rs)
	var sb strings.Builder
	sb.WriteString("<b>📅 " + bot.Escape(bot.Truncate(v.title(e), maxTitleRunes)) + "</b>")
	if d := v.description(e); d != "" {
		sb.WriteString("\n" + bot.Escape(bot.Truncate(d, maxDescriptionRunes)))
	}
	sb.WriteString("\n\n🗓 " + v.span(e))
	sb.WriteString("\n📍 " + v.place(e))
	if e.Organizer != "" {
		sb.WriteString("\n" + v.T("EvOrganizer", "Name", bot.Escape(bot.Truncate(e.Organizer, 100))))
	}
	if e.Status != store.EventCancelled {
		sb.WriteString("\n👥 " + v.seats(e, n))
	}
	switch {
	case e.Status == store.EventCancelled:
		sb.WriteString("\n\n" + v.T("EvStatusCancelled"))
	case !now.Before(e.End):
		sb.WriteString("\n\n" + v.T("EvStatusOver"))
	case e.Status == store.EventChanged:
		sb.WriteString("\n\n" + v.T("EvStatusChanged"))
	}
	if mine != nil && e.Status != store.EventCancelled {
		switch mine.Status {
		case store.RSVPGoing:
			if !mine.CheckedIn.IsZero() {
				sb.WriteString("\n\n" + v.T("EvMineCheckedIn"))
			} else {
				sb.WriteString("\n\n" + v.T("EvMineGoing"))
			}
		case store.RSVPWaitlist:
			sb.WriteString("\n\n" + v.T("EvMineWaitlist", "Position", v.Num(waitlistPosition(rs, mine.UserID))))
		case store.RSVPOffered:
			sb.WriteString("\n\n" + v.T("EvMineOffered", "Until", v.when(mine.OfferExpires)))
		}
	}
	if admin {
		sb.WriteString("\n\n" + v.T("EvAdminCounts", "Going", v.Num(n.going), "Capacity", v.capacity(e),
			"Waiting", v.Num(n.waitlist), "Offered", v.Num(n.offered), "CheckedIn", v.Num(n.checkedIn)))
	}
	return sb.String()
}

func (v voice) capacity(e *store.Event) string {
	if e.Capacity == 0 {
		return v.T("EvCapacityUnlimited")
	}
	return v.Num(e.Capacity)
}

// waitlistPosition is the 1-based place of userID in the waitlist, 0 if not on it.
func waitlistPosition(rs []store.RSVP, userID int64) int {
	for i, r := range store.Waitlist(rs) {
		if r.UserID == userID {
			return i + 1
		}
	}
	return 0
}

// eventKeyboard is the learner's card buttons: attend (or join the waitlist when full) or cancel, the
// ticket, calendar, location, back.
func (f *Feature) eventKeyboard(v voice, e *store.Event, mine *store.RSVP, full, admin bool, now time.Time) *tgbotapi.InlineKeyboardMarkup {
	id := strconv.FormatInt(e.ID, 10)
	var rows [][]tgbotapi.InlineKeyboardButton
	open := e.Status != store.EventCancelled && now.Before(e.Start)
	status := ""
	if mine != nil {
		status = mine.Status
	}
	if open {
		switch status {
		case store.RSVPGoing, store.RSVPWaitlist:
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvCancelButton"), actCancelRSVP.Data(id))))
		case store.RSVPOffered:
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData(v.T("EvAcceptButton"), actOffer.Data(id, "y")),
				tgbotapi.NewInlineKeyboardButtonData(v.T("EvDeclineButton"), actOffer.Data(id, "n"))))
		default:
			label := "EvAttendButton"
			if full {
				label = "EvJoinWaitlistButton"
			}
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T(label), actRSVP.Data(id))))
		}
	}
	if status == store.RSVPGoing && e.Status != store.EventCancelled && now.Before(e.End) && mine.CheckedIn.IsZero() {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvTicketButton"), actTicket.Data(id))))
	}
	if e.Status != store.EventCancelled {
		row := tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvCalendarButton"), actEventICS.Data(id)))
		if e.Place.Online != "" && safeURL(e.Place.Online) {
			row = append(row, tgbotapi.NewInlineKeyboardButtonURL(v.T("EvJoinButton"), e.Place.Online))
		} else {
			row = append(row, tgbotapi.NewInlineKeyboardButtonData(v.T("EvLocationButton"), actEventMap.Data(id)))
		}
		rows = append(rows, row)
	}
	last := tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvAllEventsButton"), actEventList.Data("0")))
	if admin {
		last = append(last, tgbotapi.NewInlineKeyboardButtonData(v.T("EvManageButton"), actEventAdmin.Data(id)))
	}
	rows = append(rows, last)
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

// safeURL accepts the http(s) links Telegram takes in a URL button.
func safeURL(s string) bool {
	return (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && len(s) <= 512 &&
		!strings.ContainsAny(s, " <>\"") && !hasControl(s, false)
}

// hasControl reports a control character (C0, DEL or C1) in s; multiline texts (descriptions) may hold
// line feeds. Such characters never go into an event: a carriage return in an imported link once carried a
// whole "BEGIN:VALARM" into calendar files (issue 18).
func hasControl(s string, multiline bool) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && !(multiline && r == '\n') })
}

// eventArg reads the event id of a button; ok is false for anything malformed.
func eventArg(c *bot.Ctx, n int) (int64, bool) {
	if len(c.Data) != n {
		return 0, false
	}
	id, err := strconv.ParseInt(c.Data[0], 10, 64)
	return id, err == nil && id > 0
}

// ---- the list ----

func (f *Feature) handleEvents(ctx context.Context, c *bot.Ctx) error {
	return f.showEventList(ctx, c, 0)
}

func (f *Feature) handleEventList(ctx context.Context, c *bot.Ctx) error {
	page, ok := pageArg(c)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	return f.showEventList(ctx, c, page)
}

// pageArg reads the page number of a list button.
func pageArg(c *bot.Ctx) (int, bool) {
	if len(c.Data) != 1 {
		return 0, false
	}
	page, err := strconv.Atoi(c.Data[0])
	return page, err == nil && page >= 0 && page <= 10000
}

// pressedEvent loads the event a one-argument button names. A nil event means the press is answered:
// a stale button's toast, or err for the router (the event is gone, or the store failed).
func (f *Feature) pressedEvent(ctx context.Context, c *bot.Ctx) (*store.Event, error) {
	e, _, err := f.pressedEventRSVP(ctx, c)
	return e, err
}

// pressedEventRSVP is pressedEvent with the presser's own reservation (nil if they have none).
func (f *Feature) pressedEventRSVP(ctx context.Context, c *bot.Ctx) (*store.Event, *store.RSVP, error) {
	id, ok := eventArg(c, 1)
	if !ok {
		return nil, nil, bot.HandleStaleButton(ctx, c)
	}
	e, _, mine, err := f.loadEventView(id, c.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, c.Fail("EvGone")
	} else if err != nil {
		return nil, nil, err
	}
	return e, mine, nil
}

// upcomingFor lists the events a learner can still go to: their track's first, then the rest, each by start.
func upcomingFor(tx *store.Tx, track string, now time.Time) ([]*store.Event, error) {
	var mine, rest []*store.Event
	err := tx.EventsFrom(now.Add(-maxEventLength), func(e *store.Event) bool {
		if e.Status == store.EventCancelled || !now.Before(e.End) {
			return true
		}
		if track != "" && slices.Contains(e.Tracks, track) {
			mine = append(mine, e)
		} else {
			rest = append(rest, e)
		}
		return true
	})
	return append(mine, rest...), err
}

func (f *Feature) showEventList(ctx context.Context, c *bot.Ctx, page int) error {
	v := f.voiceFor(c)
	now := f.Now()
	var events []*store.Event
	counts := map[int64]store.RSVPCounts{}
	mine := map[int64]bool{} // the events where the reader holds a seat
	if err := f.Store.View(func(tx *store.Tx) error {
		var err error
		if events, err = upcomingFor(tx, c.User.Track, now); err != nil {
			return err
		}
		for _, e := range pageOf(events, page) {
			if counts[e.ID], err = tx.EventCounts(e.ID); err != nil {
				return err
			}
			r, err := tx.RSVP(e.ID, c.User.ID)
			if err != nil {
				return err
			}
			mine[e.ID] = r != nil && r.HoldsSeat()
		}
		return nil
	}); err != nil {
		return err
	}
	if len(events) == 0 {
		return c.Menu(ctx, v.T("EvNoEvents"), nil)
	}
	pages := (len(events) + eventsPerPage - 1) / eventsPerPage
	page = min(page, pages-1)
	var lines []string
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, e := range pageOf(events, page) {
		mark := "📅"
		if mine[e.ID] {
			mark = "✅"
		}
		n := counts[e.ID]
		lines = append(lines, mark+" <b>"+bot.Escape(bot.Truncate(v.title(e), 80))+"</b>\n"+
			v.when(e.Start)+" · "+v.seats(e, eventCounts{going: n.Going, offered: n.Offered, waitlist: n.Waitlist, checkedIn: n.CheckedIn}))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
			bot.Truncate(v.title(e), 48), actEventCard.Data(strconv.FormatInt(e.ID, 10)))))
	}
	if nav := pageNav(v, actEventList, page, pages); nav != nil {
		rows = append(rows, nav)
	}
	text := v.T("EvListTitle")
	if pages > 1 {
		text += " " + v.T("EvPage", "Page", v.Num(page+1), "Pages", v.Num(pages))
	}
	text += "\n\n" + strings.Join(lines, "\n\n")
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, text, &kb)
}

func pageOf[T any](items []T, page int) []T {
	from := page * eventsPerPage
	if from >= len(items) {
		from = max(0, (len(items)-1)/eventsPerPage*eventsPerPage)
	}
	return items[from:min(from+eventsPerPage, len(items))]
}

// pageNav is the ◀️ ▶️ row of a paged list, nil for a single page.
func pageNav(v voice, action bot.Action, page, pages int) []tgbotapi.InlineKeyboardButton {
	if pages <= 1 {
		return nil
	}
	var row []tgbotapi.InlineKeyboardButton
	if page > 0 {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(v.T("EvPrevButton"), action.Data(strconv.Itoa(page-1))))
	}
	if page < pages-1 {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(v.T("EvNextButton"), action.Data(strconv.Itoa(page+1))))
	}
	return row
}

// ---- the card ----

// loadEventView reads an event with its reservations and the reader's own.
func (f *Feature) loadEventView(id, userID int64) (*store.Event, []store.RSVP, *store.RSVP, error) {
	var e *store.Event
	var rs []store.RSVP
	var mine *store.RSVP
	err := f.Store.View(func(tx *store.Tx) error {
		var err error
		if e, err = tx.Event(id); err != nil {
			return err
		}
		if rs, err = tx.EventRSVPs(id); err != nil {
			return err
		}
		mine, err = tx.RSVP(id, userID)
		return err
	})
	return e, rs, mine, err
}

func (f *Feature) handleEventCard(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) < 1 || len(c.Data) > 2 || (len(c.Data) == 2 && c.Data[1] != "n") {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := eventArg(c, len(c.Data))
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	fresh := len(c.Data) == 2
	e, rs, mine, err := f.loadEventView(id, c.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return c.Fail("EvGone")
	} else if err != nil {
		return err
	}
	if e.Cover != "" {
		photo := tgbotapi.NewPhoto(c.ChatID, tgbotapi.FileID(e.Cover))
		photo.Caption = bot.Escape(bot.Truncate(f.voiceFor(c).title(e), 200))
		photo.ParseMode = tgbotapi.ModeHTML
		if _, err := f.Send(ctx, photo); err != nil {
			f.Logger.Warn("send event cover", "event", e.ID, "err", err)
		}
		fresh = true // the card goes under its cover
	}
	return f.showCard(ctx, c, e, rs, mine, fresh)
}

// showCard shows the event card: in place of the pressed menu, or as a new message.
func (f *Feature) showCard(ctx context.Context, c *bot.Ctx, e *store.Event, rs []store.RSVP, mine *store.RSVP, fresh bool) error {
	v := f.voiceFor(c)
	now := f.Now()
	text := f.eventText(v, e, rs, mine, false, now)
	kb := f.eventKeyboard(v, e, mine, seatsLeft(e, countRSVPs(rs)) == 0 && e.Capacity > 0, c.IsAdmin(), now)
	if f.askNewsOnCard(c, mine) {
		text += "\n\n" + v.T("EvNewsQuestion")
		ids := strconv.FormatInt(e.ID, 10)
		kb.InlineKeyboard = append([][]tgbotapi.InlineKeyboardButton{tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(v.T("EvNewsYes"), actEventNews.Data("1", "c", ids)),
			tgbotapi.NewInlineKeyboardButtonData(v.T("EvNewsNo"), actEventNews.Data("0", "c", ids)))}, kb.InlineKeyboard...)
	}
	if fresh {
		_, err := c.Reply(ctx, text, kb)
		return err
	}
	return c.Menu(ctx, text, kb)
}

// refreshCard redraws the card after a change, with a toast saying what happened.
func (f *Feature) refreshCard(ctx context.Context, c *bot.Ctx, id int64, toast string) error {
	_ = c.Toast(ctx, bot.Truncate(toast, 200), false)
	e, rs, mine, err := f.loadEventView(id, c.User.ID)
	if err != nil {
		return err
	}
	return f.showCard(ctx, c, e, rs, mine, false)
}

// ---- RSVP ----

// rsvpOutcome is what an RSVP-like action did, to tell the learner after the transaction.
type rsvpOutcome struct {
	id string // message id of the toast or refusal
	kv []any
	ok bool // the card changed: redraw it
}

func (f *Feature) handleRSVP(ctx context.Context, c *bot.Ctx) error {
	id, ok := eventArg(c, 1)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	var out rsvpOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		out = rsvpOutcome{}
		e, refusal, err := f.openEvent(tx, id, u.ID)
		if err != nil || refusal != "" {
			out.id = refusal
			return err
		}
		now := tx.Now()
		r, err := tx.RSVP(id, u.ID)
		if err != nil {
			return err
		}
		rs, err := tx.EventRSVPs(id)
		if err != nil {
			return err
		}
		v := f.voiceOf(u)
		switch {
		case r != nil && r.Status == store.RSVPGoing:
			out.id = "EvAlreadyGoing"
			return nil
		case r != nil && r.Status == store.RSVPWaitlist:
			out.id, out.kv = "EvAlreadyWaitlisted", []any{"Position", v.Num(waitlistPosition(rs, u.ID))}
			return nil
		case r != nil && r.Status == store.RSVPOffered:
			out = rsvpOutcome{id: "EvGoingToast", ok: true}
			return f.confirmSeat(tx, e, r, u)
		}
		if r == nil {
			r = &store.RSVP{EventID: id, UserID: u.ID}
		}
		r.At, r.OfferExpires = now, time.Time{}
		if left := seatsLeft(e, countRSVPs(rs)); left != 0 {
			out = rsvpOutcome{id: "EvGoingToast", ok: true}
			return f.confirmSeat(tx, e, r, u)
		}
		r.Status, r.Queued = store.RSVPWaitlist, now
		if err := tx.PutRSVP(r); err != nil {
			return err
		}
		rs, err = tx.EventRSVPs(id)
		out = rsvpOutcome{id: "EvWaitlistToast", ok: true, kv: []any{"Position", v.Num(waitlistPosition(rs, u.ID))}}
		return err
	})
	if err != nil {
		return err
	}
	return f.tellOutcome(ctx, c, id, out)
}

// tellOutcome answers an RSVP-like action: a toast and a fresh card, or a refusal in an alert.
func (f *Feature) tellOutcome(ctx context.Context, c *bot.Ctx, id int64, out rsvpOutcome) error {
	if out.id == "" {
		return nil
	}
	if !out.ok {
		return c.Fail(out.id, out.kv...)
	}
	return f.refreshCard(ctx, c, id, c.T(out.id, out.kv...))
}

// openEvent loads an event a learner acts on and settles its waitlist; refusal names the message for a
// missing, cancelled or past event.
func (f *Feature) openEvent(tx *store.Tx, id, actor int64) (*store.Event, string, error) {
	e, err := tx.Event(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "EvGone", nil
	} else if err != nil {
		return nil, "", err
	}
	now := tx.Now()
	if err := f.settleEvent(tx, e, now, actor); err != nil {
		return nil, "", err
	}
	switch {
	case e.Status == store.EventCancelled:
		return nil, "EvRSVPCancelled", nil
	case !now.Before(e.Start):
		return nil, "EvRSVPPast", nil
	}
	return e, "", nil
}

// confirmSeat makes r a confirmed seat and schedules the learner's reminders.
func (f *Feature) confirmSeat(tx *store.Tx, e *store.Event, r *store.RSVP, u *store.User) error {
	r.Status, r.OfferExpires = store.RSVPGoing, time.Time{}
	if err := tx.PutRSVP(r); err != nil {
		return err
	}
	return f.scheduleReminders(tx, e, u)
}

func (f *Feature) handleCancelRSVP(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) == 1 {
		return f.askCancelRSVP(ctx, c) // a seat is given up only after a confirmation
	}
	id, ok := eventArg(c, 2)
	if !ok || c.Data[1] != "y" {
		return bot.HandleStaleButton(ctx, c)
	}
	var out rsvpOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		out = rsvpOutcome{}
		e, refusal, err := f.openEvent(tx, id, u.ID)
		if err != nil || refusal != "" {
			out.id = refusal
			return err
		}
		r, err := tx.RSVP(id, u.ID)
		if err != nil {
			return err
		}
		if r == nil {
			out.id = "EvNotRegistered"
			return nil
		}
		switch r.Status {
		case store.RSVPGoing, store.RSVPWaitlist:
			r.Status = store.RSVPCancelled
		case store.RSVPOffered:
			r.Status = store.RSVPDeclined
		default:
			out.id = "EvNotRegistered"
			return nil
		}
		r.OfferExpires = time.Time{}
		if err := tx.PutRSVP(r); err != nil {
			return err
		}
		if _, err := tx.DropPendingJobs(u.ID, eventJobPrefix(id)); err != nil {
			return err
		}
		out = rsvpOutcome{id: "EvCancelledToast", ok: true}
		return f.settleEvent(tx, e, tx.Now(), u.ID) // the freed seat goes to the next in line
	})
	if err != nil {
		return err
	}
	return f.tellOutcome(ctx, c, id, out)
}

// askCancelRSVP asks the learner to confirm giving up their seat (or waitlist place) at an event.
func (f *Feature) askCancelRSVP(ctx context.Context, c *bot.Ctx) error {
	e, mine, err := f.pressedEventRSVP(ctx, c)
	if e == nil {
		return err
	}
	if mine == nil || (mine.Status != store.RSVPGoing && mine.Status != store.RSVPWaitlist && mine.Status != store.RSVPOffered) {
		return c.Toast(ctx, c.T("EvNotRegistered"), false)
	}
	v := f.voiceFor(c)
	ids := strconv.FormatInt(e.ID, 10)
	question := "EvCancelSeatAsk"
	if mine.Status == store.RSVPWaitlist {
		question = "EvCancelWaitlistAsk"
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvCancelSeatYes"), actCancelRSVP.Data(ids, "y")),
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvCancelSeatNo"), actEventCard.Data(ids))))
	_ = c.Toast(ctx, "", false)
	return c.Menu(ctx, v.T(question, "Title", bot.Escape(v.title(e))), &kb)
}

// handleOffer is a waitlisted learner's answer to a seat offer.
func (f *Feature) handleOffer(ctx context.Context, c *bot.Ctx) error {
	id, ok := eventArg(c, 2)
	if !ok || (c.Data[1] != "y" && c.Data[1] != "n") {
		return bot.HandleStaleButton(ctx, c)
	}
	accept := c.Data[1] == "y"
	var out rsvpOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		out = rsvpOutcome{}
		e, refusal, err := f.openEvent(tx, id, u.ID) // settling first expires a lapsed offer
		if err != nil || refusal != "" {
			out.id = refusal
			return err
		}
		r, err := tx.RSVP(id, u.ID)
		switch {
		case err != nil:
			return err
		case r != nil && r.Status == store.RSVPGoing:
			out.id = "EvAlreadyGoing"
			return nil
		case r == nil || r.Status != store.RSVPOffered:
			out.id = "EvOfferExpired"
			return nil
		}
		if accept {
			out = rsvpOutcome{id: "EvGoingToast", ok: true}
			return f.confirmSeat(tx, e, r, u)
		}
		r.Status, r.OfferExpires = store.RSVPDeclined, time.Time{}
		if err := tx.PutRSVP(r); err != nil {
			return err
		}
		out = rsvpOutcome{id: "EvDeclinedToast", ok: true}
		return f.settleEvent(tx, e, tx.Now(), u.ID)
	})
	if err != nil {
		return err
	}
	return f.tellOutcome(ctx, c, id, out) // the offer notice turns into the event's card
}

// ---- the waitlist engine ----

// settleEvent brings an event's seats up to date at now: lapsed offers expire (their learners hear so,
// except actor, who is being answered directly) and each free seat is offered to the next waitlisted
// learner. It is idempotent.
func (f *Feature) settleEvent(tx *store.Tx, e *store.Event, now time.Time, actor int64) error {
	rs, err := tx.EventRSVPs(e.ID)
	if err != nil {
		return err
	}
	changed := false
	for i := range rs {
		r := &rs[i]
		if r.Status != store.RSVPOffered || now.Before(r.OfferExpires) {
			continue
		}
		// An offer whose notice is still in the outbox never reached the learner (the bot was down or
		// held up past its deadline): it is offered again with a fresh window rather than lapsing unseen.
		unseen, err := tx.DropPendingJobs(r.UserID, offerJobPrefix(e.ID))
		if err != nil {
			return err
		}
		if unseen > 0 && e.Status != store.EventCancelled && now.Before(e.Start) {
			if u, err := tx.User(r.UserID); err == nil {
				if err := f.offerSeat(tx, e, r, u, now); err != nil {
					return err
				}
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		r.Status, changed = store.RSVPExpired, true
		if err := tx.PutRSVP(r); err != nil {
			return err
		}
		if r.UserID == actor || e.Status == store.EventCancelled {
			continue
		}
		if u, err := tx.User(r.UserID); err == nil {
			v := f.voiceOf(u)
			if err := f.Enqueue(tx, bot.Notice{ChatID: u.ID, Text: v.T("EvOfferExpiredNotice", "Title", bot.Escape(v.title(e))),
				Dedupe: fmt.Sprintf("%sx:%d:%d", eventJobPrefix(e.ID), u.ID, r.OfferExpires.Unix())}); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if e.Status == store.EventCancelled || e.Capacity == 0 || !now.Before(e.Start) {
		return nil
	}
	if changed {
		if rs, err = tx.EventRSVPs(e.ID); err != nil {
			return err
		}
	}
	free := seatsLeft(e, countRSVPs(rs))
	for _, w := range store.Waitlist(rs) {
		if free <= 0 {
			break
		}
		u, err := tx.User(w.UserID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if err := f.offerSeat(tx, e, &w, u, now); err != nil {
			return err
		}
		free--
	}
	return nil
}

// offerSeat offers u the seat held by r from now: the offer lasts the event's window, never past the
// start, and its notice is not sent once the offer has lapsed.
func (f *Feature) offerSeat(tx *store.Tx, e *store.Event, r *store.RSVP, u *store.User, now time.Time) error {
	r.Status = store.RSVPOffered
	r.OfferExpires = now.Add(offerWindow(e))
	if r.OfferExpires.After(e.Start) {
		r.OfferExpires = e.Start
	}
	if err := tx.PutRSVP(r); err != nil {
		return err
	}
	v := f.voiceOf(u)
	ids := strconv.FormatInt(e.ID, 10)
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvAcceptButton"), actOffer.Data(ids, "y")),
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvDeclineButton"), actOffer.Data(ids, "n"))))
	return f.Enqueue(tx, bot.Notice{
		ChatID: u.ID,
		Text: v.T("EvOfferNotice", "Title", bot.Escape(v.title(e)), "When", v.span(e), "Place", v.place(e),
			"Until", v.when(r.OfferExpires)),
		Keyboard: &kb,
		Dedupe:   fmt.Sprintf("%s%d:%d", offerJobPrefix(e.ID), u.ID, now.Unix()),
		Expires:  r.OfferExpires,
	})
}

// offerJobPrefix starts the dedupe key of a seat offer's notice: "ev:<event>:o:<user>:<unix time>".
func offerJobPrefix(eventID int64) string { return eventJobPrefix(eventID) + "o:" }

// retimeExpiredOffer is told of an offer notice the sender found too late to send: if the offer is still
// open or lapsed unseen, the learner gets it again with a fresh window (the events loop may have
// beaten the sender to it; then settleEvent already did so).
func (f *Feature) retimeExpiredOffer(j *store.Job, outcome string) {
	if outcome != store.OutcomeExpired || !strings.HasPrefix(j.Dedupe, "ev:") {
		return
	}
	parts := strings.Split(j.Dedupe, ":") // ev, <event>, o, <user>, <time>
	if len(parts) != 5 || parts[2] != "o" {
		return
	}
	eventID, err1 := strconv.ParseInt(parts[1], 10, 64)
	userID, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	err := f.Store.Update(func(tx *store.Tx) error {
		e, err := tx.Event(eventID)
		if err != nil {
			return err
		}
		r, err := tx.RSVP(eventID, userID)
		if err != nil || r == nil || r.Status != store.RSVPOffered {
			return err
		}
		now := tx.Now()
		if e.Status == store.EventCancelled || !now.Before(e.Start) {
			return f.settleEvent(tx, e, now, 0)
		}
		u, err := tx.User(userID)
		if err != nil {
			return err
		}
		return f.offerSeat(tx, e, r, u, now)
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		f.Logger.Warn("re-time a seat offer", "event", eventID, "err", err)
	}
}

func offerWindow(e *store.Event) time.Duration {
	if e.OfferHours > 0 {
		return time.Duration(e.OfferHours) * time.Hour
	}
	return defaultOfferWindow
}

// eventJobPrefix starts the dedupe key of every outbox job about an event.
func eventJobPrefix(eventID int64) string { return "ev:" + strconv.FormatInt(eventID, 10) + ":" }

func reminderMinutes(e *store.Event) []int {
	if len(e.Reminders) > 0 {
		return e.Reminders
	}
	return defaultReminders
}

// reminderAt is when a reminder minutes before the start goes out: early ones leave the night alone.
func (f *Feature) reminderAt(e *store.Event, minutes int) time.Time {
	at := e.Start.Add(-time.Duration(minutes) * time.Minute).In(f.Location)
	if time.Duration(minutes)*time.Minute < quietMinLead {
		return at
	}
	y, m, d := at.Date()
	switch h := at.Hour(); {
	case h >= quietFrom:
		return time.Date(y, m, d+1, quietTo, 0, 0, 0, f.Location)
	case h < quietTo:
		return time.Date(y, m, d, quietTo, 0, 0, 0, f.Location)
	}
	return at
}

// scheduleReminders puts u's reminders for e into the outbox, skipping any whose time has passed.
func (f *Feature) scheduleReminders(tx *store.Tx, e *store.Event, u *store.User) error {
	v := f.voiceOf(u)
	for _, mins := range reminderMinutes(e) {
		at := f.reminderAt(e, mins)
		if !at.After(tx.Now()) || !at.Before(e.Start) {
			continue
		}
		n := f.eventNotice(v, e, u.ID, v.T("EvReminder", "Title", bot.Escape(v.title(e)), "When", v.span(e),
			"Place", v.place(e), "Left", v.Duration(int(e.Start.Sub(at).Round(time.Minute).Minutes()))))
		n.Dedupe = fmt.Sprintf("%sr%d:%d:%d", eventJobPrefix(e.ID), mins, u.ID, e.Seq)
		n.NotBefore = at
		// «Starts in an hour» is wrong once a quarter of the lead has passed, and useless after the start:
		// a reminder held up longer (the bot was down) is dropped, never sent stale.
		n.Expires = at.Add(e.Start.Sub(at) / 4)
		if err := f.Enqueue(tx, n); err != nil {
			return err
		}
	}
	return nil
}

// eventNotice is a message about e with its venue (sent after the text) and buttons for the card and the
// calendar file.
func (f *Feature) eventNotice(v voice, e *store.Event, chatID int64, text string) bot.Notice {
	ids := strconv.FormatInt(e.ID, 10)
	row := tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvCardButton"), actEventCard.Data(ids, "n")),
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvCalendarButton"), actEventICS.Data(ids)))
	if e.Place.Online != "" && safeURL(e.Place.Online) {
		row = append(row, tgbotapi.NewInlineKeyboardButtonURL(v.T("EvJoinButton"), e.Place.Online))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(row)
	n := bot.Notice{ChatID: chatID, Text: text, Keyboard: &kb}
	if e.Place.HasGeo {
		n.Venue = &bot.NoticeVenue{Lat: e.Place.Lat, Lon: e.Place.Lon, Title: venueTitle(v, e), Address: venueAddress(v, e)}
	}
	return n
}

// venueTitle and venueAddress fill sendVenue's required fields, which must not be empty.
func venueTitle(v voice, e *store.Event) string {
	if e.Place.Name != "" {
		return bot.Truncate(e.Place.Name, 100)
	}
	return bot.Truncate(v.title(e), 100)
}

func venueAddress(v voice, e *store.Event) string {
	if e.Place.Address != "" {
		return bot.Truncate(e.Place.Address, 200)
	}
	return v.when(e.Start)
}

// ---- the events loop ----

// EventsTick settles every upcoming event: lapsed seat offers expire and free seats are offered to the
// waitlists. The events loop runs it every minute and once at start-up (catching up after downtime), and
// again after the sandbox's clock jumps (register.go); tests call it directly. It is idempotent.
func (f *Feature) EventsTick(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.announceDue(ctx); err != nil {
		return err
	}
	// A read pass finds the events with something to do, so an idle minute writes nothing.
	var due []int64
	if err := f.Store.View(func(tx *store.Tx) error {
		now := tx.Now()
		var err error
		if scanErr := tx.EventsFrom(now.Add(-settleLookback), func(e *store.Event) bool {
			var rs []store.RSVP
			if rs, err = tx.EventRSVPs(e.ID); err != nil {
				return false
			}
			if needsSettling(e, rs, now) {
				due = append(due, e.ID)
			}
			return true
		}); scanErr != nil {
			return scanErr
		}
		return err
	}); err != nil || len(due) == 0 {
		return err
	}
	return f.Store.Update(func(tx *store.Tx) error {
		for _, id := range due {
			e, err := tx.Event(id)
			if err != nil {
				return err
			}
			if err := f.settleEvent(tx, e, tx.Now(), 0); err != nil {
				return fmt.Errorf("settle event %d: %w", e.ID, err)
			}
		}
		return nil
	})
}

// needsSettling reports whether settleEvent would change anything: an offer lapsed, or a free seat
// has someone waiting for it.
func needsSettling(e *store.Event, rs []store.RSVP, now time.Time) bool {
	for _, r := range rs {
		if r.Status == store.RSVPOffered && !now.Before(r.OfferExpires) {
			return true
		}
	}
	if e.Status == store.EventCancelled || e.Capacity == 0 || !now.Before(e.Start) {
		return false
	}
	n := countRSVPs(rs)
	return n.waitlist > 0 && seatsLeft(e, n) > 0
}

// ---- calendar, location ----

func (f *Feature) handleEventICS(ctx context.Context, c *bot.Ctx) error {
	e, err := f.pressedEvent(ctx, c)
	if e == nil {
		return err
	}
	v := f.voiceFor(c)
	doc := tgbotapi.NewDocument(c.ChatID, tgbotapi.FileBytes{Name: icsFileName(e), Bytes: f.eventICS(e, v.Lang)})
	doc.Caption = v.T("EvICSCaption", "Title", bot.Escape(bot.Truncate(v.title(e), 200)))
	doc.ParseMode = tgbotapi.ModeHTML
	_ = c.Toast(ctx, "", false)
	_, err = f.Send(ctx, doc)
	return err
}

func (f *Feature) handleEventMap(ctx context.Context, c *bot.Ctx) error {
	e, err := f.pressedEvent(ctx, c)
	if e == nil {
		return err
	}
	v := f.voiceFor(c)
	if !e.Place.HasGeo {
		return c.Toast(ctx, bot.Truncate(htmlUnescapeForToast(v, e), 200), true)
	}
	_ = c.Toast(ctx, "", false)
	return f.SendVenue(ctx, c.ChatID, venueTitle(v, e), venueAddress(v, e), e.Place.Lat, e.Place.Lon)
}

// htmlUnescapeForToast is the place as plain text: toasts are not HTML.
func htmlUnescapeForToast(v voice, e *store.Event) string {
	p := e.Place
	switch {
	case p.Name != "" && p.Address != "":
		return "📍 " + p.Name + "، " + p.Address
	case p.Name != "" || p.Address != "":
		return "📍 " + p.Name + p.Address
	}
	return v.T("EvPlaceUnknown")
}

// meEventsLine is /me's line about events attended, "" when none.
func (f *Feature) meEventsLine(c *bot.Ctx) string {
	n := 0
	if err := f.Store.View(func(tx *store.Tx) error {
		var err error
		n, err = tx.EventsAttended(c.User.ID)
		return err
	}); err != nil {
		f.Logger.Warn("count events attended", "err", err)
		return ""
	}
	if n == 0 {
		return ""
	}
	return c.T("MeEvents", "Count", c.Num(n))
}

// stripControl drops control characters from text the bot did not ask for as such (a venue's title and
// address, from the sender's client).
func stripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
