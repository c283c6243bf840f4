package bot

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

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

const (
	defaultOfferWindow = 12 * time.Hour
	checkInPrefix      = "ci_"
	eventsPerPage      = 6
	doorsOpenBefore    = time.Hour     // the door code works from an hour before the start …
	doorsCloseAfter    = 2 * time.Hour // … to two hours after the end
	quietFrom, quietTo = 23, 7         // hours of the program's day when early reminders wait
	quietMinLead       = 12 * time.Hour
	eventsTickEvery    = time.Minute
	settleLookback     = 24 * time.Hour // offers never outlive the start, so older events need no settling
)

// defaultReminders are minutes before the start: a day and an hour.
var defaultReminders = []int{24 * 60, 60}

func (b *Bot) eventsRoutes(r *Router) {
	b.addAudienceSource(b.eventAudience()) // events_broadcast.go
	r.Command("events", b.handleEvents)
	r.Callback("evl", b.handleEventList)  // evl|<page>
	r.Callback("evc", b.handleEventCard)  // evc|<id>[|n]  (n: send a new message instead of editing)
	r.Callback("evr", b.handleRSVP)       // evr|<id>
	r.Callback("evx", b.handleCancelRSVP) // evx|<id>
	r.Callback("evo", b.handleOffer)      // evo|<id>|y or n
	r.Callback("evi", b.handleEventICS)   // evi|<id>
	r.Callback("evm", b.handleEventMap)   // evm|<id>
	b.eventsAdminRoutes(r)
}

// voice renders texts in one language: replies speak the sender's, notices their recipient's.
type voice struct {
	b    *Bot
	lang string
}

func (c *Ctx) voice() voice { return voice{c.b, c.Lang} }

func (b *Bot) voiceOf(u *store.User) voice { return voice{b, userLang(u)} }

func (v voice) T(id string, kv ...any) string { return v.b.Texts.T(v.lang, id, kv...) }

func (v voice) num(n int) string {
	if v.lang == "fa" {
		return persian.Int(int64(n))
	}
	return strconv.Itoa(n)
}

func (v voice) date(t time.Time) string {
	t = t.In(v.b.Location)
	if v.lang == "fa" {
		return persian.Date(t)
	}
	return t.Format("Monday 2 January 2006")
}

func (v voice) clock(t time.Time) string {
	t = t.In(v.b.Location)
	if v.lang == "fa" {
		return persian.Clock(t.Hour(), t.Minute())
	}
	return t.Format("15:04")
}

// when is a moment in words: «جمعه ۱۵ آذر ۱۴۰۵، ساعت ۱۸:۳۰».
func (v voice) when(t time.Time) string {
	return v.T("EvWhen", "Date", v.date(t), "Clock", v.clock(t))
}

// span is an event's time in words, the end on the same day or in full.
func (v voice) span(e *store.Event) string {
	s, end := e.Start.In(v.b.Location), e.End.In(v.b.Location)
	if s.YearDay() == end.YearDay() && s.Year() == end.Year() {
		return v.T("EvSpanSameDay", "Date", v.date(s), "From", v.clock(s), "To", v.clock(end))
	}
	return v.T("EvSpanDays", "From", v.when(s), "To", v.when(end))
}

func (v voice) minutes(m int) string {
	h, mm := m/60, m%60
	switch {
	case h == 0:
		return v.T("DurationMinutes", "Minutes", v.num(mm))
	case mm == 0:
		return v.T("DurationHours", "Hours", v.num(h))
	}
	return v.T("DurationHoursMinutes", "Hours", v.num(h), "Minutes", v.num(mm))
}

// title and description fall back to Persian when an English one is missing.
func (v voice) title(e *store.Event) string {
	if v.lang == "en" && e.TitleEn != "" {
		return e.TitleEn
	}
	return e.Title
}

func (v voice) description(e *store.Event) string {
	if v.lang == "en" && e.DescriptionEn != "" {
		return e.DescriptionEn
	}
	return e.Description
}

