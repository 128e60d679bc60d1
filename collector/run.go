package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-kit/log/level"
)

// defaultRefreshInterval applies when a target carries none (the config
// loader normally resolves it).
const defaultRefreshInterval = 5 * time.Minute

// ErrRefreshRunning is returned by RefreshNow while the target's previous
// refresh still runs; the attempt is counted as skipped.
var ErrRefreshRunning = errors.New("previous refresh still running")

// ErrPartialRefresh is wrapped by RefreshNow's error when some images
// failed but the rest of the refresh landed.
var ErrPartialRefresh = errors.New("refresh partly failed")

// Run refreshes every target at once, then every refresh_interval ± jitter,
// until ctx is done. It returns after every refresher and in-flight refresh
// has stopped.
func (e *Exporter) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range e.targets {
		wg.Go(func() { e.loop(ctx, t) })
	}
	wg.Wait()
}

// loop is one target's refresher. The refresh runs beside the timer, so a
// tick can see that the previous refresh is still running and skip.
func (e *Exporter) loop(ctx context.Context, t *target) {
	var inflight sync.WaitGroup
	defer inflight.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	interval := t.cfg.RefreshInterval
	if interval <= 0 {
		interval = defaultRefreshInterval
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if t.running.CompareAndSwap(false, true) {
			inflight.Go(func() {
				defer t.running.Store(false)
				_ = e.refresh(ctx, t)
			})
		} else {
			t.skip()
		}
		timer.Reset(time.Duration(float64(interval) * e.jitterFactor()))
	}
}

func (t *target) skip() {
	t.mu.Lock()
	t.st.skipped++
	t.mu.Unlock()
	level.Warn(t.logger).Log("msg", "refresh skipped: the previous one is still running; consider a longer refresh_interval")
}

// RefreshNow runs one refresh of the named target synchronously. It returns
// nil on full success, an error wrapping ErrPartialRefresh when some images
// failed, ErrRefreshRunning when a refresh is already running, or the
// failure.
func (e *Exporter) RefreshNow(ctx context.Context, name string) error {
	t, ok := e.byName[name]
	if !ok {
		return fmt.Errorf("unknown target %q", name)
	}
	if !t.running.CompareAndSwap(false, true) {
		t.skip()
		return ErrRefreshRunning
	}
	defer t.running.Store(false)
	return e.refresh(ctx, t)
}

// outcome is what one refresh reports to the target's status.
type outcome struct {
	start             time.Time
	duration          time.Duration
	requests, retries uint64
	failed            int
	err               error
	// discovered is true when discovery succeeded; owned and covered then
	// count the images this shard lists and those the target covers.
	discovered     bool
	owned, covered int
}

