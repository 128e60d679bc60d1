package schedule

import "time"

// Clock is the time a source runs on. A loop's next pass waits on Tick;
// a piece of work's own wait (a listing falling due) is AfterFunc's, a
// call back rather than a channel, so a clock that moves only when told
// (internal/testclock) has the waiter woken, and counted awake, before
// its Fire returns. Nil fields take the wall clock's.
type Clock struct {
	Now func() time.Time
	// AfterFunc calls f once d has passed, unless stop is called first;
	// stop reports whether it prevented the call.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	Tick      func(time.Duration) <-chan time.Time
}

// OrWall returns c with its nil fields filled in.
func (c Clock) OrWall() Clock {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.AfterFunc == nil {
		c.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if c.Tick == nil {
		c.Tick = time.After
	}
	return c
}
