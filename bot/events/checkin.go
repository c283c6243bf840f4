package events

// Check-in proves presence. Each registered learner has a personal ticket (a QR on their event card)
// that door staff — the admins and the people an admin names for the event — scan with their own phone:
// the scan opens the bot for the staff member (t.me/<bot>?start=tk_…) and marks that ticket present.
// Walk-ins show their personal pass (/pass, linked from /me) and staff add them the same way. The
// printable door code (ci_…) works only when an admin switches it on for the event, only for learners
// holding a seat, and, when the event has coordinates, only with a shared location within
// doorRadiusMetres of the venue. The credit is the part of the event still ahead at check-in (at most
// its duration), given once; it counts in the day's learning minutes too.
//
// Tickets and staff invites need no storage: their codes are an HMAC keyed with the event's secret door
// token, so nobody can make one for another event or learner.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

const (
	ticketPrefix     = "tk_" // tk_<event>_<learner>_<mac>: a learner's ticket for one event
	passPrefix       = "pa_" // pa_<learner>_<code>: a learner's pass, for walk-ins
	staffPrefix      = "ds_" // ds_<event>_<mac>: an admin's invitation to be an event's door staff
	doorRadiusMetres = 300
	stepDoorLocation = "ev_door_loc" // the door code waits for the learner's location; StepData: event id
)

