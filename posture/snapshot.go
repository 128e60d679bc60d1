package posture

import "time"

// Snapshot is the posture a published snapshot holds: the data of each
// part with the time of its last good read, zero for a part not shown
// (off, never read, or dropped). Plain values, never changed once built,
// so a scrape reads it without a lock. Label values are sanitised.
type Snapshot struct {
	Good         [NumParts]time.Time
	MaxStaleness time.Duration
	Data
}

// Shows reports whether part p is shown at now: its last good read is
// younger than max_staleness. A nil snapshot shows nothing.
func (s *Snapshot) Shows(p Part, now time.Time) bool {
	if s == nil {
		return false
	}
	g := s.Good[p]
	return !g.IsZero() && (s.MaxStaleness <= 0 || now.Sub(g) <= s.MaxStaleness)
}

// Data is what the parts last read, sanitised, one field per part. The
// slices are never changed once stored: snapshots share them.
type Data struct {
	Nodes  []NodeRow
	Events []EventRow
	Quotas []QuotaRow
}

// NodeRow is one container node as its series show it.
type NodeRow struct {
	HostID, HostName, AgentStatus, ProtectStatus, HostStatus, NodeType, DetectResult string
	Interrupted, Degraded                                                            bool
	Reason                                                                           string // degradation_reason: status page only
	Risks                                                                            [len(RiskKinds)]int64
	FP                                                                               uint64 // of everything above
	Bucket                                                                           uint16 // its unit, by host_id
}

// EventRow is the unhandled event counts of one category, by severity in
// the order of EventSeverities.
type EventRow struct {
	Category string
	Counts   [len(EventSeverities)]int64
}

// QuotaRow is the protection quota of one edition.
type QuotaRow struct {
	Edition                string
	Total, Used, Available int64
}

// RiskKinds are the values of hss_node_risks' kind label, in NodeRow.Risks order.
var RiskKinds = [...]string{"vulnerability", "intrusion", "asset"}

// EventSeverities are the values of the severity label, in EventRow.Counts order.
var EventSeverities = [...]string{"low", "medium", "high", "critical"}

// quotaStates are the values of hss_quota's state label.
var quotaStates = [...]string{"total", "used", "available"}
