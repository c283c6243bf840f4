package persian

import (
	"fmt"
	"strconv"
	"time"
)

// Date formats the Jalali date of t in t's location: "جمعه ۶ آذر ۱۴۰۵". It returns "" outside the
// years ToJalali supports.
func Date(t time.Time) string {
	y, m, d := ToJalali(t)
	if y == 0 {
		return ""
	}
	return WeekdayName(t.Weekday()) + " " + Digits(strconv.Itoa(d)) + " " + MonthName(m) + " " + Digits(strconv.Itoa(y))
}

// DateTime formats t as Date followed by the clock time: "جمعه ۶ آذر ۱۴۰۵، ساعت ۱۸:۳۰".
func DateTime(t time.Time) string {
	date := Date(t)
	if date == "" {
		return ""
	}
	return date + "، ساعت " + Clock(t.Hour(), t.Minute())
}

// ShortDate formats the Jalali date of t as year/month/day with two-digit month and day:
// "۱۴۰۵/۰۹/۰۶". It returns "" outside the years ToJalali supports.
func ShortDate(t time.Time) string {
	y, m, d := ToJalali(t)
	if y == 0 {
		return ""
	}
	return Digits(fmt.Sprintf("%04d/%02d/%02d", y, m, d))
}
