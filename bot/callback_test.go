package bot

import (
	"slices"
	"strings"
	"testing"
)

func TestCallbackRoundTrip(t *testing.T) {
	tests := []struct {
		action Action
		args   []string
	}{
		{"lang", []string{"fa"}},
		{"menu", nil},
		{"lesson", []string{"home-business-01", "next"}},
	}
	for _, tt := range tests {
		data := tt.action.Data(tt.args...)
		action, args, ok := parseCallback(data)
		if !ok || action != tt.action || !slices.Equal(args, tt.args) {
			t.Errorf("parseCallback(%q.Data(%q)) = %q, %q, %v", tt.action, tt.args, action, args, ok)
		}
	}
}

func TestCallbackRejectsStale(t *testing.T) {
	for _, data := range []string{"", "lang", "0|lang|fa", "1|", "2|menu", strings.Repeat("x", 65)} {
		if _, _, ok := parseCallback(data); ok {
			t.Errorf("parseCallback(%q) accepted stale or foreign data", data)
		}
	}
}

func TestCallbackTooLongPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Action.Data accepted data over 64 bytes")
		}
	}()
	Action("x").Data(strings.Repeat("a", 70))
}

func FuzzParseCallback(f *testing.F) {
	f.Add("1|lang|fa")
	f.Add("1|lesson|a|b|c")
	f.Add("\xff|")
	f.Fuzz(func(t *testing.T, data string) {
		action, args, ok := parseCallback(data)
		if !ok {
			return
		}
		if len(data) > maxCallbackData || action == "" {
			t.Fatalf("parseCallback(%q) = %q, %q accepted invalid data", data, action, args)
		}
		if again := action.Data(args...); again != data {
			t.Fatalf("Data(parseCallback(%q)) = %q; want the input", data, again)
		}
	})
}
