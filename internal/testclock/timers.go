package testclock

import (
	"runtime"
	"strings"
	"sync"
	"time"
)

// Timers is an After (as collector.Options.After takes) whose timers fire
// when the test says, not as a clock moves: a test that ages data by
// moving its clock starts no work it does not wait for. A timer set by a
// function whose name ends in TickFrom is a loop's tick; Fire fires the
// ticks or the other timers, so a test can run the loops' passes first
// and the work they make due after.
type Timers struct {
	Now      func() time.Time
	TickFrom string // e.g. ".Every" (internal/schedule)

	mu      sync.Mutex
	waiting []timer
}

type timer struct {
	ch   chan time.Time
	tick bool
}

// After returns a channel that receives the time at once for no delay,
// else when Fire fires it.
func (t *Timers) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- t.Now()
		return ch
	}
	tick := t.TickFrom != "" && calledFrom(t.TickFrom)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.waiting = append(t.waiting, timer{ch: ch, tick: tick})
	return ch
}

// calledFrom reports whether After's caller is a function whose name ends
// in suffix: the first frame outside this package, a method value's
// wrapper passed over (inlining and the race detector move both).
func calledFrom(suffix string) bool {
	var pcs [8]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs[:])])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, "/internal/testclock.") && !strings.HasSuffix(f.Function, "-fm") {
			return strings.HasSuffix(f.Function, suffix)
		}
		if !more {
			return false
		}
	}
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
