package collector

import "time"

// TargetStatus is one target's refresh state, for a status page.
type TargetStatus struct {
	Target       string
	Running      bool          // a refresh is in progress
	LastRefresh  time.Time     // start of the last completed refresh; zero before the first
	LastDuration time.Duration // of the last completed refresh
	LastResult   string        // "success", "partial", "failure"; "" before the first
	LastError    string        // of the last completed refresh; "" on success
	LastSuccess  time.Time     // when data last landed (success or partial); zero before
	DataAge      time.Duration // since LastSuccess; 0 before the first
	Stale        bool          // data older than max_staleness: inventory series dropped
	Up           bool          // the last refresh fully succeeded

	// Counts in the snapshot being served; zero when none is served.
	Images, Containers, Hosts, Pods int

	// ImagesOwned of ImagesDiscovered images this shard lists, at the last
	// discovery that succeeded: all of them when not sharded.
	ImagesOwned, ImagesDiscovered int

	ImagesFailed int    // in the last refresh
	Requests     uint64 // HTTP attempts in the last refresh
	Retries      uint64 // retried attempts in the last refresh
	Skipped      uint64 // refreshes skipped since start
}

// Status returns every target's state, in configuration order.
func (e *Exporter) Status() []TargetStatus {
	now := e.opts.Now()
	out := make([]TargetStatus, 0, len(e.targets))
	for _, t := range e.targets {
		st := t.status()
		ts := TargetStatus{
			Target: t.name, Running: t.running.Load(),
			LastRefresh: st.lastStart, LastDuration: st.lastDuration,
			LastResult: st.lastResult, LastError: st.lastErr, LastSuccess: st.landed, Up: st.up,
			ImagesOwned: st.imagesOwned, ImagesDiscovered: st.imagesCovered,
			ImagesFailed: st.imagesFailed, Requests: st.requests, Retries: st.retries, Skipped: st.skipped,
		}
		if !st.landed.IsZero() {
			ts.DataAge = now.Sub(st.landed)
			ts.Stale = t.expired(st.landed, now)
		}
		if s := t.serving(now); s != nil {
			ts.Images, ts.Containers, ts.Hosts, ts.Pods = s.images, s.containers, s.hosts, s.pods
		}
		out = append(out, ts)
	}
	return out
}
