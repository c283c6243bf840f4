package consult_test

import (
	"fmt"
	"testing"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/store"
)

// BenchmarkRelayMessage is one learner message relayed to the consultant, end to end: tgsim update →
// router hook → Apply (fsync) → copyMessage over HTTP → relay links (fsync).
func BenchmarkRelayMessage(b *testing.B) {
	h := clubHarness(b, func(c *app.Config) { c.Consult.RelayPerMinute = 1 << 30 })
	h.Onboard(maryam, "fa", "home")
	h.MakeConsultant(amir, "دکتر امیر", "marketing")
	h.Session(maryam, amir, "marketing")
	b.ResetTimer()
	for b.Loop() {
		h.Sim.SendText(maryam, "پیامی برای مشاور")
		h.Settle()
	}
}

// BenchmarkConsultSweep shows the sweep's cost follows the live consultations, not the history.
func BenchmarkConsultSweep(b *testing.B) {
	for _, size := range []struct{ live, history int }{{10, 0}, {10, 10000}, {1000, 10000}} {
		b.Run(fmt.Sprintf("live=%d/history=%d", size.live, size.history), func(b *testing.B) {
			h := clubHarness(b, nil)
			if err := h.DB.Update(func(tx *store.Tx) error {
				for i := range size.history + size.live {
					c := &store.Consultation{LearnerID: int64(10_000 + i%500), Topic: "marketing", Status: store.ConsultClosed}
					if i >= size.history {
						c.Status, c.ConsultantID, c.LastActive = store.ConsultOpen, 99, tx.Now()
					}
					if err := tx.AddConsultation(c); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			h.sweep() // the hourly prune, out of the way
			b.ResetTimer()
			for b.Loop() {
				if _, err := h.App.Consult.Sweep(h.Ctx()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
