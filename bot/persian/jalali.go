package persian

import (
	"fmt"
	"time"

	jalaali "github.com/jalaali/go-jalaali"
)

// The supported Jalali years: 1 Farvardin 1210 is 1831-03-21, 29 Esfand 1629 is 2251-03-20.
// go-jalaali v0.1.0 ports jalCal with a sign error (`n -= jump + …` where jalaali-js has
// `n = n - jump + …`), which corrupts leap years and conversions in the five years before each
// break of its table (…, 1210, 1635, …); between 1210 and 1635 it agrees with jalaali-js, and the
// tests walk every day of this range.
const (
	minYear = 1210
	maxYear = 1629
)

// ToJalali returns the Jalali calendar date of t in t's own location, or 0, 0, 0 when it falls
// outside the supported years 1210–1629 (Gregorian 1831–2251).
func ToJalali(t time.Time) (y, m, d int) {
	jy, jm, jd, err := jalaali.ToJalaali(t.Date())
	if err != nil || jy < minYear || jy > maxYear {
		return 0, 0, 0
	}
	return jy, int(jm), jd
}

// FromJalali returns the start of Jalali date y/m/d in loc: midnight, or the first instant after a
// DST gap at midnight (Iran's clocks used to jump at 00:00). Like time.Date it panics if loc is nil.
// The error wraps ErrNoSuchDate when the date does not exist or its year is outside 1210–1629.
func FromJalali(y, m, d int, loc *time.Location) (time.Time, error) {
	if m < 1 || m > 12 {
		return time.Time{}, fmt.Errorf("jalali date %d/%02d/%02d: %w", y, m, d, ErrNoSuchMonth)
	}
	if d < 1 || d > DaysInJalaliMonth(y, m) {
		return time.Time{}, fmt.Errorf("jalali date %d/%02d/%02d: %w", y, m, d, ErrNoSuchDate)
	}
	gy, gm, gd, err := jalaali.ToGregorian(y, jalaali.Month(m), d)
	if err != nil { // unreachable for the supported years; kept so a library change cannot go unnoticed
		return time.Time{}, fmt.Errorf("jalali date %d/%02d/%02d: %w: %v", y, m, d, ErrNoSuchDate, err)
	}
	return time.Date(gy, gm, gd, 0, 0, 0, 0, loc), nil
}

// IsLeapJalali reports whether Esfand of year y has 30 days; false outside the supported years.
func IsLeapJalali(y int) bool {
	if y < minYear || y > maxYear {
		return false
	}
	leap, err := jalaali.IsLeapYear(y)
	return err == nil && leap
}

// DaysInJalaliMonth returns the length of month m of year y: 31 for the first six months, 30 for the
// next five, 29 or 30 for Esfand; 0 when m is not in 1..12 or y is outside the supported years.
func DaysInJalaliMonth(y, m int) int {
	switch {
	case y < minYear || y > maxYear || m < 1 || m > 12:
		return 0
	case m <= 6:
		return 31
	case m <= 11:
		return 30
	case IsLeapJalali(y):
		return 30
	default:
		return 29
	}
}
