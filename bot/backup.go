package bot

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
)

// Backups: /backup sends a consistent snapshot (bbolt's tx.WriteTo, taken while the bot runs) to the admin
// who asked; GET /backup on the ops listener streams one of any size; RunBackups keeps a daily snapshot
// in Ops.BackupDir and deletes all but the newest Ops.BackupKeep. `tavanbot restore FILE` installs one.

func (b *Bot) backupRoutes(r *Router) {
	r.AdminCommand("backup", b.handleBackup)
}

func (b *Bot) handleBackup(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	size, err := b.Store.Size()
	if err != nil {
		return err
	}
	if size > b.Ops.MaxDocument {
		return c.Fail("BackupTooLarge", "Size", c.megabytes(size), "Endpoint", b.endpointHint("/backup"))
	}
	var buf bytes.Buffer
	if _, err := b.Store.Backup(&buf); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if int64(buf.Len()) > b.Ops.MaxDocument { // grew between the two reads
		return c.Fail("BackupTooLarge", "Size", c.megabytes(int64(buf.Len())), "Endpoint", b.endpointHint("/backup"))
	}
	now := b.now()
	doc := tgbotapi.NewDocument(c.ChatID, tgbotapi.FileBytes{Name: backupName(now, true), Bytes: buf.Bytes()})
	doc.Caption = c.T("BackupCaption", "Date", c.date(now), "Size", c.megabytes(int64(buf.Len())))
	doc.ParseMode = tgbotapi.ModeHTML
	if _, err := b.send(ctx, doc); err != nil {
		return err
	}
	b.Logger.Info("backup sent", "admin", c.User.ID, "bytes", buf.Len())
	return nil
}

// serveBackup is GET /backup: the snapshot streamed as it is written, whatever its size.
func (b *Bot) serveBackup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, backupName(b.now(), true)))
	w.Header().Set("Cache-Control", "no-store")
	n, err := b.Store.Backup(w)
	if err != nil {
		// Headers are gone already; the client sees a cut-off body, which restore's verification refuses.
		b.Logger.Error("backup over HTTP", "err", err, "written", n)
		return
	}
	b.Logger.Info("backup served over HTTP", "bytes", n, "remote", r.RemoteAddr)
}

// backupName is tavan-2026-11-26.db for the daily file, with the time for one taken on demand.
func backupName(t time.Time, withTime bool) string {
	if withTime {
		return "tavan-" + t.Format("2006-01-02-1504") + ".db"
	}
	return "tavan-" + t.Format("2006-01-02") + ".db"
}

var dailyBackupName = regexp.MustCompile(`^tavan-\d{4}-\d{2}-\d{2}\.db$`)

// RunBackups keeps a daily backup in Ops.BackupDir until ctx ends (nothing to do without a directory).
// It looks every minute whether today's backup exists, so a bot that was down at the backup hour
// catches up when it starts.
func (b *Bot) RunBackups(ctx context.Context) error {
	if b.Ops.BackupDir == "" {
		return nil
	}
	if err := os.MkdirAll(b.Ops.BackupDir, 0o700); err != nil {
		return fmt.Errorf("backup directory: %w", err)
	}
	log := b.Logger.With("subsystem", "backup")
	check := func() {
		if path, err := b.backupIfDue(); err != nil {
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
// deletes the oldest daily backups beyond Ops.BackupKeep. It returns the path written, or "".
func (b *Bot) backupIfDue() (string, error) {
	now := b.now()
	if now.Hour() < b.Ops.BackupHour {
		return "", nil
	}
	path := filepath.Join(b.Ops.BackupDir, backupName(now, false))
	if _, err := os.Stat(path); err == nil {
		return "", nil
	}
	n, err := b.Store.WriteBackup(path)
	b.Metrics.Backup(now, n, err)
	if err != nil {
		return "", err
	}
	return path, b.pruneBackups()
}

// pruneBackups deletes all but the newest Ops.BackupKeep daily backups (by name, which sorts by date).
// Other files in the directory are left alone.
func (b *Bot) pruneBackups() error {
	entries, err := os.ReadDir(b.Ops.BackupDir)
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
	for len(names) > b.Ops.BackupKeep {
		if err := os.Remove(filepath.Join(b.Ops.BackupDir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}
