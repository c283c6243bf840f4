package persian

import "testing"

func TestDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"0123456789", "۰۱۲۳۴۵۶۷۸۹"},
		{"ساعت 18:30", "ساعت ۱۸:۳۰"},
		{"۱۲ and 34", "۱۲ and ۳۴"}, // Persian digits stay
		{"٣ و 4", "٣ و ۴"},         // Arabic-Indic digits are not touched either
		{"v1.2-rc", "v۱.۲-rc"},     // only digits change
		{"a\xffb9", "a\xffb۹"},     // invalid UTF-8 passes through
		{"می‌روم 2", "می‌روم ۲"},   // ZWNJ kept
	}
	for _, tt := range tests {
		if got := Digits(tt.in); got != tt.want {
			t.Errorf("Digits(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
