package tgsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	Token       string           // the only accepted token
	BotID       int64            // default 1000
	BotUsername string           // default "tavan_test_bot"
	Now         func() time.Time // clock for message dates and rate limits; default time.Now
	Strict      bool             // if true, an unknown field is rejected with 400 too (default: recorded as violation, request still served)
	Platform    string           // "" or "telegram": Telegram's Bot API; "bale": Bale's (see doc.go); anything else panics
	// KeepMessages, when > 0, keeps only each chat's newest KeepMessages messages (and their polls): for
	// long soak runs, where a history of every message would dwarf the bot's own memory. A forgotten
	// message the bot or the test still uses is a misuse (Errors), not a violation: the cap was too small
	// for what the test does. 0 (the default) keeps every message.
	KeepMessages int
}

// Server is an in-process Telegram Bot API. Create it with New, mount it on an httptest.Server (or any mux),
// point the bot at it, act as users with the Send*/Press* methods and read the chats back.
// All methods are safe for concurrent use.
type Server struct {
	opts  Options
	spec  *apiSpec
	bot   User
	bale  bool              // Options.Platform is "bale"
	names map[string]string // lower-case method name -> canonical name

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change: the broadcast waiters select on
	closed  bool
	done    chan struct{} // closed by Close

	// Updates.
	queue      []update
	nextUpdate int
	lastUpdate int
	confirmed  int            // the bot confirmed every update <= confirmed
	dropped    map[int]string // updates forgotten without delivery, and why
	pollGen    int            // generation of the newest getUpdates; older ones are terminated
	polling    int            // getUpdates calls parked waiting
	allowed    []string       // allowed_updates of the last call that set it; nil = default
	webhook    webhookState

	// Chats and content.
	chats     map[int64]*chat
	chatOrder []int64
	blocked   map[int64]bool
	files     map[string]*storedFile
	filePaths map[string]*storedFile
	nextFile  int
	callbacks map[string]*callbackState
	nextQuery int
	polls     map[string]*pollState
	nextPoll  int
	commands  map[commandKey][]BotCommand
	menus     map[int64]json.RawMessage

	// Observations.
	violations []Violation
	errs       []error
	calls      map[string]int
	count429   int

	// Fault injection.
	failures  []failure
	latency   time.Duration
	global    *bucket
	chatLimit *limitConfig
	perChat   map[int64]*bucket
	heard     map[int64]time.Time // when each chat last sent the bot an update (replies vs bulk)
	chatBan   map[int64]time.Time // a chat's running retry_after
	globalBan time.Time           // the bot's running retry_after
	last429   time.Time           // when a chat last drew a 429, and which
	last429At int64
	disabled  map[string]bool
	probed    map[string]bool // Bale: absent methods answered 404 since the bot's last getMe

	subs    map[int]chan Event
	nextSub int
}

type webhookState struct {
	url, secret    string
	allowed        []string
	maxConnections int
}

type commandKey struct {
	scope CommandScope
	lang  string
}

type failure struct {
	method      string
	n           int
	code        int
	description string
	retryAfter  int
}

// New returns a Server with no chats. It never returns nil.
func New(opts Options) *Server {
	if opts.BotID == 0 {
		opts.BotID = 1000
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "tavan_test_bot"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch opts.Platform {
	case "", PlatformTelegram, PlatformBale:
	default:
		panic(fmt.Sprintf("tgsim: unknown platform %q (want %q or %q)", opts.Platform, PlatformTelegram, PlatformBale))
	}
	s := &Server{
		bale:       opts.Platform == PlatformBale,
		probed:     map[string]bool{},
		opts:       opts,
		spec:       loadSpec(),
		bot:        User{ID: opts.BotID, FirstName: "Tavan", Username: opts.BotUsername, IsBot: true},
		names:      map[string]string{},
		changed:    make(chan struct{}),
		done:       make(chan struct{}),
		nextUpdate: 1,
		dropped:    map[int]string{},
		chats:      map[int64]*chat{},
		blocked:    map[int64]bool{},
		files:      map[string]*storedFile{},
		filePaths:  map[string]*storedFile{},
		callbacks:  map[string]*callbackState{},
		polls:      map[string]*pollState{},
		commands:   map[commandKey][]BotCommand{},
		menus:      map[int64]json.RawMessage{},
		calls:      map[string]int{},
		perChat:    map[int64]*bucket{},
		heard:      map[int64]time.Time{},
		chatBan:    map[int64]time.Time{},
		disabled:   map[string]bool{},
		subs:       map[int]chan Event{},
	}
	for name := range handlers {
		s.names[strings.ToLower(name)] = name
	}
	return s
}

// Bot returns the bot's own user, as getMe reports it.
func (s *Server) Bot() User { return s.bot }

// Close ends the server: waiting long polls return an empty result, requests delayed by SetLatency and
// every further request are answered 503, and subscriptions are closed.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
	s.notify()
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
}

