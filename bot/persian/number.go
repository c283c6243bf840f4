package persian

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// printer formats numbers by CLDR's Persian rules: ۰–۹ digits, ٬ (U+066C) between thousands,
// ٫ (U+066B) before the fraction, and LRM + U+2212 as the minus so the sign stays on the left of the
// number inside right-to-left text. It is never modified, and Sprint copies it, so it is safe to share.
var printer = message.NewPrinter(language.Persian)

// minus is the negative prefix printer writes.
const minus = "\u200e−"

// Int formats n with Persian digits and thousands separators: ۱٬۲۳۴٬۵۶۷, ‎−۴۲.
func Int(n int64) string {
	return printer.Sprint(number.Decimal(n))
}

// Float formats f with prec digits after the Persian decimal separator (۱۲٫۵), rounding to nearest
// (ties to even, like strconv); a negative prec gives as many digits as needed to tell f from its
// neighbours, like strconv's -1. The integer part is grouped as in Int.
func Float(f float64, prec int) string {
	opt := number.Scale(prec)
	if prec < 0 {
		opt = number.MaxFractionDigits(-1)
	}
	s := printer.Sprint(number.Decimal(f, opt))
	// printer keeps the sign of a value that rounds to zero (‎−۰٫۰); a plain zero reads better.
	if rest, ok := strings.CutPrefix(s, minus); ok && strings.Trim(rest, "۰٫") == "" {
		return rest
	}
	return s
}

// ParseInt reads an integer written in any digit script (ASCII, Persian, Arabic-Indic), after
// Normalize, with an optional sign (+, -, −) and optional thousands separators (٬ or ,) that must
// split the digits into groups of three. Errors wrap ErrNotNumber or ErrOutOfRange.
func ParseInt(s string) (int, error) {
	t := Normalize(s)
	sign := ""
	if rest, ok := strings.CutPrefix(t, "+"); ok {
		t = rest
	} else if rest, ok := strings.CutPrefix(t, "-"); ok {
		t, sign = rest, "-"
	} else if rest, ok := strings.CutPrefix(t, "−"); ok {
		t, sign = rest, "-"
	}
	digits, ok := ungroup(t)
	if !ok {
		return 0, fmt.Errorf("parse int %q: %w", s, ErrNotNumber)
	}
	n, err := strconv.ParseInt(sign+digits, 10, strconv.IntSize)
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("parse int %q: %w", s, ErrOutOfRange)
	}
	if err != nil {
		return 0, fmt.Errorf("parse int %q: %w", s, ErrNotNumber)
	}
	return int(n), nil
}

// ungroup returns the ASCII digits of s with thousands separators removed. It reports false unless s
// is one or more digits, or groups split by ٬ or , where the first has 1–3 digits and the others 3
// (so "1,5" is refused rather than read as 15).
func ungroup(s string) (string, bool) {
	groups := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '٬' })
	if len(groups) == 0 || strings.Count(s, ",")+strings.Count(s, "٬") != len(groups)-1 {
		return "", false // empty, or a separator at an end or doubled
	}
	for i, g := range groups {
		if strings.Trim(g, "0123456789") != "" {
			return "", false
		}
		if len(groups) > 1 && (i == 0 && len(g) > 3 || i > 0 && len(g) != 3) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}
