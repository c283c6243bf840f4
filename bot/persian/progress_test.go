package persian

import (
	"math"
	"testing"
)

func TestPercent(t *testing.T) {
	tests := []struct {
		done, total int
		want        string
	}{
		{3, 5, "۶۰٪"},
		{0, 5, "۰٪"},
		{5, 5, "۱۰۰٪"},
		{2, 3, "۶۶٪"}, // rounded down
		{1, 3, "۳۳٪"},
		{199, 200, "۹۹٪"},
		{0, 0, "۰٪"},
		{3, 0, "۰٪"},
		{3, -5, "۰٪"},
		{-1, 5, "۰٪"},                         // clamped
		{7, 5, "۱۰۰٪"},                        // clamped
		{math.MaxInt - 1, math.MaxInt, "۹۹٪"}, // no overflow
		{math.MaxInt, math.MaxInt, "۱۰۰٪"},
	}
	for _, tt := range tests {
		if got := Percent(tt.done, tt.total); got != tt.want {
			t.Errorf("Percent(%d, %d) = %q; want %q", tt.done, tt.total, got, tt.want)
		}
	}
}

func TestProgressBar(t *testing.T) {
	tests := []struct {
		done, total, width int
		want               string
	}{
		{3, 5, 5, "▰▰▰▱▱ ۶۰٪"},
		{0, 5, 5, "▱▱▱▱▱ ۰٪"},
		{5, 5, 5, "▰▰▰▰▰ ۱۰۰٪"},
		{1, 2, 5, "▰▰▰▱▱ ۵۰٪"},          // 2.5 cells round up
		{1, 3, 10, "▰▰▰▱▱▱▱▱▱▱ ۳۳٪"},    // 3.33 cells round down
		{2, 3, 10, "▰▰▰▰▰▰▰▱▱▱ ۶۶٪"},    // 6.67 cells round up
		{1, 100, 10, "▱▱▱▱▱▱▱▱▱▱ ۱٪"},   // 0.1 cell
		{99, 100, 10, "▰▰▰▰▰▰▰▰▰▰ ۹۹٪"}, // 9.9 cells
		{0, 0, 4, "▱▱▱▱ ۰٪"},
		{9, 5, 4, "▰▰▰▰ ۱۰۰٪"},
		{-2, 5, 4, "▱▱▱▱ ۰٪"},
		{3, 5, 0, "۶۰٪"},
		{3, 5, -3, "۶۰٪"},
		{math.MaxInt / 2, math.MaxInt, 10, "▰▰▰▰▰▱▱▱▱▱ ۴۹٪"},
	}
	for _, tt := range tests {
		if got := ProgressBar(tt.done, tt.total, tt.width); got != tt.want {
			t.Errorf("ProgressBar(%d, %d, %d) = %q; want %q", tt.done, tt.total, tt.width, got, tt.want)
		}
	}
}
