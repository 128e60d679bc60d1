package schedule

import "time"

// Clock is the time a source runs on. A loop's next pass waits on Tick,
// a piece of work's own wait (a listing falling due) on After, so a
// clock that moves only when told (internal/testclock) can fire a pass
// apart from the work it makes due. Nil fields take the wall clock's;
// a nil Tick, After.
type Clock struct {
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	Tick  func(time.Duration) <-chan time.Time
}

// OrWall returns c with its nil fields filled in.
func (c Clock) OrWall() Clock {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.After == nil {
		c.After = time.After
	}
	if c.Tick == nil {
		c.Tick = c.After
	}
	return c
}
