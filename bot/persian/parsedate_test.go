package persian

import (
	"errors"
	"testing"
	"time"
)

func TestParseJalaliDate(t *testing.T) {
	tehran := mustTehran(t)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, tehran) // جمعه ۶ آذر ۱۴۰۵
	day := func(y, m, d int) time.Time {
		t.Helper()
		tm, err := FromJalali(y, m, d, tehran)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr error
	}{
		// Numeric, any digit script and separator.
		{"۱۴۰۵/۰۹/۱۵", day(1405, 9, 15), nil},
		{"1405-9-15", day(1405, 9, 15), nil},
		{"۱۴۰۵.۰۹.۱۵", day(1405, 9, 15), nil},
		{"١٤٠٥/٩/١٥", day(1405, 9, 15), nil},
		{"۱۴05/9/۱۵", day(1405, 9, 15), nil},
		{"15/09/1405", day(1405, 9, 15), nil}, // day first
		{"۱۴۰۰/۰۱/۰۱", day(1400, 1, 1), nil},  // in the past: the year is given
		{"۱۴۰۳/۱۲/۳۰", day(1403, 12, 30), nil},
		{" \u200f۱۴۰۵/۰۹/۱۵\u200e ", day(1405, 9, 15), nil},
		// Month names.
		{"۱۵ آذر", day(1405, 9, 15), nil},
		{"۱۵ آذر ۱۴۰۵", day(1405, 9, 15), nil},
		{"۱۵ آذرماه", day(1405, 9, 15), nil},
		{"۱۵ آذر ماه ۱۴۰۵", day(1405, 9, 15), nil},
		{"۱۵ اذر", day(1405, 9, 15), nil},
		{"15 آذر 1406", day(1406, 9, 15), nil},
		{"۲ ارديبهشت", day(1406, 2, 2), nil}, // Arabic ي
		{"۲ اردی‌بهشت", day(1406, 2, 2), nil},
		{"۱ شهريور ۱۴۰۶", day(1406, 6, 1), nil},
		{"۳ دي", day(1405, 10, 3), nil},
		{"۳ دی‌ماه", day(1405, 10, 3), nil},
		{"۱۰ امرداد", day(1406, 5, 10), nil},
		{"۱ فروردین", day(1406, 1, 1), nil},
		{"۲۹ اسفند", day(1405, 12, 29), nil},
		// Without a year: today counts, yesterday is next year.
		{"۶ آذر", day(1405, 9, 6), nil},
		{"۵ آذر", day(1406, 9, 5), nil},
		{"۷ آذر", day(1405, 9, 7), nil},
		// ۳۰ اسفند waits for the next leap year (1408).
		{"۳۰ اسفند", day(1408, 12, 30), nil},
		// A weekday in front, as Date writes it, must match.
		{"جمعه ۶ آذر ۱۴۰۵", day(1405, 9, 6), nil},
		{Date(now), day(1405, 9, 6), nil},
		{"سه‌شنبه ۱۰ آذر", day(1405, 9, 10), nil},
		{"سه شنبه ۱۴۰۵/۰۹/۱۰", day(1405, 9, 10), nil},
		{"شنبه ۶ آذر ۱۴۰۵", time.Time{}, ErrNoSuchDate},
		// Relative days.
		{"امروز", day(1405, 9, 6), nil},
		{"فردا", day(1405, 9, 7), nil},
		{"پس‌فردا", day(1405, 9, 8), nil},
		{"پس فردا", day(1405, 9, 8), nil},
		{"شنبه فردا", day(1405, 9, 7), nil},
		{"شنبه پس‌فردا", time.Time{}, ErrNoSuchDate},
		{"یکشنبه پس‌فردا", day(1405, 9, 8), nil},
		// No such date.
		{"۱۴۰۵/۱۲/۳۰", time.Time{}, ErrNoSuchDate},
		{"۱۴۰۵/۱۳/۰۱", time.Time{}, ErrNoSuchDate},
		{"۱۴۰۵/۰۱/۳۲", time.Time{}, ErrNoSuchDate},
		{"۱۴۰۵/۰۷/۳۱", time.Time{}, ErrNoSuchDate},
		{"۱۴۰۵/۰۰/۱۰", time.Time{}, ErrNoSuchDate},
		{"۱۴۰۵/۰۱/۰۰", time.Time{}, ErrNoSuchDate},
		{"۳۱ مهر", time.Time{}, ErrNoSuchDate},
		{"۳۲ آذر", time.Time{}, ErrNoSuchDate},
		{"0 آذر", time.Time{}, ErrNoSuchDate},
		{"2026-11-27", time.Time{}, ErrNoSuchDate}, // a Gregorian date falls outside the Jalali years
		{"۱۱۰۰/۰۱/۰۱", time.Time{}, ErrNoSuchDate},
		// Bad format.
		{"", time.Time{}, ErrEmpty},
		{" \u200c\u200f ", time.Time{}, ErrEmpty},
		{"آذر", time.Time{}, ErrBadFormat},
		{"۱۵", time.Time{}, ErrBadFormat},
		{"۱۵ فلان", time.Time{}, ErrBadFormat},
		{"آذر ۱۵", time.Time{}, ErrBadFormat},
		{"۰۹/۱۵", time.Time{}, ErrBadFormat},
		{"05/09/15", time.Time{}, ErrBadFormat},
		{"1405/9-15", time.Time{}, ErrBadFormat},
		{"1405//15", time.Time{}, ErrBadFormat},
		{"14050/9/15", time.Time{}, ErrBadFormat},
		{"1405/009/15", time.Time{}, ErrBadFormat},
		{"۱۵ آذر ۰۵", time.Time{}, ErrBadFormat},
		{"۱۵ آذر ۱۴۰۵ ۱۸:۳۰", time.Time{}, ErrBadFormat},
		{"۱۵ آذر ماه ماه", time.Time{}, ErrBadFormat},
		{"فردا ۱۵ آذر", time.Time{}, ErrBadFormat},
		{"۱۵، آذر", time.Time{}, ErrBadFormat},
	}
	for _, tt := range tests {
		got, err := ParseJalaliDate(tt.in, now)
		if !got.Equal(tt.want) || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Errorf("ParseJalaliDate(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.Location() != tehran {
			t.Errorf("ParseJalaliDate(%q) location = %v; want %v", tt.in, got.Location(), tehran)
		}
	}
}

