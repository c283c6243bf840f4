package events

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// Limits on what admins type, so a card always fits one message (4096 characters).
const (
	maxTitleRunes       = 120
	maxDescriptionRunes = 2000
	maxPlaceRunes       = 300
	maxOrganizerRunes   = 100
	maxCapacity         = 100_000
	maxEventLength      = 14 * 24 * time.Hour
	maxDaysAhead        = 3 * 366
	maxOfferHours       = 72
)

// Conversation steps of the admins' event wizard; the draft lives in store (EventDraft).
const (
	stepEvTitle     = "ev_title"
	stepEvDate      = "ev_date"
	stepEvTime      = "ev_time"
	stepEvEnd       = "ev_end"
	stepEvPlace     = "ev_place"
	stepEvPlaceName = "ev_pname"
	stepEvCapacity  = "ev_cap"
	stepEvDesc      = "ev_desc"
	stepEvCover     = "ev_cover"
	stepEvImport    = "ev_import"
)

// Fields an admin edits on an existing event (eve|<id>|<field>).
const (
	editTime     = "t"
	editPlace    = "p"
	editCapacity = "c"
	editDesc     = "d"
	editCover    = "i"
)

// eventDraft is the wizard's state between messages.
type eventDraft struct {
	Edit     int64       `json:"edit,omitempty"`  // the event being changed; 0 = a new event
	Field    string      `json:"field,omitempty"` // what an edit changes
	Title    string      `json:"title,omitempty"`
	Day      time.Time   `json:"day,omitzero"` // midnight of the chosen day
	Start    time.Time   `json:"start,omitzero"`
	End      time.Time   `json:"end,omitzero"`
	Place    store.Place `json:"place"`
	Capacity int         `json:"cap,omitempty"`
	Ready    bool        `json:"ready,omitempty"` // every answer is in: waiting for [Confirm]
	Nonce    string      `json:"nonce,omitempty"` // names this draft in its [Confirm] button, so an older button cannot confirm it
}

// newDoorToken is an unguessable door code: 128 random bits, URL-safe, 22 characters.
func newDoorToken() (string, error) {
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("door token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// doorLink is the check-in deep link of an event.
func (f *Feature) doorLink(e *store.Event) string {
	return f.DeepLink(checkInPrefix + e.Token)
}

// ---- the wizard ----

func (f *Feature) handleNewEvent(ctx context.Context, c *bot.Ctx) error {
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		u.Step, u.StepData = stepEvTitle, ""
		return putDraft(tx, u.ID, &eventDraft{})
	}); err != nil {
		return err
	}
	_, err := c.Reply(ctx, c.T("EvWizardTitle"), nil)
	return err
}

func putDraft(tx *store.Tx, adminID int64, d *eventDraft) error {
	if d == nil {
		return tx.PutEventDraft(adminID, nil)
	}
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.PutEventDraft(adminID, v)
}

func loadDraft(tx *store.Tx, adminID int64) (*eventDraft, error) {
	raw := tx.EventDraft(adminID)
	if raw == nil {
		return nil, nil
	}
	var d eventDraft
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode event draft: %w", err)
	}
	return &d, nil
}

// stepInput is what an admin sent at a wizard step.
type stepInput struct {
	text     string // normalized-for-display text ("" for media)
	location *tgbotapi.Location
	venue    *tgbotapi.Venue
	photo    string // the largest size's file_id
}

func readStepInput(m *tgbotapi.Message) stepInput {
	in := stepInput{text: strings.TrimSpace(m.Text), location: m.Location, venue: m.Venue}
	if len(m.Photo) > 0 {
		in.photo = m.Photo[len(m.Photo)-1].FileID
	}
	return in
}

