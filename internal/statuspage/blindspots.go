package statuspage

import (
	"cmp"
	"slices"
	"time"

	"github.com/hss-exporter/hss_exporter/collector"
)

// How many nodes at fault and unlisted hosts the status page lists per
// target, most containers first; the totals count them all.
const (
	statusNodesAtFault  = 30
	statusUnlistedHosts = 20
)

// blindSpotsReport is where HSS cannot see or protect one target's
// containers, from the posture parts and the inventory's host counts: the
// nodes at fault with the containers they run, the hosts running
// containers that HSS does not list as nodes, unhandled events and quota
// headroom. A list is empty when its part is not shown.
type blindSpotsReport struct {
	Summary string          `json:"summary"`
	Parts   []postureReport `json:"parts"`
	// Nodes HSS lists; NodesAtFault the first of those not fully protected.
	Nodes                    int               `json:"nodes"`
	NodesAtFault             []nodeFaultReport `json:"nodes_at_fault"`
	NodesAtFaultTotal        int               `json:"nodes_at_fault_total"`
	ContainersOnNodesAtFault int               `json:"containers_on_nodes_at_fault"`
	// InventoryShown tells whether container counts are known.
	InventoryShown            bool           `json:"inventory_shown"`
	UnlistedHosts             []hostReport   `json:"unlisted_hosts"`
	UnlistedHostsTotal        int            `json:"unlisted_hosts_total"`
	ContainersOnUnlistedHosts int            `json:"containers_on_unlisted_hosts"`
	EventsLastDays            int            `json:"events_last_days"`
	UnhandledEvents           []eventsReport `json:"unhandled_events"`
	UnhandledEventsTotal      int64          `json:"unhandled_events_total"`
	Quotas                    []quotaReport  `json:"quotas"`
}

// postureReport is the state of one posture part.
type postureReport struct {
	Part           string     `json:"part"` // nodes, events, quotas
	Read           bool       `json:"read"` // this process reads it
	State          string     `json:"state"`
	Up             bool       `json:"up"`    // hss_posture_up
	Shown          bool       `json:"shown"` // its data is served
	LastSuccessAt  *time.Time `json:"last_success_at"`
	Error          string     `json:"error"`
	ErrorExplained string     `json:"error_explained"`
}

// nodeFaultReport is one node HSS does not fully protect.
type nodeFaultReport struct {
	HostID        string `json:"host_id"`
	HostName      string `json:"host_name"`
	AgentStatus   string `json:"agent_status"`
	ProtectStatus string `json:"protect_status"`
	HostStatus    string `json:"host_status"`
	NodeType      string `json:"node_type"`
	Fault         string `json:"fault"` // why, in words; the degradation reason included
	Containers    int    `json:"containers"`
}

// hostReport is a host running containers that HSS does not list as a node.
type hostReport struct {
	HostID     string `json:"host_id"`
	HostName   string `json:"host_name"`
	Containers int    `json:"containers"`
}

// eventsReport is the unhandled events of one category by severity.
type eventsReport struct {
	Category string `json:"category"`
	Critical int64  `json:"critical"`
	High     int64  `json:"high"`
	Medium   int64  `json:"medium"`
	Low      int64  `json:"low"`
}

// quotaReport is the protection quota of one edition.
type quotaReport struct {
	Edition   string `json:"edition"`
	Total     int64  `json:"total"`
	Used      int64  `json:"used"`
	Available int64  `json:"available"`
	Exhausted bool   `json:"exhausted"` // the next node of the edition joins unprotected
}

// buildBlindSpots reads a target's posture view into the report.
func buildBlindSpots(v collector.PostureView) *blindSpotsReport {
	b := &blindSpotsReport{Parts: []postureReport{}, NodesAtFault: []nodeFaultReport{}, UnlistedHosts: []hostReport{},
		UnhandledEvents: []eventsReport{}, Quotas: []quotaReport{}, Nodes: len(v.Nodes),
		InventoryShown: v.InventoryShown, EventsLastDays: v.EventsLastDays}
	for _, p := range v.Parts {
		b.Parts = append(b.Parts, newPostureReport(p))
	}
	var faults []nodeFaultReport
	for _, n := range v.Nodes {
		if n.Protected() {
			continue
		}
		faults = append(faults, nodeFaultReport{HostID: n.HostID, HostName: n.HostName, AgentStatus: n.AgentStatus,
			ProtectStatus: n.ProtectStatus, HostStatus: n.HostStatus, NodeType: n.NodeType, Fault: nodeFault(n),
			Containers: n.Containers})
		b.ContainersOnNodesAtFault += n.Containers
	}
	slices.SortStableFunc(faults, func(a, b nodeFaultReport) int { return cmp.Compare(b.Containers, a.Containers) })
	b.NodesAtFaultTotal = len(faults)
	b.NodesAtFault = append(b.NodesAtFault, faults[:min(len(faults), statusNodesAtFault)]...)
	for i, h := range v.Unlisted {
		b.ContainersOnUnlistedHosts += h.Containers
		if i < statusUnlistedHosts {
			b.UnlistedHosts = append(b.UnlistedHosts, hostReport{HostID: h.HostID, HostName: h.HostName, Containers: h.Containers})
		}
	}
	b.UnlistedHostsTotal = len(v.Unlisted)
	for _, e := range v.Events {
		b.UnhandledEvents = append(b.UnhandledEvents, eventsReport{Category: e.Category,
			Critical: max(e.Critical, 0), High: max(e.High, 0), Medium: max(e.Medium, 0), Low: max(e.Low, 0)})
		b.UnhandledEventsTotal += max(e.Critical, 0) + max(e.High, 0) + max(e.Medium, 0) + max(e.Low, 0)
	}
	for _, q := range v.Quotas {
		b.Quotas = append(b.Quotas, quotaReport{Edition: q.Edition, Total: q.Total, Used: q.Used, Available: q.Available,
			Exhausted: q.Total > 0 && q.Available == 0})
	}
	b.Summary = blindSpotsSummary(b, v)
	return b
}

func newPostureReport(p collector.PosturePart) postureReport {
	r := postureReport{Part: p.Part, Read: p.Off == "", Up: p.Up, Shown: p.Shown, Error: p.LastError,
		ErrorExplained: explainError(p.LastErr, ""), State: postureState(p)}
	if !p.LastSuccess.IsZero() {
		at := p.LastSuccess.UTC()
		r.LastSuccessAt = &at
	}
	return r
}
