// Package testclock is the settable clock tests share: the code under test
// reads Now, the test moves it with Advance, so data can age, tokens
// expire and windows roll over without waiting.
package testclock

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told to; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock reading start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d (backwards for a negative d, as a clock
// jump would).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
