package persian

import (
	"errors"
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Tehran without relying on the host's zoneinfo
)

// mustTehran loads Asia/Tehran, +03:30 all year since 2023 (it kept DST until 1401/2022).
func mustTehran(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		tb.Fatalf("load Asia/Tehran: %v", err)
	}
	return loc
}

func TestToJalali(t *testing.T) {
	tehran := mustTehran(t)
	tests := []struct {
		in      time.Time
		y, m, d int
	}{
		{time.Date(2026, 11, 27, 12, 0, 0, 0, tehran), 1405, 9, 6},
		{time.Date(2026, 3, 21, 0, 0, 0, 0, tehran), 1405, 1, 1}, // Nowruz
		{time.Date(2026, 3, 20, 23, 59, 0, 0, tehran), 1404, 12, 29},
		{time.Date(2025, 3, 20, 12, 0, 0, 0, tehran), 1403, 12, 30}, // 1403 is leap
		{time.Date(2025, 3, 21, 12, 0, 0, 0, tehran), 1404, 1, 1},
		{time.Date(2023, 3, 21, 12, 0, 0, 0, time.UTC), 1402, 1, 1},
		{time.Date(2026, 9, 22, 12, 0, 0, 0, time.UTC), 1405, 6, 31},
		{time.Date(2026, 9, 23, 12, 0, 0, 0, time.UTC), 1405, 7, 1},
		{time.Date(2029, 3, 19, 12, 0, 0, 0, time.UTC), 1407, 12, 29},
		{time.Date(2029, 3, 20, 12, 0, 0, 0, time.UTC), 1408, 1, 1},
		{time.Date(2030, 3, 20, 12, 0, 0, 0, time.UTC), 1408, 12, 30}, // 1408 is leap
		// The date is read in t's own location: 21:00 UTC is already the next day in Tehran.
		{time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC), 1405, 9, 5},
		{time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC).In(tehran), 1405, 9, 6},
		// Supported range edges.
		{time.Date(1831, 3, 21, 0, 0, 0, 0, time.UTC), 1210, 1, 1},
		{time.Date(1831, 3, 20, 0, 0, 0, 0, time.UTC), 0, 0, 0},
		{time.Date(2251, 3, 20, 0, 0, 0, 0, time.UTC), 1629, 12, 29},
		{time.Date(2251, 3, 21, 0, 0, 0, 0, time.UTC), 0, 0, 0},
		{time.Time{}, 0, 0, 0},
		{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0, 0, 0},
	}
	for _, tt := range tests {
		y, m, d := ToJalali(tt.in)
		if y != tt.y || m != tt.m || d != tt.d {
			t.Errorf("ToJalali(%v) = %d/%d/%d; want %d/%d/%d", tt.in, y, m, d, tt.y, tt.m, tt.d)
		}
	}
}

