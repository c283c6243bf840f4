package dashboard

import (
	"strconv"
	"time"

	"github.com/tavan7/tavan/bot/persian"
)

// Preset ranges: the last 7, 30 or 90 days, this Jalali month so far and the two before it.

const defaultRange = "30"

// span is a range of whole days in the program's zone, first and last included.
type span struct {
	key         string
	first, last time.Time // midnights
}

func (s span) days() []time.Time {
	var out []time.Time
	for d := s.first; !d.After(s.last); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func rangeKeys(time.Time) []string { return []string{"7", "30", "90", "m0", "m1", "m2"} }

// parseRange reads the r parameter; anything else is the default range.
func parseRange(key string, now time.Time) span {
	today := midnight(now)
	switch key {
	case "7", "30", "90":
		n, _ := strconv.Atoi(key)
		return span{key, today.AddDate(0, 0, -(n - 1)), today}
	case "m0", "m1", "m2":
		back := int(key[1] - '0')
		first, last := jalaliMonth(now, back)
		if last.After(today) {
			last = today
		}
		return span{key, first, last}
	}
	return parseRange(defaultRange, now)
}

// jalaliMonth is the first and last day of the Jalali month back months before now's.
func jalaliMonth(now time.Time, back int) (time.Time, time.Time) {
	y, m, _ := persian.ToJalali(now)
	m -= back
	for m < 1 {
		m += 12
		y--
	}
	first, err := persian.FromJalali(y, m, 1, now.Location())
	if err != nil {
		return midnight(now), midnight(now)
	}
	return midnight(first), midnight(first).AddDate(0, 0, persian.DaysInJalaliMonth(y, m)-1)
}

func rangeLabel(v fmtr, key string, now time.Time) string {
	switch key {
	case "7", "30", "90":
		n, _ := strconv.Atoi(key)
		return v.T("DashRangeDays", "Days", v.Num(n))
	}
	first, _ := jalaliMonth(now, int(key[1]-'0'))
	y, m, _ := persian.ToJalali(first)
	if v.Lang == "fa" {
		return persian.MonthName(m) + " " + persian.Digits(strconv.Itoa(y))
	}
	return v.T("DashRangeMonth", "Month", v.T("DashJalaliMonth_"+strconv.Itoa(m)), "Year", strconv.Itoa(y))
}
