package ops

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
)

// Backups: /backup sends a consistent snapshot (bbolt's tx.WriteTo, taken while the bot runs) to the admin
// who asked; GET /backup on the ops listener streams one of any size; RunBackups (a service while the bot
// runs, when Options.BackupDir is set) keeps a daily snapshot in Options.BackupDir and deletes all but the
// newest Options.BackupKeep. `tavanbot restore FILE` installs one.

func (f *Feature) handleBackup(ctx context.Context, c *bot.Ctx) error {
	size, err := f.Store.Size()
	if err != nil {
		return err
	}
	if size > f.opts.MaxDocument {
		return c.Fail("BackupTooLarge", "Size", megabytes(c.Voice, size), "Endpoint", f.endpointHint("/backup"))
	}
	var buf bytes.Buffer
	if _, err := f.Store.Backup(&buf); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if int64(buf.Len()) > f.opts.MaxDocument { // grew between the two reads
		return c.Fail("BackupTooLarge", "Size", megabytes(c.Voice, int64(buf.Len())), "Endpoint", f.endpointHint("/backup"))
	}
	now := f.LocalNow()
	doc := tgbotapi.NewDocument(c.ChatID, tgbotapi.FileBytes{Name: backupName(now, true), Bytes: buf.Bytes()})
	doc.Caption = c.T("BackupCaption", "Date", c.Date(now), "Size", megabytes(c.Voice, int64(buf.Len())))
	doc.ParseMode = tgbotapi.ModeHTML
	if _, err := f.Send(ctx, doc); err != nil {
		return err
	}
	f.Logger.Info("backup sent", "admin", c.User.ID, "bytes", buf.Len())
	return nil
}

// serveBackup is GET /backup: the snapshot streamed as it is written, whatever its size.
func (f *Feature) serveBackup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, backupName(f.LocalNow(), true)))
	w.Header().Set("Cache-Control", "no-store")
	n, err := f.Store.Backup(w)
	if err != nil {
		// Headers are gone already; the client sees a cut-off body, which restore's verification refuses.
		f.Logger.Error("backup over HTTP", "err", err, "written", n)
		return
	}
	f.Logger.Info("backup served over HTTP", "bytes", n, "remote", r.RemoteAddr)
}

// backupName is tavan-2026-11-26.db for the daily file, with the time for one taken on demand.
func backupName(t time.Time, withTime bool) string {
	if withTime {
		return "tavan-" + t.Format("2006-01-02-1504") + ".db"
	}
	return "tavan-" + t.Format("2006-01-02") + ".db"
}

var dailyBackupName = regexp.MustCompile(`^tavan-\d{4}-\d{2}-\d{2}\.db$`)

// RunBackups keeps a daily backup in Options.BackupDir until ctx ends (nothing to do without a directory).
// It looks every minute whether today's backup exists, so a bot that was down at the backup hour
// catches up when it starts.
func (f *Feature) RunBackups(ctx context.Context) error {
	if f.opts.BackupDir == "" {
		return nil
	}
	if err := os.MkdirAll(f.opts.BackupDir, 0o700); err != nil {
		return fmt.Errorf("backup directory: %w", err)
	}
	log := f.Logger.With("subsystem", "backup")
	check := func() {
		if path, err := f.backupIfDue(); err != nil {
			log.Error("daily backup failed", "err", err)
		} else if path != "" {
			log.Info("daily backup written", "path", path)
		}
	}
	check()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			check()
		}
	}
}

// backupIfDue writes today's backup if the backup hour has passed and it does not exist yet, then
// deletes the oldest daily backups beyond Options.BackupKeep. It returns the path written, or "".
func (f *Feature) backupIfDue() (string, error) {
	f.backupMu.Lock() // the service's checks and a test's
	defer f.backupMu.Unlock()
	now := f.LocalNow()
	if now.Hour() < f.opts.BackupHour {
		return "", nil
	}
	path := filepath.Join(f.opts.BackupDir, backupName(now, false))
	if _, err := os.Stat(path); err == nil {
		return "", nil
	}
	n, err := f.Store.WriteBackup(path)
	f.Metrics.Backup(now, n, err)
	if err != nil {
		return "", err
	}
	return path, f.pruneBackups()
}

// pruneBackups deletes all but the newest Options.BackupKeep daily backups (by name, which sorts by date).
// Other files in the directory are left alone.
func (f *Feature) pruneBackups() error {
	entries, err := os.ReadDir(f.opts.BackupDir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && dailyBackupName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for len(names) > f.opts.BackupKeep {
		if err := os.Remove(filepath.Join(f.opts.BackupDir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}

// BackupIfDue runs one check of the daily backup now (for tests): it returns the path written, or "".
func (f *Feature) BackupIfDue() (string, error) { return f.backupIfDue() }
