package outbox

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Class orders the senders waiting at the Gate: a lower class goes first.
type Class int

const (
	Interactive Class = iota // a reply to the user's own action: never waits behind queued traffic
	Notice                   // time-sensitive notices (reminders, offers)
	Bulk                     // daily lessons, nudges, broadcasts
	numClasses
)

func (c Class) String() string {
	switch c {
	case Interactive:
		return "interactive"
	case Notice:
		return "notice"
	}
	return "bulk"
}

// GateOptions shape the flood limits.
type GateOptions struct {
	Rate      float64 // messages per second over all chats; default 30
	Burst     int     // messages that may leave at once; default Rate/50 (20 ms worth), at least 1
	ChatRate  float64 // messages per second into one private chat; default 1
	ChatBurst int     // short burst tolerated in a private chat; default 3
	GroupRate float64 // messages per second into one group (negative chat id); default 20/60
	// Now is the clock; Sleep waits. The Gate trusts Sleep: after sleeping until a slot it takes the
	// slot without reading the clock again, so a test's instant Sleep never stalls it.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Gate is the token bucket every new message passes: a global rate shared by all chats, and a smaller
// one per chat. Waiters are served by class, so a learner's reply is not stuck behind a broadcast.
//
// Both buckets are GCRA schedules (a "theoretical arrival time" moved one interval per message): a
// sender reserves the next slot and sleeps until it. Only one sender at a time (the head) sleeps for
// the global slot; the others queue by class and the next head is the first of the best class.
type Gate struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	interval time.Duration // between two global slots
	tau      time.Duration // burst tolerance: (burst-1) intervals
	tat      time.Time     // the next free global slot
	head     bool          // a sender holds the head role
	queues   [numClasses][]*waiter

	private, group chatShape
	chats          map[int64]time.Time // per-chat next free slot
	chatsAtSweep   int

	// Telegram's 429 does not say which limit it hit: the chat's is assumed, and the bot's when two
	// chats draw one within a second. Nothing is sent to a scope while its retry_after runs.
	chatHold   map[int64]time.Time // a chat's retry_after ends
	globalHold time.Time           // the bot's retry_after ends
	last429    time.Time           // when a chat last drew a 429
	last429At  int64               // and which chat
}

type chatShape struct{ interval, tau time.Duration }

type waiter struct {
	ready   chan struct{}
	granted bool
}

// NewGate builds a Gate.
func NewGate(o GateOptions) *Gate {
	if o.Rate <= 0 {
		o.Rate = 30
	}
	if o.Burst <= 0 {
		// A short burst lets the schedule catch up after the process was descheduled for a moment,
		// without ever exceeding the rate over a second.
		o.Burst = max(1, int(o.Rate/50))
	}
	if o.ChatRate <= 0 {
		o.ChatRate = 1
	}
	if o.ChatBurst <= 0 {
		o.ChatBurst = 3
	}
	if o.GroupRate <= 0 {
		o.GroupRate = 20.0 / 60
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = SleepContext
	}
	g := &Gate{now: o.Now, sleep: o.Sleep, chats: map[int64]time.Time{}, chatHold: map[int64]time.Time{}}
	g.interval = perSecond(o.Rate)
	g.tau = time.Duration(o.Burst-1) * g.interval
	g.private = chatShape{perSecond(o.ChatRate), time.Duration(o.ChatBurst-1) * perSecond(o.ChatRate)}
	g.group = chatShape{perSecond(o.GroupRate), 0}
	return g
}

func perSecond(rate float64) time.Duration { return time.Duration(float64(time.Second) / rate) }

// Rate is the global rate in messages per second.
func (g *Gate) Rate() float64 { return float64(time.Second) / float64(g.interval) }

// SleepContext waits d or until ctx ends.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Acquire waits until one message may go to chatID: first the chat's own slot, then a global slot,
// served by class. It fails only when ctx ends; the message must not be sent then.
func (g *Gate) Acquire(ctx context.Context, class Class, chatID int64) error {
	if wait := g.reserveChat(chatID); wait > 0 {
		if err := g.sleep(ctx, wait); err != nil {
			return err
		}
	}
	return g.acquireGlobal(ctx, class)
}

// AcquireGlobal waits for a global slot only, served by class: a reply into a chat that is not talking
// to the bot right now counts toward the bot-wide limit, but is not paced per chat.
func (g *Gate) AcquireGlobal(ctx context.Context, class Class) error {
	return g.acquireGlobal(ctx, class)
}

// NoteChatSend accounts a message that went to chatID without waiting for the chat's slot (a reply to
// the chat's own action): later bulk sends to the chat wait for the slots it used.
func (g *Gate) NoteChatSend(chatID int64) { g.reserveChat(chatID) }

