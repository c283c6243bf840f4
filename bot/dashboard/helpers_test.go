package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

const (
	testURL   = "https://staff.example.org"
	testHost  = "staff.example.org"
	testToken = "ops-token-0123456789abcdef"
)

var (
	maryam = apptest.Maryam
	john   = apptest.John
	admin  = apptest.Admin
)

type harness struct{ *apptest.Harness }

// newHarness starts the app with the dashboard at testURL and the ops token set.
func newHarness(tb testing.TB, configure func(*app.Config)) *harness {
	return &harness{apptest.New(tb, func(c *app.Config) {
		c.Dashboard.URL = testURL
		c.HTTPToken = testToken
		if configure != nil {
			configure(c)
		}
	})}
}

var linkPattern = regexp.MustCompile(regexp.QuoteMeta(testURL) + `/dashboard/login\?t=([A-Za-z0-9_-]{43})`)

// link asks the bot for a sign-in link as u and returns its path and query.
func (h *harness) link(u tgsim.User) string {
	h.T.Helper()
	h.Send(u, "/dashboard")
	m := linkPattern.FindStringSubmatch(h.Last(u).Text)
	if m == nil {
		h.T.Fatalf("/dashboard answered %q; want a sign-in link", h.Last(u).Text)
	}
	return strings.TrimPrefix(m[0], testURL)
}

type request struct {
	method, path, host, cookie, token string
	form                              url.Values
}

// do sends a request to the ops listener's handler, in process.
func (h *harness) do(r request) *httptest.ResponseRecorder {
	h.T.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	req := httptest.NewRequest(r.method, r.path, body)
	req.Host = testHost
	if r.host != "" {
		req.Host = r.host
	}
	if r.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "tavan_dashboard", Value: r.cookie})
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	rec := httptest.NewRecorder()
	h.App.OpsHandler().ServeHTTP(rec, req)
	return rec
}

// signIn spends a fresh link of u and returns the session cookie.
func (h *harness) signIn(u tgsim.User) *http.Cookie {
	h.T.Helper()
	link := h.link(u)
	token := strings.TrimPrefix(link, "/dashboard/login?t=")
	rec := h.do(request{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"t": {token}}})
	if rec.Code != http.StatusSeeOther {
		h.T.Fatalf("sign-in: status %d; want 303\n%s", rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "tavan_dashboard" {
			return c
		}
	}
	h.T.Fatal("sign-in set no session cookie")
	return nil
}

// page reads a dashboard page with the bearer token and fails on anything but 200.
func (h *harness) page(path string) string {
	h.T.Helper()
	rec := h.do(request{path: path, token: testToken})
	if rec.Code != http.StatusOK {
		h.T.Fatalf("GET %s: status %d\n%s", path, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func (h *harness) fa(id string, kv ...any) string { return h.App.Texts.T("fa", id, kv...) }

// rollup runs the nightly rollup now.
func (h *harness) rollup() {
	h.T.Helper()
	if err := h.App.Tick(h.Ctx(), "dashboard", h.Clock.Now()); err != nil {
		h.T.Fatal(err)
	}
}

func (h *harness) update(fn func(tx *store.Tx) error) {
	h.T.Helper()
	if err := h.DB.Update(fn); err != nil {
		h.T.Fatal(err)
	}
}

func (h *harness) now() time.Time { return h.App.LocalNow() }
