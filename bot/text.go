package bot

import (
	"strconv"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/tghtml"
)

// htmlEscape escapes a value interpolated into a message (names, titles, user text).
func htmlEscape(s string) string { return tghtml.Escape(s) }

// duration formats learning minutes as hours and minutes in the user's language.
func (c *Ctx) duration(minutes int) string {
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return c.T("DurationMinutes", "Minutes", c.num(m))
	case m == 0:
		return c.T("DurationHours", "Hours", c.num(h))
	}
	return c.T("DurationHoursMinutes", "Hours", c.num(h), "Minutes", c.num(m))
}

// progressBar draws ▰▰▰▱▱ ۶۰٪ in the user's digits.
func (c *Ctx) progressBar(done, total int) string {
	bar := persian.ProgressBar(done, total, 5)
	if c.Lang == "fa" {
		return bar
	}
	pct := 0
	if total > 0 {
		pct = done * 100 / total
	}
	runes := []rune(bar)
	return string(runes[:5]) + " " + strconv.Itoa(pct) + "%"
}

// ofTotal renders "3 of 8" in the user's digits.
func (c *Ctx) ofTotal(done, total int) string {
	return c.T("OfTotal", "Done", c.num(done), "Total", c.num(total))
}
