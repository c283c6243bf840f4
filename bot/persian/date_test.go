package persian

import (
	"testing"
	"time"
)

func TestDateFormats(t *testing.T) {
	tehran := mustTehran(t)
	tests := []struct {
		in                    time.Time
		date, dateTime, short string
	}{
		{
			time.Date(2026, 11, 27, 18, 30, 0, 0, tehran),
			"جمعه ۶ آذر ۱۴۰۵", "جمعه ۶ آذر ۱۴۰۵، ساعت ۱۸:۳۰", "۱۴۰۵/۰۹/۰۶",
		},
		{
			time.Date(2026, 11, 26, 8, 5, 0, 0, tehran),
			"پنج‌شنبه ۵ آذر ۱۴۰۵", "پنج‌شنبه ۵ آذر ۱۴۰۵، ساعت ۸:۰۵", "۱۴۰۵/۰۹/۰۵",
		},
		{
			time.Date(2026, 3, 21, 0, 0, 0, 0, tehran),
			"شنبه ۱ فروردین ۱۴۰۵", "شنبه ۱ فروردین ۱۴۰۵، ساعت ۰:۰۰", "۱۴۰۵/۰۱/۰۱",
		},
		{
			time.Date(2025, 3, 18, 23, 59, 0, 0, tehran),
			"سه\u200cشنبه ۲۸ اسفند ۱۴۰۳", "سه\u200cشنبه ۲۸ اسفند ۱۴۰۳، ساعت ۲۳:۵۹", "۱۴۰۳/۱۲/۲۸",
		},
		{ // the date and time are those of t's location: 20:45 UTC is 00:15 the next day in Tehran
			time.Date(2026, 11, 26, 20, 45, 0, 0, time.UTC).In(tehran),
			"جمعه ۶ آذر ۱۴۰۵", "جمعه ۶ آذر ۱۴۰۵، ساعت ۰:۱۵", "۱۴۰۵/۰۹/۰۶",
		},
		{time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC), "", "", ""}, // outside the supported years
	}
	for _, tt := range tests {
		if got := Date(tt.in); got != tt.date {
			t.Errorf("Date(%v) = %q; want %q", tt.in, got, tt.date)
		}
		if got := DateTime(tt.in); got != tt.dateTime {
			t.Errorf("DateTime(%v) = %q; want %q", tt.in, got, tt.dateTime)
		}
		if got := ShortDate(tt.in); got != tt.short {
			t.Errorf("ShortDate(%v) = %q; want %q", tt.in, got, tt.short)
		}
	}
}