// handleEventStep takes the admin's answer to the current wizard step, validates it, and asks the next.
func (f *Feature) handleEventStep(ctx context.Context, c *bot.Ctx) error {
	if !c.IsAdmin() { // no longer an admin: leave the wizard quietly
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
			return err
		}
		return bot.HandleUnexpected(ctx, c)
	}
	step := c.User.Step
	in := readStepInput(c.Update.Message)
	now := f.LocalNow()
	var next string
	var d *eventDraft
	var applied *store.Event // an edit applied at once (capacity, description, cover)
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		next, applied = "", nil
		var err error
		if d, err = loadDraft(tx, u.ID); err != nil {
			return err
		}
		if d == nil {
			u.Step, u.StepData = "", ""
			next = "lost"
			return nil
		}
		if next, err = f.takeStep(c, step, in, d, now); err != nil {
			return err
		}
		if next == "" && d.Edit != 0 && (d.Field == editCapacity || d.Field == editDesc || d.Field == editCover) {
			applied, err = f.applyQuickEdit(tx, d, now)
			if errors.Is(err, errEventCancelled) {
				// Cancelled since the edit began: its reminders must not come back.
				next, applied = "cancelled", nil
				u.Step, u.StepData = "", ""
				return putDraft(tx, u.ID, nil)
			} else if err != nil {
				return err
			}
			d = nil
		} else if next == "" {
			nonce, err := newDoorToken()
			if err != nil {
				return err
			}
			d.Ready, d.Nonce = true, nonce[:8]
		}
		u.Step = next
		if next == "" {
			u.StepData = ""
		}
		return putDraft(tx, u.ID, d)
	})
	if err != nil {
		return err
	}
	v := f.voiceFor(c)
	switch {
	case next == "lost":
		_, err = c.Reply(ctx, v.T("EvWizardLost"), nil)
		return err
	case next == "cancelled":
		_, err = c.Reply(ctx, v.T("EvAlreadyCancelled"), nil)
		return err
	case applied != nil:
		return f.showAdminCard(ctx, c, applied.ID, true, v.T("EvSaved"))
	case next == "":
		return f.showConfirm(ctx, c, d)
	}
	_, err = c.Reply(ctx, f.stepPrompt(v, step, next, d), nil)
	return err
}

// takeStep validates one answer into the draft and names the next step ("" = ready to confirm or apply).
func (f *Feature) takeStep(c *bot.Ctx, step string, in stepInput, d *eventDraft, now time.Time) (string, error) {
	needText := func() error {
		if in.text == "" {
			return c.Fail("EvNeedText")
		}
		return nil
	}
	switch step {
	case stepEvTitle:
		if err := needText(); err != nil {
			return "", err
		}
		if utf8.RuneCountInString(in.text) > maxTitleRunes {
			return "", c.Fail("EvTitleTooLong", "Max", c.Num(maxTitleRunes))
		}
		if hasControl(in.text, false) {
			return "", c.Fail("EvControlChar")
		}
		d.Title = in.text
		return stepEvDate, nil

	case stepEvDate:
		if err := needText(); err != nil {
			return "", err
		}
		day, err := persian.ParseJalaliDate(in.text, now)
		switch {
		case errors.Is(err, persian.ErrNoSuchMonth):
			return "", c.Fail("DateNoSuchMonth")
		case errors.Is(err, persian.ErrNoSuchDate):
			return "", c.Fail("EvDateNoSuchDay", "Input", bot.Escape(bot.Truncate(in.text, 40)))
		case err != nil:
			return "", c.Fail("EvDateInvalid")
		}
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, f.Location)
		switch {
		case day.Before(today):
			return "", c.Fail("EvDatePast", "Date", c.Date(day))
		case day.After(today.AddDate(0, 0, maxDaysAhead)):
			return "", c.Fail("EvDateTooFar")
		}
		d.Day = day
		return stepEvTime, nil

	case stepEvTime, stepEvEnd:
		if err := needText(); err != nil {
			return "", err
		}
		h, m, err := persian.ParseClock(in.text)
		if err != nil {
			return "", c.Fail("EvClockInvalid")
		}
		t := time.Date(d.Day.Year(), d.Day.Month(), d.Day.Day(), h, m, 0, 0, f.Location)
		if step == stepEvTime {
			if !t.After(now) {
				return "", c.Fail("EvTimePast", "When", f.voiceFor(c).when(t))
			}
			d.Start = t
			return stepEvEnd, nil
		}
		if !t.After(d.Start) {
			return "", c.Fail("EvEndBeforeStart", "Start", c.Time(d.Start))
		}
		d.End = t
		if d.Edit != 0 {
			return "", nil
		}
		return stepEvPlace, nil

	case stepEvPlace:
		switch {
		case in.venue != nil:
			d.Place = store.Place{Name: bot.Truncate(stripControl(in.venue.Title), maxPlaceRunes), Address: bot.Truncate(stripControl(in.venue.Address), maxPlaceRunes),
				Lat: in.venue.Location.Latitude, Lon: in.venue.Location.Longitude, HasGeo: true}
		case in.location != nil:
			d.Place = store.Place{Lat: in.location.Latitude, Lon: in.location.Longitude, HasGeo: true}
			return stepEvPlaceName, nil
		case in.text == "":
			return "", c.Fail("EvPlaceNeedTextOrLocation")
		case utf8.RuneCountInString(in.text) > maxPlaceRunes:
			return "", c.Fail("EvPlaceTooLong", "Max", c.Num(maxPlaceRunes))
		case hasControl(in.text, true) || strings.Count(in.text, "\n") > 1:
			return "", c.Fail("EvControlChar") // a link, or a name and an address: at most one line break
		case strings.HasPrefix(in.text, "http://") || strings.HasPrefix(in.text, "https://"):
			if !safeURL(in.text) {
				return "", c.Fail("EvBadLink")
			}
			d.Place = store.Place{Online: in.text}
		default:
			name, addr, _ := strings.Cut(in.text, "\n")
			d.Place = store.Place{Name: strings.TrimSpace(name), Address: strings.TrimSpace(addr)}
		}
		if d.Edit != 0 {
			return "", nil
		}
		return stepEvCapacity, nil

	case stepEvPlaceName:
		if err := needText(); err != nil {
			return "", err
		}
		if utf8.RuneCountInString(in.text) > maxPlaceRunes {
			return "", c.Fail("EvPlaceTooLong", "Max", c.Num(maxPlaceRunes))
		}
		if hasControl(in.text, true) || strings.Count(in.text, "\n") > 1 {
			return "", c.Fail("EvControlChar")
		}
		name, addr, _ := strings.Cut(in.text, "\n")
		d.Place.Name, d.Place.Address = strings.TrimSpace(name), strings.TrimSpace(addr)
		if d.Edit != 0 {
			return "", nil
		}
		return stepEvCapacity, nil

	case stepEvCapacity:
		if err := needText(); err != nil {
			return "", err
		}
		n, err := persian.ParseInt(in.text)
		switch {
		case errors.Is(err, persian.ErrNotNumber):
			return "", c.Fail("EvCapacityNotNumber")
		case err != nil || n < 0 || n > maxCapacity:
			return "", c.Fail("EvCapacityRange", "Max", c.Num(maxCapacity))
		}
		d.Capacity = n
		return "", nil

	case stepEvDesc:
		if err := needText(); err != nil {
			return "", err
		}
		if utf8.RuneCountInString(in.text) > maxDescriptionRunes {
			return "", c.Fail("EvDescTooLong", "Max", c.Num(maxDescriptionRunes))
		}
		if hasControl(in.text, true) {
			return "", c.Fail("EvControlChar")
		}
		d.Title = in.text // carries the new description to applyQuickEdit
		if in.text == "-" {
			d.Title = ""
		}
		return "", nil

	case stepEvCover:
		switch {
		case in.photo != "":
			d.Title = in.photo
		case in.text == "-":
			d.Title = ""
		default:
			return "", c.Fail("EvCoverNeedPhoto")
		}
		return "", nil
	}
	return "", fmt.Errorf("unknown event step %q", step)
}

