package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/store"
)

// An admin's /dashboard gives a one-time link; opening it shows «ورود» and spends nothing; the button's
// POST starts a 12-hour session with a strict cookie and opens the pages; the same link again is refused.
func TestSignInByOneTimeLink(t *testing.T) {
	h := newHarness(t, nil)
	link := h.link(admin)
	if !strings.Contains(h.Last(admin).Text, "۱۰:۱۰") {
		t.Errorf("the link message %q does not say it lasts until ۱۰:۱۰", h.Last(admin).Text)
	}
	for range 2 { // a link preview, then the admin: a GET spends nothing
		rec := h.do(request{path: link})
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), ">ورود</button>") || !strings.Contains(rec.Body.String(), `method="post"`) {
			t.Fatalf("GET %s: %d\n%s", link, rec.Code, rec.Body)
		}
	}
	token := strings.TrimPrefix(link, "/dashboard/login?t=")
	rec := h.do(request{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"t": {token}}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" {
		t.Fatalf("POST login: %d to %q; want 303 to /dashboard", rec.Code, rec.Header().Get("Location"))
	}
	var session *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "tavan_dashboard" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	if !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteStrictMode || session.MaxAge != 12*3600 || session.Path != "/dashboard" {
		t.Errorf("cookie %+v; want HttpOnly, Secure, SameSite=Strict, Max-Age 12 h, Path /dashboard", session)
	}
	if rec := h.do(request{path: "/dashboard", cookie: session.Value}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), h.fa("DashLearners")) {
		t.Fatalf("overview with the session: %d\n%s", rec.Code, rec.Body)
	}

	// The link is spent.
	rec = h.do(request{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"t": {token}}})
	if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), h.fa("DashLinkUsed")) {
		t.Errorf("reused link: %d\n%s", rec.Code, rec.Body)
	}

	// The session lasts 12 hours.
	h.Advance(11 * time.Hour)
	if rec := h.do(request{path: "/dashboard/events", cookie: session.Value}); rec.Code != http.StatusOK {
		t.Errorf("after 11 h: %d; want 200", rec.Code)
	}
	h.Advance(61 * time.Minute)
	if rec := h.do(request{path: "/dashboard", cookie: session.Value}); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), h.fa("DashRefusedExpired")) {
		t.Errorf("after 12 h: %d; want 401 and the expired page\n%s", rec.Code, rec.Body)
	}
}

func TestStaleOrUnknownLinkRefused(t *testing.T) {
	h := newHarness(t, nil)
	link := h.link(admin)
	token := strings.TrimPrefix(link, "/dashboard/login?t=")
	h.Advance(10*time.Minute + time.Second)
	rec := h.do(request{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"t": {token}}})
	if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), h.fa("DashLinkExpired")) || len(rec.Result().Cookies()) != 0 {
		t.Errorf("stale link: %d, cookies %v\n%s", rec.Code, rec.Result().Cookies(), rec.Body)
	}
	rec = h.do(request{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"t": {strings.Repeat("A", 43)}}})
	if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), h.fa("DashLinkInvalid")) {
		t.Errorf("unknown link: %d\n%s", rec.Code, rec.Body)
	}
}

// An admin removed from the bot loses the dashboard at the next request, and their unused link too.
func TestRemovedAdminRefused(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(john, "en", "general")
	h.update(func(tx *store.Tx) error { _, err := tx.AddAdmin(john.ID, admin.ID); return err })
	session := h.signIn(john)
	link := h.link(john)
	if rec := h.do(request{path: "/dashboard", cookie: session.Value}); rec.Code != http.StatusOK {
		t.Fatalf("before removal: %d", rec.Code)
	}
	h.update(func(tx *store.Tx) error { _, err := tx.RemoveAdmin(john.ID); return err })
	rec := h.do(request{path: "/dashboard/learning", cookie: session.Value})
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), h.fa("DashRefusedNotAdmin")) {
		t.Errorf("removed admin's session: %d\n%s", rec.Code, rec.Body)
	}
	token := strings.TrimPrefix(link, "/dashboard/login?t=")
	if rec := h.do(request{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"t": {token}}}); rec.Code != http.StatusForbidden {
		t.Errorf("removed admin's link: %d; want 403", rec.Code)
	}
	// And the command is no longer theirs: it answers like an unknown one, with no link.
	h.Send(john, "/dashboard")
	if linkPattern.MatchString(h.Last(john).Text) {
		t.Errorf("a removed admin got a link: %q", h.Last(john).Text)
	}
}

func TestNonAdminGetsNoLink(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Send(maryam, "/dashboard")
	if linkPattern.MatchString(h.Last(maryam).Text) {
		t.Errorf("a learner got a link: %q", h.Last(maryam).Text)
	}
}

func TestHostChecked(t *testing.T) {
	h := newHarness(t, nil)
	session := h.signIn(admin)
	if rec := h.do(request{path: "/dashboard", cookie: session.Value, host: "evil.example"}); rec.Code != http.StatusMisdirectedRequest {
		t.Errorf("session under another Host: %d; want 421", rec.Code)
	}
	link := h.link(admin)
	if rec := h.do(request{path: link, host: "127.0.0.1:9090"}); rec.Code != http.StatusMisdirectedRequest {
		t.Errorf("link under another Host: %d; want 421", rec.Code)
	}
	token := strings.TrimPrefix(link, "/dashboard/login?t=")
	if rec := h.do(request{method: http.MethodPost, path: "/dashboard/login", host: "evil.example", form: url.Values{"t": {token}}}); rec.Code != http.StatusMisdirectedRequest {
		t.Errorf("POST under another Host: %d; want 421", rec.Code)
	}
	// The refused attempts did not spend the link.
	if rec := h.do(request{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"t": {token}}}); rec.Code != http.StatusSeeOther {
		t.Errorf("the link after refused attempts: %d; want 303", rec.Code)
	}
}

// Scripts use the bearer token; a session never opens /backup or /export.
func TestBearerTokenAndRawDataStayBearerOnly(t *testing.T) {
	h := newHarness(t, nil)
	if rec := h.do(request{path: "/dashboard/delivery", token: testToken, host: "127.0.0.1:9090"}); rec.Code != http.StatusOK {
		t.Errorf("bearer token: %d; want 200", rec.Code)
	}
	if rec := h.do(request{path: "/dashboard", token: "wrong-token-0123456789"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d; want 401", rec.Code)
	}
	if rec := h.do(request{path: "/dashboard"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("no session: %d; want 401", rec.Code)
	}
	session := h.signIn(admin)
	for _, path := range []string{"/backup", "/export/learners", "/metrics"} {
		if rec := h.do(request{path: path, cookie: session.Value}); rec.Code != http.StatusUnauthorized {
			t.Errorf("GET %s with a dashboard session: %d; want 401", path, rec.Code)
		}
	}
	// Signing out ends the session.
	if rec := h.do(request{method: http.MethodPost, path: "/dashboard/logout", cookie: session.Value}); rec.Code != http.StatusOK {
		t.Errorf("sign out: %d", rec.Code)
	}
	if rec := h.do(request{path: "/dashboard", cookie: session.Value}); rec.Code != http.StatusUnauthorized {
		t.Errorf("after signing out: %d; want 401", rec.Code)
	}
}

func TestNoURLConfigured(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.Dashboard.URL = "" })
	h.Send(admin, "/dashboard")
	if got := h.Last(admin).Text; !strings.Contains(got, "TAVAN_DASHBOARD_URL") {
		t.Errorf("/dashboard without a URL: %q", got)
	}
}
