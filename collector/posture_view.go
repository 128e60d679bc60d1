package collector

import (
	"cmp"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// postureUpDesc is the health of each posture part a process reads; a
// part it does not read (turned off, or on a shard other than 0) has no
// series.
var postureUpDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "posture", "up"),
	"1 when the last read of the posture part (nodes, events, quotas) succeeded, else 0 (0 before the first read); present only where the part is read: turned on, and on shard 0.",
	[]string{"target", "part"}, nil)

// collectPostureUp emits hss_posture_up for every part the target reads.
func (t *target) collectPostureUp(ch chan<- prometheus.Metric) {
	t.mu.Lock()
	var up [numParts]bool
	for p := range numParts {
		up[p] = t.posture.parts[p].ok
	}
	t.mu.Unlock()
	for p := range numParts {
		if t.posture.enabled[p] {
			ch <- expo.ConstMetric(postureUpDesc, prometheus.GaugeValue, boolValue(up[p]), t.name, partNames[p])
		}
	}
}

// Why a posture part is not read, in PosturePart.Off.
const (
	PostureOffConfig = "config" // turned off in the configuration
	PostureOffShard  = "shard"  // read by shard 0 only
	PostureOffAPI    = "api"    // the target's API cannot read it
)

// PosturePart is the state of one posture part.
type PosturePart struct {
	Part        string // nodes, events, quotas
	Off         string // why it is not read (a PostureOff* value); "" when read
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

// PostureView is what a status page shows of a target's posture: the
// state of each part and the data of the snapshot served, so the page
// agrees with a scrape. A slice is empty when its part is not shown.
type PostureView struct {
	Parts          []PosturePart // nodes, events, quotas
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

// Posture returns the named target's posture view; ok is false for an
// unknown target. It never calls the API.
func (e *Exporter) Posture(target string) (v PostureView, ok bool) {
	t, ok := e.lookup(target)
	if !ok {
		return PostureView{}, false
	}
	now := e.opts.Now()
	s := t.snap.Load()
	return t.postureView(s, t.live(s, now) != nil, now, e.opts.Shard.Index), true
}

// postureView is the target's posture in s, the snapshot last published;
// inventory says whether s's inventory is served (younger than
// max_staleness), so its hosts can be told apart from the nodes.
func (t *target) postureView(s *snapshot, inventory bool, now time.Time, shardIndex int) PostureView {
	v := PostureView{Parts: t.postureParts(shardIndex), EventsLastDays: t.cfg.Posture.EventsLastDays}
	if s == nil {
		return v
	}
	ps := s.posture
	for p := range numParts {
		v.Parts[p].Shown = ps.shows(p, now)
	}
	hosts := map[string]HostView{}
	if inventory {
		v.InventoryShown = true
		for _, h := range s.hostCounts {
			hv := hosts[h.id]
			hv.HostID, hv.HostName, hv.Containers = h.id, cmp.Or(hv.HostName, h.name), hv.Containers+h.n
			hosts[h.id] = hv
		}
	}
	if ps.shows(partNodes, now) {
		v.Nodes, v.Unlisted = nodeViews(ps.nodes, hosts, v.InventoryShown)
	}
	if ps.shows(partEvents, now) {
		for _, r := range ps.events {
			v.Events = append(v.Events, EventCounts{Category: r.category,
				Low: r.counts[0], Medium: r.counts[1], High: r.counts[2], Critical: r.counts[3]})
		}
	}
	if ps.shows(partQuotas, now) {
		for _, r := range ps.quotas {
			v.Quotas = append(v.Quotas, QuotaView{Edition: r.edition, Total: r.total, Used: r.used, Available: r.available})
		}
	}
	return v
}

// postureParts returns the state of each part.
func (t *target) postureParts(shardIndex int) []PosturePart {
	on := [numParts]bool{t.cfg.Posture.Nodes, t.cfg.Posture.Events, t.cfg.Posture.Quotas}
	out := make([]PosturePart, numParts)
	t.mu.Lock()
	defer t.mu.Unlock()
	for p := range numParts {
		st := t.posture.parts[p]
		out[p] = PosturePart{Part: partNames[p], Ran: st.ran, Up: st.ok, LastSuccess: st.good}
		if !st.ok {
			if st.lastErr != nil {
				out[p].LastError, out[p].LastErr = st.lastErr.Error(), st.lastErr
			}
		}
		switch {
		case !on[p]:
			out[p].Off = PostureOffConfig
		case shardIndex != 0:
			out[p].Off = PostureOffShard
		case !t.posture.enabled[p]:
			out[p].Off = PostureOffAPI
		}
	}
	return out
}

// nodeViews turns node rows into views with their hosts' containers, and
// returns the hosts of hosts no node names. Two rows whose host_id collide
// make one series, the first in the encoder's order; so here too.
func nodeViews(rows []nodeRow, hosts map[string]HostView, inventory bool) (nodes []NodeView, unlisted []HostView) {
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b nodeRow) int { return cmp.Or(cmp.Compare(a.hostID, b.hostID), cmp.Compare(a.fp, b.fp)) })
	seen := map[string]bool{}
	for _, r := range sorted {
		if seen[r.hostID] {
			continue
		}
		seen[r.hostID] = true
		nodes = append(nodes, NodeView{HostID: r.hostID, HostName: r.hostName, AgentStatus: r.agentStatus,
			ProtectStatus: r.protectStatus, HostStatus: r.hostStatus, NodeType: r.nodeType, DetectResult: r.detectResult,
			Interrupted: r.interrupted, Degraded: r.degraded, DegradationReason: r.reason,
			Vulnerabilities: r.risks[0], Intrusions: r.risks[1], Assets: r.risks[2], Containers: hosts[r.hostID].Containers})
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
