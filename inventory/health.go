package inventory

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
func (s *Status) health() Health {
	switch {
	case s.Stale:
		return HealthStale
	case !s.Discovered && s.LastResult == "":
		return HealthPending
	case !s.Discovered:
		return HealthDown
	case s.LastResult == ResultFailure:
		return HealthFailing
	case s.LastResult == ResultPartial:
		return HealthDegraded
	}
	return HealthHealthy
}

// NotReady says why the target is not ready at now, or "" when it is.
func (src *Source) NotReady(now time.Time) string {
	s := src.history(now)
	switch s.Health {
	case HealthPending:
		return fmt.Sprintf("target %s: no good refresh yet (first refresh pending)", s.Target)
	case HealthDown:
		return fmt.Sprintf("target %s: no good refresh yet; last error: %v", s.Target, s.LastErr)
	case HealthStale:
		return fmt.Sprintf("target %s: data is %s old, older than max_staleness %s; last error: %v",
			s.Target, s.DataAge.Round(time.Second), src.cfg.Target.MaxStaleness, s.LastErr)
	}
	return ""
}
