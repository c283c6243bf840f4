package bot

import (
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Callback data is "<version>|<action>|<arg>|<arg>…": ASCII ids only (Persian text would eat the 64 bytes),
// and a version so that buttons from an older release are recognised as stale, not misread.
const (
	callbackVersion = "1"
	callbackSep     = "|"
	maxCallbackData = 64
)

// Action names a kind of button. A feature declares its actions once, registers each with
// Routes.Callback and builds its buttons from the same value, so a button and its route cannot disagree.
type Action string

// Data encodes a button's callback data. It panics on a value that cannot fit: that is a programming
// error, and the tests that press every button catch it.
func (a Action) Data(args ...string) string {
	var sb strings.Builder
	sb.WriteString(callbackVersion)
	sb.WriteString(callbackSep)
	sb.WriteString(string(a))
	for _, arg := range args {
		if strings.Contains(arg, callbackSep) {
			panic("callback argument contains the separator: " + arg)
		}
		sb.WriteString(callbackSep)
		sb.WriteString(arg)
	}
	if sb.Len() > maxCallbackData {
		panic("callback data over 64 bytes: " + sb.String())
	}
	return sb.String()
}

// Button is an inline button labelled label that presses a with args.
func (a Action) Button(label string, args ...string) tgbotapi.InlineKeyboardButton {
	return tgbotapi.NewInlineKeyboardButtonData(label, a.Data(args...))
}

// parseCallback decodes data made by Action.Data; ok is false for anything else, including other versions.
func parseCallback(data string) (action Action, args []string, ok bool) {
	if len(data) == 0 || len(data) > maxCallbackData {
		return "", nil, false
	}
	parts := strings.Split(data, callbackSep)
	if len(parts) < 2 || parts[0] != callbackVersion || parts[1] == "" {
		return "", nil, false
	}
	return Action(parts[1]), parts[2:], true
}
