package outbox

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// virtualTime is a clock that Sleep moves forward: it measures how long a sequence of sends would take.
type virtualTime struct {
	mu  sync.Mutex
	now time.Time
}

func (v *virtualTime) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

func (v *virtualTime) Sleep(ctx context.Context, d time.Duration) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d > 0 {
		v.now = v.now.Add(d)
	}
	return ctx.Err()
}

func TestGatePacesGlobalRate(t *testing.T) {
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		rate  float64
		burst int
		n     int
		want  time.Duration
	}{
		{rate: 30, burst: 1, n: 31, want: time.Second},
		{rate: 1000, burst: 20, n: 1020, want: time.Second},
		{rate: 10, burst: 5, n: 5, want: 0},
	} {
		vt := &virtualTime{now: start}
		g := NewGate(GateOptions{Rate: tc.rate, Burst: tc.burst, Now: vt.Now, Sleep: vt.Sleep})
		for i := range tc.n {
			// Distinct chats: only the global rate applies.
			if err := g.Acquire(context.Background(), Bulk, int64(i+1)); err != nil {
				t.Fatal(err)
			}
		}
		got := vt.Now().Sub(start)
		if d := got - tc.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("rate %v burst %d: %d sends took %v; want %v", tc.rate, tc.burst, tc.n, got, tc.want)
		}
	}
}

func TestGatePerChatLimits(t *testing.T) {
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		chat int64
		n    int
		want time.Duration
	}{
		{"private chat: burst of 3, then 1/s", 42, 6, 3 * time.Second},
		{"group: 20 per minute", -1001, 21, time.Minute},
	} {
		vt := &virtualTime{now: start}
		g := NewGate(GateOptions{Rate: 1000, Now: vt.Now, Sleep: vt.Sleep})
		for range tc.n {
			if err := g.Acquire(context.Background(), Interactive, tc.chat); err != nil {
				t.Fatal(err)
			}
		}
		if got := vt.Now().Sub(start); got < tc.want-time.Millisecond || got > tc.want+time.Millisecond {
			t.Errorf("%s: %d sends took %v; want %v", tc.name, tc.n, got, tc.want)
		}
	}
}

type nameKey struct{}

// TestGateServesByClass holds the head role with a blocked sleep, queues bulk senders and then a notice
// and an interactive reply: the reply is served first, then the notice, then the bulk senders in order.
// Each head sleeps until its slot while it holds the role, so the order of sleeps is the order of grants.
func TestGateServesByClass(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	sleep := func(ctx context.Context, d time.Duration) error {
		name, _ := ctx.Value(nameKey{}).(string)
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		if name == "head" {
			<-release
		}
		return ctx.Err()
	}
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	// Burst 1 at 1/s on a clock that stands still: every acquisition after the first must sleep.
	g := NewGate(GateOptions{Rate: 1, Burst: 1, Now: func() time.Time { return now }, Sleep: sleep})
	if err := g.Acquire(context.Background(), Bulk, 1); err != nil { // takes the free slot
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	acquire := func(name string, class Class, chat int64) {
		defer wg.Done()
		if err := g.Acquire(context.WithValue(context.Background(), nameKey{}, name), class, chat); err != nil {
			t.Error(err)
		}
	}
	wg.Add(1)
	go acquire("head", Bulk, 2) // becomes head and blocks in its sleep
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 1 })
	for i, name := range []string{"bulk1", "bulk2", "bulk3"} {
		wg.Add(1)
		go acquire(name, Bulk, int64(10+i))
		waitFor(t, func() bool { return g.Waiting()[Bulk] == i+1 })
	}
	wg.Add(1)
	go acquire("notice", Notice, 20)
	waitFor(t, func() bool { return g.Waiting()[Notice] == 1 })
	wg.Add(1)
	go acquire("reply", Interactive, 21)
	waitFor(t, func() bool { return g.Waiting()[Interactive] == 1 })
	close(release)
	wg.Wait()
	want := []string{"head", "reply", "notice", "bulk1", "bulk2", "bulk3"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("grant order = %v; want %v", order, want)
	}
}

func TestGateCancelWhileQueued(t *testing.T) {
	block := make(chan struct{})
	var once sync.Once
	sleep := func(ctx context.Context, d time.Duration) error {
		b := false
		once.Do(func() { b = true })
		if b {
			<-block
		}
		return ctx.Err()
	}
	now := time.Now()
	g := NewGate(GateOptions{Rate: 1, Burst: 1, Now: func() time.Time { return now }, Sleep: sleep})
	_ = g.Acquire(context.Background(), Bulk, 1)
	done := make(chan error, 2)
	go func() { done <- g.Acquire(context.Background(), Bulk, 2) }()
	waitFor(t, func() bool { return g.headHeld() })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- g.Acquire(ctx, Bulk, 3) }()
	waitFor(t, func() bool { return g.Waiting()[Bulk] == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a canceled waiter was granted")
	}
	if n := g.Waiting()[Bulk]; n != 0 {
		t.Errorf("canceled waiter still queued: %d", n)
	}
	close(block)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if g.headHeld() {
		t.Error("the head role was not given back")
	}
}

func TestGatePenalize(t *testing.T) {
	vt := &virtualTime{now: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}
	g := NewGate(GateOptions{Rate: 30, Now: vt.Now, Sleep: vt.Sleep})
	start := vt.Now()
	g.Penalize(5 * time.Second)
	_ = g.Acquire(context.Background(), Interactive, 1)
	if got := vt.Now().Sub(start); got < 5*time.Second {
		t.Errorf("after a 429 with retry_after 5s the next send went after %v", got)
	}
}

func (g *Gate) headHeld() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.head
}

// waitFor polls a condition that another goroutine is about to make true (bounded; no fixed sleeps).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		runtime.Gosched()
	}
}

// TestGate429Scopes: a 429 holds its chat only; a second chat's 429 within a second holds every chat;
// Hold waits out what binds the chat asked for.
func TestGate429Scopes(t *testing.T) {
	vt := &virtualTime{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	g := NewGate(GateOptions{Rate: 30, Now: vt.Now, Sleep: vt.Sleep})
	ctx := context.Background()
	if global := g.RateLimited(1, 3*time.Second); global {
		t.Fatal("one chat's 429 held the whole bot")
	}
	start := vt.Now()
	if err := g.Hold(ctx, 2); err != nil || vt.Now() != start {
		t.Errorf("another chat waited %v for chat 1's 429", vt.Now().Sub(start))
	}
	if err := g.Hold(ctx, 1); err != nil || vt.Now().Sub(start) != 3*time.Second {
		t.Errorf("chat 1 waited %v; want its retry_after, 3s", vt.Now().Sub(start))
	}
	vt.Sleep(ctx, 10*time.Second)
	g.RateLimited(5, 2*time.Second)
	vt.Sleep(ctx, 500*time.Millisecond)
	if global := g.RateLimited(6, 2*time.Second); !global {
		t.Fatal("two chats' 429s within a second did not hold the bot")
	}
	start = vt.Now()
	if err := g.Hold(ctx, 7); err != nil || vt.Now().Sub(start) != 2*time.Second {
		t.Errorf("an unrelated chat waited %v during a bot-wide hold; want 2s", vt.Now().Sub(start))
	}
}