// The year, when left out, follows now: late in Esfand, a Farvardin date is next year's.
func TestParseJalaliDateYearRollover(t *testing.T) {
	tests := []struct {
		now     time.Time
		in      string
		y, m, d int
	}{
		{time.Date(2026, 3, 19, 12, 0, 0, 0, time.UTC), "۱ فروردین", 1405, 1, 1},  // ۲۸ اسفند ۱۴۰۴
		{time.Date(2026, 3, 19, 12, 0, 0, 0, time.UTC), "۲۸ اسفند", 1404, 12, 28}, // today
		{time.Date(2026, 3, 19, 12, 0, 0, 0, time.UTC), "۲۷ اسفند", 1405, 12, 27},
		{time.Date(2025, 3, 19, 12, 0, 0, 0, time.UTC), "۳۰ اسفند", 1403, 12, 30}, // 1403 is leap
		{time.Date(2025, 3, 21, 12, 0, 0, 0, time.UTC), "۳۰ اسفند", 1408, 12, 30},
		{time.Date(2026, 3, 20, 23, 0, 0, 0, time.UTC), "فردا", 1405, 1, 1}, // ۲۹ اسفند ۱۴۰۴ in UTC
	}
	for _, tt := range tests {
		got, err := ParseJalaliDate(tt.in, tt.now)
		y, m, d := ToJalali(got)
		if err != nil || y != tt.y || m != tt.m || d != tt.d {
			t.Errorf("ParseJalaliDate(%q, %v) = %d/%d/%d, %v; want %d/%d/%d", tt.in, tt.now, y, m, d, err, tt.y, tt.m, tt.d)
		}
	}
}

func FuzzParseJalaliDate(f *testing.F) {
	for _, s := range []string{
		"۱۴۰۵/۰۹/۱۵", "1405-9-15", "۱۴۰۵.۰۹.۱۵", "15/09/1405", "۱۵ آذرماه", "۱۵ آذر ماه ۱۴۰۵", "۲ ارديبهشت",
		"۳۰ اسفند", "۳۰ اسفند ۱۴۰۸", "جمعه ۶ آذر ۱۴۰۵", "سه‌شنبه ۱۰ آذر", "فردا", "پس فردا", "۱۴۰۵/۱۲/۳۰",
		"۱۶۲۹/۱۲/۲۹", "۱۲۱۰/۰۱/۰۱", "",
	} {
		f.Add(s)
	}
	tehran := mustTehran(f)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, tehran)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseJalaliDate(s, now)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrBadFormat) && !errors.Is(err, ErrNoSuchDate) {
				t.Fatalf("ParseJalaliDate(%q) error %v wraps no sentinel", s, err)
			}
			return
		}
		y, m, d := ToJalali(got)
		if back, err := FromJalali(y, m, d, tehran); !back.Equal(got) || err != nil {
			t.Fatalf("ParseJalaliDate(%q) = %v, which is %d/%d/%d, but FromJalali gives %v, %v", s, got, y, m, d, back, err)
		}
		if again, err := ParseJalaliDate(ShortDate(got), now); !again.Equal(got) || err != nil {
			t.Fatalf("ParseJalaliDate(ShortDate(%v)) = %v, %v", got, again, err)
		}
		if again, err := ParseJalaliDate(Date(got), now); !again.Equal(got) || err != nil {
			t.Fatalf("ParseJalaliDate(Date(%v)) = %v, %v", got, again, err)
		}
	})
}
