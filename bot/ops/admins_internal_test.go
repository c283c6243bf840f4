package ops

import "testing"

func FuzzParseAdminID(f *testing.F) {
	for _, s := range []string{"123", "۱۲۳", "١٢٣", " 42 ", "-1", "0", "1٬234", "abc", "", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseAdminID(s)
		if ok && (id <= 0 || id >= maxAdminID) {
			t.Errorf("parseAdminID(%q) = %d, true; out of range", s, id)
		}
		if !ok && id != 0 {
			t.Errorf("parseAdminID(%q) = %d, false", s, id)
		}
	})
}
