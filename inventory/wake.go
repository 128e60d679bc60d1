package inventory

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// listers is how the listers wait: for work to appear (changed), or for
// the budget to allow a call (pacing counts those asleep on it).
type listers struct {
	changed broadcast
	pacing  atomic.Int32
}

// broadcast wakes every waiter at once: closed and replaced on notify.
// It counts the waiters parked on the current channel, so whoever drives
// the loops (a test on its own clock) can tell every lister is asleep,
// not between a listing and its next look at the queue.
type broadcast struct {
	mu     sync.Mutex
	ch     chan struct{}
	parked int
}

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// park waits until ch, taken from wait before looking for work, is
// notified, d has passed on after's clock (0: no timer) or ctx ends; at
// once when ch was notified already. A waiter the timer wakes is counted
// awake by the timer's call back, before the clock's Fire returns, so a
// driver of the clock never sees it parked once woken.
func (b *broadcast) park(ctx context.Context, ch <-chan struct{}, after func(time.Duration, func()) func() bool, d time.Duration) {
	b.mu.Lock()
	current := (<-chan struct{})(b.ch) == ch
	if current {
		b.parked++
	}
	b.mu.Unlock()
	if !current {
		return
	}
	counted, due := true, make(chan struct{})
	uncount := func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if counted && (<-chan struct{})(b.ch) == ch {
			b.parked-- // notify uncounted everyone parked on ch already
		}
		counted = false
	}
	if d > 0 {
		stop := after(d, func() {
			uncount()
			close(due)
		})
		defer stop()
	}
	select {
	case <-ctx.Done():
	case <-ch:
	case <-due:
	}
	uncount()
}

// parkedNow is how many waiters are parked on the current channel.
func (b *broadcast) parkedNow() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.parked
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch, b.parked = nil, 0
	}
}

// Idle reports whether no discovery or listing runs, none is due, and
// every lister waits, so none is about to look at the queue again: what
// a driver of the loops on a clock of its own (a test) waits for before
// it moves the clock.
func (src *Source) Idle() bool {
	if src.busy.Load() || src.listers.changed.parkedNow()+int(src.listers.pacing.Load()) < max(1, src.cfg.Target.MaxConcurrency) {
		return false
	}
	now := src.cfg.Clock.Now()
	src.mu.Lock()
	defer src.mu.Unlock()
	paused := now.Before(src.pausedUntil)
	for _, img := range src.cat.order {
		if img.busy {
			return false
		}
		if class, _ := src.classify(img, now); class != classNone && !paused {
			return false
		}
	}
	return true
}
