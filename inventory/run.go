package inventory

import (
	"context"
	"time"

	"github.com/go-kit/log/level"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
)

// skip counts a discovery skipped because the last one still runs.
func (src *Source) skip() {
	src.mu.Lock()
	src.st.counts.skipped++
	src.mu.Unlock()
	level.Warn(src.logger).Log("msg", "discovery skipped: the previous one is still running; consider a longer refresh_interval or a larger api_calls_per_minute")
}

// publisher publishes the source's state when asked, at most every
// PublishInterval, so listings landing one after another cost one encode
// of what changed, not one each; and never more often than keeps
// publishing under a tenth of the time, as when the first sweep of a large
// fleet dirties most units each time.
func (src *Source) publisher(ctx context.Context) {
	var last time.Time
	var cost time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case <-src.pub.req:
		}
		if wait := publishDelay(src.cfg.PublishInterval, cost) - time.Since(last); wait > 0 {
			schedule.Sleep(ctx, wait)
			if ctx.Err() != nil {
				return
			}
		}
		last = time.Now()
		src.Publish()
		cost = time.Since(last)
	}
}

// publishDelay is the least time between two publishes, given what the
// last one cost.
func publishDelay(interval, cost time.Duration) time.Duration {
	return max(interval, 10*cost)
}

// cycle is what one discovery reports to the source's status.
type cycle struct {
	start    time.Time
	began    time.Time // on the monotonic clock, for the duration
	duration time.Duration
}

// discoverOnce discovers the source's images and applies them, and
// records the refresh in the source's status. A failure keeps everything
// known; once the target has had no successful answer for max_staleness
// its data is dropped.
func (src *Source) discoverOnce(ctx context.Context) {
	stopping := ctx
	ctx, cancel := schedule.Bound(ctx, src.cfg.Timeout)
	defer cancel()
	c := cycle{start: src.cfg.Clock.Now(), began: time.Now()}
	src.startCycle()
	refs, covered, err := src.discover(ctx)
	c.duration = time.Since(c.began)
	if err != nil && stopping.Err() != nil {
		// Cut short by shutdown, not by HSS: an error line and a failure
		// count would send an operator looking for a fault on every restart.
		level.Info(src.logger).Log("msg", "refresh stopped by shutdown", "duration", c.duration)
		return
	}
	if err != nil {
		src.recordDiscoveryFailure(c, err)
		return
	}
	now := src.cfg.Clock.Now()
	src.applyDiscovery(refs, covered, now)
	src.mu.Lock()
	serveFirst := !src.st.discovered || src.st.expired
	src.st.discoveryOK, src.st.expired = true, false
	src.pausedUntil = time.Time{}
	src.mu.Unlock()
	if serveFirst {
		// Ready means the discovery is on /metrics: publish it before the
		// good answer and the discovery are marked, which make the target
		// ready (again, after max_staleness), not a moment after.
		src.Publish()
	}
	src.markGood(now)
	src.mu.Lock()
	src.st.discovered = true
	src.noteSweep(now)
	src.mu.Unlock()
	// The refresh is recorded before the listers are woken: its result is
	// the listings as they stood at this discovery, not whichever of the
	// new ones a quick lister lands first.
	src.recordRefresh(c.start, c.duration)
	src.listers.changed.notify()
	if !serveFirst {
		src.requestPublish()
	}
}
