// Package events is city events with RSVP, capacity and a waitlist, reminders through the outbox,
// calendar files, door check-in, bulk import and the admins' wizard.
package events

import (
	"context"
	"time"

	"github.com/tavan7/tavan/bot"
)

// Feature is the events on the core.
type Feature struct {
	*bot.Bot
	opts Options
}

// Options are the events' settings.
type Options struct {
	// ShowTicketLinks writes a ticket's or pass's link under its QR: the sandbox's browser cannot scan.
	ShowTicketLinks bool
}

// Button actions; the strings are those of the buttons already sent, so they keep working.
const (
	// learners (events.go)
	actEventList  bot.Action = "evl" // evl|<page>
	actEventCard  bot.Action = "evc" // evc|<id>[|n]  (n: send a new message instead of editing)
	actRSVP       bot.Action = "evr" // evr|<id>
	actCancelRSVP bot.Action = "evx" // evx|<id>
	actOffer      bot.Action = "evo" // evo|<id>|y or n
	actEventICS   bot.Action = "evi" // evi|<id>
	actEventMap   bot.Action = "evm" // evm|<id>
	actTicket     bot.Action = "evt" // evt|<id>: the learner's ticket QR (checkin.go)
	actWalkIn     bot.Action = "evj" // evj|<id>|<learner>: door staff add a walk-in
	actEventNews  bot.Action = "evn" // evn|1 or 0|s (settings) or q (the question after a first RSVP)
	// admins (events_admin.go)
	actAdminList   bot.Action = "eal" // eal|<page>
	actEventAdmin  bot.Action = "eva" // eva|<id>
	actEventEdit   bot.Action = "eve" // eve|<id>|<field>
	actEventCancel bot.Action = "evk" // evk|<id>|ask or yes
	actEventDoor   bot.Action = "evq" // evq|<id>
	actEventSheet  bot.Action = "evs" // evs|<id>
	actWizard      bot.Action = "evw" // evw|ok or no|<draft nonce>
	actEventStaff  bot.Action = "evf" // evf|<id>[|clear]: the event's door staff
	actDoorToggle  bot.Action = "evg" // evg|<id>: the printable door code on or off
)

// checkInPrefix starts the payload of an event's door code (t.me/<bot>?start=ci_<token>).
const checkInPrefix = "ci_"

// Register adds the events to b.
func Register(b *bot.Bot, opts Options) (*Feature, error) {
	f := &Feature{Bot: b, opts: opts}

	// events.go: the learners' side.
	r := f.Routes()
	r.Command("events", f.handleEvents)
	r.Callback(actEventList, f.handleEventList)
	r.Callback(actEventCard, f.handleEventCard)
	r.Callback(actRSVP, f.handleRSVP)
	r.Callback(actCancelRSVP, f.handleCancelRSVP)
	r.Callback(actOffer, f.handleOffer)
	r.Callback(actEventICS, f.handleEventICS)
	r.Callback(actEventMap, f.handleEventMap)
	r.Callback(actTicket, f.handleTicket)
	r.Callback(actWalkIn, f.handleWalkIn) // checks that the presser is the event's door staff
	r.Command("pass", f.handlePass)
	r.Callback(actEventNews, f.handleEventNews) // announce.go
	r.Step(stepDoorLocation, f.handleDoorLocation)
	f.MenuCommand(bot.Learners, "events", 30)
	f.MainMenu(30, "events", func(c *bot.Ctx) string { return c.T("MainMenuEvents") })

	// events_admin.go: the admins' side.
	admin := f.Routes(bot.AdminOnly)
	for i, name := range []string{"newevent", "importevents", "allevents"} {
		f.MenuCommand(bot.Admins, name, 300+i)
	}
	admin.Command("newevent", f.handleNewEvent)
	admin.Command("importevents", f.handleImportEvents)
	admin.Command("allevents", f.handleAllEvents)
	admin.Callback(actAdminList, f.handleAdminEventList)
	admin.Callback(actEventAdmin, f.handleEventAdmin)
	admin.Callback(actEventEdit, f.handleEventEdit)
	admin.Callback(actEventCancel, f.handleEventCancel)
	admin.Callback(actEventDoor, f.handleEventDoor)
	admin.Callback(actEventSheet, f.handleEventSheet)
	admin.Callback(actWizard, f.handleWizardButton)
	admin.Callback(actEventStaff, f.handleEventStaff)
	admin.Callback(actDoorToggle, f.handleDoorToggle)
	// The wizard's steps are open routes: an admin removed mid-wizard leaves it quietly (the handlers
	// check), rather than having their next message read as anything else.
	for _, s := range []string{stepEvTitle, stepEvDate, stepEvTime, stepEvEnd, stepEvPlace, stepEvPlaceName,
		stepEvCapacity, stepEvDesc, stepEvCover} {
		r.Step(s, f.handleEventStep)
	}
	r.Step(stepEvImport, f.handleImportFile)

	// Check-in (checkin.go): the printable door code, tickets and passes scanned by door staff, and the
	// invitation that makes someone an event's door staff.
	f.StartPayload(checkInPrefix, f.handleCheckIn)
	// Ask Tavan's answers open an event's card as a new message.
	f.Opens("event", func(id string) string { return actEventCard.Data(id, "n") })
	f.StartPayload(ticketPrefix, f.handleTicketScan)
	f.StartPayload(passPrefix, f.handlePassScan)
	f.StartPayload(staffPrefix, f.handleStaffInvite)

	// The events loop: seat offers lapse on time, free seats go to the waitlists. After the sandbox's
	// time travel it catches up at once.
	f.Loop("events", "@every 1m", func(ctx context.Context, _ time.Time) error { return f.EventsTick(ctx) })
	// New events are announced in batches by the same loop (announce.go).
	f.OnTimeJump(func(ctx context.Context, _, _ time.Time) error { return f.EventsTick(ctx) })
	f.OnJobFinished(f.retimeExpiredOffer) // a seat offer too late to send is offered again

	// Contributions to other features' screens.
	f.MeLine(10, f.meEventsLine)
	f.MeLine(11, f.mePassLine)
	f.SettingsRow(40, f.newsSettingsRow)
	f.Audience(f.eventAudience()) // events_broadcast.go
	f.StatsSection(30, f.statsBlock)
	f.Export("events", f.exportEventRows) // events_ops.go
	return f, nil
}
