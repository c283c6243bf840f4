package consult

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tavan7/tavan/bot"
)

func FuzzParseTranscriptDays(f *testing.F) {
	for _, s := range []string{"off", "OFF", "خاموش", "0", "30", "۳۰", "٣٠", "365", "366", "-1", "", " 7 ", "1e3", "۱٬۰۰۰"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		days, ok := parseTranscriptDays(s)
		if ok && (days < 0 || days > 365) {
			t.Errorf("parseTranscriptDays(%q) = %d, true; want 0..365", s, days)
		}
		if !ok && days != 0 {
			t.Errorf("parseTranscriptDays(%q) = %d, false; want 0", s, days)
		}
	})
}

func FuzzParseUserID(f *testing.F) {
	for _, s := range []string{"101", "۱۰۱", " 42 ", "-5", "0", "abc", "", "99999999999999999999", "1٬000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseUserID(s)
		if ok && id <= 0 {
			t.Errorf("parseUserID(%q) = %d, true; want a positive id", s, id)
		}
	})
}

// FuzzConsultCallbackArgs feeds arbitrary callback data through the decoder and the club's id parsing:
// nothing panics, and an accepted id is a positive decimal number.
func FuzzConsultCallbackArgs(f *testing.F) {
	for _, s := range []string{"1|cstake|12", "1|csrate|3|5", "1|cssel|7|p", "1|csx|0", "1|csadm|bar|101", "1|cstake|-1", "1|cstake|18446744073709551616", "1|csrate|1|٥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		// Decoded as the core's router does ("<version>|<action>|<arg>…", at most 64 bytes).
		parts := strings.Split(data, "|")
		if len(data) > 64 || len(parts) < 2 || parts[0] != "1" || parts[1] == "" {
			return
		}
		for _, a := range parts[2:] {
			id, ok := parseID(a)
			if !ok {
				continue
			}
			if n, err := strconv.ParseUint(a, 10, 64); err != nil || n != id || id == 0 {
				t.Errorf("parseID(%q) = %d, true; want only positive decimal numbers", a, id)
			}
		}
	})
}

func TestClubButtonsFitInCallbackData(t *testing.T) {
	const maxID = ^uint64(0)
	for _, data := range []string{
		actTake.Data(idArg(maxID)), actRate.Data(idArg(maxID), "5"), actPick.Data(idArg(maxID), "p"),
		actSummary.Data(idArg(maxID), "w"), actAdminConsl.Data("rmy", strconv.FormatInt(1<<62, 10)), actShare.Data(idArg(maxID)),
	} {
		if len(data) > 64 { // Telegram's limit on callback data (Action.Data panics beyond it)
			t.Errorf("%q is %d bytes", data, len(data))
		}
	}
}

func FuzzInvitePayload(f *testing.F) {
	for _, s := range []string{"cons_AAAAAAAAAAAAAAAAAAAAAAAA", "cons_", "cons_short", "ci_event1", "ref42", "cons_" + strings.Repeat("x", 70), "cons_ab cd", "cons_€€€€€€€€€€€€€€€€"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		token, isInvite := strings.CutPrefix(payload, invitePrefix)
		if !isInvite || !bot.ValidPayload(payload) {
			return
		}
		if validInviteToken(token) {
			if len(payload) > 64 || !utf8.ValidString(token) || strings.ContainsAny(token, " |/?&=") {
				t.Errorf("validInviteToken(%q) accepted a token a deep link cannot carry", token)
			}
		}
	})
}

func FuzzRelayLimiter(f *testing.F) {
	f.Add(int64(1), 5, uint8(10), int64(30))
	f.Fuzz(func(t *testing.T, chat int64, perMinute int, n uint8, stepSeconds int64) {
		if perMinute < 1 || perMinute > 1000 {
			return
		}
		var l relayLimiter
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		allowedInWindow, warned := 0, 0
		start := now
		for range n {
			if now.Sub(start) >= time.Minute {
				start, allowedInWindow, warned = now, 0, 0
			}
			ok, warn := l.allow(chat, now, perMinute)
			if ok {
				allowedInWindow++
			}
			if warn {
				warned++
			}
			if allowedInWindow > perMinute || warned > 1 {
				t.Fatalf("window allowed %d (limit %d), warned %d times", allowedInWindow, perMinute, warned)
			}
			now = now.Add(time.Duration(stepSeconds%120) * time.Second)
			if stepSeconds < 0 {
				now = start // a clock that does not move forward
			}
		}
	})
}
