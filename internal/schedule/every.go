// Package schedule is the one way the exporter's sources repeat work:
// a pass at once, then one every interval with jitter, never two at once.
package schedule

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Loop is how a source repeats its pass.
type Loop struct {
	Tick     func(time.Duration) <-chan time.Time // a Clock's Tick
	Interval func() time.Duration                 // between two passes, spread by ± Jitter of it
	Jitter   float64
	// Busy is set while a pass runs, for the source's status; nil: not shown.
	Busy *atomic.Bool
	// Skip is called for a tick that finds the previous pass still
	// running, which then is not made up for. Nil: the tick is owed, and
	// the next pass starts as soon as the running one ends, so a pass
	// longer than the interval is followed back to back.
	Skip func()
}

// Every runs pass at once, then every l.Interval() ± jitter, until ctx
// ends, and returns once the last pass has. A pass runs beside the timer,
// so a tick can see that the previous one still runs (a small budget
// spreads a pass's pages over minutes), and skips or owes it (l.Skip).
//
// The next tick is set before the pass starts, so it counts from the
// tick that started it.
func Every(ctx context.Context, l Loop, pass func()) {
	r := run{loop: l, pass: pass}
	defer r.inflight.Wait()
	next := l.Tick(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-next:
		}
		next = l.Tick(time.Duration(float64(l.Interval()) * Jittered(l.Jitter)))
		r.ticked(ctx)
	}
}

// run is one Every's passes: whether one runs, and whether a tick came
// while it ran (owed), decided under one lock so no owed tick is lost
// between a pass's end and the next tick.
type run struct {
	loop     Loop
	pass     func()
	inflight sync.WaitGroup

	mu            sync.Mutex
	running, owed bool
}

func (r *run) ticked(ctx context.Context) {
	r.mu.Lock()
	if r.running {
		r.owed = r.loop.Skip == nil
		r.mu.Unlock()
		if r.loop.Skip != nil {
			r.loop.Skip()
		}
		return
	}
	r.setRunning(true)
	r.mu.Unlock()
	r.inflight.Go(func() {
		for {
			r.pass()
			r.mu.Lock()
			again := r.owed && ctx.Err() == nil
			r.owed = false
			if !again {
				r.setRunning(false)
			}
			r.mu.Unlock()
			if !again {
				return
			}
		}
	})
}

// setRunning records whether a pass runs; r.mu held.
func (r *run) setRunning(on bool) {
	r.running = on
	if r.loop.Busy != nil {
		r.loop.Busy.Store(on)
	}
}

// Jittered returns a random factor in [1-jitter, 1+jitter], so targets and
// replicas do not call HSS in lockstep; 1 for no jitter.
func Jittered(jitter float64) float64 {
	if jitter <= 0 {
		return 1
	}
	return 1 + jitter*(2*rand.Float64()-1)
}

// Sleep waits d on the wall clock, or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// Bound returns ctx bounded by timeout, for one pass's piece of work: a
// discovery, a listing, a posture read; 0 bounds nothing. The caller
// cancels it when the work ends.
func Bound(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, timeout)
}
