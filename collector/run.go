package collector

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log/level"
)

// Run works every target until ctx ends: discovery at once and then every
// refresh_interval ± jitter, max_concurrency listers draining the queue of
// container listings as the budget allows, and a publisher; with a
// StatePath, after restoring what was kept there, and writing it back. It
// returns after all of them have stopped.
func (e *Exporter) Run(ctx context.Context) {
	e.mu.Lock()
	e.running = ctx
	restored := map[BudgetStater]bool{}
	for _, t := range e.targets {
		if e.opts.StatePath != "" {
			e.restoreState(t, restored)
		}
		e.start(t)
	}
	e.mu.Unlock()
	<-ctx.Done()
	e.mu.Lock()
	e.running = nil
	targets := e.targets
	e.mu.Unlock()
	for _, t := range targets {
		<-t.done
	}
}

// start runs t under Run's context; e.mu is held and Run is running.
func (e *Exporter) start(t *target) {
	ctx, cancel := context.WithCancel(e.running)
	t.stop, t.done = cancel, make(chan struct{})
	go func() {
		defer close(t.done)
		e.runTarget(ctx, t)
	}()
}

// runTarget works one target until ctx ends.
func (e *Exporter) runTarget(ctx context.Context, t *target) {
	var wg sync.WaitGroup
	if e.opts.StatePath != "" {
		wg.Go(func() { e.stateWriter(ctx, t) })
	}
	wg.Go(func() { e.discoveryLoop(ctx, t) })
	for range max(1, t.cfg.MaxConcurrency) {
		wg.Go(func() { e.lister(ctx, t) })
	}
	wg.Go(func() { e.publisher(ctx, t) })
	wg.Go(func() { e.postureLoop(ctx, t) })
	wg.Wait()
}

// discoveryLoop discovers the target's images at once, then every
// refresh_interval ± jitter.
func (e *Exporter) discoveryLoop(ctx context.Context, t *target) {
	e.everyInterval(ctx, t, &t.busy, func() { e.discoverOnce(ctx, t) }, t.skip)
}

// everyInterval runs pass at once, then every refresh_interval ± jitter,
// until ctx ends. A pass runs beside the timer, so a tick can see that
// the previous one still runs (busy: a small budget spreads its pages
// over minutes) and call skip instead.
//
// The ticks are on the Exporter's clock (Options.After). The next tick is
// set before the pass starts, so it counts from the tick that started it.
func (e *Exporter) everyInterval(ctx context.Context, t *target, busy *atomic.Bool, pass, skip func()) {
	var inflight sync.WaitGroup
	defer inflight.Wait()
	tick := e.opts.After(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		tick = e.opts.After(time.Duration(float64(t.interval()) * e.jitterFactor()))
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

func (t *target) skip() {
	t.mu.Lock()
	t.st.skipped++
	t.mu.Unlock()
	level.Warn(t.logger).Log("msg", "discovery skipped: the previous one is still running; consider a longer refresh_interval or a larger api_calls_per_minute")
}

// publisher publishes the target's state when asked, at most every
// PublishInterval, so listings landing one after another cost one encode
// of what changed, not one each; and never more often than keeps
// publishing under a tenth of the time, as when the first sweep of a large
// fleet dirties most units each time.
func (e *Exporter) publisher(ctx context.Context, t *target) {
	var last time.Time
	var cost time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.publishReq:
		}
		if wait := publishDelay(e.opts.PublishInterval, cost) - time.Since(last); wait > 0 {
			sleepUntil(ctx, wait, nil)
			if ctx.Err() != nil {
				return
			}
		}
		last = time.Now()
		t.publish()
		cost = time.Since(last)
	}
}

// publishDelay is the least time between two publishes, given what the
// last one cost.
func publishDelay(interval, cost time.Duration) time.Duration {
	return max(interval, 10*cost)
}

// cycle is what one discovery reports to the target's status.
type cycle struct {
	start    time.Time
	began    time.Time // on the monotonic clock, for the duration
	duration time.Duration
}

// discoverOnce discovers the target's images and applies them, and
// records the refresh in the target's status. A failure keeps everything
// known; once the target has had no successful answer for max_staleness
// its data is dropped.
func (e *Exporter) discoverOnce(ctx context.Context, t *target) {
	stopping := ctx
	ctx, cancel := e.workContext(ctx, t)
	defer cancel()
	c := cycle{start: t.now(), began: time.Now()}
	t.startCycle()
	refs, covered, err := t.discover(ctx)
	c.duration = time.Since(c.began)
	if err != nil && stopping.Err() != nil {
		// Cut short by shutdown, not by HSS: an error line and a failure
		// count would send an operator looking for a fault on every restart.
		level.Info(t.logger).Log("msg", "refresh stopped by shutdown", "duration", c.duration)
		return
	}
	if err != nil {
		t.recordDiscoveryFailure(c, err)
		return
	}
	now := t.now()
	t.applyDiscovery(refs, covered, now)
	t.mu.Lock()
	serveFirst := !t.st.discovered || t.st.expired
	t.st.discoveryOK, t.st.expired = true, false
	t.pausedUntil = time.Time{}
	t.mu.Unlock()
	if serveFirst {
		// Ready means the discovery is on /metrics: publish it before the
		// good answer and the discovery are marked, which make the target
		// ready (again, after max_staleness), not a moment after.
		t.publish()
	}
	t.markGood(now)
	t.mu.Lock()
	t.st.discovered = true
	t.noteSweep(now)
	t.mu.Unlock()
	// The refresh is recorded before the listers are woken: its result is
	// the listings as they stood at this discovery, not whichever of the
	// new ones a quick lister lands first.
	t.recordRefresh(c.start, c.duration)
	t.changed.notify()
	if !serveFirst {
		t.requestPublish()
	}
}
