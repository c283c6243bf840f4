package persian

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// ParseJalaliDate reads a Jalali date in any digit script and returns its start in now.Location()
// (see FromJalali). It accepts «۱۴۰۵/۰۹/۱۵», «1405-9-15», «۱۴۰۵.۰۹.۱۵», day first «۱۵/۰۹/۱۴۰۵»,
// «۱۵ آذر», «۱۵ آذر ۱۴۰۵», «۱۵ آذرماه», month names in any spelling Normalize and SearchKey fold
// («اذر», «ارديبهشت»), «امروز», «فردا» and «پس‌فردا», each optionally after a weekday that must match
// («جمعه ۶ آذر ۱۴۰۵», as Date writes it). Without a year it is the next such date on or after
// now's Jalali date: this year if not yet passed, else next year (for ۳۰ اسفند, the next leap year).
// Errors wrap ErrEmpty, ErrBadFormat, or ErrNoSuchDate (no such day, or a year outside 1210–1629).
func ParseJalaliDate(s string, now time.Time) (time.Time, error) {
	t, err := parseJalaliDate(Normalize(s), now)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse jalali date %q: %w", s, err)
	}
	return t, nil
}

var dateMonths = func() map[string]int {
	names := map[string]int{"امرداد": 5} // the official variant of مرداد
	for i, name := range months {
		names[name] = i + 1
	}
	return foldKeys(names)
}()

var dateWeekdays = func() map[string]time.Weekday {
	names := make(map[string]time.Weekday, len(weekdays))
	for d, name := range weekdays {
		names[name] = time.Weekday(d)
	}
	return foldKeys(names)
}()

var dateRelative = foldKeys(map[string]int{"امروز": 0, "فردا": 1, "پس‌فردا": 2})

var dateVocab = slices.Concat(
	slices.Collect(maps.Keys(dateMonths)),
	slices.Collect(maps.Keys(dateWeekdays)),
	slices.Collect(maps.Keys(dateRelative)),
	[]string{"ماه"},
)

func parseJalaliDate(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, ErrEmpty
	}
	toks, ok := lex(s, "/-.", dateVocab)
	if !ok {
		return time.Time{}, ErrBadFormat
	}
	weekday, hasWeekday := dateWeekdays[tokenWord(toks, 0)]
	if hasWeekday {
		toks = toks[1:]
	}
	var t time.Time
	var err error
	if days, isRelative := dateRelative[tokenWord(toks, 0)]; isRelative && len(toks) == 1 {
		t, err = relativeDate(now, days)
	} else {
		var y, m, d int // y stays 0 when no year is given
		if y, m, d, ok = splitDate(toks); !ok {
			return time.Time{}, ErrBadFormat
		}
		if y == 0 {
			y = nextYear(now, m, d)
		}
		t, err = FromJalali(y, m, d, now.Location())
	}
	if err != nil {
		return time.Time{}, err
	}
	if hasWeekday && t.Weekday() != weekday {
		return time.Time{}, fmt.Errorf("%s is not a %s: %w", ShortDate(t), WeekdayName(weekday), ErrNoSuchDate)
	}
	return t, nil
}

// tokenWord returns the word of toks[i], or "" when there is none.
func tokenWord(toks []token, i int) string {
	if i < len(toks) {
		return toks[i].word
	}
	return ""
}

// splitDate reads Y/M/D, D/M/Y (one separator, used twice) or «D month [ماه] [Y]». Years have four
// digits, months and days one or two.
func splitDate(toks []token) (y, m, d int, ok bool) {
	switch {
	case len(toks) == 1 && toks[0].num != "":
		parts, seps := splitNum(toks[0].num)
		if len(parts) != 3 || seps[0] != seps[1] {
			return 0, 0, 0, false
		}
		if len(parts[2]) == 4 { // day first
			parts[0], parts[2] = parts[2], parts[0]
		}
		y, okY := atoi(parts[0], 4, 4)
		m, okM := atoi(parts[1], 1, 2)
		d, okD := atoi(parts[2], 1, 2)
		return y, m, d, okY && okM && okD
	case len(toks) >= 2:
		d, okD := atoi(toks[0].num, 1, 2)
		m, okM := dateMonths[toks[1].word]
		rest := toks[2:]
		if tokenWord(rest, 0) == "ماه" {
			rest = rest[1:]
		}
		switch len(rest) {
		case 0:
			return 0, m, d, okD && okM
		case 1:
			y, okY := atoi(rest[0].num, 4, 4)
			return y, m, d, okD && okM && okY
		}
	}
	return 0, 0, 0, false
}

// nextYear picks the year of the next m/d on or after now's Jalali date; 0 if now is outside the
// supported years. 30 Esfand moves on to the next leap year.
func nextYear(now time.Time, m, d int) int {
	ny, nm, nd := ToJalali(now)
	if ny == 0 {
		return 0
	}
	y := ny
	if m < nm || m == nm && d < nd {
		y++
	}
	for m == 12 && d == 30 && !IsLeapJalali(y) && y <= maxYear {
		y++
	}
	return y
}

// relativeDate returns the start of the day that comes days after now's, in now's location.
func relativeDate(now time.Time, days int) (time.Time, error) {
	y, m, d := now.Date()
	t := time.Date(y, m, d+days, 0, 0, 0, 0, now.Location())
	if jy, _, _ := ToJalali(t); jy == 0 {
		return time.Time{}, fmt.Errorf("%s: %w", t.Format(time.DateOnly), ErrNoSuchDate)
	}
	return t, nil
}
