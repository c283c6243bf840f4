package main

import (
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/internal/browsertest"
)

// Check-in in two tabs: a learner registers for an event about to start and opens their ticket; the
// sandbox shows the ticket's link under its QR (a browser cannot scan), and the admin — door staff —
// opens it in their own tab, which marks the learner present; the learner is told so.
func TestBrowserTicketScan(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	// Each has its own sandbox and Chromium: they overlap their waits (up to -parallel at once).
	t.Parallel()
	browser := browsertest.NewBrowser(t)
	dbPath := filepath.Join(t.TempDir(), "sandbox.db")
	seedEventStartingSoon(t, dbPath, "کارگاه قیمت‌گذاری")
	sb := startSandbox(t, map[string]string{"TAVAN_SANDBOX_DB": dbPath})

	learner := browsertest.Open(t, browser, sb.URL+"/?user=101", "مریم (learner)")
	onboardInBrowser(learner)
	learner.Send("/events")
	learner.Press("کارگاه قیمت‌گذاری")
	learner.Press("شرکت می‌کنم")
	learner.WaitJS(`[...document.querySelectorAll('.msg.bot .kb-btn')].some(b => b.innerText.includes('بلیت من'))`, "the [my ticket] button")
	learner.Press("بلیت من")
	learner.WaitBotText("بلیت شما برای")
	learner.WaitJS(inviteLinkJS+`.includes('start=tk_')`, "the ticket's link under its QR")
	link := browsertest.Eval[string](learner, inviteLinkJS)
	learner.Screenshot("sandbox-ticket.png")

	// The admin at the door "scans" it: pasting the link opens it, as the phone's camera would.
	staff := browsertest.Open(t, browser, sb.URL+"/?user=900", "admin (door staff)")
	staff.Send(link)
	staff.WaitBotText("حضور مریم در «کارگاه قیمت‌گذاری» ثبت شد")
	staff.Screenshot("sandbox-ticket-scanned.png")
	learner.WaitBotText("حضور شما ثبت شد")

	// Scanned again: already checked in, nothing credited twice.
	staff.Send(link)
	staff.WaitBotText("ثبت شده است")
	if strings.Count(learner.Transcript(), "حضور شما ثبت شد") != 1 {
		t.Errorf("the learner was told of their check-in more than once:\n%s", learner.Transcript())
	}
}

// seedEventStartingSoon writes an event starting in half an hour into a fresh sandbox database.
func seedEventStartingSoon(t *testing.T, path, title string) {
	t.Helper()
	seedEventIn(t, path, title, 30*time.Minute)
}

// seedEventIn stores an event starting in (real time: the sandbox's clock starts at it) before the
// sandbox opens path.
func seedEventIn(t *testing.T, path, title string, in time.Duration) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	start := time.Now().Add(in).Truncate(time.Minute)
	e := &store.Event{Title: title, Start: start, End: start.Add(2 * time.Hour), Capacity: 20, Token: hex.EncodeToString(raw[:]),
		Place: store.Place{Name: "خانهٔ کارآفرینی اصفهان"}}
	if err := db.Update(func(tx *store.Tx) error { return tx.CreateEvent(e) }); err != nil {
		t.Fatal(err)
	}
}
