package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// Sign-in without passwords: /dashboard gives an admin a link valid ten minutes; opening it shows a
// «ورود» button that POSTs the link's token (a link preview or a scanner that GETs it uses nothing up);
// the POST spends the link and sets a 12-hour session cookie. Every request checks the session, the Host
// and that its admin is still an admin. The bearer ops token also opens the pages, for scripts.

const cookieName = "tavan_dashboard"

// handleDashboardCommand answers /dashboard with a fresh one-time link.
func (f *Feature) handleDashboardCommand(ctx context.Context, c *bot.Ctx) error {
	if f.base == nil {
		_, err := c.Reply(ctx, c.T("DashNoURL"), nil)
		return err
	}
	token, hash, err := newSecret()
	if err != nil {
		return err
	}
	expires := f.Now().Add(linkLifetime)
	if err := c.ApplyTx(func(tx *store.Tx) error {
		return tx.PutDashboardLink(hash, store.DashboardGrant{Admin: c.User.ID, Expires: expires})
	}); err != nil {
		return err
	}
	link := f.base.String() + "/dashboard/login?t=" + token
	_, err = c.Reply(ctx, c.T("DashLink", "URL", bot.Escape(link), "Time", c.Time(expires)), nil)
	return err
}

// newSecret is 32 random bytes as URL-safe text, and the SHA-256 the store keeps instead.
func newSecret() (string, []byte, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, err
	}
	s := base64.RawURLEncoding.EncodeToString(raw[:])
	return s, hashOf(s), nil
}

func hashOf(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// hostAllowed: with a configured URL, a browser request must name its host (a page fetched under another
// name — DNS rebinding, a mistyped proxy — gets no cookie and no figures).
func (f *Feature) hostAllowed(r *http.Request) bool {
	return f.base == nil || r.Host == f.base.Host
}

// secure reports whether cookies get the Secure flag: behind HTTPS (the configured URL or a TLS request).
func (f *Feature) secure(r *http.Request) bool {
	return r.TLS != nil || (f.base != nil && f.base.Scheme == "https")
}

// viewer is who is looking: an admin by session, or a script with the bearer token (admin 0).
type viewer struct {
	admin int64
	lang  string
}

// authenticate finds the request's viewer, or refuses it (and says why in the status).
func (f *Feature) authenticate(w http.ResponseWriter, r *http.Request) (viewer, bool) {
	if r.Header.Get("Authorization") != "" {
		if f.Authorized(r) {
			return viewer{lang: "fa"}, true
		}
		f.Logger.Warn("dashboard request refused: wrong bearer token", "path", r.URL.Path, "remote", r.RemoteAddr)
		f.refuse(w, r, http.StatusUnauthorized, "DashRefusedSignIn")
		return viewer{}, false
	}
	if !f.hostAllowed(r) {
		f.refuse(w, r, http.StatusMisdirectedRequest, "DashRefusedHost")
		return viewer{}, false
	}
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		f.refuse(w, r, http.StatusUnauthorized, "DashRefusedSignIn")
		return viewer{}, false
	}
	hash := hashOf(ck.Value)
	var g store.DashboardGrant
	var ok bool
	_ = f.Store.View(func(tx *store.Tx) error {
		g, ok = tx.DashboardSession(hash)
		return nil
	})
	if !ok || !f.Now().Before(g.Expires) {
		f.clearCookie(w, r)
		f.refuse(w, r, http.StatusUnauthorized, "DashRefusedExpired")
		return viewer{}, false
	}
	if !f.IsAdmin(g.Admin) {
		// Removed since they signed in: the session ends here.
		_ = f.Store.Update(func(tx *store.Tx) error { return tx.DeleteDashboardSession(hash) })
		f.clearCookie(w, r)
		f.refuse(w, r, http.StatusForbidden, "DashRefusedNotAdmin")
		return viewer{}, false
	}
	v := viewer{admin: g.Admin, lang: "fa"}
	if u, err := f.Store.GetUser(g.Admin); err == nil && u != nil {
		v.lang = bot.UserLang(u)
	}
	return v, true
}

