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

// Every runs pass at once, then every interval() ± jitter (a fraction of
// it), until ctx ends, and returns once the last pass has. A pass runs
// beside the timer, so a tick can see that the previous one still runs
// (busy: a small budget spreads a pass's pages over minutes) and call
// skip instead.
//
// The ticks are tick's (a Clock's Tick). The next tick is set before the
// pass starts, so it counts from the tick that started it.
func Every(ctx context.Context, tick func(time.Duration) <-chan time.Time, interval func() time.Duration,
	jitter float64, busy *atomic.Bool, pass, skip func()) {
	var inflight sync.WaitGroup
	defer inflight.Wait()
	next := tick(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-next:
		}
		next = tick(time.Duration(float64(interval()) * Jittered(jitter)))
		if busy.CompareAndSwap(false, true) {
			inflight.Go(func() {
				defer busy.Store(false)
				pass()
			})
		} else {
			skip()
		}
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
