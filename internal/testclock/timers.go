package testclock

import (
	"sync"
	"time"
)

// Timers is a schedule.Clock's After and Tick whose timers fire when the
// test says, not as a clock moves: a test that ages data by moving its
// clock starts no work it does not wait for. Fire fires the ticks (the
// loops' next passes) or the other timers (the work those passes made
// due), so a test can run the passes first and the work after.
type Timers struct {
	Now func() time.Time

	mu      sync.Mutex
	waiting []timer
}

type timer struct {
	ch   chan time.Time
	tick bool
}

// After returns a channel that receives the time at once for no delay,
// else when Fire(false) fires it.
func (t *Timers) After(d time.Duration) <-chan time.Time { return t.set(d, false) }

// Tick is After for a loop's next pass: fired by Fire(true).
func (t *Timers) Tick(d time.Duration) <-chan time.Time { return t.set(d, true) }

func (t *Timers) set(d time.Duration, tick bool) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- t.Now()
		return ch
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.waiting = append(t.waiting, timer{ch: ch, tick: tick})
	return ch
}

// Fire fires the ticks (ticks) or every other timer set so far.
func (t *Timers) Fire(ticks bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	kept := t.waiting[:0]
	for _, w := range t.waiting {
		if w.tick != ticks {
			kept = append(kept, w)
			continue
		}
		w.ch <- t.Now()
	}
	clear(t.waiting[len(kept):])
	t.waiting = kept
}
