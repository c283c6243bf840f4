package persian

import "strings"

// Digits replaces the ASCII digits in s with Persian ones (۰–۹); every other byte is kept as is.
func Digits(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	// Byte-wise is safe: ASCII bytes never occur inside a multi-byte UTF-8 sequence.
	for i := 0; i < len(s); i++ {
		if c := s[i]; '0' <= c && c <= '9' {
			b.WriteRune('۰' + rune(c-'0'))
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
