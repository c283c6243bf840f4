package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tghtml"
	"github.com/tavan7/tavan/locales"
)

// Voice renders texts, numbers, dates and durations in one language: a reply speaks its sender's
// (Ctx embeds one), a notice its recipient's (VoiceOf). It is the only way text is put into words.
type Voice struct {
	Lang string
	b    *Bot
}

// Voice speaks lang ("" is Persian).
func (b *Bot) Voice(lang string) Voice {
	if lang == "" {
		lang = "fa"
	}
	return Voice{Lang: lang, b: b}
}

// VoiceOf speaks the language u reads.
func (b *Bot) VoiceOf(u *store.User) Voice { return b.Voice(UserLang(u)) }

// UserLang is the language to speak to u in.
func UserLang(u *store.User) string { return locales.Lang(u.Lang, u.LanguageCode) }

// T renders a message.
func (v Voice) T(id string, kv ...any) string { return v.b.Texts.T(v.Lang, id, kv...) }

// N renders a plural message for n.
func (v Voice) N(id string, n int, kv ...any) string { return v.b.Texts.N(v.Lang, id, n, kv...) }

// Num is n in the reader's digits.
func (v Voice) Num(n int) string {
	if v.Lang == "fa" {
		return persian.Int(int64(n))
	}
	return strconv.Itoa(n)
}

// Num64 is n in the reader's digits.
func (v Voice) Num64(n int64) string {
	if v.Lang == "fa" {
		return persian.Int(n)
	}
	return strconv.FormatInt(n, 10)
}

// Clock is a minute of the day: «۱۸:۳۰» in Persian, 18:30 in English.
func (v Voice) Clock(minute int) string {
	if v.Lang == "fa" {
		return persian.Clock(minute/60, minute%60)
	}
	return fmt.Sprintf("%02d:%02d", minute/60, minute%60)
}

// Time is the clock time of t in the program's zone.
func (v Voice) Time(t time.Time) string {
	t = t.In(v.b.Location)
	return v.Clock(t.Hour()*60 + t.Minute())
}

// Date is a day: Jalali in words in Persian, Gregorian in English, in the program's zone.
func (v Voice) Date(t time.Time) string {
	t = t.In(v.b.Location)
	if v.Lang == "fa" {
		return persian.Date(t)
	}
	return t.Format("Monday 2 January 2006")
}

// Duration is learning minutes as hours and minutes.
func (v Voice) Duration(minutes int) string {
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return v.T("DurationMinutes", "Minutes", v.Count(m))
	case m == 0:
		return v.T("DurationHours", "Hours", v.Count(h))
	}
	return v.T("DurationHoursMinutes", "Hours", v.Count(h), "Minutes", v.Count(m))
}

// ProgressBar draws ▰▰▰▱▱ ۶۰٪ in the reader's digits.
func (v Voice) ProgressBar(done, total int) string {
	bar := persian.ProgressBar(done, total, 5)
	if v.Lang == "fa" {
		return bar
	}
	pct := 0
	if total > 0 {
		pct = done * 100 / total
	}
	runes := []rune(bar)
	return string(runes[:5]) + " " + strconv.Itoa(pct) + "%"
}

// OfTotal is "3 of 8" in the reader's digits.
func (v Voice) OfTotal(done, total int) string {
	return v.T("OfTotal", "Done", v.Num(done), "Total", v.Num(total))
}

// Escape escapes a value interpolated into a message (names, titles, user text).
func Escape(s string) string { return tghtml.Escape(s) }

// Exports (CSV) share these cell formats.

// CSVHeader is an export's header row: the locale message id holds the column names separated by "|".
func (v Voice) CSVHeader(id string) []string { return strings.Split(v.T(id), "|") }

// CSVTime is a time as spreadsheets read it, in the program's zone; "" for none.
func (v Voice) CSVTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.b.Location).Format("2006-01-02 15:04")
}

// CSVJalali is a Jalali date: Persian digits in a Persian export, ASCII digits in an English one.
func (v Voice) CSVJalali(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(v.b.Location)
	if v.Lang == "fa" {
		return persian.ShortDate(t)
	}
	y, m, d := persian.ToJalali(t)
	return fmt.Sprintf("%04d/%02d/%02d", y, m, d)
}