// stepPrompt echoes what was just understood and asks for the next answer.
func (f *Feature) stepPrompt(v voice, done, next string, d *eventDraft) string {
	var echo string
	switch done {
	case stepEvDate:
		echo = v.T("EvEchoDate", "Date", v.Date(d.Day))
	case stepEvTime:
		echo = v.T("EvEchoStart", "When", v.when(d.Start))
	case stepEvEnd:
		echo = v.T("EvEchoEnd", "Span", v.span(&store.Event{Start: d.Start, End: d.End}))
	case stepEvPlace, stepEvPlaceName:
		if next != stepEvPlaceName {
			echo = v.T("EvEchoPlace", "Place", v.place(&store.Event{Place: d.Place}))
		}
	}
	ask := v.T(map[string]string{
		stepEvDate:      "EvWizardDate",
		stepEvTime:      "EvWizardTime",
		stepEvEnd:       "EvWizardEnd",
		stepEvPlace:     "EvWizardPlace",
		stepEvPlaceName: "EvWizardPlaceName",
		stepEvCapacity:  "EvWizardCapacity",
	}[next])
	if echo == "" {
		return ask
	}
	return echo + "\n\n" + ask
}

// showConfirm shows the draft in words with [Confirm] [Cancel].
func (f *Feature) showConfirm(ctx context.Context, c *bot.Ctx, d *eventDraft) error {
	v := f.voiceFor(c)
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvConfirmButton"), actWizard.Data("ok", d.Nonce)),
		tgbotapi.NewInlineKeyboardButtonData(v.T("EvDiscardButton"), actWizard.Data("no", d.Nonce))))
	var text string
	if d.Edit == 0 {
		e := &store.Event{Title: d.Title, Start: d.Start, End: d.End, Place: d.Place, Capacity: d.Capacity}
		text = v.T("EvConfirmNew", "Title", bot.Escape(d.Title), "Span", v.span(e), "Place", v.place(e), "Capacity", v.capacity(e))
	} else {
		var e *store.Event
		var people int
		if err := f.Store.View(func(tx *store.Tx) error {
			var err error
			if e, err = tx.Event(d.Edit); err != nil {
				return err
			}
			rs, err := tx.EventRSVPs(d.Edit)
			n := countRSVPs(rs)
			people = n.going + n.offered + n.waitlist
			return err
		}); err != nil {
			return err
		}
		changed := *e
		if d.Field == editTime {
			changed.Start, changed.End = d.Start, d.End
			text = v.T("EvConfirmTime", "Title", bot.Escape(e.Title), "Old", v.span(e), "New", v.span(&changed), "People", v.Num(people))
		} else {
			changed.Place = d.Place
			text = v.T("EvConfirmPlace", "Title", bot.Escape(e.Title), "Old", v.place(e), "New", v.place(&changed), "People", v.Num(people))
		}
	}
	_, err := c.Reply(ctx, text, kb)
	return err
}

