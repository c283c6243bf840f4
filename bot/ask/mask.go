package ask

import "regexp"

// What staff see of a question is masked before it is stored: phone numbers and other long numbers
// (digit runs of 5 or more, in any digit script, spaces or dashes between digits allowed), e-mail
// addresses, links and @usernames are replaced by a sign of what was there. Learners' names are never
// stored with a question.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[^\s@<>()«»"']+@[^\s@<>()«»"']+\.[A-Za-z]{2,}`), "[✉️]"},
	{regexp.MustCompile(`(?i)(?:https?://|www\.|t\.me/|telegram\.me/|ble\.ir/)\S*|\b[a-z0-9-]+\.(?:ir|com|org|net|me|io)(?:/\S*)?`), "[🔗]"},
	{regexp.MustCompile(`@[A-Za-z0-9_]{3,}`), "[@]"},
	{regexp.MustCompile(`\+?[0-9۰-۹٠-٩](?:[\s\-]?[0-9۰-۹٠-٩]){4,}`), "[📞]"},
}

// Mask replaces what could identify someone in a question.
func Mask(s string) string {
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}
