// Package sandbox is the local sandbox's web chat: an HTTP server with a JSON API and an embedded page
// that let people talk to the bot through tgsim in a browser, as several users at once, with a clock they
// can move forward. It knows tgsim and nothing of the bot; cmd/tavanbot wires the two.
package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tavan7/tavan/bot/tgsim"
)

//go:embed static
var static embed.FS

// Options configure a Server.
type Options struct {
	Sim      *tgsim.Server  // required: the emulator the bot talks to
	Clock    *Clock         // required: the clock given to tgsim, the store and the bot
	Location *time.Location // the program's zone, for times chosen on the page; default UTC
	Users    []User         // the people in the switcher, in order; more can be added on the page
	Admins   []int64        // the bot's admin ids (TAVAN_ADMINS), shown as such in the switcher
	Logger   *slog.Logger

	// OnTimeTravel, if set, is called after every jump of the clock with the times before and after it,
	// in the request's goroutine and one jump at a time: cmd/tavanbot uses it to keep the offset across
	// restarts and to let the bot catch up on what fell due in between (daily lessons, reminders). It
	// should start that work and return promptly. If nil, only the clock moves.
	OnTimeTravel func(from, to time.Time)

	MaxUpload int64 // largest file a user may upload; default 20 MB, the Bot API's download limit

	// Addr is the address the web chat listens on, after binding (host:port): requests must name its
	// port in their Host. Empty: any port (tests on a server started after New).
	Addr string
	// Host is a host name the sandbox was opened under on purpose (TAVAN_SANDBOX_ADDR=name:port), accepted
	// besides loopback names and IP literals. Empty for none.
	Host string
}

// User is a person of the sandbox: a simulated Telegram user.
type User struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	Username  string `json:"username,omitempty"`
	Lang      string `json:"language_code,omitempty"`
	Role      string `json:"role,omitempty"` // "learner", "consultant" or "admin": a label for the switcher
}

func (u User) tg() tgsim.User {
	return tgsim.User{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.Lang}
}

// Roles a user can have in the switcher.
var roles = []string{"learner", "consultant", "admin"}

// Server is the sandbox's HTTP handler.
type Server struct {
	opts Options
	mux  *http.ServeMux
	log  *slog.Logger

	mu     sync.Mutex
	users  []User
	votes  map[string]map[int64][]int // poll id → user id → chosen options, for showing results
	subs   map[chan pageEvent]struct{}
	closed bool
	done   chan struct{}

	travel sync.Mutex // one time jump (and its hook) at a time

	token string // this run's API token, set as a cookie by the page (TokenCookie)
	port  string // the bound port from Options.Addr; "" accepts any
}

// TokenCookie names the cookie that carries the API token: the page sets it, and every /api request
// must bring it back. A page of another site cannot read it (HttpOnly) nor have it sent (SameSite=Strict),
// so even a DNS-rebound page that reaches the port cannot act.
const TokenCookie = "tavan_sandbox"

// pageEvent is an event of the sandbox itself (clock, users), broadcast to every page.
type pageEvent struct {
	name string
	data any
}