// place is the venue or the online link in one line of HTML.
func (v voice) place(e *store.Event) string {
	p := e.Place
	switch {
	case p.Online != "":
		return v.T("EvOnline", "URL", htmlEscape(p.Online))
	case p.Address != "" && p.Name != "":
		return htmlEscape(p.Name) + "، " + htmlEscape(p.Address)
	case p.Name != "":
		return htmlEscape(p.Name)
	case p.Address != "":
		return htmlEscape(p.Address)
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
		return v.T("EvSeatsFullWaiting", "Waiting", v.num(n.waitlist))
	default:
		return v.T("EvSeatsLeft", "Left", v.num(left), "Capacity", v.num(e.Capacity))
	}
}

// eventText is the card of an event: what, when, where, seats, and where the reader stands.
func (b *Bot) eventText(v voice, e *store.Event, rs []store.RSVP, mine *store.RSVP, admin bool, now time.Time) string {
	n := countRSVPs(rs)
	var sb strings.Builder
	sb.WriteString("<b>📅 " + htmlEscape(truncateRunes(v.title(e), maxTitleRunes)) + "</b>")
	if d := v.description(e); d != "" {
		sb.WriteString("\n" + htmlEscape(truncateRunes(d, maxDescriptionRunes)))
	}
	sb.WriteString("\n\n🗓 " + v.span(e))
	sb.WriteString("\n📍 " + v.place(e))
	if e.Organizer != "" {
		sb.WriteString("\n" + v.T("EvOrganizer", "Name", htmlEscape(truncateRunes(e.Organizer, 100))))
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
			sb.WriteString("\n\n" + v.T("EvMineWaitlist", "Position", v.num(waitlistPosition(rs, mine.UserID))))
		case store.RSVPOffered:
			sb.WriteString("\n\n" + v.T("EvMineOffered", "Until", v.when(mine.OfferExpires)))
		}
	}
	if admin {
		sb.WriteString("\n\n" + v.T("EvAdminCounts", "Going", v.num(n.going), "Capacity", v.capacity(e),
			"Waiting", v.num(n.waitlist), "Offered", v.num(n.offered), "CheckedIn", v.num(n.checkedIn)))
	}
	return sb.String()
}

func (v voice) capacity(e *store.Event) string {
	if e.Capacity == 0 {
		return v.T("EvCapacityUnlimited")
	}
	return v.num(e.Capacity)
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

// eventKeyboard is the learner's card buttons: attend or cancel, calendar, location, back.
func (b *Bot) eventKeyboard(v voice, e *store.Event, mine *store.RSVP, admin bool, now time.Time) *tgbotapi.InlineKeyboardMarkup {
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
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvCancelButton"), cb("evx", id))))
		case store.RSVPOffered:
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData(v.T("EvAcceptButton"), cb("evo", id, "y")),
				tgbotapi.NewInlineKeyboardButtonData(v.T("EvDeclineButton"), cb("evo", id, "n"))))
		default:
			rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvAttendButton"), cb("evr", id))))
		}
	}
	if e.Status != store.EventCancelled {
		row := tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvCalendarButton"), cb("evi", id)))
		if e.Place.Online != "" && safeURL(e.Place.Online) {
			row = append(row, tgbotapi.NewInlineKeyboardButtonURL(v.T("EvJoinButton"), e.Place.Online))
		} else {
			row = append(row, tgbotapi.NewInlineKeyboardButtonData(v.T("EvLocationButton"), cb("evm", id)))
		}
		rows = append(rows, row)
	}
	last := tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvAllEventsButton"), cb("evl", "0")))
	if admin {
		last = append(last, tgbotapi.NewInlineKeyboardButtonData(v.T("EvManageButton"), cb("eva", id)))
	}
	rows = append(rows, last)
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

