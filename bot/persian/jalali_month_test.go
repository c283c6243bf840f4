package persian

import (
	"errors"
	"testing"
	"time"
)

func TestParseJalaliDateMonthOutOfRange(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"1405/13/01", "۱۴۰۵/۰/۱۰"} {
		if _, err := ParseJalaliDate(s, now); !errors.Is(err, ErrNoSuchMonth) || !errors.Is(err, ErrNoSuchDate) {
			t.Errorf("ParseJalaliDate(%q) = %v; want ErrNoSuchMonth (an ErrNoSuchDate)", s, err)
		}
	}
	if _, err := ParseJalaliDate("1405/12/31", now); errors.Is(err, ErrNoSuchMonth) || !errors.Is(err, ErrNoSuchDate) {
		t.Errorf("ParseJalaliDate(1405/12/31) = %v; want ErrNoSuchDate, not a month error", err)
	}
}
