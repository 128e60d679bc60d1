package clusters

import "time"

// Status is what the status page may say of one target's cluster source.
type Status struct {
	// Up: the latest sweep succeeded (hss_clusters_up).
	Up bool `json:"up"`
	// LastSweepAt is when the rows served were read; nil before the first
	// good sweep.
	LastSweepAt *time.Time `json:"last_sweep_at"`
	// SweepSeconds is how long that sweep took at the budget.
	SweepSeconds float64 `json:"sweep_seconds"`
	// Served is false when no rows are served: none yet, or the last good
	// ones are older than max_staleness.
	Served     bool `json:"served"`
	Containers int  `json:"containers"` // pod containers listed
	Clusters   int  `json:"clusters"`   // distinct cluster names, "" (no cluster) included
}

// Status returns the named target's cluster status; ok is false when the
// target reads no clusters (clusters: false, a shard other than 0, or no
// such target). It reads memory only.
func (s *Set) Status(target string) (st Status, ok bool) {
	now := s.opts.Now()
	for _, src := range s.all() {
		if src.tg.Config.Name != target {
			continue
		}
		serving, up := src.serving(now)
		st.Up = up
		if last := src.state.Load().snap; last != nil {
			at := last.Taken
			st.LastSweepAt, st.SweepSeconds = &at, last.Duration.Seconds()
		}
		if serving != nil {
			st.Served, st.Containers, st.Clusters = true, serving.Containers, len(serving.Restarts)
		}
		return st, true
	}
	return Status{}, false
}