// handleWizardButton creates the event, or applies the edit, that the admin confirmed.
func (f *Feature) handleWizardButton(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 || (c.Data[0] != "ok" && c.Data[0] != "no") {
		return bot.HandleStaleButton(ctx, c)
	}
	confirm, nonce := c.Data[0] == "ok", c.Data[1]
	var eventID int64
	stale := false
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		eventID, stale = 0, false
		d, err := loadDraft(tx, u.ID)
		if err != nil {
			return err
		}
		if d == nil || !d.Ready || d.Nonce != nonce {
			stale = true
			return nil
		}
		u.Step, u.StepData = "", ""
		if err := putDraft(tx, u.ID, nil); err != nil {
			return err
		}
		if !confirm {
			return nil
		}
		now := tx.Now()
		if d.Field != editPlace && !d.Start.After(now) {
			return c.Fail("EvTimePast", "When", f.voiceFor(c).when(d.Start))
		}
		if d.Edit == 0 {
			token, err := newDoorToken()
			if err != nil {
				return err
			}
			e := &store.Event{Title: d.Title, Start: d.Start, End: d.End, Place: d.Place, Capacity: d.Capacity,
				Token: token, CreatedBy: u.ID, Announcing: true} // the events loop announces it
			if err := tx.CreateEvent(e); err != nil {
				return err
			}
			eventID = e.ID
			return nil
		}
		e, err := tx.Event(d.Edit)
		if err != nil {
			return err
		}
		if e.Status == store.EventCancelled {
			return c.Fail("EvRSVPCancelled")
		}
		if d.Field == editTime {
			e.Start, e.End = d.Start, d.End
		} else {
			e.Place = d.Place
		}
		eventID = e.ID
		return f.changeEvent(tx, e, true)
	})
	if err != nil {
		return err
	}
	switch {
	case stale:
		return bot.HandleStaleButton(ctx, c)
	case !confirm:
		return c.Menu(ctx, c.T("EvDiscarded"), nil)
	}
	return f.showAdminCard(ctx, c, eventID, false, c.T("EvSaved"))
}

// errEventCancelled refuses an edit of an event cancelled after the edit began.
var errEventCancelled = errors.New("event cancelled")

// applyQuickEdit saves an edit that needs no confirmation: capacity, description, cover.
func (f *Feature) applyQuickEdit(tx *store.Tx, d *eventDraft, now time.Time) (*store.Event, error) {
	e, err := tx.Event(d.Edit)
	if err != nil {
		return nil, err
	}
	if e.Status == store.EventCancelled {
		return nil, errEventCancelled // changeEvent would schedule its reminders again
	}
	switch d.Field {
	case editCapacity:
		e.Capacity = d.Capacity
		if err := tx.PutEvent(e); err != nil {
			return nil, err
		}
		return e, f.settleEvent(tx, e, now, 0) // a bigger hall frees seats for the waitlist
	case editDesc:
		e.Description = d.Title
		return e, f.changeEvent(tx, e, false)
	case editCover:
		e.Cover = d.Title
		return e, tx.PutEvent(e)
	}
	return nil, fmt.Errorf("unknown quick edit %q", d.Field)
}

