package ops

import (
	"errors"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// rowsExport registers an export of n generated rows, as wide as a progress row, and samples the heap
// every 10,000 rows into peak.
func rowsExport(n int, emitted *int, peak *uint64) func(b *bot.Bot) {
	return func(b *bot.Bot) {
		b.Export("events", func(_ *store.Tx, _ string, w bot.ExportWriter) error {
			if err := w.Header([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}); err != nil {
				return err
			}
			var ms runtime.MemStats
			for i := range n {
				*emitted = i + 1
				id := strconv.Itoa(1_000_000 + i)
				if err := w.Row(0, []string{id, "home-business", "کسب‌وکار خانگی از صفر", "hb-03",
					"قیمت‌گذاری محصول خانگی", "2026-11-26T10:00:00+03:30", "2026-11-26T10:12:00+03:30", "5", "1", "4", "4", "بله"}); err != nil {
					return err
				}
				if i%10_000 == 0 {
					runtime.ReadMemStats(&ms)
					*peak = max(*peak, ms.HeapAlloc)
				}
			}
			return nil
		})
	}
}

// /export streams (issue 18: 200,000 rows peaked at 161 MB, and the chat's copy was built whole before it
// was refused above 50 MB): the heap stays flat whatever the row count, and the chat's copy stops reading
// as soon as it passes the limit.
func TestExportStreamsWithBoundedMemory(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, tehran)
	const rows = 200_000
	var emitted int
	var peak uint64
	f := newUnitBot(t, nil, now, rowsExport(rows, &emitted, &peak))

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	n, err := f.writeExport(io.Discard, "events", "fa")
	if err != nil || n != rows {
		t.Fatalf("writeExport = %d, %v; want %d rows", n, err, rows)
	}
	if grew := int64(peak) - int64(before.HeapAlloc); grew > 24<<20 {
		t.Errorf("the heap grew by %d MB while streaming %d rows; want it bounded (under 24 MB)", grew>>20, rows)
	}
	t.Logf("%d rows streamed; heap %d MB before, peak %d MB", rows, before.HeapAlloc>>20, peak>>20)

	// The chat's copy: 1 MB allowed, so it stops after about 1 MB of rows instead of reading all of them.
	emitted = 0
	out := &limitWriter{w: io.Discard, limit: 1 << 20}
	if _, err := f.writeExport(out, "events", "fa"); !errors.Is(err, errExportTooLarge) {
		t.Fatalf("writeExport past the limit = %v; want errExportTooLarge", err)
	}
	if emitted > 20_000 {
		t.Errorf("the export read %d rows before stopping at 1 MB; want it to stop at the limit", emitted)
	}
}
