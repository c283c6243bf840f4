package learning

import (
	"testing"
	"time"
)

// Pure unit tests of the feature's parsers and helpers; everything else is tested end to end in package
// learning_test.

func TestParsePauseDays(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"5", 5, true}, {"۵", 5, true}, {"٥", 5, true}, {" ۱۰ روز ", 10, true}, {"3 days", 3, true}, {"1 day", 1, true},
		{"90", 90, true}, {"91", 0, false}, {"0", 0, false}, {"-1", 0, false}, {"", 0, false}, {"five", 0, false},
		{"۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰", 0, false},
	} {
		got, ok := parsePauseDays(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parsePauseDays(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParsePauseDays(f *testing.F) {
	for _, s := range []string{"5", "۵ روز", "3 days", "", "-1", "٩٠", "1e3", "۱٬۰۰۰"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parsePauseDays(s)
		if ok && (n < 1 || n > maxPauseDays) {
			t.Fatalf("parsePauseDays(%q) = %d outside 1..%d", s, n, maxPauseDays)
		}
		if !ok && n != 0 {
			t.Fatalf("parsePauseDays(%q) failed but returned %d", s, n)
		}
	})
}

func TestTimeTravelCatchesTheSchedulerUpHourByHour(t *testing.T) {
	from := time.Date(2026, 11, 27, 5, 15, 0, 0, time.UTC)
	to := from.Add(25*time.Hour + 30*time.Minute)
	var ticks []time.Time
	if err := catchUpSchedule(from, to, func(at time.Time) error { ticks = append(ticks, at); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ticks) != 26 || !ticks[len(ticks)-1].Equal(to) {
		t.Fatalf("%d ticks ending %v; want 26 ending at the destination", len(ticks), ticks[len(ticks)-1])
	}
	prev := from
	for _, at := range ticks {
		if gap := at.Sub(prev); gap <= 0 || gap > time.Hour {
			t.Errorf("a tick %v after the previous one; the scheduler's cut-off would skip slots", gap)
		}
		prev = at
	}
}
