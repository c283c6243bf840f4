package persian

import (
	"testing"
	"time"
)

func TestWeekdayName(t *testing.T) {
	tests := []struct {
		in   time.Weekday
		want string
	}{
		{time.Saturday, "شنبه"},
		{time.Sunday, "یکشنبه"},
		{time.Monday, "دوشنبه"},
		{time.Tuesday, "سه\u200cشنبه"},
		{time.Wednesday, "چهارشنبه"},
		{time.Thursday, "پنج\u200cشنبه"},
		{time.Friday, "جمعه"},
		{-1, ""},
		{7, ""},
	}
	for _, tt := range tests {
		if got := WeekdayName(tt.in); got != tt.want {
			t.Errorf("WeekdayName(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestMonthName(t *testing.T) {
	want := []string{"", "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
		"مهر", "آبان", "آذر", "دی", "بهمن", "اسفند", ""}
	for m := range 14 {
		if got := MonthName(m); got != want[m] {
			t.Errorf("MonthName(%d) = %q; want %q", m, got, want[m])
		}
	}
	if got := MonthName(-1); got != "" {
		t.Errorf("MonthName(-1) = %q; want %q", got, "")
	}
}
