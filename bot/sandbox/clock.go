package sandbox

import (
	"errors"
	"sync"
	"time"
)

// ErrBackwards is returned by a time jump that would not move the clock forward.
var ErrBackwards = errors.New("time only moves forward in the sandbox")

// Clock is the sandbox's settable clock, injected into tgsim, the store and the bot. It runs with the
// wall clock, shifted by an offset that time travel only ever increases: the store's records, the handled
// updates and the schedules all assume time never goes back.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	wall   func() time.Time
}

// NewClock returns a clock offset from the wall clock by offset (a negative offset counts as zero). The
// sandbox keeps the offset across restarts so that time never runs back.
func NewClock(offset time.Duration) *Clock {
	return &Clock{offset: max(offset, 0), wall: time.Now}
}

// Now is the sandbox's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall().Add(c.offset)
}

// Offset is how far the clock runs ahead of the wall clock.
func (c *Clock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Advance moves the clock forward by d (which must be positive) and reports the times before and after.
func (c *Clock) Advance(d time.Duration) (from, to time.Time, err error) {
	if d <= 0 {
		return time.Time{}, time.Time{}, ErrBackwards
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	from = c.wall().Add(c.offset)
	c.offset += d
	return from, from.Add(d), nil
}

// Set moves the clock forward to t, which must be later than now.
func (c *Clock) Set(t time.Time) (from, to time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := c.wall()
	from = wall.Add(c.offset)
	if !t.After(from) {
		return from, from, ErrBackwards
	}
	c.offset = t.Sub(wall)
	return from, t, nil
}