// Hold waits while a 429's retry_after runs for chatID (0: no chat) or for the whole bot. Every request
// passes it — replies, edits and callback answers too: sending during a running retry_after is what
// gets a bot banned.
func (g *Gate) Hold(ctx context.Context, chatID int64) error {
	g.mu.Lock()
	until := g.globalHold
	if chatID != 0 {
		if t := g.chatHold[chatID]; t.After(until) {
			until = t
		}
	}
	wait := until.Sub(g.now())
	g.mu.Unlock()
	if wait <= 0 {
		return ctx.Err()
	}
	return g.sleep(ctx, wait) // trusted, as for slots: a hold that grew meanwhile is met at the next request
}

// RateLimited records a 429 with retry_after d for a request to chatID (0: not about a chat): that chat
// waits d, and the whole bot does when another chat drew a 429 within the last second (or the request
// was about no chat). It reports whether the hold is bot-wide.
func (g *Gate) RateLimited(chatID int64, d time.Duration) (global bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	until := now.Add(d)
	global = chatID == 0 || (now.Sub(g.last429) < time.Second && g.last429At != chatID)
	g.last429, g.last429At = now, chatID
	if global {
		if until.After(g.globalHold) {
			g.globalHold = until
		}
		if t := until.Add(g.tau); g.tat.Before(t) {
			g.tat = t // bulk slots resume after the hold
		}
		return true
	}
	if until.After(g.chatHold[chatID]) {
		g.chatHold[chatID] = until
	}
	for id, t := range g.chatHold { // the map holds the chats of the last few seconds' 429s
		if !t.After(now) {
			delete(g.chatHold, id)
		}
	}
	return false
}

// reserveChat takes the chat's next slot and returns how long until it.
func (g *Gate) reserveChat(chatID int64) time.Duration {
	shape := g.private
	if chatID < 0 {
		shape = g.group
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	tat := g.chats[chatID]
	if tat.Before(now) {
		tat = now
	}
	wait := tat.Sub(now) - shape.tau
	g.chats[chatID] = tat.Add(shape.interval)
	g.sweepChats(now)
	return wait
}

// sweepChats forgets chats whose slots are in the past (they behave like new chats), so the map stays
// the size of the chats messaged in the last seconds. Amortised: it runs when the map doubled.
func (g *Gate) sweepChats(now time.Time) {
	if len(g.chats) < 1024 || len(g.chats) < 2*g.chatsAtSweep {
		return
	}
	for id, tat := range g.chats {
		if !tat.After(now) {
			delete(g.chats, id)
		}
	}
	g.chatsAtSweep = len(g.chats)
}

func (g *Gate) acquireGlobal(ctx context.Context, class Class) error {
	g.mu.Lock()
	if g.head {
		w := &waiter{ready: make(chan struct{})}
		g.queues[class] = append(g.queues[class], w)
		g.mu.Unlock()
		select {
		case <-w.ready:
		case <-ctx.Done():
			g.mu.Lock()
			if w.granted {
				g.passHead() // the head role arrived as we gave up: hand it on
			} else {
				g.queues[class] = slices.DeleteFunc(g.queues[class], func(x *waiter) bool { return x == w })
			}
			g.mu.Unlock()
			return ctx.Err()
		}
		g.mu.Lock()
	}
	g.head = true
	now := g.now()
	if g.tat.Before(now) {
		g.tat = now
	}
	wait := g.tat.Sub(now) - g.tau
	g.tat = g.tat.Add(g.interval)
	g.mu.Unlock()

	var err error
	if wait > 0 {
		err = g.sleep(ctx, wait)
	} else {
		err = ctx.Err()
	}

	g.mu.Lock()
	g.passHead()
	g.mu.Unlock()
	return err
}

// passHead gives the head role to the first waiter of the best class. Callers hold g.mu.
func (g *Gate) passHead() {
	for c := range g.queues {
		if q := g.queues[c]; len(q) > 0 {
			w := q[0]
			g.queues[c] = q[1:]
			w.granted = true
			close(w.ready)
			return
		}
	}
	g.head = false
}

// Penalize holds every sender back for d: Telegram answered 429 with retry_after.
func (g *Gate) Penalize(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until := g.now().Add(d + g.tau); g.tat.Before(until) {
		g.tat = until
	}
}

// Waiting is the number of senders queued per class (for metrics and tests).
func (g *Gate) Waiting() [numClasses]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	var n [numClasses]int
	for c, q := range g.queues {
		n[c] = len(q)
	}
	return n
}
