package posture

import (
	"cmp"
	"slices"
	"time"
)

// Why a posture part is not read, in PartView.Off.
const (
	OffConfig = "config" // turned off in the configuration
	OffShard  = "shard"  // read by shard 0 only
	OffAPI    = "api"    // the target's API cannot read it
)

// PartView is the state of one posture part.
type PartView struct {
	Part        string // nodes, events, quotas
	Off         string // why it is not read (an Off* value); "" when read
	Ran         bool   // a read has finished
	Up          bool   // the last read succeeded: what hss_posture_up says
	Shown       bool   // its data is in the snapshot served
	LastSuccess time.Time
	LastError   string // of the last read, when it failed
	LastErr     error  // that error, typed as the client made it
}

// NodeView is one container node as its series show it, with the
// containers the inventory counts on its host. Strings come from upstream
// (sanitised label values) and must be escaped when shown.
type NodeView struct {
	HostID, HostName, AgentStatus, ProtectStatus, HostStatus, NodeType, DetectResult string
	Interrupted, Degraded                                                            bool
	DegradationReason                                                                string
	Vulnerabilities, Intrusions, Assets                                              int64 // -1: unknown
	Containers                                                                       int
}

// Protected reports whether HSS protects the node fully: agent online,
// protection opened, neither interrupted nor degraded.
func (n NodeView) Protected() bool {
	return n.AgentStatus == "online" && n.ProtectStatus == "opened" && !n.Interrupted && !n.Degraded
}

// HostView is a host the inventory counts containers on.
type HostView struct {
	HostID, HostName string
	Containers       int
}

// EventCounts is the unhandled event counts of one category by severity;
// -1 where HSS gave no usable count.
type EventCounts struct {
	Category                    string
	Low, Medium, High, Critical int64
}

// QuotaView is the protection quota of one edition (the edition label).
type QuotaView struct {
	Edition                string
	Total, Used, Available int64
}

// View is what a status page shows of a target's posture: the
// state of each part and the data of the snapshot served, so the page
// agrees with a scrape. A slice is empty when its part is not shown.
type View struct {
	Parts          []PartView // nodes, events, quotas
	EventsLastDays int
	// Nodes are every node listed, sorted by host name and ID; their
	// Containers are known when InventoryShown.
	Nodes          []NodeView
	InventoryShown bool
	// Unlisted are the hosts with containers that ListContainerNodes does
	// not list at all, most containers first; known when the nodes and
	// the inventory are both shown.
	Unlisted []HostView
	Events   []EventCounts
	Quotas   []QuotaView
}

// Parts returns the state of each part; shardIndex is the process's
// shard, which reads posture only when it is 0.
func (s *State) Parts(shardIndex int) []PartView {
	out := make([]PartView, NumParts)
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range NumParts {
		st := s.parts[p]
		out[p] = PartView{Part: parts[p].name, Ran: st.ran, Up: st.ok, LastSuccess: st.good}
		if !st.ok && st.lastErr != nil {
			out[p].LastError, out[p].LastErr = st.lastErr.Error(), st.lastErr
		}
		switch {
		case !parts[p].on(s.cfg.Posture):
			out[p].Off = OffConfig
		case shardIndex != 0:
			out[p].Off = OffShard
		case !s.enabled[p]:
			out[p].Off = OffAPI
		}
	}
	return out
}

// View is the target's posture: the parts' state now, and the data of
// snap, the snapshot last published. hosts are the inventory's hosts with
// their containers, nil when its inventory is not served (older than
// max_staleness), so the nodes can be told apart from the hosts.
func (s *State) View(snap *Snapshot, hosts map[string]HostView, now time.Time, shardIndex int) View {
	v := View{Parts: s.Parts(shardIndex), EventsLastDays: s.cfg.Posture.EventsLastDays}
	for p := range NumParts {
		v.Parts[p].Shown = snap.Shows(p, now)
	}
	v.InventoryShown = hosts != nil
	if snap.Shows(Nodes, now) {
		v.Nodes, v.Unlisted = nodeViews(snap.Nodes, hosts, v.InventoryShown)
	}
	if snap.Shows(Events, now) {
		for _, r := range snap.Events {
			v.Events = append(v.Events, EventCounts{Category: r.Category,
				Low: r.Counts[0], Medium: r.Counts[1], High: r.Counts[2], Critical: r.Counts[3]})
		}
	}
	if snap.Shows(Quotas, now) {
		for _, r := range snap.Quotas {
			v.Quotas = append(v.Quotas, QuotaView{Edition: r.Edition, Total: r.Total, Used: r.Used, Available: r.Available})
		}
	}
	return v
}

// nodeViews turns node rows into views with their hosts' containers, and
// returns the hosts of hosts no node names. Two rows whose host_id collide
// make one series, the first in the encoder's order; so here too.
func nodeViews(rows []NodeRow, hosts map[string]HostView, inventory bool) (nodes []NodeView, unlisted []HostView) {
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b NodeRow) int { return cmp.Or(cmp.Compare(a.HostID, b.HostID), cmp.Compare(a.FP, b.FP)) })
	seen := map[string]bool{}
	for _, r := range sorted {
		if seen[r.HostID] {
			continue
		}
		seen[r.HostID] = true
		nodes = append(nodes, NodeView{HostID: r.HostID, HostName: r.HostName, AgentStatus: r.AgentStatus,
			ProtectStatus: r.ProtectStatus, HostStatus: r.HostStatus, NodeType: r.NodeType, DetectResult: r.DetectResult,
			Interrupted: r.Interrupted, Degraded: r.Degraded, DegradationReason: r.Reason,
			Vulnerabilities: r.Risks[0], Intrusions: r.Risks[1], Assets: r.Risks[2], Containers: hosts[r.HostID].Containers})
	}
	slices.SortFunc(nodes, func(a, b NodeView) int {
		return cmp.Or(cmp.Compare(a.HostName, b.HostName), cmp.Compare(a.HostID, b.HostID))
	})
	if !inventory {
		return nodes, nil
	}
	for id, h := range hosts {
		if !seen[id] {
			unlisted = append(unlisted, h)
		}
	}
	slices.SortFunc(unlisted, func(a, b HostView) int {
		return cmp.Or(cmp.Compare(b.Containers, a.Containers), cmp.Compare(a.HostName, b.HostName), cmp.Compare(a.HostID, b.HostID))
	})
	return nodes, unlisted
}
