package persian

import (
	"fmt"
	"maps"
	"slices"
)

// Clock formats a time of day with Persian digits and two-digit minutes: "۱۸:۳۰", "۸:۰۵".
func Clock(h, m int) string {
	return Digits(fmt.Sprintf("%d:%02d", h, m))
}

// ParseClock reads a time of day as users type it, in any digit script: «۱۸:۳۰», «8.30», «۸٫۳۰»,
// «۲۰», «۰۷:۰۵», «۸ و نیم» (8:30), «۸ و ربع» (8:15), «۸ و سه ربع» (8:45), «۸ و ۲۰ دقیقه», optionally
// after «ساعت» and with a part of the day before or after it:
//
//   - a.m.: صبح, بامداد, ق.ظ, am — «۸ صبح» is 8:00, «۱۲ بامداد» and «12 am» are 0:00;
//   - ظهر: 11 to 14 stay, «۱ ظهر» and «۲ ظهر» are 13:00 and 14:00;
//   - p.m.: بعدازظهر, عصر, غروب, ب.ظ, pm — «۵ عصر» is 17:00, «12 pm» is noon;
//   - شب, نیمه‌شب: «۸ شب» is 20:00 and «۱۲ شب» 0:00, but «۲ شب» is 2:00, as it is meant in Persian.
//
// Errors wrap ErrEmpty, ErrBadFormat, or ErrOutOfRange (25:00, 8:61, «۱۵ صبح»).
func ParseClock(s string) (h, m int, err error) {
	h, m, err = parseClock(Normalize(s))
	if err != nil {
		return 0, 0, fmt.Errorf("parse clock %q: %w", s, err)
	}
	return h, m, nil
}

// period is a part of the day named after a time, which decides how its hour is read.
type period int

const (
	noPeriod period = iota
	am
	noon
	pm
	night
)

var clockPeriods = foldKeys(map[string]period{
	"صبح": am, "بامداد": am, "ق.ظ": am, "قبل از ظهر": am, "am": am,

	"ظهر": noon,

	"بعد از ظهر": pm, "عصر": pm, "غروب": pm, "ب.ظ": pm, "pm": pm,

	"شب": night, "نیمه‌شب": night,
})

var clockMinutes = foldKeys(map[string]int{"نیم": 30, "ربع": 15, "سه ربع": 45})

var clockVocab = slices.Concat(
	slices.Collect(maps.Keys(clockPeriods)),
	slices.Collect(maps.Keys(clockMinutes)),
	[]string{"ساعت", "و", "دقیقه"},
)

func parseClock(s string) (int, int, error) {
	if s == "" {
		return 0, 0, ErrEmpty
	}
	toks, ok := lex(s, ":.٫", clockVocab)
	if !ok {
		return 0, 0, ErrBadFormat
	}
	i := 0
	word := func(w string) bool {
		if i < len(toks) && toks[i].word == w {
			i++
			return true
		}
		return false
	}
	p := noPeriod
	takePeriod := func() {
		if i < len(toks) && p == noPeriod {
			if q, ok := clockPeriods[toks[i].word]; ok {
				p = q
				i++
			}
		}
	}

	takePeriod()
	word("ساعت")
	takePeriod()
	if i == len(toks) {
		return 0, 0, ErrBadFormat
	}
	h, m, hasMinutes, ok := splitClock(toks[i].num)
	if !ok {
		return 0, 0, ErrBadFormat
	}
	i++
	if !hasMinutes && word("و") { // «۸ و نیم», «۸ و ۲۰ دقیقه»
		if i == len(toks) {
			return 0, 0, ErrBadFormat
		}
		if mins, isWord := clockMinutes[toks[i].word]; isWord {
			m = mins
			i++
		} else if m, ok = atoi(toks[i].num, 1, 2); ok {
			i++
			word("دقیقه")
		} else {
			return 0, 0, ErrBadFormat
		}
	}
	takePeriod()
	if i != len(toks) {
		return 0, 0, ErrBadFormat
	}
	h, ok = p.hour(h)
	if !ok || m > 59 {
		return 0, 0, ErrOutOfRange
	}
	return h, m, nil
}

// splitClock reads "H" or "H<sep>MM" with a one- or two-digit hour and a two-digit minute.
func splitClock(num string) (h, m int, hasMinutes, ok bool) {
	parts, _ := splitNum(num)
	if h, ok = atoi(parts[0], 1, 2); !ok {
		return 0, 0, false, false
	}
	switch len(parts) {
	case 1:
		return h, 0, false, true
	case 2:
		m, ok = atoi(parts[1], 2, 2)
		return h, m, true, ok
	}
	return 0, 0, false, false
}

// hour maps h, as said with period p, to 0–23; false when the two do not go together.
func (p period) hour(h int) (int, bool) {
	switch p {
	case noPeriod:
		return h, h < 24
	case am: // 12 a.m. is midnight, as in English
		if h == 12 {
			return 0, true
		}
		return h, h < 12
	case noon:
		switch {
		case 11 <= h && h <= 14:
			return h, true
		case h == 1 || h == 2:
			return h + 12, true
		}
	case pm:
		switch {
		case 1 <= h && h <= 11:
			return h + 12, true
		case 12 <= h && h <= 23:
			return h, true
		}
	case night: // late night hours are small: «۲ شب» is 2:00, «۱۲ شب» midnight
		switch {
		case h == 0 || h == 12:
			return 0, true
		case h <= 4:
			return h, true
		case h <= 11:
			return h + 12, true
		case h <= 23:
			return h, true
		}
	}
	return 0, false
}
