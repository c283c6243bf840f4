package ops

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// opsBenchBot is a bot that is built, not run, on a database of n learners.
func opsBenchBot(b *testing.B, n int, noSync bool) *Feature {
	b.Helper()
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{NoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, tehran)
	tracks := lessons.Tracks()
	for start := 0; start < n; start += 5000 {
		db.Update(func(tx *store.Tx) error {
			for i := start; i < min(start+5000, n); i++ {
				u := &store.User{ID: int64(i + 1), FirstName: "یادگیرنده", Track: tracks[i%len(tracks)], DailyMinute: 480, Onboarded: true,
					LastActive: now.AddDate(0, 0, -i%45), MinutesLearned: i % 300, LessonsCompleted: i % 40,
					Streak: i%12 + 1, StreakDay: store.DayString(now.AddDate(0, 0, -i%20))}
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
			for d := range 365 {
				tx.AddDay(now.AddDate(0, 0, -d), func(s *store.DayStats) { s.Active, s.Minutes, s.QuizAnswers = 900, 3000, 400 })
			}
			return nil
		})
	}
	return newUnitBot(b, db, now, nil)
}

// BenchmarkStatsFigures200k is everything /stats reads (totals, active windows, live streaks, all days,
// the 30-day chart) at 200,000 learners and a year of daily counters.
func BenchmarkStatsFigures200k(b *testing.B) {
	f := opsBenchBot(b, 200_000, true)
	v := f.Voice("fa")
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.figures(v, f.LocalNow()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatsChart draws the PNG.
func BenchmarkStatsChart(b *testing.B) {
	days := make([]chartDay, 30)
	for i := range days {
		days[i] = chartDay{Label: fmt.Sprintf("09/%02d", i+1), Active: int64(1000 + 37*i), Hours: float64(50 + i)}
	}
	for b.Loop() {
		c, err := drawChart(chartText{Title: "Tavan", Number: formatTick}, days)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := chartPNG(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebhookRequest is one authorized webhook request (the core's handler), recorded durably
// (fsync) before its 200, from parallel connections as Telegram makes them (max_connections 40).
func BenchmarkWebhookRequest(b *testing.B) {
	f := opsBenchBot(b, 0, false)
	h := f.WebhookHandler()
	var id atomic.Int64
	b.SetParallelism(20) // 2 cores × 20 = 40 concurrent requests
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := fmt.Appendf(nil, `{"update_id":%d,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"x"},"text":"سلام"}}`, id.Add(1))
			req := httptest.NewRequest(http.MethodPost, "/tg/hook", bytes.NewReader(body))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", testWebhookSecret)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