// safeURL accepts the http(s) links Telegram takes in a URL button.
func safeURL(s string) bool {
	return (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && len(s) <= 512 && !strings.ContainsAny(s, " \n\t<>\"")
}

// eventArg reads the event id of a button; ok is false for anything malformed.
func eventArg(c *Ctx, n int) (int64, bool) {
	if len(c.Data) != n {
		return 0, false
	}
	id, err := strconv.ParseInt(c.Data[0], 10, 64)
	return id, err == nil && id > 0
}

// ---- the list ----

func (b *Bot) handleEvents(ctx context.Context, c *Ctx) error { return b.showEventList(ctx, c, 0) }

func (b *Bot) handleEventList(ctx context.Context, c *Ctx) error {
	if len(c.Data) != 1 {
		return handleStaleButton(ctx, c)
	}
	page, err := strconv.Atoi(c.Data[0])
	if err != nil || page < 0 || page > 10000 {
		return handleStaleButton(ctx, c)
	}
	return b.showEventList(ctx, c, page)
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

func (b *Bot) showEventList(ctx context.Context, c *Ctx, page int) error {
	v := c.voice()
	now := b.Now()
	var events []*store.Event
	rsvps := map[int64][]store.RSVP{}
	if err := b.Store.View(func(tx *store.Tx) error {
		var err error
		if events, err = upcomingFor(tx, c.User.Track, now); err != nil {
			return err
		}
		pageEvents := pageOf(events, page)
		for _, e := range pageEvents {
			if rsvps[e.ID], err = tx.EventRSVPs(e.ID); err != nil {
				return err
			}
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
		rs := rsvps[e.ID]
		mark := "📅"
		for _, r := range rs {
			if r.UserID == c.User.ID && r.HoldsSeat() {
				mark = "✅"
			}
		}
		lines = append(lines, mark+" <b>"+htmlEscape(truncateRunes(v.title(e), 80))+"</b>\n"+
			v.when(e.Start)+" · "+v.seats(e, countRSVPs(rs)))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
			truncateRunes(v.title(e), 48), cb("evc", strconv.FormatInt(e.ID, 10)))))
	}
	if nav := pageNav(v, "evl", page, pages); nav != nil {
		rows = append(rows, nav)
	}
	text := v.T("EvListTitle")
	if pages > 1 {
		text += " " + v.T("EvPage", "Page", v.num(page+1), "Pages", v.num(pages))
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
func pageNav(v voice, action string, page, pages int) []tgbotapi.InlineKeyboardButton {
	if pages <= 1 {
		return nil
	}
	var row []tgbotapi.InlineKeyboardButton
	if page > 0 {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(v.T("EvPrevButton"), cb(action, strconv.Itoa(page-1))))
	}
	if page < pages-1 {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(v.T("EvNextButton"), cb(action, strconv.Itoa(page+1))))
	}
	return row
}

// ---- the card ----

// loadEventView reads an event with its reservations and the reader's own.
func (b *Bot) loadEventView(id, userID int64) (*store.Event, []store.RSVP, *store.RSVP, error) {
	var e *store.Event
	var rs []store.RSVP
	var mine *store.RSVP
	err := b.Store.View(func(tx *store.Tx) error {
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

func (b *Bot) handleEventCard(ctx context.Context, c *Ctx) error {
	if len(c.Data) < 1 || len(c.Data) > 2 || (len(c.Data) == 2 && c.Data[1] != "n") {
		return handleStaleButton(ctx, c)
	}
	id, ok := eventArg(c, len(c.Data))
	if !ok {
		return handleStaleButton(ctx, c)
	}
	fresh := len(c.Data) == 2
	e, rs, mine, err := b.loadEventView(id, c.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return c.Fail("EvGone")
	} else if err != nil {
		return err
	}
	if e.Cover != "" {
		photo := tgbotapi.NewPhoto(c.ChatID, tgbotapi.FileID(e.Cover))
		photo.Caption = htmlEscape(truncateRunes(c.voice().title(e), 200))
		photo.ParseMode = tgbotapi.ModeHTML
		if _, err := b.send(ctx, photo); err != nil {
			b.Logger.Warn("send event cover", "event", e.ID, "err", err)
		}
		fresh = true // the card goes under its cover
	}
	return b.showCard(ctx, c, e, rs, mine, fresh)
}

// showCard shows the event card: in place of the pressed menu, or as a new message.
func (b *Bot) showCard(ctx context.Context, c *Ctx, e *store.Event, rs []store.RSVP, mine *store.RSVP, fresh bool) error {
	v := c.voice()
	now := b.Now()
	text := b.eventText(v, e, rs, mine, false, now)
	kb := b.eventKeyboard(v, e, mine, c.IsAdmin(), now)
	if fresh {
		_, err := c.Reply(ctx, text, kb)
		return err
	}
	return c.Menu(ctx, text, kb)
}

// refreshCard redraws the card after a change, with a toast saying what happened.
func (b *Bot) refreshCard(ctx context.Context, c *Ctx, id int64, toast string) error {
	_ = c.Toast(ctx, truncateRunes(toast, 200), false)
	e, rs, mine, err := b.loadEventView(id, c.User.ID)
	if err != nil {
		return err
	}
	return b.showCard(ctx, c, e, rs, mine, false)
}

// ---- RSVP ----

// rsvpOutcome is what an RSVP-like action did, to tell the learner after the transaction.
type rsvpOutcome struct {
	id string // message id of the toast or refusal
	kv []any
	ok bool // the card changed: redraw it
}

func (b *Bot) handleRSVP(ctx context.Context, c *Ctx) error {
	id, ok := eventArg(c, 1)
	if !ok {
		return handleStaleButton(ctx, c)
	}
	var out rsvpOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		out = rsvpOutcome{}
		e, refusal, err := b.openEvent(tx, id, u.ID)
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
		v := b.voiceOf(u)
		switch {
		case r != nil && r.Status == store.RSVPGoing:
			out.id = "EvAlreadyGoing"
			return nil
		case r != nil && r.Status == store.RSVPWaitlist:
			out.id, out.kv = "EvAlreadyWaitlisted", []any{"Position", v.num(waitlistPosition(rs, u.ID))}
			return nil
		case r != nil && r.Status == store.RSVPOffered:
			out = rsvpOutcome{id: "EvGoingToast", ok: true}
			return b.confirmSeat(tx, e, r, u)
		}
		if r == nil {
			r = &store.RSVP{EventID: id, UserID: u.ID}
		}
		r.At, r.OfferExpires = now, time.Time{}
		if left := seatsLeft(e, countRSVPs(rs)); left != 0 {
			out = rsvpOutcome{id: "EvGoingToast", ok: true}
			return b.confirmSeat(tx, e, r, u)
		}
		r.Status, r.Queued = store.RSVPWaitlist, now
		if err := tx.PutRSVP(r); err != nil {
			return err
		}
		rs, err = tx.EventRSVPs(id)
		out = rsvpOutcome{id: "EvWaitlistToast", ok: true, kv: []any{"Position", v.num(waitlistPosition(rs, u.ID))}}
		return err
	})
	if err != nil {
		return err
	}
	return b.tellOutcome(ctx, c, id, out)
}

// tellOutcome answers an RSVP-like action: a toast and a fresh card, or a refusal in an alert.
func (b *Bot) tellOutcome(ctx context.Context, c *Ctx, id int64, out rsvpOutcome) error {
	if out.id == "" {
		return nil
	}
	if !out.ok {
		return c.Fail(out.id, out.kv...)
	}
	return b.refreshCard(ctx, c, id, c.T(out.id, out.kv...))
}

// openEvent loads an event a learner acts on and settles its waitlist; refusal names the message for a
// missing, cancelled or past event.
func (b *Bot) openEvent(tx *store.Tx, id, actor int64) (*store.Event, string, error) {
	e, err := tx.Event(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "EvGone", nil
	} else if err != nil {
		return nil, "", err
	}
	now := tx.Now()
	if err := b.settleEvent(tx, e, now, actor); err != nil {
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
func (b *Bot) confirmSeat(tx *store.Tx, e *store.Event, r *store.RSVP, u *store.User) error {
	r.Status, r.OfferExpires = store.RSVPGoing, time.Time{}
	if err := tx.PutRSVP(r); err != nil {
		return err
	}
	return b.scheduleReminders(tx, e, u)
}

func (b *Bot) handleCancelRSVP(ctx context.Context, c *Ctx) error {
	id, ok := eventArg(c, 1)
	if !ok {
		return handleStaleButton(ctx, c)
	}
	var out rsvpOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		out = rsvpOutcome{}
		e, refusal, err := b.openEvent(tx, id, u.ID)
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
		return b.settleEvent(tx, e, tx.Now(), u.ID) // the freed seat goes to the next in line
	})
	if err != nil {
		return err
	}
	return b.tellOutcome(ctx, c, id, out)
}

// handleOffer is a waitlisted learner's answer to a seat offer.
func (b *Bot) handleOffer(ctx context.Context, c *Ctx) error {
	id, ok := eventArg(c, 2)
	if !ok || (c.Data[1] != "y" && c.Data[1] != "n") {
		return handleStaleButton(ctx, c)
	}
	accept := c.Data[1] == "y"
	var out rsvpOutcome
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		out = rsvpOutcome{}
		e, refusal, err := b.openEvent(tx, id, u.ID) // settling first expires a lapsed offer
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
			return b.confirmSeat(tx, e, r, u)
		}
		r.Status, r.OfferExpires = store.RSVPDeclined, time.Time{}
		if err := tx.PutRSVP(r); err != nil {
			return err
		}
		out = rsvpOutcome{id: "EvDeclinedToast", ok: true}
		return b.settleEvent(tx, e, tx.Now(), u.ID)
	})
	if err != nil {
		return err
	}
	return b.tellOutcome(ctx, c, id, out) // the offer notice turns into the event's card
}