// New returns the sandbox's handler. It panics without Sim or Clock, which are programming errors.
func New(opts Options) *Server {
	if opts.Sim == nil || opts.Clock == nil {
		panic("sandbox: Options.Sim and Options.Clock are required")
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxUpload <= 0 {
		opts.MaxUpload = 20 << 20
	}
	var token [32]byte
	if _, err := rand.Read(token[:]); err != nil {
		panic(fmt.Sprintf("sandbox: token: %v", err))
	}
	s := &Server{
		opts:  opts,
		log:   opts.Logger,
		votes: map[string]map[int64][]int{},
		subs:  map[chan pageEvent]struct{}{},
		done:  make(chan struct{}),
		token: hex.EncodeToString(token[:]),
	}
	if opts.Addr != "" {
		if _, port, err := net.SplitHostPort(opts.Addr); err == nil {
			s.port = port
		}
	}
	for _, u := range opts.Users {
		if _, err := s.addUser(u); err != nil {
			panic(fmt.Sprintf("sandbox: user %d: %v", u.ID, err))
		}
	}
	s.routes()
	return s
}

// Close ends the live update streams, so that an http.Server can shut down.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}

// Users returns the sandbox's people, in switcher order.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.users)
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	api := map[string]map[string]http.HandlerFunc{
		"/api/info":                   {"GET": s.handleInfo},
		"/api/users":                  {"GET": s.handleUsers, "POST": s.handleAddUser},
		"/api/chats":                  {"GET": s.handleChats},
		"/api/chats/{chat}/messages":  {"GET": s.handleHistory},
		"/api/commands":               {"GET": s.handleCommands},
		"/api/send":                   {"POST": s.handleSend},
		"/api/press":                  {"POST": s.handlePress},
		"/api/reply-button":           {"POST": s.handleReplyButton},
		"/api/poll":                   {"POST": s.handlePoll},
		"/api/location":               {"POST": s.handleLocation},
		"/api/contact":                {"POST": s.handleContact},
		"/api/upload":                 {"POST": s.handleUpload},
		"/api/files/{chat}/{message}": {"GET": s.handleFile},
		"/api/time":                   {"GET": s.handleTime, "POST": s.handleTimeTravel},
		"/api/events":                 {"GET": s.handleEvents},
	}
	for path, methods := range api {
		s.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			h, ok := methods[r.Method]
			if !ok && r.Method == http.MethodHead {
				h, ok = methods[http.MethodGet]
			}
			if !ok {
				allowed := make([]string, 0, len(methods))
				for m := range methods {
					allowed = append(allowed, m)
				}
				slices.Sort(allowed)
				w.Header().Set("Allow", strings.Join(allowed, ", "))
				writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s is not supported; use %s", r.Method, r.URL.Path, strings.Join(allowed, " or ")))
				return
			}
			if r.Method == http.MethodPost && !sameOrigin(r) {
				writeError(w, http.StatusForbidden, "cross-origin request refused")
				return
			}
			if !s.hasToken(r) {
				writeError(w, http.StatusForbidden, "missing or stale sandbox token: reload the page")
				return
			}
			h(w, r)
		})
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.URL.Path)
	})
	assets, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(assets)
	s.mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, http.StatusMethodNotAllowed, "the page is read with GET")
			return
		}
		page, err := static.ReadFile("static/index.html")
		if err != nil {
			writeError(w, http.StatusInternalServerError, "page missing")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		securityHeaders(w)
		http.SetCookie(w, &http.Cookie{Name: TokenCookie, Value: s.token, Path: "/api/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		_, _ = w.Write(page)
	})
	s.mux.Handle("/static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := fs.Stat(assets, strings.TrimPrefix(r.URL.Path, "/")); err != nil || r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			writeError(w, http.StatusNotFound, "no such file: /static/"+r.URL.Path)
			return
		}
		if strings.HasPrefix(r.URL.Path, "fonts/") {
			w.Header().Set("Cache-Control", "public, max-age=86400")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		securityHeaders(w)
		files.ServeHTTP(w, r)
	})))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not found: "+r.URL.Path)
	})
}

// securityHeaders keep the page from loading anything but its own files: no CDN, no internet.
func securityHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// sameOrigin refuses requests that another web site's page makes to the sandbox (it acts for anyone).
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not from a browser page (curl, tests)
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// ServeHTTP serves the page, its files and the API, to requests addressed to the sandbox itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.allowedHost(r.Host) {
		// DNS rebinding: a site whose name now resolves to this machine reaches the port, but its requests
		// carry its own name.
		writeError(w, http.StatusMisdirectedRequest, "this sandbox answers only to its own address, e.g. http://127.0.0.1"+s.portSuffix())
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Token is this run's API token, the value of the TokenCookie the page sets (for tests and tools that
// call the API without loading the page).
func (s *Server) Token() string { return s.token }

// hasToken reports whether r brings this run's token.
func (s *Server) hasToken(r *http.Request) bool {
	c, err := r.Cookie(TokenCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.token)) == 1
}

