package collector

import (
	"time"

	"github.com/go-kit/log/level"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
)

// Result is how a refresh ended, the value of the result label. A refresh
// is one discovery.
type Result string

// Refresh results: success when discovery and every image's latest listing
// succeeded, partial when some image's latest listing failed (its last good
// rows are kept), failure when discovery failed (everything known is kept
// until max_staleness) or no listing succeeded.
const (
	ResultSuccess Result = "success"
	ResultPartial Result = "partial"
	ResultFailure Result = "failure"
)

var results = [...]Result{ResultSuccess, ResultPartial, ResultFailure}

// startCycle begins a refresh cycle: the requests and retries made since
// the previous one began are that cycle's.
func (t *target) startCycle() {
	req, retry := t.calls.requests.Load(), t.calls.retries.Load()
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.st.lastStart.IsZero() || t.st.cycleReq != 0 {
		t.st.requests, t.st.retries = req-t.st.cycleReq, retry-t.st.cycleRetry
	}
	t.st.cycleReq, t.st.cycleRetry = req, retry
}

// recordRefresh records a refresh whose discovery succeeded.
func (t *target) recordRefresh(start time.Time, d time.Duration) {
	t.mu.Lock()
	failed, calls, firstErr := t.failures()
	result := ResultSuccess
	switch {
	case failed > 0 && failed == calls:
		result = ResultFailure // nothing listed: as bad as a failed discovery
	case failed > 0:
		result = ResultPartial
	}
	t.count(result, start, d)
	if firstErr != nil {
		t.st.lastErr = firstErr
	}
	kv := []any{"images", len(t.order), "duration", d, "requests", t.st.requests, "retries", t.st.retries}
	t.mu.Unlock()
	if failed > 0 {
		level.Warn(t.logger).Log(append([]any{"msg", "some image listings failed; their last good rows are kept",
			"images_failed", failed, "err", firstErr}, kv...)...)
		return
	}
	level.Debug(t.logger).Log(append([]any{"msg", "refresh done"}, kv...)...)
}

// failures counts the images whose latest listing failed, with the first
// such error in the target's order, and the images that need a call;
// t.mu is held.
func (t *target) failures() (n, calls int, first error) {
	for _, img := range t.order {
		if img.ref.call {
			calls++
		}
		if img.err != nil {
			if n == 0 {
				first = img.err
			}
			n++
		}
	}
	return n, calls, first
}

// count records a completed refresh; t.mu is held.
func (t *target) count(result Result, start time.Time, d time.Duration) {
	for i, r := range results {
		if r == result {
			t.st.refreshes[i]++
		}
	}
	t.st.lastStart, t.st.lastDuration, t.st.lastResult, t.st.lastErr = start, d, result, nil
}

// recordDiscoveryFailure records a discovery that failed. Everything known
// stays served until the target has had no successful answer for
// max_staleness; then its data is dropped, and its memory released.
func (t *target) recordDiscoveryFailure(c cycle, err error) {
	now := t.now()
	t.mu.Lock()
	t.count(ResultFailure, c.start, c.duration)
	t.st.lastErr, t.st.discoveryOK = err, false
	if auth.IsCredentialError(err) {
		t.pausedUntil = now.Add(t.interval())
	}
	good := t.good()
	dropped := !good.IsZero() && t.expired(good, now) && !t.st.expired
	if dropped {
		t.dropData()
		t.requestPublish() // the posture stays served on its own clock
	}
	nothing := good.IsZero() || t.st.expired
	t.mu.Unlock()
	msg := "refresh failed; serving the last good data until max_staleness"
	if nothing {
		msg = "refresh failed; no data to serve for this target until a refresh succeeds"
	}
	level.Error(t.logger).Log("msg", msg, "err", err, "duration", c.duration)
	if dropped {
		level.Warn(t.logger).Log("msg", "no successful API answer for longer than max_staleness; inventory series dropped",
			"max_staleness", t.cfg.MaxStaleness)
	}
}

// dropData forgets every image's rows and the snapshot, once they are
// older than max_staleness: after recovery each image is listed afresh
// rather than shown with rows of that age. t.mu is held.
func (t *target) dropData() {
	for _, img := range t.order {
		if img.listed {
			img.rows, img.rowHashes, img.listed = nil, nil, false
			t.touchRows(img)
		}
	}
	t.st.expired = true
	t.snap.Store(nil)
}