// notify wakes every waiter (long polls, WaitFor, WaitConfirmed …). Callers hold s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until the state changes, ctx ends or the server closes. Callers hold s.mu; it is released
// while waiting and held again on return.
func (s *Server) wait(ctx context.Context) error {
	ch := s.changed
	s.mu.Unlock()
	defer s.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// apiError is a Bot API error answer.
type apiError struct {
	code        int
	description string
	retryAfter  int
	violation   bool // a bug in the bot: record it
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, description: "Bad Request: " + fmt.Sprintf(format, args...), violation: true}
}

// call is one API request being served.
type call struct {
	ctx    context.Context
	method string
	p      map[string]string
	files  map[string]*upload
}

type upload struct {
	name string
	mime string
	data []byte
}

type okResponse struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

type errResponse struct {
	OK          bool            `json:"ok"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *responseParams `json:"parameters,omitempty"`
}

type responseParams struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error: ` + strings.ReplaceAll(err.Error(), `"`, `'`) + `"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	resp := errResponse{ErrorCode: e.code, Description: e.description}
	if e.retryAfter > 0 {
		resp.Parameters = &responseParams{RetryAfter: e.retryAfter}
	}
	writeJSON(w, e.code, resp)
}

// ServeHTTP serves /bot<token>/<method> and /file/bot<token>/<path>, under any prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		writeError(w, &apiError{code: 503, description: "Service Unavailable"})
		return
	}
	path := r.URL.Path
	if i := strings.Index(path, "/file/bot"); i >= 0 {
		s.serveFile(w, r, path[i+len("/file/bot"):])
		return
	}
	i := strings.LastIndex(path, "/bot")
	if i < 0 {
		writeError(w, &apiError{code: 404, description: "Not Found"})
		return
	}
	token, method, ok := strings.Cut(path[i+len("/bot"):], "/")
	if !ok || method == "" || strings.Contains(method, "/") {
		writeError(w, &apiError{code: 404, description: "Not Found: method not found"})
		return
	}
	if token != s.opts.Token {
		s.fail(w, method, nil, nil, &apiError{code: 401, description: "Unauthorized", violation: true})
		return
	}
	vals, files, perr := parseRequest(r)
	canonical, known := s.names[strings.ToLower(method)]
	if s.bale && !baleMethods[s.spec.canonical(method)] {
		s.serveBaleAbsent(w, r, method, vals, files)
		return
	}
	if !known {
		e := &apiError{code: 404, description: "Not Found: method not found"}
		why := e.description
		if s.spec.isRealMethod(method) {
			why += " (a Bot API method tgsim does not emulate yet)"
		}
		s.mu.Lock()
		s.recordViolation(method, vals, files, e.code, why)
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	method = canonical
	s.mu.Lock()
	s.calls[method]++
	latency := s.latency
	s.mu.Unlock()
	if perr != nil {
		s.fail(w, method, vals, files, perr)
		return
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-s.done: // serve answers 503
			t.Stop()
		case <-r.Context().Done():
			t.Stop()
			return // the client is gone; nothing happened
		}
	}

	c := &call{ctx: r.Context(), method: method, p: vals, files: files}
	result, e := s.serve(c)
	if e != nil {
		s.fail(w, method, vals, files, e)
		return
	}
	writeJSON(w, http.StatusOK, okResponse{OK: true, Result: result})
}

// serve runs one validated-to-be-known method under the lock.
func (s *Server) serve(c *call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, &apiError{code: 503, description: "Service Unavailable"}
	}
	if e := s.injected(c.method); e != nil {
		return nil, e
	}
	if s.disabled[c.method] {
		return nil, &apiError{code: 400, description: "Bad Request: method not supported"}
	}
	if e := s.validate(c); e != nil {
		return nil, e
	}
	if s.bale {
		if e := s.baleCheck(c); e != nil {
			return nil, e
		}
	}
	return handlers[c.method](s, c)
}

// fail writes e and records it as a violation when it reveals a bug in the bot.
func (s *Server) fail(w http.ResponseWriter, method string, vals map[string]string, files map[string]*upload, e *apiError) {
	s.mu.Lock()
	if e.code == 429 {
		s.count429++
	}
	if e.violation {
		s.recordViolation(method, vals, files, e.code, e.description)
	}
	s.mu.Unlock()
	writeError(w, e)
}

func (s *Server) recordViolation(method string, vals map[string]string, files map[string]*upload, code int, desc string) {
	params := make(map[string]string, len(vals)+len(files))
	for k, v := range vals {
		params[k] = v
	}
	for k, f := range files {
		params[k] = fmt.Sprintf("<upload %s, %d bytes>", f.name, len(f.data))
	}
	delete(params, "token")
	s.violations = append(s.violations, Violation{Method: method, Params: params, Code: code, Description: desc})
	s.notify()
}

// injected returns the next FailNext failure for method, if any. Callers hold s.mu.
func (s *Server) injected(method string) *apiError {
	for i := range s.failures {
		f := &s.failures[i]
		if f.method != "*" && f.method != method {
			continue
		}
		f.n--
		e := &apiError{code: f.code, description: f.description, retryAfter: f.retryAfter}
		if f.n <= 0 {
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
		}
		return e
	}
	return nil
}

// recordError notes a misuse of the simulation API by a test (not a bug in the bot).
func (s *Server) recordError(format string, args ...any) {
	s.errs = append(s.errs, fmt.Errorf("tgsim: "+format, args...))
	s.notify()
}

// Errors returns the misuses of the simulation API so far (a button that is not there, a vote in an
// anonymous poll …). Tests that drive users should assert it is empty, like Violations.
func (s *Server) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// Violations returns every request so far that Telegram would have refused or that breaks the Bot API
// contract (unknown fields, out-of-range values). Tests of the bot assert it is empty.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Violation, len(s.violations))
	for i, v := range s.violations {
		v.Params = cloneMap(v.Params)
		out[i] = v
	}
	return out
}

// Calls returns how many requests of method reached the server with a valid token, whatever their outcome
// (injected failures and validation errors included). Method names are case-insensitive.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[s.canonical(method)]
}

// Count429 returns how many 429 answers were served (rate limits and injected ones).
func (s *Server) Count429() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count429
}

// FailNext makes the next n calls of method ("*" for any method) fail with code and description, plus
// parameters.retry_after when retryAfter > 0. An empty description gets Telegram's usual one for the code.
// Injected failures are not violations.
func (s *Server) FailNext(method string, n int, code int, description string, retryAfter int) {
	if n <= 0 {
		return
	}
	if description == "" {
		description = defaultDescription(code, retryAfter)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := method
	if m != "*" {
		m = s.canonical(method)
	}
	s.failures = append(s.failures, failure{method: m, n: n, code: code, description: description, retryAfter: retryAfter})
}

func defaultDescription(code, retryAfter int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden: bot was blocked by the user"
	case 404:
		return "Not Found"
	case 409:
		return "Conflict"
	case 429:
		return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Error"
}

// SetLatency delays every API answer by d (0 turns it off). A request whose context ends while waiting is
// dropped without effect.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// DisableMethod makes method answer 400 "Bad Request: method not supported", like a Telegram-compatible
// server that lacks it. The bot is expected to degrade; this is not a violation.
func (s *Server) DisableMethod(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disabled[s.canonical(method)] = true
}

func (s *Server) canonical(method string) string {
	if c, ok := s.names[strings.ToLower(method)]; ok {
		return c
	}
	return s.spec.canonical(method) // methods tgsim does not emulate, which Bale's 404s count
}

// Subscribe returns live events (new messages from anyone, edits, deletions, callback answers, chat
// actions) and a cancel function. The channel is buffered; a subscriber that falls more than 1024 events
// behind misses events rather than slowing the server. The channel is closed by cancel or Close.
func (s *Server) Subscribe() (<-chan Event, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan Event, 1024)
	if s.closed {
		close(ch)
		return ch, func() {}
	}
	id := s.nextSub
	s.nextSub++
	s.subs[id] = ch
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if c, ok := s.subs[id]; ok {
				close(c)
				delete(s.subs, id)
			}
		})
	}
}

// emit delivers ev to every subscriber without blocking. Callers hold s.mu.
func (s *Server) emit(ev Event) {
	for _, ch := range s.subs {
		select {
		case ch <- ev:
		default: // a slow subscriber loses events; the server never waits
		}
	}
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