// changeEvent saves a changed event: its sequence moves on, the reminders of everyone concerned are
// taken back and scheduled again, and with notify each of them hears what changed.
func (f *Feature) changeEvent(tx *store.Tx, e *store.Event, notify bool) error {
	now := tx.Now()
	e.Seq++
	if notify {
		e.Status, e.Changed = store.EventChanged, now
	}
	if err := tx.PutEvent(e); err != nil {
		return err
	}
	rs, err := tx.EventRSVPs(e.ID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Status != store.RSVPGoing && r.Status != store.RSVPOffered && r.Status != store.RSVPWaitlist {
			continue
		}
		if _, err := tx.DropPendingJobs(r.UserID, eventJobPrefix(e.ID)+"r"); err != nil {
			return err
		}
		u, err := tx.User(r.UserID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if r.Status == store.RSVPOffered && r.OfferExpires.After(e.Start) {
			r.OfferExpires = e.Start
			if err := tx.PutRSVP(&r); err != nil {
				return err
			}
		}
		if r.Status == store.RSVPGoing && r.CheckedIn.IsZero() {
			if err := f.scheduleReminders(tx, e, u); err != nil {
				return err
			}
		}
		if notify {
			v := f.voiceOf(u)
			n := f.eventNotice(v, e, u.ID, v.T("EvChangedNotice", "Title", bot.Escape(v.title(e)), "When", v.span(e), "Place", v.place(e)))
			n.Dedupe = fmt.Sprintf("%sc:%d:%d", eventJobPrefix(e.ID), u.ID, e.Seq)
			if err := f.Enqueue(tx, n); err != nil {
				return err
			}
		}
	}
	return f.settleEvent(tx, e, now, 0)
}

// ---- the admin card ----

func (f *Feature) handleEventAdmin(ctx context.Context, c *bot.Ctx) error {
	id, ok := eventArg(c, 1)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	return f.showAdminCard(ctx, c, id, false, "")
}

// showAdminCard shows an event with its counts, door link and the admin's buttons.
func (f *Feature) showAdminCard(ctx context.Context, c *bot.Ctx, id int64, fresh bool, toast string) error {
	if toast != "" {
		_ = c.Toast(ctx, toast, false)
	}
	e, rs, _, err := f.loadEventView(id, c.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return c.Fail("EvGone")
	} else if err != nil {
		return err
	}
	v := f.voiceFor(c)
	now := f.Now()
	text := f.eventText(v, e, rs, nil, true, now)
	if e.DoorQR {
		text += "\n" + v.T("EvDoorLink", "Link", bot.Escape(f.doorLink(e)))
	}
	ids := strconv.FormatInt(e.ID, 10)
	btn := func(label, data string) tgbotapi.InlineKeyboardButton {
		return tgbotapi.NewInlineKeyboardButtonData(v.T(label), data)
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	if e.Status != store.EventCancelled && now.Before(e.End) {
		rows = append(rows,
			tgbotapi.NewInlineKeyboardRow(btn("EvEditTimeButton", actEventEdit.Data(ids, editTime)), btn("EvEditPlaceButton", actEventEdit.Data(ids, editPlace))),
			tgbotapi.NewInlineKeyboardRow(btn("EvEditCapacityButton", actEventEdit.Data(ids, editCapacity)), btn("EvEditDescButton", actEventEdit.Data(ids, editDesc))),
			tgbotapi.NewInlineKeyboardRow(btn("EvEditCoverButton", actEventEdit.Data(ids, editCover)), btn("EvCancelEventButton", actEventCancel.Data(ids, "ask"))))
	}
	door := tgbotapi.NewInlineKeyboardRow(btn("EvDoorOffButton", actDoorToggle.Data(ids)))
	if e.DoorQR {
		door = tgbotapi.NewInlineKeyboardRow(btn("EvDoorOnButton", actDoorToggle.Data(ids)), btn("EvDoorButton", actEventDoor.Data(ids)))
	}
	rows = append(rows, door,
		tgbotapi.NewInlineKeyboardRow(btn("EvStaffButton", actEventStaff.Data(ids)), btn("EvSheetButton", actEventSheet.Data(ids))),
		tgbotapi.NewInlineKeyboardRow(btn("EvAdminListButton", actAdminList.Data("0")), btn("EvLearnerViewButton", actEventCard.Data(ids))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	if fresh {
		_, err = c.Reply(ctx, text, &kb)
		return err
	}
	return c.Menu(ctx, text, &kb)
}

func (f *Feature) handleAllEvents(ctx context.Context, c *bot.Ctx) error {
	return f.showAdminList(ctx, c, 0)
}

func (f *Feature) handleAdminEventList(ctx context.Context, c *bot.Ctx) error {
	page, ok := pageArg(c)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	return f.showAdminList(ctx, c, page)
}

// showAdminList pages through every event, the latest first, cancelled and past ones included.
func (f *Feature) showAdminList(ctx context.Context, c *bot.Ctx, page int) error {
	v := f.voiceFor(c)
	var events []*store.Event
	counts := map[int64]eventCounts{}
	if err := f.Store.View(func(tx *store.Tx) error {
		if err := tx.EventsNewestFirst(func(e *store.Event) bool { events = append(events, e); return true }); err != nil {
			return err
		}
		for _, e := range pageOf(events, page) {
			rs, err := tx.EventRSVPs(e.ID)
			if err != nil {
				return err
			}
			counts[e.ID] = countRSVPs(rs)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(events) == 0 {
		return c.Menu(ctx, v.T("EvAdminNoEvents"), nil)
	}
	pages := (len(events) + eventsPerPage - 1) / eventsPerPage
	page = min(page, pages-1)
	now := f.Now()
	var lines []string
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, e := range pageOf(events, page) {
		n := counts[e.ID]
		state := v.T("EvStateUpcoming")
		switch {
		case e.Status == store.EventCancelled:
			state = v.T("EvStateCancelled")
		case !now.Before(e.End):
			state = v.T("EvStateOver")
		}
		lines = append(lines, "• <b>"+bot.Escape(bot.Truncate(e.Title, 80))+"</b>\n"+v.when(e.Start)+" · "+state+" · "+
			v.T("EvAdminShortCounts", "Going", v.Num(n.going), "Capacity", v.capacity(e), "CheckedIn", v.Num(n.checkedIn)))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
			bot.Truncate(e.Title, 48), actEventAdmin.Data(strconv.FormatInt(e.ID, 10)))))
	}
	if nav := pageNav(v, actAdminList, page, pages); nav != nil {
		rows = append(rows, nav)
	}
	text := v.T("EvAdminListTitle", "Count", v.Num(len(events)))
	if pages > 1 {
		text += " " + v.T("EvPage", "Page", v.Num(page+1), "Pages", v.Num(pages))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, text+"\n\n"+strings.Join(lines, "\n\n"), &kb)
}

// handleEventEdit starts changing one field of an event.
func (f *Feature) handleEventEdit(ctx context.Context, c *bot.Ctx) error {
	id, ok := eventArg(c, 2)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	field := c.Data[1]
	first := map[string]string{editTime: stepEvDate, editPlace: stepEvPlace, editCapacity: stepEvCapacity,
		editDesc: stepEvDesc, editCover: stepEvCover}[field]
	if first == "" {
		return bot.HandleStaleButton(ctx, c)
	}
	var refusal string
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		refusal = ""
		e, err := tx.Event(id)
		if errors.Is(err, store.ErrNotFound) {
			refusal = "EvGone"
			return nil
		} else if err != nil {
			return err
		}
		if e.Status == store.EventCancelled {
			refusal = "EvRSVPCancelled"
			return nil
		}
		u.Step, u.StepData = first, strconv.FormatInt(id, 10)
		return putDraft(tx, u.ID, &eventDraft{Edit: id, Field: field, Place: e.Place})
	})
	if err != nil {
		return err
	}
	if refusal != "" {
		return c.Fail(refusal)
	}
	_ = c.Toast(ctx, "", false)
	prompt := map[string]string{editTime: "EvWizardDate", editPlace: "EvWizardPlace", editCapacity: "EvWizardCapacity",
		editDesc: "EvWizardDesc", editCover: "EvWizardCover"}[field]
	_, err = c.Reply(ctx, c.T(prompt), nil)
	return err
}

// handleEventCancel asks, then cancels an event and tells everyone who had a seat or waited for one.
func (f *Feature) handleEventCancel(ctx context.Context, c *bot.Ctx) error {
	id, ok := eventArg(c, 2)
	if !ok || (c.Data[1] != "ask" && c.Data[1] != "yes") {
		return bot.HandleStaleButton(ctx, c)
	}
	ids := strconv.FormatInt(id, 10)
	if c.Data[1] == "ask" {
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(c.T("EvCancelEventYes"), actEventCancel.Data(ids, "yes")),
			tgbotapi.NewInlineKeyboardButtonData(c.T("EvCancelEventNo"), actEventAdmin.Data(ids))))
		return c.Menu(ctx, c.T("EvCancelEventAsk"), &kb)
	}
	var refusal string
	var told int
	err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		refusal, told = "", 0
		e, err := tx.Event(id)
		if errors.Is(err, store.ErrNotFound) {
			refusal = "EvGone"
			return nil
		} else if err != nil {
			return err
		}
		if e.Status == store.EventCancelled {
			refusal = "EvAlreadyCancelled"
			return nil
		}
		told, err = f.cancelEvent(tx, e)
		return err
	})
	if err != nil {
		return err
	}
	if refusal != "" {
		return c.Fail(refusal)
	}
	return f.showAdminCard(ctx, c, id, false, c.T("EvCancelledEventToast", "People", c.Num(told)))
}

