package testclock

import (
	"slices"
	"sync"
	"time"
)

// Timers is a schedule.Clock's AfterFunc and Tick whose timers fire when
// the test says, not as a clock moves: a test that ages data by moving
// its clock starts no work it does not wait for. Fire fires the ticks
// (the loops' next passes) or the other timers (the work those passes
// made due), so a test can run the passes first and the work after.
type Timers struct {
	Now func() time.Time

	mu      sync.Mutex
	waiting []*timer
}

// timer is a tick (ch) or a call back (f).
type timer struct {
	ch chan time.Time
	f  func()
}

// AfterFunc calls f when Fire(false) fires it (at once for no delay),
// unless stop came first.
func (t *Timers) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	if d <= 0 {
		f()
		return func() bool { return false }
	}
	w := &timer{f: f}
	t.add(w)
	return func() bool { return t.remove(w) }
}

// Tick returns a channel that receives the time when Fire(true) fires
// it, at once for no delay.
func (t *Timers) Tick(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- t.Now()
		return ch
	}
	t.add(&timer{ch: ch})
	return ch
}

func (t *Timers) add(w *timer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.waiting = append(t.waiting, w)
}

func (t *Timers) remove(w *timer) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.Index(t.waiting, w)
	if i < 0 {
		return false
	}
	t.waiting = slices.Delete(t.waiting, i, i+1)
	return true
}

// Fire fires the ticks (ticks) or every call back set so far; the call
// backs have run when it returns.
func (t *Timers) Fire(ticks bool) {
	t.mu.Lock()
	var fired []*timer
	t.waiting = slices.DeleteFunc(t.waiting, func(w *timer) bool {
		if (w.ch != nil) == ticks {
			fired = append(fired, w)
			return true
		}
		return false
	})
	t.mu.Unlock()
	for _, w := range fired {
		if w.ch != nil {
			w.ch <- t.Now()
		} else {
			w.f()
		}
	}
}
