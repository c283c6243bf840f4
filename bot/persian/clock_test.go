package persian

import (
	"errors"
	"testing"
)

func TestClock(t *testing.T) {
	tests := []struct {
		h, m int
		want string
	}{
		{18, 30, "۱۸:۳۰"},
		{8, 5, "۸:۰۵"},
		{0, 0, "۰:۰۰"},
		{23, 59, "۲۳:۵۹"},
	}
	for _, tt := range tests {
		if got := Clock(tt.h, tt.m); got != tt.want {
			t.Errorf("Clock(%d, %d) = %q; want %q", tt.h, tt.m, got, tt.want)
		}
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in      string
		h, m    int
		wantErr error
	}{
		// Digits and separators.
		{"۸:۳۰", 8, 30, nil},
		{"8:30", 8, 30, nil},
		{"8.30", 8, 30, nil},
		{"۸٫۳۰", 8, 30, nil},
		{"٨:٣٠", 8, 30, nil},
		{"۸:3٠", 8, 30, nil}, // mixed scripts
		{"۲۰", 20, 0, nil},
		{"20", 20, 0, nil},
		{"۰۷:۰۵", 7, 5, nil},
		{"0", 0, 0, nil},
		{"23:59", 23, 59, nil},
		{"  ۱۸:۳۰\u200f ", 18, 30, nil},
		{"ساعت ۱۸:۳۰", 18, 30, nil},
		// Half and quarter hours.
		{"۸ و نیم", 8, 30, nil},
		{"۸ونیم", 8, 30, nil},
		{"۸ و ربع", 8, 15, nil},
		{"۸ و سه ربع", 8, 45, nil},
		{"۸ و ۲۰ دقیقه", 8, 20, nil},
		{"۸ و ۲۰", 8, 20, nil},
		// Parts of the day.
		{"۸ صبح", 8, 0, nil},
		{"ساعت ۸ صبح", 8, 0, nil},
		{"صبح ساعت ۸", 8, 0, nil},
		{"۸:۳۰ صبح", 8, 30, nil},
		{"۸صبح", 8, 0, nil},
		{"۱۲ صبح", 0, 0, nil},
		{"۲ بامداد", 2, 0, nil},
		{"۸:۳۰ ق.ظ", 8, 30, nil},
		{"۱۲ ظهر", 12, 0, nil},
		{"۱۳ ظهر", 13, 0, nil},
		{"۱ ظهر", 13, 0, nil},
		{"۲ ظهر", 14, 0, nil},
		{"۱۲ و نیم ظهر", 12, 30, nil},
		{"۵ بعدازظهر", 17, 0, nil},
		{"۵ بعد از ظهر", 17, 0, nil},
		{"۵ بعد‌از‌ظهر", 17, 0, nil},
		{"۴:۱۵ ب.ظ", 16, 15, nil},
		{"۶ عصر", 18, 0, nil},
		{"۸ شب", 20, 0, nil},
		{"۸ و نیم شب", 20, 30, nil},
		{"۱۱ شب", 23, 0, nil},
		{"۱۲ شب", 0, 0, nil},
		{"۱۲ نیمه‌شب", 0, 0, nil},
		{"۲ شب", 2, 0, nil},
		{"۲۰ شب", 20, 0, nil},
		{"8 pm", 20, 0, nil},
		{"8pm", 20, 0, nil},
		{"8:30 PM", 20, 30, nil},
		{"8:30 p.m.", 20, 30, nil},
		{"12 pm", 12, 0, nil},
		{"12 am", 0, 0, nil},
		{"12:15 AM", 0, 15, nil},
		{"۷ am", 7, 0, nil},
		// Arabic-keyboard letters.
		{"٨ صبح", 8, 0, nil},
		// Errors.
		{"", 0, 0, ErrEmpty},
		{"  \u200c ", 0, 0, ErrEmpty},
		{"25:00", 0, 0, ErrOutOfRange},
		{"24:00", 0, 0, ErrOutOfRange},
		{"8:61", 0, 0, ErrOutOfRange},
		{"۸ و ۶۰ دقیقه", 0, 0, ErrOutOfRange},
		{"۱۵ صبح", 0, 0, ErrOutOfRange},
		{"13 pm", 13, 0, nil}, // redundant but clear
		{"0 pm", 0, 0, ErrOutOfRange},
		{"۵ ظهر", 0, 0, ErrOutOfRange},
		{"۲۵ شب", 0, 0, ErrOutOfRange},
		{"123", 0, 0, ErrBadFormat},
		{"8:5", 0, 0, ErrBadFormat},
		{"8:300", 0, 0, ErrBadFormat},
		{"8:30:00", 0, 0, ErrBadFormat},
		{"8::30", 0, 0, ErrBadFormat},
		{":30", 0, 0, ErrBadFormat},
		{"8:", 0, 0, ErrBadFormat},
		{"8 30", 0, 0, ErrBadFormat},
		{"ساعت", 0, 0, ErrBadFormat},
		{"صبح", 0, 0, ErrBadFormat},
		{"۸ و", 0, 0, ErrBadFormat},
		{"۸:۳۰ و نیم", 0, 0, ErrBadFormat},
		{"۸ صبح شب", 0, 0, ErrBadFormat},
		{"هشت", 0, 0, ErrBadFormat},
		{"8/30", 0, 0, ErrBadFormat},
		{"-8", 0, 0, ErrBadFormat},
		{"۸ ساعت", 0, 0, ErrBadFormat},
	}
	for _, tt := range tests {
		h, m, err := ParseClock(tt.in)
		if h != tt.h || m != tt.m || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Errorf("ParseClock(%q) = %d, %d, %v; want %d, %d, %v", tt.in, h, m, err, tt.h, tt.m, tt.wantErr)
		}
	}
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{
		"۸:۳۰", "8.30", "٨٫٣٠", "۸ و نیم", "۸ و سه ربع", "۸ و ۲۰ دقیقه", "۱۲ شب", "۱۲ نیمه‌شب", "۲ بامداد",
		"8:30 p.m.", "8pm", "ساعت ۵ بعد از ظهر", "صبح ساعت ۸", "۴:۱۵ ب.ظ", "۱ ظهر", "25:00", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, m, err := ParseClock(s)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrBadFormat) && !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("ParseClock(%q) error %v wraps no sentinel", s, err)
			}
			return
		}
		if h < 0 || h > 23 || m < 0 || m > 59 {
			t.Fatalf("ParseClock(%q) = %d, %d; want 0≤h<24, 0≤m<60", s, h, m)
		}
		if h2, m2, err := ParseClock(Clock(h, m)); h2 != h || m2 != m || err != nil {
			t.Fatalf("ParseClock(Clock(%d, %d)) = %d, %d, %v", h, m, h2, m2, err)
		}
	})
}