// allowedHost accepts loopback names and IP literals with the bound port, and the host name the sandbox
// was opened under on purpose. Any other name is someone else's site resolving to this machine.
func (s *Server) allowedHost(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, "80"
	}
	if s.port != "" && port != s.port {
		return false
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	switch {
	case host == "localhost" || net.ParseIP(host) != nil:
		return true
	case s.opts.Host != "" && host == strings.ToLower(s.opts.Host):
		return true
	}
	return false
}

func (s *Server) portSuffix() string {
	if s.port == "" {
		return ""
	}
	return ":" + s.port
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// badRequest is a client mistake, answered 400 with its message.
type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return badRequest{fmt.Sprintf(format, args...)} }

// fail answers err: 400 for client mistakes, 500 (logged) for the rest.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var br badRequest
	if errors.As(err, &br) {
		writeError(w, http.StatusBadRequest, br.msg)
		return
	}
	s.log.Error("sandbox request failed", "err", err)
	writeError(w, http.StatusInternalServerError, "internal error: "+err.Error())
}

// decode reads one JSON object into v, refusing unknown fields, trailing data and bodies over 1 MB.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return badf("the body is larger than 1 MB")
		case errors.Is(err, io.EOF):
			return badf("empty body: send a JSON object")
		}
		return badf("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badf("malformed JSON: more than one value in the body")
	}
	return nil
}

// user finds a sandbox user by id.
func (s *Server) user(id int64) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.ID == id {
			return u, nil
		}
	}
	if id == 0 {
		return User{}, badf("missing user: name who acts with \"user\": <id>")
	}
	return User{}, badf("unknown user %d: add them first (POST /api/users)", id)
}

// userParam reads ?user= for GET requests.
func (s *Server) userParam(r *http.Request) (User, error) {
	v := r.URL.Query().Get("user")
	if v == "" {
		return User{}, badf("missing ?user=<id>")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return User{}, badf("?user=%q is not a user id", v)
	}
	return s.user(id)
}

func (s *Server) isAdmin(id int64) bool { return slices.Contains(s.opts.Admins, id) }

// addUser validates u and appends it; the error is a badRequest.
func (s *Server) addUser(u User) (User, error) {
	u.FirstName = strings.TrimSpace(u.FirstName)
	u.LastName = strings.TrimSpace(u.LastName)
	u.Username = strings.TrimPrefix(strings.TrimSpace(u.Username), "@")
	u.Lang = strings.TrimSpace(u.Lang)
	switch {
	case u.ID <= 0 || u.ID >= 1<<52:
		return User{}, badf("id %d: a user id is a positive number below 2^52", u.ID)
	case u.FirstName == "":
		return User{}, badf("first_name is required")
	case len([]rune(u.FirstName)) > 64 || len([]rune(u.LastName)) > 64:
		return User{}, badf("names are at most 64 characters")
	case !validUsername(u.Username):
		return User{}, badf("username %q: 5 to 32 of a-z, 0-9 and _", u.Username)
	case !validLang(u.Lang):
		return User{}, badf("language_code %q: an IETF tag such as fa or en-US", u.Lang)
	}
	if u.Lang == "" {
		u.Lang = "fa"
	}
	if s.isAdmin(u.ID) {
		u.Role = "admin"
	}
	switch {
	case u.Role == "":
		u.Role = "learner"
	case u.Role == "admin" && !s.isAdmin(u.ID):
		return User{}, badf("role admin: only the ids in TAVAN_ADMINS are admins (%v)", s.opts.Admins)
	case !slices.Contains(roles, u.Role):
		return User{}, badf("role %q: learner, consultant or admin", u.Role)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.users {
		if o.ID == u.ID {
			return User{}, badf("user %d already exists (%s)", u.ID, o.FirstName)
		}
	}
	s.users = append(s.users, u)
	return u, nil
}

func validUsername(s string) bool {
	if s == "" {
		return true
	}
	if len(s) < 5 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

func validLang(s string) bool {
	if len(s) > 35 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

// broadcast sends a sandbox event to every open page, never waiting for a slow one.
func (s *Server) broadcast(name string, data any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- pageEvent{name, data}:
		default:
		}
	}
}