// cancelEvent marks e cancelled, takes back its pending messages and tells everyone concerned.
func (f *Feature) cancelEvent(tx *store.Tx, e *store.Event) (int, error) {
	e.Status, e.Cancelled = store.EventCancelled, tx.Now()
	e.Seq++
	if err := tx.PutEvent(e); err != nil {
		return 0, err
	}
	rs, err := tx.EventRSVPs(e.ID)
	if err != nil {
		return 0, err
	}
	told := 0
	for _, r := range rs {
		if r.Status != store.RSVPGoing && r.Status != store.RSVPOffered && r.Status != store.RSVPWaitlist {
			continue
		}
		if _, err := tx.DropPendingJobs(r.UserID, eventJobPrefix(e.ID)); err != nil {
			return 0, err
		}
		u, err := tx.User(r.UserID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return 0, err
		}
		v := f.voiceOf(u)
		ids := strconv.FormatInt(e.ID, 10)
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData(v.T("EvCalendarRemoveButton"), actEventICS.Data(ids))))
		if err := f.Enqueue(tx, bot.Notice{ChatID: u.ID, Keyboard: &kb,
			Text:   v.T("EvCancelledNotice", "Title", bot.Escape(v.title(e)), "When", v.span(e)),
			Dedupe: fmt.Sprintf("%sk:%d", eventJobPrefix(e.ID), u.ID)}); err != nil {
			return 0, err
		}
		told++
	}
	return told, nil
}

