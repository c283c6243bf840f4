package ops_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
)

func TestBackupCommandSendsVerifiableSnapshot(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "/backup")
	doc := h.lastDocument(adminUser)
	if !strings.HasPrefix(doc.File.Name, "tavan-2026-11-26-") || !strings.HasSuffix(doc.File.Name, ".db") {
		t.Errorf("backup file name %q", doc.File.Name)
	}
	containsAll(t, "backup caption", doc.Plain, "نسخهٔ پشتیبان توان", "tavanbot restore FILE")
	path := filepath.Join(t.TempDir(), doc.File.Name)
	if err := os.WriteFile(path, doc.File.Data, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := store.VerifySnapshot(path)
	if err != nil {
		t.Fatalf("the backup does not verify: %v", err)
	}
	if info.Users < 1 || info.Version != store.SchemaVersion() {
		t.Errorf("snapshot %+v", info)
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	if _, err := store.Restore(restored, path); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.GetUser(maryam.ID)
	if err != nil || u.FirstName != "مریم" || u.Track != "home" {
		t.Errorf("restored maryam = %+v, %v", u, err)
	}
}

// TestBackupOverHTTPRestoresIdentical: GET /backup → restore gives the same data, byte for byte by digest.
func TestBackupOverHTTPRestoresIdentical(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.HTTPToken = testOpsToken })
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "youth")
	h.Send(maryam, "/today")
	if rec := h.opsGet("/backup", ""); rec.Code != 401 {
		t.Errorf("GET /backup without a token = %d", rec.Code)
	}
	if rec := h.opsGet("/backup", "wrong-token-wrong-token"); rec.Code != 401 {
		t.Errorf("GET /backup with a wrong token = %d", rec.Code)
	}
	rec := h.opsGet("/backup", testOpsToken)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), "tavan-") {
		t.Fatalf("GET /backup = %d %v", rec.Code, rec.Header())
	}
	want, err := h.DB.Digest()
	if err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(t.TempDir(), "snap.db")
	os.WriteFile(snap, rec.Body.Bytes(), 0o600)
	target := filepath.Join(t.TempDir(), "tavan.db")
	info, err := store.Restore(target, snap)
	if err != nil {
		t.Fatal(err)
	}
	if info.Digest != want {
		t.Errorf("restored digest %s; live %s", info.Digest, want)
	}
	if !strings.Contains(h.Logs.String(), "ops request refused") || strings.Contains(h.Logs.String(), "wrong-token-wrong-token") {
		t.Error("a refused ops request must be logged, without the token it sent")
	}
}

func TestBackupTooLargePointsToEndpoint(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.Ops.MaxDocument = 1024 })
	h.Send(adminUser, "/backup")
	containsAll(t, "backup too large", h.Last(adminUser).Plain, "مگابایت است و از سقف ۵۰ مگابایتی فایل‌ها در تلگرام بزرگ‌تر است", "GET /backup", "TAVAN_HTTP_ADDR")
	if h.Sim.Calls("sendDocument") != 0 {
		t.Error("an oversized backup was sent anyway")
	}
}

func TestDailyBackupsWithRetention(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, func(c *app.Config) {
		c.Ops.BackupDir = dir
		c.Ops.BackupKeep = 3
		c.Ops.BackupHour = 3
	})
	h.Onboard(maryam, "fa", "home")
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("operator's file"), 0o600)

	h.Clock.Set(time.Date(2026, 11, 27, 2, 30, 0, 0, apptest.Tehran))
	if path, err := h.App.Ops.BackupIfDue(); err != nil || path != "" {
		t.Fatalf("before the backup hour: %q, %v; want nothing", path, err)
	}
	for day := 27; day <= 31; day++ {
		h.Clock.Set(time.Date(2026, 11, day, 3, 5, 0, 0, apptest.Tehran))
		path, err := h.App.Ops.BackupIfDue()
		if err != nil || path == "" {
			t.Fatalf("day %d: %q, %v", day, path, err)
		}
		if again, _ := h.App.Ops.BackupIfDue(); again != "" {
			t.Errorf("day %d: a second backup the same day", day)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"notes.txt", "tavan-2026-11-29.db", "tavan-2026-11-30.db", "tavan-2026-12-01.db"}
	if !slices.Equal(names, want) {
		t.Errorf("backup directory = %q; want %q", names, want)
	}
	if _, err := store.VerifySnapshot(filepath.Join(dir, "tavan-2026-12-01.db")); err != nil {
		t.Errorf("the daily backup does not verify: %v", err)
	}
	if rec := h.opsGet("/metrics", ""); rec.Code != 403 {
		t.Errorf("/metrics with no token configured = %d; want 403", rec.Code)
	}
}
