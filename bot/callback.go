package bot

import "strings"

// Callback data is "<version>|<action>|<arg>|<arg>…": ASCII ids only (Persian text would eat the 64 bytes),
// and a version so that buttons from an older release are recognised as stale, not misread.
const (
	callbackVersion = "1"
	callbackSep     = "|"
	maxCallbackData = 64
)

// cb encodes a button's data. It panics on a value that cannot fit: that is a programming error, and the
// tests that press every button catch it.
func cb(action string, args ...string) string {
	var sb strings.Builder
	sb.WriteString(callbackVersion)
	sb.WriteString(callbackSep)
	sb.WriteString(action)
	for _, a := range args {
		if strings.Contains(a, callbackSep) {
			panic("callback argument contains the separator: " + a)
		}
		sb.WriteString(callbackSep)
		sb.WriteString(a)
	}
	if sb.Len() > maxCallbackData {
		panic("callback data over 64 bytes: " + sb.String())
	}
	return sb.String()
}

// parseCallback decodes data made by cb; ok is false for anything else, including other versions.
func parseCallback(data string) (action string, args []string, ok bool) {
	if len(data) == 0 || len(data) > maxCallbackData {
		return "", nil, false
	}
	parts := strings.Split(data, callbackSep)
	if len(parts) < 2 || parts[0] != callbackVersion || parts[1] == "" {
		return "", nil, false
	}
	return parts[1], parts[2:], true
}