// codeMAC is a short HMAC of msg keyed with the event's door token.
func codeMAC(e *store.Event, msg string) string {
	m := hmac.New(sha256.New, []byte(e.Token))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

func (f *Feature) deepLink(payload string) string {
	return f.DeepLink(payload)
}

func (f *Feature) ticketLink(e *store.Event, userID int64) string {
	return f.deepLink(fmt.Sprintf("%s%d_%d_%s", ticketPrefix, e.ID, userID, codeMAC(e, "ticket:"+strconv.FormatInt(userID, 10))))
}

func (f *Feature) staffLink(e *store.Event) string {
	return f.deepLink(fmt.Sprintf("%s%d_%s", staffPrefix, e.ID, codeMAC(e, "staff")))
}

// isDoorStaff reports whether userID may scan tickets at e.
func (f *Feature) isDoorStaff(e *store.Event, userID int64) bool {
	return f.IsAdmin(userID) || slices.Contains(e.DoorStaff, userID)
}

// doorsOpen reports whether check-in at e is open at now.
func doorsOpen(e *store.Event, now time.Time) bool {
	return e.Status != store.EventCancelled && !now.Before(e.Start.Add(-doorsOpenBefore)) && now.Before(e.End)
}

// checkInCredit is the learning time a check-in at now earns: what is left of the event, at most all of it.
func checkInCredit(e *store.Event, now time.Time) int {
	from := e.Start
	if now.After(from) {
		from = now
	}
	left := e.End.Sub(from)
	left = min(max(left, 0), e.Duration())
	return int(left / time.Minute)
}

// markPresent records r's learner present at e at now and credits them once. by is the staff member who
// scanned (0: the learner at the door code).
func (f *Feature) markPresent(tx *store.Tx, e *store.Event, r *store.RSVP, u *store.User, by int64) (int, error) {
	now := tx.Now()
	mins := checkInCredit(e, now)
	r.Status, r.OfferExpires, r.CheckedIn, r.CheckedBy, r.Credited = store.RSVPGoing, time.Time{}, now, by, mins
	if err := tx.PutRSVP(r); err != nil {
		return 0, err
	}
	if _, err := tx.DropPendingJobs(u.ID, eventJobPrefix(e.ID)+"r"); err != nil {
		return 0, err // they are here: no more reminders
	}
	u.MinutesLearned += mins
	if by != 0 {
		if err := tx.PutUser(u); err != nil {
			return 0, err
		}
	}
	return mins, tx.AddDay(now.In(f.Location), func(d *store.DayStats) { d.Minutes += int64(mins) })
}

// ---- the learner's ticket and pass ----

// handleTicket sends a learner the QR of their ticket for an event they hold a seat at.
func (f *Feature) handleTicket(ctx context.Context, c *bot.Ctx) error {
	e, mine, err := f.pressedEventRSVP(ctx, c)
	if e == nil {
		return err
	}
	if mine == nil || mine.Status != store.RSVPGoing || e.Status == store.EventCancelled {
		return c.Toast(ctx, c.T("EvTicketNoSeat"), true)
	}
	v := f.voiceFor(c)
	_ = c.Toast(ctx, "", false)
	return f.sendQR(ctx, c, f.ticketLink(e, c.User.ID), fmt.Sprintf("ticket-%d.png", e.ID),
		v.T("EvTicketCaption", "Title", bot.Escape(bot.Truncate(v.title(e), 200)), "When", v.span(e)))
}

// handlePass sends a learner the QR of their personal pass.
func (f *Feature) handlePass(ctx context.Context, c *bot.Ctx) error {
	var code string
	if err := c.ApplyTx(func(tx *store.Tx) error {
		var err error
		code, err = tx.EventPass(c.User.ID)
		return err
	}); err != nil {
		return err
	}
	link := f.deepLink(fmt.Sprintf("%s%d_%s", passPrefix, c.User.ID, code))
	return f.sendQR(ctx, c, link, "pass.png", c.T("EvPassCaption"))
}

// sendQR sends a QR of link with its caption; the sandbox shows the link under it, since a browser
// cannot scan.
func (f *Feature) sendQR(ctx context.Context, c *bot.Ctx, link, name, caption string) error {
	png, err := qrcode.Encode(link, qrcode.Medium, 512)
	if err != nil {
		return fmt.Errorf("qr: %w", err)
	}
	if f.opts.ShowTicketLinks {
		caption += "\n" + bot.Escape(link)
	}
	photo := tgbotapi.NewPhoto(c.ChatID, tgbotapi.FileBytes{Name: name, Bytes: png})
	photo.Caption, photo.ParseMode = caption, tgbotapi.ModeHTML
	_, err = f.Send(ctx, photo)
	return err
}

// ---- staff scans ----

// handleTicketScan is a ticket opened by whoever scanned it: door staff mark it present; anyone else is
// told what it is for.
func (f *Feature) handleTicketScan(ctx context.Context, c *bot.Ctx, payload string) (bool, error) {
	parts := strings.SplitN(payload, "_", 3)
	var eventID, learnerID int64
	var err1, err2 error
	if len(parts) == 3 {
		eventID, err1 = strconv.ParseInt(parts[0], 10, 64)
		learnerID, err2 = strconv.ParseInt(parts[1], 10, 64)
	}
	var e *store.Event
	err := f.Store.View(func(tx *store.Tx) error {
		var err error
		e, err = tx.Event(eventID)
		return err
	})
	switch {
	case len(parts) != 3 || err1 != nil || err2 != nil || errors.Is(err, store.ErrNotFound):
		_, err := c.Reply(ctx, c.T("EvTicketUnknown"), nil)
		return true, err
	case err != nil:
		return true, err
	case !hmac.Equal([]byte(parts[2]), []byte(codeMAC(e, "ticket:"+strconv.FormatInt(learnerID, 10)))):
		_, err := c.Reply(ctx, c.T("EvTicketUnknown"), nil)
		return true, err
	case !f.isDoorStaff(e, c.User.ID):
		msg := "EvTicketNotStaff"
		if c.User.ID == learnerID {
			msg = "EvTicketYours"
		}
		_, err := c.Reply(ctx, c.T(msg), nil)
		return true, err
	}
	return true, f.staffCheckIn(ctx, c, eventID, learnerID, false)
}

// handlePassScan is a learner's pass opened by door staff: they choose which of their open events to
// add the learner to.
func (f *Feature) handlePassScan(ctx context.Context, c *bot.Ctx, payload string) (bool, error) {
	userPart, code, _ := strings.Cut(payload, "_")
	learnerID, err := strconv.ParseInt(userPart, 10, 64)
	var learner *store.User
	var open []*store.Event
	valid := false
	if err == nil {
		err = f.Store.View(func(tx *store.Tx) error {
			if !tx.EventPassMatches(learnerID, code) {
				return nil
			}
			u, err := tx.User(learnerID)
			if err != nil {
				return err
			}
			learner, valid = u, true
			now := tx.Now()
			return tx.EventsFrom(now.Add(-maxEventLength), func(e *store.Event) bool {
				if doorsOpen(e, now) && f.isDoorStaff(e, c.User.ID) {
					open = append(open, e)
				}
				return len(open) < 8
			})
		})
		if errors.Is(err, store.ErrNotFound) {
			err, valid = nil, false
		}
	} else {
		err = nil
	}
	if err != nil {
		return true, err
	}
	v := f.voiceFor(c)
	msg := ""
	switch {
	case !valid:
		msg = c.T("EvPassUnknown")
	case c.User.ID == learnerID && len(open) == 0:
		msg = c.T("EvPassYours")
	case len(open) == 0 && !f.IsAdmin(c.User.ID) && !f.staffOfAny(c.User.ID):
		msg = c.T("EvTicketNotStaff")
	case len(open) == 0:
		msg = c.T("EvPassNoOpenEvent")
	}
	if msg != "" {
		_, err := c.Reply(ctx, msg, nil)
		return true, err
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, e := range open {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
			bot.Truncate(v.title(e), 40), actWalkIn.Data(strconv.FormatInt(e.ID, 10), strconv.FormatInt(learnerID, 10)))))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	_, err = c.Reply(ctx, c.T("EvPassChooseEvent", "Name", bot.Escape(bot.Truncate(learner.FirstName, 64))), &kb)
	return true, err
}

