package ask

import "testing"

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"شماره‌ام ۰۹۱۲۳۴۵۶۷۸۹ است", "شماره‌ام [📞] است"},
		{"call 0912 345 6789 please", "call [📞] please"},
		{"کد ۱۲۳۴ کافی است", "کد ۱۲۳۴ کافی است"}, // four digits are no phone number
		{"سال ۱۴۰۵ شروع کردم", "سال ۱۴۰۵ شروع کردم"},
		{"به @maryam_shop پیام بدید", "به [@] پیام بدید"},
		{"ایمیلم maryam.k@example.com هست", "ایمیلم [✉️] هست"},
		{"صفحه‌ام https://instagram.com/x?y=1 را ببینید", "صفحه‌ام [🔗] را ببینید"},
		{"کانالم t.me/mychannel", "کانالم [🔗]"},
		{"سایتم shop.ir", "سایتم [🔗]"},
		{"٠٩١٢٣٤٥٦٧٨٩", "[📞]"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
