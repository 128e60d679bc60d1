package inventory

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

// Results are the refresh results, in the order Status.Refreshes counts them.
var Results = [...]Result{ResultSuccess, ResultPartial, ResultFailure}

// startCycle begins a refresh cycle: the requests and retries made since
// the previous one began are that cycle's.
func (src *Source) startCycle() {
	if src.cfg.Calls == nil {
		return
	}
	req, retry := src.cfg.Calls()
	src.mu.Lock()
	defer src.mu.Unlock()
	if !src.st.last.start.IsZero() || src.st.cost.startReq != 0 {
		src.st.cost.requests, src.st.cost.retries = req-src.st.cost.startReq, retry-src.st.cost.startRetry
	}
	src.st.cost.startReq, src.st.cost.startRetry = req, retry
}

// recordRefresh records a refresh whose discovery succeeded.
func (src *Source) recordRefresh(start time.Time, d time.Duration) {
	src.mu.Lock()
	failed, calls, firstErr := src.failures()
	result := ResultSuccess
	switch {
	case failed > 0 && failed == calls:
		result = ResultFailure // nothing listed: as bad as a failed discovery
	case failed > 0:
		result = ResultPartial
	}
	src.count(result, start, d)
	if firstErr != nil {
		src.st.last.err = firstErr
	}
	kv := []any{"images", len(src.cat.order), "duration", d, "requests", src.st.cost.requests, "retries", src.st.cost.retries}
	src.mu.Unlock()
	if failed > 0 {
		level.Warn(src.logger).Log(append([]any{"msg", "some image listings failed; their last good rows are kept",
			"images_failed", failed, "err", firstErr}, kv...)...)
		return
	}
	level.Debug(src.logger).Log(append([]any{"msg", "refresh done"}, kv...)...)
}

// failures counts the images whose latest listing failed, with the first
// such error in the target's order, and the images that need a call;
// src.mu is held.
func (src *Source) failures() (n, calls int, first error) {
	for _, img := range src.cat.order {
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

// count records a completed refresh; src.mu is held.
func (src *Source) count(result Result, start time.Time, d time.Duration) {
	for i, r := range Results {
		if r == result {
			src.st.counts.refreshes[i]++
		}
	}
	src.st.last.start, src.st.last.duration, src.st.last.result, src.st.last.err = start, d, result, nil
}

// recordDiscoveryFailure records a discovery that failed. Everything known
// stays served until the target has had no successful answer for
// max_staleness; then its data is dropped, and its memory released.
func (src *Source) recordDiscoveryFailure(c cycle, err error) {
	now := src.cfg.Clock.Now()
	src.mu.Lock()
	src.count(ResultFailure, c.start, c.duration)
	src.st.last.err, src.st.discoveryOK = err, false
	if auth.IsCredentialError(err) {
		src.pausedUntil = now.Add(src.Interval())
	}
	good := src.good()
	dropped := !good.IsZero() && src.expired(good, now) && !src.st.expired
	if dropped {
		src.dropData()
		src.requestPublish()
	}
	nothing := good.IsZero() || src.st.expired
	src.mu.Unlock()
	msg := "refresh failed; serving the last good data until max_staleness"
	if nothing {
		msg = "refresh failed; no data to serve for this target until a refresh succeeds"
	}
	level.Error(src.logger).Log("msg", msg, "err", err, "duration", c.duration)
	if dropped {
		level.Warn(src.logger).Log("msg", "no successful API answer for longer than max_staleness; inventory series dropped",
			"max_staleness", src.cfg.Target.MaxStaleness)
	}
}

// dropData forgets every image's rows and the snapshot, once they are
// older than max_staleness: after recovery each image is listed afresh
// rather than shown with rows of that age. src.mu is held.
func (src *Source) dropData() {
	for _, img := range src.cat.order {
		if img.listed {
			img.rows, img.rowHashes, img.listed = nil, nil, false
			src.touchRows(img)
		}
	}
	src.st.expired = true
	src.pub.snap.Store(nil)
}