// staffOfAny reports whether userID is door staff of an event still ahead or under way.
func (f *Feature) staffOfAny(userID int64) bool {
	found := false
	_ = f.Store.View(func(tx *store.Tx) error {
		now := tx.Now()
		return tx.EventsFrom(now.Add(-maxEventLength), func(e *store.Event) bool {
			found = slices.Contains(e.DoorStaff, userID) && now.Before(e.End)
			return !found
		})
	})
	return found
}

// handleWalkIn is door staff adding a learner (whose pass they scanned) to an event.
func (f *Feature) handleWalkIn(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 {
		return bot.HandleStaleButton(ctx, c)
	}
	eventID, err1 := strconv.ParseInt(c.Data[0], 10, 64)
	learnerID, err2 := strconv.ParseInt(c.Data[1], 10, 64)
	if err1 != nil || err2 != nil {
		return bot.HandleStaleButton(ctx, c)
	}
	_ = c.Toast(ctx, "", false)
	return f.staffCheckIn(ctx, c, eventID, learnerID, true)
}

// staffCheckIn marks learnerID present at the event for the door staff member c is talking to. A
// ticket (walkIn false) is honoured only for a held seat; staff add anyone else with walkIn.
func (f *Feature) staffCheckIn(ctx context.Context, c *bot.Ctx, eventID, learnerID int64, walkIn bool) error {
	var msg string
	var kv []any
	var notice *bot.Notice
	err := c.ApplyTx(func(tx *store.Tx) error {
		msg, kv, notice = "", nil, nil
		e, err := tx.Event(eventID)
		if errors.Is(err, store.ErrNotFound) {
			msg = "EvGone"
			return nil
		} else if err != nil {
			return err
		}
		v := f.voiceFor(c)
		if !f.isDoorStaff(e, c.User.ID) {
			msg = "EvTicketNotStaff"
			return nil
		}
		u, err := tx.User(learnerID)
		if errors.Is(err, store.ErrNotFound) {
			msg = "EvTicketUnknown"
			return nil
		} else if err != nil {
			return err
		}
		now := tx.Now()
		kv = []any{"Title", bot.Escape(v.title(e)), "Name", bot.Escape(bot.Truncate(u.FirstName, 64))}
		if refusal := doorRefusal(e, now); refusal != "" {
			msg = refusal
			if refusal == "EvCheckInEarly" {
				kv = append(kv, "When", v.when(e.Start.Add(-doorsOpenBefore)))
			}
			return nil
		}
		r, err := tx.RSVP(e.ID, u.ID)
		if err != nil {
			return err
		}
		switch {
		case r != nil && !r.CheckedIn.IsZero():
			msg, kv = "EvStaffAlready", append(kv, "Clock", v.Time(r.CheckedIn))
			return nil
		case !walkIn && (r == nil || r.Status != store.RSVPGoing):
			msg = "EvStaffNoSeat"
			if r != nil && (r.Status == store.RSVPWaitlist || r.Status == store.RSVPOffered) {
				msg = "EvStaffWaitlisted"
			} else if r != nil && r.Status == store.RSVPCancelled {
				msg = "EvStaffCancelledSeat"
			}
			return nil
		}
		if r == nil {
			r = &store.RSVP{EventID: e.ID, UserID: u.ID, At: now}
		}
		mins, err := f.markPresent(tx, e, r, u, c.User.ID)
		if err != nil {
			return err
		}
		msg, kv = "EvStaffCheckedIn", append(kv, "Minutes", v.Duration(mins))
		lv := f.voiceOf(u)
		notice = &bot.Notice{ChatID: u.ID, Text: lv.T("EvCheckedIn", "Title", bot.Escape(lv.title(e)), "Minutes", lv.Duration(mins)),
			Dedupe: fmt.Sprintf("%sin:%d", eventJobPrefix(e.ID), u.ID)}
		return f.Enqueue(tx, *notice)
	})
	if err != nil {
		return err
	}
	_, err = c.Reply(ctx, c.T(msg, kv...), nil)
	return err
}

