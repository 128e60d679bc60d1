package collector

import (
	"fmt"
	"time"
)

// Health is a target's state in one word. It is decided once, here, for
// /readyz and for the status page.
type Health string

// Health values, from best to worst news.
const (
	HealthHealthy  Health = "healthy"  // the last refresh fully succeeded
	HealthPending  Health = "pending"  // no refresh has finished yet
	HealthDegraded Health = "degraded" // some image's latest listing failed
	HealthFailing  Health = "failing"  // the last refresh failed; older data still served
	HealthDown     Health = "down"     // no refresh has ever succeeded
	HealthStale    Health = "stale"    // no successful answer for max_staleness: inventory dropped
)

// Ready reports whether a target in this health has data to serve: it
// has had a good discovery and is not stale. Listings need not be done.
func (h Health) Ready() bool {
	return h != HealthPending && h != HealthDown && h != HealthStale
}

// health decides s's Health.
func (s *state) health() Health {
	switch {
	case s.stale:
		return HealthStale
	case !s.discovered && s.lastResult == "":
		return HealthPending
	case !s.discovered:
		return HealthDown
	case s.lastResult == ResultFailure:
		return HealthFailing
	case s.lastResult == ResultPartial:
		return HealthDegraded
	}
	return HealthHealthy
}

// notReady says why the target is not ready, or "" when it is.
func (t *target) notReady(s state, now time.Time) string {
	switch s.health() {
	case HealthPending:
		return fmt.Sprintf("target %s: no good refresh yet (first refresh pending)", t.name)
	case HealthDown:
		return fmt.Sprintf("target %s: no good refresh yet; last error: %v", t.name, s.lastErr)
	case HealthStale:
		return fmt.Sprintf("target %s: data is %s old, older than max_staleness %s; last error: %v",
			t.name, now.Sub(s.good).Round(time.Second), t.cfg.MaxStaleness, s.lastErr)
	}
	return ""
}