// ---- the waitlist engine ----

// settleEvent brings an event's seats up to date at now: lapsed offers expire (their learners hear so,
// except actor, who is being answered directly) and each free seat is offered to the next waitlisted
// learner. It is idempotent.
func (b *Bot) settleEvent(tx *store.Tx, e *store.Event, now time.Time, actor int64) error {
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
		r.Status, changed = store.RSVPExpired, true
		if err := tx.PutRSVP(r); err != nil {
			return err
		}
		if r.UserID == actor || e.Status == store.EventCancelled {
			continue
		}
		if u, err := tx.User(r.UserID); err == nil {
			v := b.voiceOf(u)
			if err := b.enqueue(tx, Notice{ChatID: u.ID, Text: v.T("EvOfferExpiredNotice", "Title", htmlEscape(v.title(e))),
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
		w.Status = store.RSVPOffered
		w.OfferExpires = now.Add(offerWindow(e))
		if w.OfferExpires.After(e.Start) {
			w.OfferExpires = e.Start
		}
		if err := tx.PutRSVP(&w); err != nil {
			return err
		}
		free--
		v := b.voiceOf(u)
		ids := strconv.FormatInt(e.ID, 10)
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(v.T("EvAcceptButton"), cb("evo", ids, "y")),
			tgbotapi.NewInlineKeyboardButtonData(v.T("EvDeclineButton"), cb("evo", ids, "n"))))
		if err := b.enqueue(tx, Notice{
			ChatID: u.ID,
			Text: v.T("EvOfferNotice", "Title", htmlEscape(v.title(e)), "When", v.span(e), "Place", v.place(e),
				"Until", v.when(w.OfferExpires)),
			Keyboard: &kb,
			Dedupe:   fmt.Sprintf("%so:%d:%d", eventJobPrefix(e.ID), u.ID, now.Unix()),
		}); err != nil {
			return err
		}
	}
	return nil
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
func (b *Bot) reminderAt(e *store.Event, minutes int) time.Time {
	at := e.Start.Add(-time.Duration(minutes) * time.Minute).In(b.Location)
	if time.Duration(minutes)*time.Minute < quietMinLead {
		return at
	}
	y, m, d := at.Date()
	switch h := at.Hour(); {
	case h >= quietFrom:
		return time.Date(y, m, d+1, quietTo, 0, 0, 0, b.Location)
	case h < quietTo:
		return time.Date(y, m, d, quietTo, 0, 0, 0, b.Location)
	}
	return at
}

// scheduleReminders puts u's reminders for e into the outbox, skipping any whose time has passed.
func (b *Bot) scheduleReminders(tx *store.Tx, e *store.Event, u *store.User) error {
	v := b.voiceOf(u)
	for _, mins := range reminderMinutes(e) {
		at := b.reminderAt(e, mins)
		if !at.After(tx.Now()) || !at.Before(e.Start) {
			continue
		}
		n := b.eventNotice(v, e, u.ID, v.T("EvReminder", "Title", htmlEscape(v.title(e)), "When", v.span(e),
			"Place", v.place(e), "Left", v.minutes(int(e.Start.Sub(at).Round(time.Minute).Minutes()))))
		n.Dedupe = fmt.Sprintf("%sr%d:%d:%d", eventJobPrefix(e.ID), mins, u.ID, e.Seq)
		n.NotBefore = at
		if err := b.enqueue(tx, n); err != nil {
			return err
		}
	}
	return nil
}

// eventNotice is a message about e with its venue (sent after the text) and buttons for the card and the
// calendar file.
func (b *Bot) eventNotice(v voice, e *store.Event, chatID int64, text string) Notice {
	ids := strconv.FormatInt(e.ID, 10)
	row := tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvCardButton"), cb("evc", ids, "n")),
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvCalendarButton"), cb("evi", ids)))
	if e.Place.Online != "" && safeURL(e.Place.Online) {
		row = append(row, tgbotapi.NewInlineKeyboardButtonURL(v.T("EvJoinButton"), e.Place.Online))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(row)
	n := Notice{ChatID: chatID, Text: text, Keyboard: &kb}
	if e.Place.HasGeo {
		n.Venue = &NoticeVenue{Lat: e.Place.Lat, Lon: e.Place.Lon, Title: venueTitle(v, e), Address: venueAddress(v, e)}
	}
	return n
}

// venueTitle and venueAddress fill sendVenue's required fields, which must not be empty.
func venueTitle(v voice, e *store.Event) string {
	if e.Place.Name != "" {
		return truncateRunes(e.Place.Name, 100)
	}
	return truncateRunes(v.title(e), 100)
}

func venueAddress(v voice, e *store.Event) string {
	if e.Place.Address != "" {
		return truncateRunes(e.Place.Address, 200)
	}
	return v.when(e.Start)
}

// ---- the events loop ----

// EventsTick settles every upcoming event: lapsed seat offers expire and free seats are offered to the
// waitlists. The events loop runs it every minute and once at start-up (catching up after downtime);
// tests and a future scheduler may call it directly. It is idempotent.
func (b *Bot) EventsTick(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// A read pass finds the events with something to do, so an idle minute writes nothing.
	var due []int64
	if err := b.Store.View(func(tx *store.Tx) error {
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
	return b.Store.Update(func(tx *store.Tx) error {
		for _, id := range due {
			e, err := tx.Event(id)
			if err != nil {
				return err
			}
			if err := b.settleEvent(tx, e, tx.Now(), 0); err != nil {
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

// startEventsLoop runs EventsTick now and then every minute until ctx ends. Run owns the loop: the
// returned stop ends it and waits, so the store is never closed under a running tick.
func (b *Bot) startEventsLoop(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(eventsTickEvery)
		defer t.Stop()
		for {
			if err := b.EventsTick(ctx); err != nil && ctx.Err() == nil {
				b.Logger.Error("events tick", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// ---- calendar, location ----

func (b *Bot) handleEventICS(ctx context.Context, c *Ctx) error {
	id, ok := eventArg(c, 1)
	if !ok {
		return handleStaleButton(ctx, c)
	}
	e, _, _, err := b.loadEventView(id, c.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return c.Fail("EvGone")
	} else if err != nil {
		return err
	}
	v := c.voice()
	doc := tgbotapi.NewDocument(c.ChatID, tgbotapi.FileBytes{Name: icsFileName(e), Bytes: b.eventICS(e, v.lang)})
	doc.Caption = v.T("EvICSCaption", "Title", htmlEscape(truncateRunes(v.title(e), 200)))
	doc.ParseMode = tgbotapi.ModeHTML
	_ = c.Toast(ctx, "", false)
	_, err = b.send(ctx, doc)
	return err
}

func (b *Bot) handleEventMap(ctx context.Context, c *Ctx) error {
	id, ok := eventArg(c, 1)
	if !ok {
		return handleStaleButton(ctx, c)
	}
	e, _, _, err := b.loadEventView(id, c.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return c.Fail("EvGone")
	} else if err != nil {
		return err
	}
	v := c.voice()
	if !e.Place.HasGeo {
		return c.Toast(ctx, truncateRunes(htmlUnescapeForToast(v, e), 200), true)
	}
	_ = c.Toast(ctx, "", false)
	_, err = b.send(ctx, tgbotapi.NewVenue(c.ChatID, venueTitle(v, e), venueAddress(v, e), e.Place.Lat, e.Place.Lon))
	return err
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

// ---- check-in ----

// handleCheckIn marks the learner present at the event whose door code they opened and credits its
// duration to their learning time. A walk-in without a reservation is recorded as going. A newcomer goes
// on into onboarding after the check-in answer.
func (b *Bot) handleCheckIn(ctx context.Context, c *Ctx, token string) (bool, error) {
	var msg string
	var kv []any
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		msg, kv = "", nil
		v := b.voiceOf(u)
		if !validPayload(checkInPrefix + token) {
			msg = "EvCheckInUnknown"
			return nil
		}
		e, err := tx.EventByToken(token)
		if errors.Is(err, store.ErrNotFound) {
			msg = "EvCheckInUnknown"
			return nil
		} else if err != nil {
			return err
		}
		now := tx.Now()
		kv = []any{"Title", htmlEscape(v.title(e))}
		switch {
		case e.Status == store.EventCancelled:
			msg = "EvCheckInCancelled"
			return nil
		case now.Before(e.Start.Add(-doorsOpenBefore)):
			msg, kv = "EvCheckInEarly", append(kv, "When", v.when(e.Start.Add(-doorsOpenBefore)))
			return nil
		case now.After(e.End.Add(doorsCloseAfter)):
			msg = "EvCheckInClosed"
			return nil
		}
		r, err := tx.RSVP(e.ID, u.ID)
		if err != nil {
			return err
		}
		if r != nil && !r.CheckedIn.IsZero() {
			msg = "EvCheckInAgain"
			return nil
		}
		if r == nil {
			r = &store.RSVP{EventID: e.ID, UserID: u.ID, At: now}
		}
		r.Status, r.OfferExpires, r.CheckedIn = store.RSVPGoing, time.Time{}, now
		if err := tx.PutRSVP(r); err != nil {
			return err
		}
		if _, err := tx.DropPendingJobs(u.ID, eventJobPrefix(e.ID)+"r"); err != nil {
			return err // they are here: no more reminders
		}
		mins := int(e.Duration() / time.Minute)
		u.MinutesLearned += mins
		msg, kv = "EvCheckedIn", append(kv, "Minutes", v.minutes(mins))
		return nil
	})
	if err != nil {
		return true, err
	}
	if _, err := c.Reply(ctx, c.T(msg, kv...), nil); err != nil {
		return true, err
	}
	return c.User.Onboarded, nil
}

// meEventsLine is /me's line about events attended, "" when none.
func (b *Bot) meEventsLine(c *Ctx) string {
	n := 0
	if err := b.Store.View(func(tx *store.Tx) error {
		var err error
		n, err = tx.EventsAttended(c.User.ID)
		return err
	}); err != nil {
		b.Logger.Warn("count events attended", "err", err)
		return ""
	}
	if n == 0 {
		return ""
	}
	return c.T("MeEvents", "Count", c.num(n))
}