// doorRefusal is why check-in at e is not possible at now, "" when it is.
func doorRefusal(e *store.Event, now time.Time) string {
	switch {
	case e.Status == store.EventCancelled:
		return "EvCheckInCancelled"
	case now.Before(e.Start.Add(-doorsOpenBefore)):
		return "EvCheckInEarly"
	case !now.Before(e.End):
		return "EvCheckInClosed"
	}
	return ""
}

// ---- door staff ----

// handleEventStaff shows an admin the event's door staff and the invitation link that makes someone staff.
func (f *Feature) handleEventStaff(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 && len(c.Data) != 2 {
		return bot.HandleStaleButton(ctx, c)
	}
	id, err := strconv.ParseInt(c.Data[0], 10, 64)
	if err != nil {
		return bot.HandleStaleButton(ctx, c)
	}
	var e *store.Event
	var names []string
	err = c.ApplyTx(func(tx *store.Tx) error {
		names = nil
		var err error
		if e, err = tx.Event(id); err != nil {
			return err
		}
		if len(c.Data) == 2 && c.Data[1] == "clear" && len(e.DoorStaff) > 0 {
			e.DoorStaff = nil
			if err := tx.PutEvent(e); err != nil {
				return err
			}
		}
		for _, sid := range e.DoorStaff {
			if u, err := tx.User(sid); err == nil {
				names = append(names, bot.Escape(bot.Truncate(strings.TrimSpace(u.FirstName+" "+u.LastName), 64)))
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return c.Fail("EvGone")
	} else if err != nil {
		return err
	}
	v := f.voiceFor(c)
	list := v.T("EvStaffNone")
	if len(names) > 0 {
		list = strings.Join(names, "، ")
	}
	ids := strconv.FormatInt(e.ID, 10)
	rows := [][]tgbotapi.InlineKeyboardButton{}
	if len(e.DoorStaff) > 0 {
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvStaffClearButton"), actEventStaff.Data(ids, "clear"))))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(v.T("EvBackToEventButton"), actEventAdmin.Data(ids))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, v.T("EvStaffScreen", "Title", bot.Escape(v.title(e)), "Staff", list, "Link", bot.Escape(f.staffLink(e))), &kb)
}

// handleStaffInvite makes whoever opens an event's staff invitation its door staff.
func (f *Feature) handleStaffInvite(ctx context.Context, c *bot.Ctx, payload string) (bool, error) {
	idPart, mac, _ := strings.Cut(payload, "_")
	id, perr := strconv.ParseInt(idPart, 10, 64)
	var title string
	msg := "EvStaffInviteUnknown"
	err := c.ApplyTx(func(tx *store.Tx) error {
		msg = "EvStaffInviteUnknown"
		if perr != nil {
			return nil
		}
		e, err := tx.Event(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if !hmac.Equal([]byte(mac), []byte(codeMAC(e, "staff"))) || e.Status == store.EventCancelled || !tx.Now().Before(e.End) {
			return nil
		}
		title = f.voiceFor(c).title(e)
		msg = "EvStaffWelcome"
		if slices.Contains(e.DoorStaff, c.User.ID) {
			return nil
		}
		e.DoorStaff = append(e.DoorStaff, c.User.ID)
		return tx.PutEvent(e)
	})
	if err != nil {
		return true, err
	}
	_, err = c.Reply(ctx, c.T(msg, "Title", bot.Escape(title)), nil)
	return c.User.Onboarded, err
}

// ---- the printable door code ----

// handleDoorToggle switches the printable door code of an event on or off.
func (f *Feature) handleDoorToggle(ctx context.Context, c *bot.Ctx) error {
	id, ok := eventArg(c, 1)
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	on := false
	err := c.ApplyTx(func(tx *store.Tx) error {
		e, err := tx.Event(id)
		if err != nil {
			return err
		}
		e.DoorQR = !e.DoorQR
		on = e.DoorQR
		return tx.PutEvent(e)
	})
	if errors.Is(err, store.ErrNotFound) {
		return c.Fail("EvGone")
	} else if err != nil {
		return err
	}
	toast := "EvDoorOffToast"
	if on {
		toast = "EvDoorOnToast"
	}
	return f.showAdminCard(ctx, c, id, false, c.T(toast))
}

// handleCheckIn is the printable door code opened by a learner: with the code switched on, a learner
// holding a seat is checked in — after sharing their location when the event has coordinates.
func (f *Feature) handleCheckIn(ctx context.Context, c *bot.Ctx, token string) (bool, error) {
	var msg string
	var kv []any
	askLocation := false
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		msg, kv, askLocation = "", nil, false
		e, err := tx.EventByToken(token)
		if errors.Is(err, store.ErrNotFound) || !bot.ValidPayload(checkInPrefix+token) {
			msg = "EvCheckInUnknown"
			return nil
		} else if err != nil {
			return err
		}
		v := f.voiceOf(u)
		kv = []any{"Title", bot.Escape(v.title(e))}
		if refusal := f.doorCodeRefusal(tx, e, u.ID, v, &kv); refusal != "" {
			msg = refusal
			return nil
		}
		if e.Place.HasGeo {
			u.Step, u.StepData, askLocation = stepDoorLocation, strconv.FormatInt(e.ID, 10), true
			msg = "EvDoorShareLocation"
			return nil
		}
		return f.doorCheckIn(tx, e, u, v, &msg, &kv)
	})
	if err != nil {
		return true, err
	}
	var markup any
	if askLocation {
		kb := tgbotapi.NewReplyKeyboard(
			tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonLocation(c.T("EvDoorLocationButton"))))
		kb.OneTimeKeyboard = true
		markup = kb
	}
	if _, err := c.Reply(ctx, c.T(msg, kv...), markup); err != nil {
		return true, err
	}
	return c.User.Onboarded, nil // a newcomer goes on into onboarding
}

// doorCodeRefusal is why learnerID cannot check in at e with the door code now, "" when they can.
func (f *Feature) doorCodeRefusal(tx *store.Tx, e *store.Event, learnerID int64, v voice, kv *[]any) string {
	now := tx.Now()
	if !e.DoorQR {
		return "EvDoorOff"
	}
	if refusal := doorRefusal(e, now); refusal != "" {
		if refusal == "EvCheckInEarly" {
			*kv = append(*kv, "When", v.when(e.Start.Add(-doorsOpenBefore)))
		}
		return refusal
	}
	r, err := tx.RSVP(e.ID, learnerID)
	switch {
	case err != nil || r == nil || (r.Status != store.RSVPGoing && r.CheckedIn.IsZero()):
		return "EvDoorNoSeat"
	case !r.CheckedIn.IsZero():
		return "EvCheckInAgain"
	}
	return ""
}

// doorCheckIn marks u present at e through the door code and sets the answer.
func (f *Feature) doorCheckIn(tx *store.Tx, e *store.Event, u *store.User, v voice, msg *string, kv *[]any) error {
	r, err := tx.RSVP(e.ID, u.ID)
	if err != nil {
		return err
	}
	mins, err := f.markPresent(tx, e, r, u, 0)
	if err != nil {
		return err
	}
	*msg, *kv = "EvCheckedIn", append(*kv, "Minutes", v.Duration(mins))
	return nil
}

// handleDoorLocation is the location a learner shares after opening the door code.
func (f *Feature) handleDoorLocation(ctx context.Context, c *bot.Ctx) error {
	m := c.Update.Message
	var msg string
	var kv []any
	err := c.Apply(func(tx *store.Tx, u *store.User) error {
		msg, kv = "", nil
		id, _ := strconv.ParseInt(u.StepData, 10, 64)
		u.Step, u.StepData = "", ""
		e, err := tx.Event(id)
		if errors.Is(err, store.ErrNotFound) {
			msg = "EvGone"
			return nil
		} else if err != nil {
			return err
		}
		v := f.voiceOf(u)
		kv = []any{"Title", bot.Escape(v.title(e))}
		if refusal := f.doorCodeRefusal(tx, e, u.ID, v, &kv); refusal != "" {
			msg = refusal
			return nil
		}
		// A forwarded location is somebody else's, or an old one.
		if m.Location == nil || m.ForwardDate != 0 || m.ForwardFrom != nil {
			msg = "EvDoorNoLocation"
			return nil
		}
		if d := distanceMetres(m.Location.Latitude, m.Location.Longitude, e.Place.Lat, e.Place.Lon); d > doorRadiusMetres {
			msg, kv = "EvDoorTooFar", append(kv, "Metres", v.Num(int(math.Round(d/10)*10)), "Radius", v.Num(doorRadiusMetres))
			return nil
		}
		return f.doorCheckIn(tx, e, u, v, &msg, &kv)
	})
	if err != nil {
		return err
	}
	_, err = c.Reply(ctx, c.T(msg, kv...), tgbotapi.NewRemoveKeyboard(true))
	return err
}

// distanceMetres is the great-circle distance between two points (haversine).
func distanceMetres(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadius = 6371000.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(a)))
}

// mePassLine points /me to the learner's pass.
func (f *Feature) mePassLine(c *bot.Ctx) string { return c.T("MePassLine") }
