package consult

import (
	"context"
	"sync"
	"time"

	"github.com/tavan7/tavan/bot"
)

// Options are the club's timeouts and limits; zero values take the defaults (consult.go).
type Options struct {
	OfferTimeout   time.Duration // a request unclaimed this long is offered to every available consultant; 10m
	IdleTimeout    time.Duration // an open session silent this long closes itself; 24h
	DailyLimit     int           // requests a learner may make per day; 3
	SweepEvery     time.Duration // how often the loop checks those timeouts; 1m; negative: never (tests sweep themselves)
	RelayPerMinute int           // messages one chat may relay per minute before being asked to slow down; 20
}

// Feature is the consultants club.
type Feature struct {
	*bot.Bot
	opts Options

	// The club's in-memory state: the relay's flood limit and the sweep's lock. Everything that must
	// survive a restart is in the store.
	relay   relayLimiter
	sweepMu sync.Mutex // one sweep at a time (the loop and a direct call may meet)
}

// Button actions of the club (callback data "1|<action>|…"; the strings must not change).
const (
	actTopic      bot.Action = "cst"     // a learner picks a topic; "menu" goes back from the directory
	actDirectory  bot.Action = "csdir"   // the club's directory
	actCancel     bot.Action = "csx"     // withdraw a waiting request, or "0": drop an unsent question
	actShare      bot.Action = "csshare" // a learner shares their contact with the consultant
	actRate       bot.Action = "csrate"  // a learner rates a session
	actComment    bot.Action = "cscom"   // a learner comments on a session
	actEnd        bot.Action = "csend"   // either side ends a session
	actTake       bot.Action = "cstake"  // a consultant claims a request
	actPick       bot.Action = "cssel"   // a consultant picks the session their messages go to
	actTopicPick  bot.Action = "cstop"   // a consultant toggles an expertise topic, or "done"
	actSummary    bot.Action = "cssum"   // a consultant writes ("w") or skips ("s") a summary
	actReport     bot.Action = "csrep"   // a consultant reports a learner
	actAdminConsl bot.Action = "csadm"   // admins: suspend, reinstate, remove consultants; bar learners; the list
)

// Conversation steps of the club.
const (
	stepConsQuestion = "csq"     // a learner types their question; StepData is the topic
	stepConsName     = "csname"  // a consultant's display name
	stepConsBio      = "csbio"   // a consultant's short bio
	stepConsHours    = "cshours" // a consultant's weekly hours
	stepConsSummary  = "cssum"   // a consultant's summary for the learner; StepData is the session
	stepConsReport   = "csrep"   // a consultant's abuse report; StepData is the session
	stepConsComment  = "cscom"   // a learner's comment on a session; StepData is the session
)

// invitePrefix starts the /start payload of a consultant invite: cons_<token>.
const invitePrefix = "cons_"

// Register adds the club to b: its routes, the relay, the invite deep link, the sweep loop, its /stats
// block, its export and the open-sessions gauge.
func Register(b *bot.Bot, o Options) (*Feature, error) {
	f := &Feature{Bot: b, opts: o}

	// Learners.
	r := f.Routes()
	r.Command("consult", f.handleConsult)
	f.MainMenu(40, "consult", func(c *bot.Ctx) string { return c.T("MainMenuConsult") })
	r.Command("club", f.handleClubDirectory)
	r.Command("end", f.handleEndCommand)
	r.Callback(actTopic, f.handleConsultTopic)
	r.Callback(actDirectory, f.handleClubDirectory)
	r.Callback(actCancel, f.handleCancelRequest)
	r.Callback(actShare, f.handleShareContact)
	r.Callback(actRate, f.handleRate)
	r.Callback(actComment, f.handleCommentButton)
	r.Callback(actEnd, f.handleEndButton)
	r.Step(stepConsQuestion, f.handleQuestion)
	r.Step(stepConsComment, f.handleTypedComment)
	f.OfferHandoff(f.handleHandoff) // handoff.go: questions Ask Tavan could not answer

	// Consultants: checked against the store on every request (consultantOnly), which also hands the
	// handler the consultant's record; to anyone else a command reads as unknown, a button as expired, and
	// a step ends.
	r.Command("away", f.consultantCommand(f.handleAway))
	r.Command("available", f.consultantCommand(f.handleAvailable))
	r.Command("sessions", f.consultantCommand(f.handleSessions))
	r.Command("profile", f.consultantCommand(f.handleProfile))
	r.Command("report", f.consultantCommand(f.handleReportCommand))
	// Their own command menu (and, where the platform has no menu, their part of /help).
	f.MenuAudience(menuConsultants, f.menuConsultants)
	for i, name := range []string{"sessions", "away", "available", "profile", "report"} {
		f.MenuCommand(menuConsultants, name, 500+i)
	}
	r.Callback(actTake, f.consultantButton(f.handleTake))
	r.Callback(actPick, f.consultantButton(f.handlePickSession))
	r.Callback(actTopicPick, f.consultantButton(f.handleTopicToggle))
	r.Callback(actSummary, f.consultantButton(f.handleSummaryButton))
	r.Callback(actReport, f.consultantButton(f.handleReportButton))
	r.Step(stepConsName, f.consultantStep(f.handleTypedName))
	r.Step(stepConsBio, f.consultantStep(f.handleTypedBio))
	r.Step(stepConsHours, f.consultantStep(f.handleTypedHours))
	r.Step(stepConsSummary, f.consultantStep(f.handleTypedSummary))
	r.Step(stepConsReport, f.consultantStep(f.handleTypedReport))

	// Admins.
	admin := f.Routes(bot.AdminOnly)
	for i, name := range []string{"consultants", "invite_consultant", "consultations"} {
		f.MenuCommand(bot.Admins, name, 400+i)
	}
	admin.Command("invite_consultant", f.handleInviteConsultant)
	admin.Command("consultants", f.handleConsultantList)
	admin.Command("consultations", f.handleConsultationStats)
	admin.Command("bar", f.handleBarCommand)
	admin.Command("unbar", f.handleUnbarCommand)
	admin.Command("transcripts", f.handleTranscriptSetting)
	admin.Command("transcript", f.handleTranscript)
	admin.Callback(actAdminConsl, f.handleConsultantAdminButton)

	f.MenuCommand(bot.Learners, "consult", 50)

	// The relay (consult_relay.go): a learner or consultant in an open session is talking to the other
	// side, so their messages are relayed before the text handler sees them.
	f.Intercept(func(c *bot.Ctx) bot.HandlerFunc {
		if f.inConsultSession(c) {
			return f.handleRelay
		}
		return nil
	})

	// consult_consultant.go: a one-time consultant invite; it answers the /start entirely.
	f.StartPayload(invitePrefix, func(ctx context.Context, c *bot.Ctx, token string) (bool, error) {
		return true, f.redeemInvite(ctx, c, token)
	})

	// consult_sweep.go: the club's timeouts, at start (catching up on downtime) and every SweepEvery.
	if o.SweepEvery >= 0 {
		f.Loop("consult", "@every "+f.sweepEvery().String(), func(ctx context.Context, _ time.Time) error {
			_, err := f.Sweep(ctx)
			return err
		})
	}

	// figures.go: /stats, /export and /metrics.
	f.StatsSection(40, f.statsSection)
	f.Export("consultations", f.exportConsultations)
	f.Metrics.SetOpenConsultations(f.openConsultations)
	return f, nil
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
