package bot

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// OpsPage serves h on the ops listener without the bearer-token check: for pages that authenticate
// people themselves (the staff dashboard's sign-in by a one-time link and its session). The handler
// must refuse every request it cannot authenticate.
func (b *Bot) OpsPage(pattern string, h http.Handler) {
	b.reg.opsPages = append(b.reg.opsPages, opsRoute{pattern, h})
}

// Authorized reports whether r carries the ops listener's bearer token (for OpsPage handlers that also
// let scripts in); without a configured token nothing is authorized. The comparison takes the same time
// whatever the token.
func (b *Bot) Authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && b.HTTPToken != "" && subtle.ConstantTimeCompare([]byte(got), []byte(b.HTTPToken)) == 1
}
