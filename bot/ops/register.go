// Package ops is the operations features for the program's staff: admins (/admins), the figures
// (/stats and its chart), exports (/export, GET /export/{kind}), backups (/backup, GET /backup, daily
// local backups), broadcasts (/broadcast), dead letters (/deadletters) and /reload. The pieces live in
// admins.go, stats.go, chart.go, export.go, backup.go, broadcast.go, deadletters.go and reload.go; this
// file holds their options, their shared state and their registration.
package ops

import (
	"net/http"
	"sync"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// Options configure the operations features; the zero value works (no backups).
type Options struct {
	GoalHours   int64  // the program's learning-hours goal; default 10,000,000
	HTTPAddr    string // where the ops listener is (only mentioned to admins; cmd/tavanbot listens)
	BackupDir   string // daily local backups go here; "" = none
	BackupKeep  int    // how many daily backups to keep; default 7
	BackupHour  int    // the daily backup is taken at the first check after this hour (program zone); default 3
	MaxDocument int64  // the largest file sent in a chat; default 50 MB, Telegram's upload limit
}

const (
	defaultGoalHours   = 10_000_000
	defaultBackupKeep  = 7
	defaultBackupHour  = 3
	defaultMaxDocument = 50 << 20
)

// Feature is the operations features on the core.
type Feature struct {
	*bot.Bot
	opts Options

	backupMu sync.Mutex // one daily-backup check at a time (backup.go)

	// Broadcasts (broadcast.go).
	bcEditMu   sync.Mutex // one progress edit at a time
	bcMu       sync.Mutex
	bcCanceled map[uint64]bool // broadcasts known to be canceled (their jobs are skipped)
	bcDirty    map[uint64]bool // broadcasts whose progress message is due an update
	bcWake     chan struct{}
	bcEdited   map[uint64]time.Time
	bcSpeed    map[uint64]speedSample

	// FanOutHook, when set (tests), is called after each fan-out batch is committed.
	FanOutHook func(cursor int64)
}

// Buttons.
const (
	actAdminList    bot.Action = "adl" // show the list of admins again
	actAdminAsk     bot.Action = "ada" // ask for the id of a new admin
	actAdminRemove  bot.Action = "adr" // ask to confirm removing <id>
	actAdminRemoved bot.Action = "ady" // remove <id>

	actExport bot.Action = "exp" // exp|<kind>

	actBroadcastAudience bot.Action = "bca" // choose the audience of a broadcast
	actBroadcastConfirm  bot.Action = "bcs" // send it
	actBroadcastCancel   bot.Action = "bcx" // discard a draft or stop a running broadcast

	actDeadLetterRetry bot.Action = "dlr" // dlr|<id> or dlr|list
)

// Conversation steps.
const (
	stepAdminAdd  = "adminadd"  // waiting for the id of a new admin
	stepBroadcast = "bcCompose" // waiting for the broadcast's content
)

// Register adds the operations features to the bot.
func Register(b *bot.Bot, o Options) (*Feature, error) {
	if o.GoalHours <= 0 {
		o.GoalHours = defaultGoalHours
	}
	if o.BackupKeep <= 0 {
		o.BackupKeep = defaultBackupKeep
	}
	if o.BackupHour < 0 || o.BackupHour > 23 {
		o.BackupHour = defaultBackupHour
	}
	if o.MaxDocument <= 0 {
		o.MaxDocument = defaultMaxDocument
	}
	f := &Feature{
		Bot:        b,
		opts:       o,
		bcCanceled: map[uint64]bool{},
		bcDirty:    map[uint64]bool{},
		bcEdited:   map[uint64]time.Time{},
		bcSpeed:    map[uint64]speedSample{},
		bcWake:     make(chan struct{}, 1),
	}

	admin := f.Routes(bot.AdminOnly)
	// The admins' command menu (and, where the platform has no menu, their part of /help).
	for i, name := range []string{"broadcast", "stats", "admins", "export", "backup", "reload", "deadletters"} {
		f.MenuCommand(bot.Admins, name, 200+i)
	}

	// admins.go
	admin.Command("admins", f.handleAdmins)
	admin.Callback(actAdminList, f.handleAdminList)
	admin.Callback(actAdminAsk, f.handleAdminAsk)
	admin.Callback(actAdminRemove, f.handleAdminRemove)
	admin.Callback(actAdminRemoved, f.handleAdminRemoved)
	// Open to everyone: an admin removed mid-way is still in the step, and the handler refuses them
	// (clearing the step) exactly like an unknown command.
	f.Routes().Step(stepAdminAdd, f.handleAdminTyped)

	// stats.go, export.go, backup.go, reload.go
	admin.Command("stats", f.handleStats)
	admin.Command("export", f.handleExport)
	admin.Callback(actExport, f.handleExportChoice)
	admin.Command("backup", f.handleBackup)
	admin.Command("reload", f.handleReload)

	// broadcast.go
	admin.Command("broadcast", f.handleBroadcast)
	f.Routes().Step(stepBroadcast, f.handleBroadcastMessage) // a removed admin's step is dropped there
	admin.Callback(actBroadcastAudience, f.handleBroadcastAudience)
	admin.Callback(actBroadcastConfirm, f.handleBroadcastConfirm)
	admin.Callback(actBroadcastCancel, f.handleBroadcastCancel)
	f.Service("broadcasts", f.runBroadcasts)
	f.OnJobFinished(f.jobFinished)
	f.SkipJob(func(j *store.Job) bool {
		id, ok := broadcastOfGroup(j.Group)
		return ok && f.broadcastCanceled(id)
	})

	// deadletters.go
	admin.Command("deadletters", f.handleDeadLetters)
	admin.Callback(actDeadLetterRetry, f.handleDeadLetterRetry)
	f.Loop("deadletters", "@every 1h", f.pruneDeadLetters)

	// Exports of this feature; events and consultations register theirs.
	f.Export(exportLearners, f.exportLearnerRows)
	f.Export(exportProgress, f.exportProgressRows)

	// The ops listener (the core checks the bearer token).
	f.OpsRoute("GET /backup", http.HandlerFunc(f.serveBackup))
	f.OpsRoute("GET /export/{kind}", http.HandlerFunc(f.serveExport))

	if o.BackupDir != "" {
		f.Service("backups", f.RunBackups)
	}
	return f, nil
}
