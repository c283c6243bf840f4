package persian

import (
	"errors"
	"math"
	"strconv"
	"sync"
	"testing"
)

func TestInt(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "۰"},
		{7, "۷"},
		{999, "۹۹۹"},
		{1000, "۱٬۰۰۰"},
		{1234567, "۱٬۲۳۴٬۵۶۷"},
		{-1234567, "\u200e−۱٬۲۳۴٬۵۶۷"},
		{-5, "\u200e−۵"},
		{math.MaxInt64, "۹٬۲۲۳٬۳۷۲٬۰۳۶٬۸۵۴٬۷۷۵٬۸۰۷"},
		{math.MinInt64, "\u200e−۹٬۲۲۳٬۳۷۲٬۰۳۶٬۸۵۴٬۷۷۵٬۸۰۸"},
	}
	for _, tt := range tests {
		if got := Int(tt.in); got != tt.want {
			t.Errorf("Int(%d) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestFloat(t *testing.T) {
	tests := []struct {
		f    float64
		prec int
		want string
	}{
		{12.5, 1, "۱۲٫۵"},
		{12.5, 0, "۱۲"}, // round half to even, like strconv
		{13.5, 0, "۱۴"},
		{12.5, 2, "۱۲٫۵۰"},
		{12.5, -1, "۱۲٫۵"},
		{0.1, -1, "۰٫۱"},
		{12, -1, "۱۲"},
		{1234.5678, 2, "۱٬۲۳۴٫۵۷"},
		{2.675, 2, "۲٫۶۷"}, // 2.675 is 2.67499999… in binary
		{-12.5, 1, "\u200e−۱۲٫۵"},
		{-0.4, 0, "۰"},    // no minus on a zero
		{-0.04, 1, "۰٫۰"}, // nor on a zero with decimals
		{math.Copysign(0, -1), 1, "۰٫۰"},
		{0, 0, "۰"},
		{math.NaN(), 1, "ناعدد"},
		{math.Inf(1), 1, "∞"},
		{math.Inf(-1), 1, "\u200e−∞"},
	}
	for _, tt := range tests {
		if got := Float(tt.f, tt.prec); got != tt.want {
			t.Errorf("Float(%v, %d) = %q; want %q", tt.f, tt.prec, got, tt.want)
		}
	}
}

// The printer is shared by all goroutines; run with -race.
func TestNumbersConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for n := range int64(200) {
				if got, want := Int(n), Digits(strconv.FormatInt(n, 10)); got != want {
					t.Errorf("Int(%d) = %q; want %q", n, got, want)
				}
				if got, want := Float(float64(n)+0.25, 2), Digits(strconv.FormatInt(n, 10))+"٫۲۵"; got != want {
					t.Errorf("Float(%v, 2) = %q; want %q", float64(n)+0.25, got, want)
				}
			}
		})
	}
	wg.Wait()
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr error
	}{
		{"0", 0, nil},
		{"42", 42, nil},
		{"۴۲", 42, nil},
		{"٤٢", 42, nil},
		{"۴2٢", 422, nil}, // scripts mixed
		{"  ۱۲  ", 12, nil},
		{"\u00a0۱۲\u200f", 12, nil}, // NBSP and RLM around
		{"+7", 7, nil},
		{"-7", -7, nil},
		{"−۷", -7, nil}, // U+2212
		{"\u200e−۱٬۲۳۴٬۵۶۷", -1234567, nil}, // what Int writes
		{"1,234,567", 1234567, nil},
		{"۱٬۲۳۴", 1234, nil},
		{"1,234٬567", 1234567, nil},
		{"007", 7, nil},
		{"9223372036854775807", math.MaxInt64, nil},
		{"-9223372036854775808", math.MinInt64, nil},
		{"9223372036854775808", 0, ErrOutOfRange},
		{"-9,223,372,036,854,775,809", 0, ErrOutOfRange},
		{"", 0, ErrNotNumber},
		{"   ", 0, ErrNotNumber},
		{"-", 0, ErrNotNumber},
		{"- 5", 0, ErrNotNumber},
		{"--5", 0, ErrNotNumber},
		{"5-", 0, ErrNotNumber},
		{"1 000", 0, ErrNotNumber},
		{"1,5", 0, ErrNotNumber}, // a decimal comma, not grouping
		{"1,0000", 0, ErrNotNumber},
		{"1234,567", 0, ErrNotNumber},
		{",123", 0, ErrNotNumber},
		{"123,", 0, ErrNotNumber},
		{"1,,234", 0, ErrNotNumber},
		{"12.5", 0, ErrNotNumber},
		{"۱۲٫۵", 0, ErrNotNumber},
		{"0x1f", 0, ErrNotNumber},
		{"1_000", 0, ErrNotNumber},
		{"دوازده", 0, ErrNotNumber},
	}
	for _, tt := range tests {
		got, err := ParseInt(tt.in)
		if got != tt.want || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Errorf("ParseInt(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"42", "۱٬۲۳۴", "-٤٢", "1,234,567", "−۷", "", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseInt(s)
		if err != nil {
			if !errors.Is(err, ErrNotNumber) && !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("ParseInt(%q) error %v is neither ErrNotNumber nor ErrOutOfRange", s, err)
			}
			return
		}
		if back, err := ParseInt(Int(int64(n))); back != n || err != nil {
			t.Fatalf("ParseInt(Int(%d)) = %v, %v; want %d, nil", n, back, err, n)
		}
	})
}