// refresh builds a new snapshot off to the side and swaps it in. Whole
// failure (discovery failed, or every listing failed) keeps the previous
// snapshot, which scrapes stop showing once it is older than max_staleness.
func (e *Exporter) refresh(ctx context.Context, t *target) error {
	stopping := ctx
	timeout := e.opts.RefreshTimeout
	if timeout <= 0 {
		timeout = t.cfg.MaxStaleness
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	began, start := time.Now(), t.now()
	req0, retry0 := t.calls.requests.Load(), t.calls.retries.Load()
	prev := t.snap.Load()

	refs, covered, err := t.discover(ctx)
	discovered := err == nil
	var res []imageResult
	var calls, failed int
	if err == nil {
		res, calls, failed = t.listAll(ctx, refs)
		if failed > 0 && failed == calls {
			err = fmt.Errorf("all %d image listings failed, first: %w", calls, firstErr(res))
		}
	}
	out := outcome{
		start: start, duration: time.Since(began), failed: failed, err: err,
		discovered: discovered, owned: len(refs), covered: covered,
		requests: t.calls.requests.Load() - req0, retries: t.calls.retries.Load() - retry0,
	}
	if (err != nil || failed > 0) && stopping.Err() != nil {
		// Cut short by shutdown, not by HSS: an error line and a failure
		// count would send an operator looking for a fault on every
		// restart, and a half-listed refresh must not land.
		level.Info(t.logger).Log("msg", "refresh stopped by shutdown; nothing of it kept", "duration", out.duration)
		return stopping.Err()
	}
	if err != nil {
		t.recordFailure(out, prev)
		return err
	}
	t.retain(prev, refs, res)
	z := &sanitizer{}
	snap := buildSnapshot(t.name, t.cfg.ContainerInfo, refs, res, t.now(), z)
	if err := snap.encode(); err != nil {
		// Only a series the registry refused is missing; the rest lands.
		level.Warn(t.logger).Log("msg", "some inventory series could not be encoded and are left out", "err", err)
	}
	t.snap.Store(snap)
	if failed > 0 {
		out.err = fmt.Errorf("%w: %d of %d image listings failed, first: %w", ErrPartialRefresh, failed, calls, firstErr(res))
	}
	t.recordLanded(out, snap, z.changed)
	return out.err
}

func firstErr(res []imageResult) error {
	for _, r := range res {
		if r.err != nil {
			return r.err
		}
	}
	return nil
}

// recordLanded records a refresh whose snapshot was swapped in.
func (t *target) recordLanded(out outcome, snap *snapshot, sanitized uint64) {
	result := resultSuccess
	if out.failed > 0 {
		result = resultPartial
	}
	t.mu.Lock()
	t.record(out, result)
	t.st.landed = snap.landed
	t.st.up = out.failed == 0
	t.st.sanitized += sanitized
	t.mu.Unlock()
	kv := []any{"images", snap.images, "containers", snap.containers, "hosts", snap.hosts, "pods", snap.pods,
		"duration", out.duration, "requests", out.requests, "retries", out.retries}
	if sanitized > 0 {
		kv = append(kv, "label_values_sanitized", sanitized)
	}
	if snap.duplicates > 0 {
		kv = append(kv, "duplicate_series_dropped", snap.duplicates)
	}
	if out.failed > 0 {
		level.Warn(t.logger).Log(append([]any{"msg", "refresh partly failed; kept the last good rows of the failed images",
			"images_failed", out.failed, "err", out.err}, kv...)...)
		return
	}
	level.Debug(t.logger).Log(append([]any{"msg", "refresh done"}, kv...)...)
}

// recordFailure records a refresh that landed nothing, and drops the
// previous snapshot once it expired so its memory is released.
func (t *target) recordFailure(out outcome, prev *snapshot) {
	dropped := prev != nil && t.expired(prev.landed, t.now()) && t.snap.CompareAndSwap(prev, nil)
	t.mu.Lock()
	t.record(out, resultFailure)
	t.st.up = false
	t.mu.Unlock()
	msg := "refresh failed; serving the last good data until max_staleness"
	if prev == nil || dropped {
		msg = "refresh failed; no data to serve for this target until a refresh succeeds"
	}
	level.Error(t.logger).Log("msg", msg,
		"err", out.err, "duration", out.duration, "requests", out.requests, "retries", out.retries)
	if dropped {
		level.Warn(t.logger).Log("msg", "last good data is older than max_staleness; inventory series dropped",
			"max_staleness", t.cfg.MaxStaleness)
	}
}

// record sets the fields every completed refresh updates; t.mu is held.
func (t *target) record(out outcome, result string) {
	for i, r := range results {
		if r == result {
			t.st.refreshes[i]++
		}
	}
	t.st.lastStart, t.st.lastDuration, t.st.lastResult = out.start, out.duration, result
	t.st.lastErr = ""
	if out.err != nil {
		t.st.lastErr = out.err.Error()
	}
	t.st.imagesFailed = out.failed
	t.st.requests, t.st.retries = out.requests, out.retries
	if out.discovered {
		t.st.imagesOwned, t.st.imagesCovered = out.owned, out.covered
	}
}
