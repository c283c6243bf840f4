package persian

import "time"

// weekdays is indexed by time.Weekday (Sunday first). سه‌شنبه needs a ZWNJ (ه would otherwise
// join the ش), and the glossary writes پنج‌شنبه with one too; یکشنبه is written joined.
var weekdays = [...]string{"یکشنبه", "دوشنبه", "سه\u200cشنبه", "چهارشنبه", "پنج\u200cشنبه", "جمعه", "شنبه"}

var months = [...]string{
	"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
	"مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
}

// WeekdayName returns the Persian name of d (time.Saturday is شنبه), or "" if d is not a weekday.
func WeekdayName(d time.Weekday) string {
	if d < time.Sunday || d > time.Saturday {
		return ""
	}
	return weekdays[d]
}

// MonthName returns the name of Jalali month m (1 فروردین … 12 اسفند), or "" if m is not in 1..12.
func MonthName(m int) string {
	if m < 1 || m > 12 {
		return ""
	}
	return months[m-1]
}
