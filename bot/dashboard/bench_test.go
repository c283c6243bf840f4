package dashboard_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/dashboard/dashboardtest"
)

// BenchmarkPages200k renders every page (as the bearer token's viewer, default and widest ranges) over
// 200,000 learners with progress, a year of daily tallies, events and the club. The nightly rollup's
// own duration is reported once as rollup-ms.
func BenchmarkPages200k(b *testing.B) {
	h := newHarness(b, nil)
	if _, err := dashboardtest.Seed(h.DB, h.App.Content(), h.now(), 200_000, 365); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	h.rollup()
	rollup := time.Since(start)
	for _, path := range []string{"/dashboard", "/dashboard?r=90", "/dashboard/learning", "/dashboard/events?r=90", "/dashboard/consult?r=90", "/dashboard/delivery", "/dashboard/learning?csv=hardest"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				if rec := h.do(request{path: path, token: testToken}); rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", path, rec.Code)
				}
			}
			b.ReportMetric(float64(rollup.Milliseconds()), "rollup-ms")
		})
	}
}