// serveLoginForm shows the «ورود» button for a link; a GET never spends it.
func (f *Feature) serveLoginForm(w http.ResponseWriter, r *http.Request) {
	if !f.hostAllowed(r) {
		f.refuse(w, r, http.StatusMisdirectedRequest, "DashRefusedHost")
		return
	}
	token := r.URL.Query().Get("t")
	v := f.Voice("fa")
	f.render(w, http.StatusOK, "login", map[string]any{
		"Lang": "fa", "Dir": "rtl", "Title": v.T("DashTitle"),
		"Heading": v.T("DashLoginHeading"), "Note": v.T("DashLoginNote"), "Button": v.T("DashLoginButton"),
		"Token": token,
	})
}

// handleLogin spends a link and starts a session.
func (f *Feature) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !f.hostAllowed(r) {
		f.refuse(w, r, http.StatusMisdirectedRequest, "DashRefusedHost")
		return
	}
	// A form posted from another site is refused; the sign-in page's own no-referrer policy makes the
	// browser send "null" as the Origin of the button's POST.
	if o := r.Header.Get("Origin"); o != "" && o != "null" && f.base != nil && o != f.base.Scheme+"://"+f.base.Host {
		f.refuse(w, r, http.StatusForbidden, "DashRefusedHost")
		return
	}
	token := r.PostFormValue("t")
	if token == "" {
		f.refuse(w, r, http.StatusBadRequest, "DashLinkInvalid")
		return
	}
	session, sessionHash, err := newSecret()
	if err != nil {
		http.Error(w, "", http.StatusInternalServerError)
		return
	}
	now := f.Now()
	refusal := ""
	err = f.Store.Update(func(tx *store.Tx) error {
		link, ok := tx.DashboardLink(hashOf(token))
		switch {
		case !ok:
			refusal = "DashLinkInvalid"
		case link.Used:
			refusal = "DashLinkUsed"
		case !now.Before(link.Expires):
			refusal = "DashLinkExpired"
		case !f.IsAdmin(link.Admin):
			refusal = "DashRefusedNotAdmin"
		}
		if refusal != "" {
			return nil
		}
		link.Used = true
		if err := tx.PutDashboardLink(hashOf(token), link); err != nil {
			return err
		}
		return tx.PutDashboardSession(sessionHash, store.DashboardGrant{Admin: link.Admin, Expires: now.Add(sessionLifetime)})
	})
	if err != nil {
		f.Logger.Error("dashboard sign-in", "err", err)
		http.Error(w, "", http.StatusInternalServerError)
		return
	}
	if refusal != "" {
		status := http.StatusForbidden
		if refusal != "DashRefusedNotAdmin" {
			status = http.StatusGone
		}
		f.refuse(w, r, status, refusal)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: session, Path: "/dashboard",
		MaxAge: int(sessionLifetime / time.Second), HttpOnly: true, Secure: f.secure(r), SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// handleLogout ends the session.
func (f *Feature) handleLogout(w http.ResponseWriter, r *http.Request) {
	if !f.hostAllowed(r) {
		f.refuse(w, r, http.StatusMisdirectedRequest, "DashRefusedHost")
		return
	}
	if ck, err := r.Cookie(cookieName); err == nil {
		_ = f.Store.Update(func(tx *store.Tx) error { return tx.DeleteDashboardSession(hashOf(ck.Value)) })
	}
	f.clearCookie(w, r)
	f.refuse(w, r, http.StatusOK, "DashSignedOut")
}

func (f *Feature) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/dashboard", MaxAge: -1,
		HttpOnly: true, Secure: f.secure(r), SameSite: http.SameSiteStrictMode})
}

// refuse answers with a short Persian page that says what happened and what to do.
func (f *Feature) refuse(w http.ResponseWriter, _ *http.Request, status int, id string) {
	v := f.Voice("fa")
	f.render(w, status, "message", map[string]any{
		"Lang": "fa", "Dir": "rtl", "Title": v.T("DashTitle"), "Heading": v.T(id), "Note": v.T("DashAskAgain"),
	})
}