func TestFromJalali(t *testing.T) {
	tehran := mustTehran(t)
	tests := []struct {
		y, m, d int
		loc     *time.Location
		want    time.Time
		wantErr error
	}{
		{1405, 9, 6, tehran, time.Date(2026, 11, 27, 0, 0, 0, 0, tehran), nil},
		{1405, 1, 1, tehran, time.Date(2026, 3, 21, 0, 0, 0, 0, tehran), nil},
		{1403, 12, 30, time.UTC, time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC), nil},
		{1408, 12, 30, time.UTC, time.Date(2030, 3, 20, 0, 0, 0, 0, time.UTC), nil},
		{1405, 6, 31, time.UTC, time.Date(2026, 9, 22, 0, 0, 0, 0, time.UTC), nil},
		// Iran's clocks jumped from 00:00 to 01:00 on 2 Farvardin until 1401: the day starts at 01:00.
		{1401, 1, 2, tehran, time.Date(2022, 3, 22, 1, 0, 0, 0, tehran), nil},
		{1405, 12, 30, time.UTC, time.Time{}, ErrNoSuchDate}, // 1405 is not leap
		{1404, 12, 30, time.UTC, time.Time{}, ErrNoSuchDate},
		{1405, 7, 31, time.UTC, time.Time{}, ErrNoSuchDate},
		{1405, 11, 31, time.UTC, time.Time{}, ErrNoSuchDate},
		{1405, 1, 32, time.UTC, time.Time{}, ErrNoSuchDate},
		{1405, 1, 0, time.UTC, time.Time{}, ErrNoSuchDate},
		{1405, 13, 1, time.UTC, time.Time{}, ErrNoSuchDate},
		{1405, 0, 1, time.UTC, time.Time{}, ErrNoSuchDate},
		{1405, -1, 1, time.UTC, time.Time{}, ErrNoSuchDate},
		{1209, 12, 29, time.UTC, time.Time{}, ErrNoSuchDate}, // before the supported years
		{1630, 1, 1, time.UTC, time.Time{}, ErrNoSuchDate},   // after them
		{0, 1, 1, time.UTC, time.Time{}, ErrNoSuchDate},
	}
	for _, tt := range tests {
		got, err := FromJalali(tt.y, tt.m, tt.d, tt.loc)
		if !got.Equal(tt.want) || got.Location() != tt.want.Location() && err == nil ||
			!errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Errorf("FromJalali(%d, %d, %d, %v) = %v, %v; want %v, %v", tt.y, tt.m, tt.d, tt.loc, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestIsLeapJalali(t *testing.T) {
	// From go-jalaali's 33-year cycle table; Esfand 30 exists exactly in these years.
	leap := map[int]bool{1395: true, 1399: true, 1403: true, 1408: true, 1412: true, 1416: true}
	for y := 1395; y <= 1416; y++ {
		if got := IsLeapJalali(y); got != leap[y] {
			t.Errorf("IsLeapJalali(%d) = %v; want %v", y, got, leap[y])
		}
	}
	for _, y := range []int{0, 1209, 1630, 3000} {
		if IsLeapJalali(y) {
			t.Errorf("IsLeapJalali(%d) = true; want false (unsupported year)", y)
		}
	}
}

func TestDaysInJalaliMonth(t *testing.T) {
	common := []int{31, 31, 31, 31, 31, 31, 30, 30, 30, 30, 30, 29}
	leap := []int{31, 31, 31, 31, 31, 31, 30, 30, 30, 30, 30, 30}
	for _, y := range []int{1403, 1404, 1405, 1407, 1408} {
		want := common
		if IsLeapJalali(y) {
			want = leap
		}
		for m := 1; m <= 12; m++ {
			if got := DaysInJalaliMonth(y, m); got != want[m-1] {
				t.Errorf("DaysInJalaliMonth(%d, %d) = %d; want %d", y, m, got, want[m-1])
			}
		}
	}
	for _, c := range [][2]int{{1405, 0}, {1405, 13}, {1405, -1}, {1209, 1}, {1630, 1}} {
		if got := DaysInJalaliMonth(c[0], c[1]); got != 0 {
			t.Errorf("DaysInJalaliMonth(%d, %d) = %d; want 0", c[0], c[1], got)
		}
	}
}

// Every day of 1400–1410 converts to a time and back, in Tehran (DST until 1401) and in UTC.
func TestJalaliRoundTrip(t *testing.T) {
	for _, loc := range []*time.Location{mustTehran(t), time.UTC} {
		for y := 1400; y <= 1410; y++ {
			for m := 1; m <= 12; m++ {
				for d := 1; d <= DaysInJalaliMonth(y, m); d++ {
					tm, err := FromJalali(y, m, d, loc)
					if err != nil {
						t.Fatalf("FromJalali(%d, %d, %d, %v): %v", y, m, d, loc, err)
					}
					if gy, gm, gd := ToJalali(tm); gy != y || gm != m || gd != d {
						t.Errorf("ToJalali(FromJalali(%d, %d, %d, %v)) = %d/%d/%d", y, m, d, loc, gy, gm, gd)
					}
					if next, _ := FromJalali(y, m, d+1, loc); !next.IsZero() && next.Sub(tm) < 23*time.Hour {
						t.Errorf("FromJalali(%d, %d, %d) is %v after the day before", y, m, d+1, next.Sub(tm))
					}
				}
			}
		}
	}
}

// Walking day by day over all supported years, the Jalali date goes up by exactly one day each time,
// month lengths agree with DaysInJalaliMonth, and each date converts back. This is the check that
// found go-jalaali's errors around its break years (see jalali.go).
func TestJalaliWholeRange(t *testing.T) {
	first := time.Date(1831, 3, 21, 0, 0, 0, 0, time.UTC) // 1210/01/01
	py, pm, pd := 1209, 12, 29
	days := 0
	for day := first; ; day = day.AddDate(0, 0, 1) {
		y, m, d := ToJalali(day)
		if y == 0 {
			break
		}
		days++
		want := fmt.Sprintf("%d/%d/%d", py, pm, pd+1)
		switch {
		case pd == DaysInJalaliMonth(py, pm) && pm == 12:
			want = fmt.Sprintf("%d/1/1", py+1)
		case pd == DaysInJalaliMonth(py, pm):
			want = fmt.Sprintf("%d/%d/1", py, pm+1)
		}
		if got := fmt.Sprintf("%d/%d/%d", y, m, d); got != want && days > 1 {
			t.Fatalf("ToJalali(%s) = %s; want %s", day.Format(time.DateOnly), got, want)
		}
		if back, err := FromJalali(y, m, d, time.UTC); !back.Equal(day) || err != nil {
			t.Fatalf("FromJalali(%d, %d, %d) = %v, %v; want %v", y, m, d, back, err, day)
		}
		py, pm, pd = y, m, d
	}
	if py != 1629 || pm != 12 || pd != 29 {
		t.Errorf("last supported day = %d/%d/%d; want 1629/12/29", py, pm, pd)
	}
	last := time.Date(2251, 3, 20, 0, 0, 0, 0, time.UTC)
	if want := int((last.Unix()-first.Unix())/86400) + 1; days != want {
		t.Errorf("supported days = %d; want %d", days, want)
	}
}
