package store

import (
	"path/filepath"
	"testing"
	"time"
)

func TestSandboxClockOffsetSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := db.SandboxClockOffset(); err != nil || d != 0 {
		t.Fatalf("SandboxClockOffset() on a new database = %v, %v; want 0, nil", d, err)
	}
	want := 49*time.Hour + 30*time.Minute
	if err := db.PutSandboxClockOffset(want); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d, err := db.SandboxClockOffset(); err != nil || d != want {
		t.Errorf("SandboxClockOffset() after reopen = %v, %v; want %v", d, err, want)
	}
}