// ---- door code and attendee sheet ----

func (f *Feature) handleEventDoor(ctx context.Context, c *bot.Ctx) error {
	e, err := f.pressedEvent(ctx, c)
	if e == nil {
		return err
	}
	if !e.DoorQR {
		return c.Toast(ctx, c.T("EvDoorOffToast"), true)
	}
	png, err := qrcode.Encode(f.doorLink(e), qrcode.Medium, 768)
	if err != nil {
		return fmt.Errorf("door qr: %w", err)
	}
	_ = c.Toast(ctx, "", false)
	photo := tgbotapi.NewPhoto(c.ChatID, tgbotapi.FileBytes{Name: fmt.Sprintf("event-%d-door.png", e.ID), Bytes: png})
	photo.Caption = c.T("EvDoorCaption", "Title", bot.Escape(bot.Truncate(e.Title, 200)), "Link", bot.Escape(f.doorLink(e)))
	photo.ParseMode = tgbotapi.ModeHTML
	_, err = f.Send(ctx, photo)
	return err
}

func (f *Feature) handleEventSheet(ctx context.Context, c *bot.Ctx) error {
	id, ok := eventArg(c, 1)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	var e *store.Event
	var rows []sheetRow
	if err := f.Store.View(func(tx *store.Tx) error {
		var err error
		if e, err = tx.Event(id); err != nil {
			return err
		}
		rs, err := tx.EventRSVPs(id)
		if err != nil {
			return err
		}
		for _, r := range rs {
			row := sheetRow{RSVP: r}
			if u, err := tx.User(r.UserID); err == nil {
				row.name = strings.TrimSpace(u.FirstName + " " + u.LastName)
			}
			rows = append(rows, row)
		}
		return nil
	}); errors.Is(err, store.ErrNotFound) {
		return c.Fail("EvGone")
	} else if err != nil {
		return err
	}
	data, err := attendeeCSV(f.voiceFor(c), rows)
	if err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	doc := tgbotapi.NewDocument(c.ChatID, tgbotapi.FileBytes{Name: fmt.Sprintf("event-%d-attendees.csv", e.ID), Bytes: data})
	doc.Caption = c.T("EvSheetCaption", "Title", bot.Escape(bot.Truncate(e.Title, 200)), "Count", c.Num(len(rows)))
	doc.ParseMode = tgbotapi.ModeHTML
	_, err = f.Send(ctx, doc)
	return err
}

type sheetRow struct {
	store.RSVP
	name string
}

// statusOrder puts seat holders first in the sheet.
var statusOrder = []string{store.RSVPGoing, store.RSVPOffered, store.RSVPWaitlist, store.RSVPDeclined, store.RSVPExpired, store.RSVPCancelled}

// attendeeCSV is the attendee sheet: UTF-8 with a BOM (so spreadsheet programs read Persian right),
// one row per reservation: name, RSVP time, status, checked in, check-in time.
func attendeeCSV(v voice, rows []sheetRow) ([]byte, error) {
	slices.SortStableFunc(rows, func(a, b sheetRow) int {
		if d := slices.Index(statusOrder, a.Status) - slices.Index(statusOrder, b.Status); d != 0 {
			return d
		}
		return a.At.Compare(b.At)
	})
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		t = t.In(v.loc)
		if v.Lang == "fa" { // Jalali, in ASCII digits so spreadsheets sort it
			y, m, d := persian.ToJalali(t)
			return fmt.Sprintf("%04d/%02d/%02d %02d:%02d", y, m, d, t.Hour(), t.Minute())
		}
		return t.Format("2006-01-02 15:04")
	}
	_ = w.Write([]string{v.T("EvSheetName"), v.T("EvSheetRSVPTime"), v.T("EvSheetStatus"), v.T("EvSheetCheckedIn"), v.T("EvSheetCheckInTime")})
	for _, r := range rows {
		name := r.name
		if name == "" {
			name = v.T("EvSheetUnknownName")
		}
		checked := v.T("EvSheetNo")
		if !r.CheckedIn.IsZero() {
			checked = v.T("EvSheetYes")
		}
		if err := w.Write([]string{csvSafe(name), stamp(r.At), v.T("EvRSVP_" + r.Status), checked, stamp(r.CheckedIn)}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe keeps a learner's name from being read as a spreadsheet formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ---- import ----

func (f *Feature) handleImportEvents(ctx context.Context, c *bot.Ctx) error {
	if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = stepEvImport, ""; return nil }); err != nil {
		return err
	}
	_, err := c.Reply(ctx, c.T("EvImportAsk"), nil)
	return err
}

// handleImportFile imports the events of a TOML or CSV document: all of them in one transaction, or,
// if any row is wrong, none, with every problem listed by its row.
func (f *Feature) handleImportFile(ctx context.Context, c *bot.Ctx) error {
	if !c.IsAdmin() {
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
			return err
		}
		return bot.HandleUnexpected(ctx, c)
	}
	doc := c.Update.Message.Document
	if doc == nil {
		return c.Fail("EvImportNeedFile")
	}
	format := importFormat(doc.FileName)
	if format == "" {
		return c.Fail("EvImportBadType")
	}
	if doc.FileSize > maxImportBytes {
		return c.Fail("EvImportTooBig", "Max", c.Num(maxImportBytes/1024))
	}
	data, err := f.downloadFile(ctx, doc.FileID, maxImportBytes)
	if errors.Is(err, errFileTooBig) {
		return c.Fail("EvImportTooBig", "Max", c.Num(maxImportBytes/1024))
	} else if err != nil {
		return err
	}
	now := f.LocalNow()
	events, problems := parseImport(format, data, now, f.Location)
	var created []*store.Event
	if len(problems) == 0 {
		err = c.Apply(func(tx *store.Tx, u *store.User) error {
			created, problems = nil, nil
			for _, ie := range events {
				if tx.EventKeyUsed(ie.event.Key) {
					problems = append(problems, importProblem{Line: ie.line, ID: "EvImpKeyUsed", KV: []any{"Key", ie.event.Key}})
				}
			}
			if len(problems) > 0 {
				return errImportRejected // nothing half-imported: roll back
			}
			for _, ie := range events {
				e := ie.event
				token, err := newDoorToken()
				if err != nil {
					return err
				}
				e.Token, e.CreatedBy = token, u.ID
				if err := tx.CreateEvent(e); err != nil {
					return err
				}
				created = append(created, e)
			}
			u.Step, u.StepData = "", ""
			return nil
		})
		if err != nil && !errors.Is(err, errImportRejected) {
			return err
		}
	}
	v := f.voiceFor(c)
	var text string
	if len(problems) > 0 {
		lines := make([]string, 0, len(problems))
		for _, p := range problems {
			lines = append(lines, "• "+v.T("EvImpRow", "Row", v.Num(p.Line), "Problem", v.T(p.ID, p.localized(v)...)))
		}
		text = v.T("EvImportFailed", "Count", v.Num(len(problems))) + "\n\n" + strings.Join(lines, "\n")
	} else {
		lines := make([]string, 0, len(created))
		for _, e := range created {
			lines = append(lines, "• <b>"+bot.Escape(bot.Truncate(e.Title, 80))+"</b> — "+v.when(e.Start))
		}
		text = v.T("EvImportDone", "Count", v.Num(len(created))) + "\n\n" + strings.Join(lines, "\n")
	}
	for _, part := range lessons.SplitHTML(text, 4096) {
		if _, err := c.Reply(ctx, part, nil); err != nil {
			return err
		}
	}
	return nil
}

var errImportRejected = errors.New("import rejected")
