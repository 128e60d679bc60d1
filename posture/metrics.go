package posture

import (
	"cmp"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

const namespace = "hss"

// postureCached is appended to every posture HELP text, as the
// inventory's mark is to its own.
const postureCached = " Cached: read again every refresh_interval; a part that fails keeps its last good values until max_staleness."

func newFamily(subsystem, name, help string, labels []string) *expo.Family {
	return expo.NewFamily(prometheus.BuildFQName(namespace, subsystem, name), help+postureCached, labels)
}

var nodeLabels = []string{"target", "host_id"}

// The posture families. They join the inventory's on target and host_id:
// hss_host_containers counts the containers of each host.
var (
	nodeInfo = newFamily("node", "info",
		"Container node listed by ListContainerNodes, with its HSS agent and protection state; value is always 1. node_type is container_tags (cce, self, other).",
		[]string{"target", "host_id", "host_name", "agent_status", "protect_status", "host_status", "node_type", "detect_result"})
	nodeInterrupted = newFamily("node", "protection_interrupted",
		"1 when HSS reports the node's protection interrupted (protect_interrupt), else 0.", nodeLabels)
	nodeDegraded = newFamily("node", "protection_degraded",
		"1 when HSS reports the node's protection degraded (protect_degradation; the reason is on the status page), else 0.", nodeLabels)
	nodeRisks = newFamily("node", "risks",
		"Risks HSS found on the node, by kind: vulnerability, intrusion or asset.", []string{"target", "host_id", "kind"})
	eventsUnhandled = newFamily("security", "events_unhandled",
		"Unhandled security events of the category (host, container) by severity over the last events_last_days days, as ShowEventSeverity counts them.",
		[]string{"target", "category", "severity"})
	quota = newFamily("", "quota",
		"HSS protection quotas of the edition by state: total, used, available. edition is the version without its hss.version. prefix.",
		[]string{"target", "edition", "state"})
)

// Families are the posture's families, in the order the exposition's
// table indexes them.
var Families = []*expo.Family{nodeInfo, nodeInterrupted, nodeDegraded, nodeRisks, eventsUnhandled, quota}

// Table indexes the posture's families; a page of the posture's encoded
// snapshots is made from it.
var Table = expo.NewTable(Families...)

// emitters are the series of each part; members are the indexes of the
// nodes of one unit, nil for every node in their order.
var emitters = [NumParts]func(set *expo.Set, target string, d *Data, members []int){
	Nodes: func(set *expo.Set, target string, d *Data, members []int) {
		if members == nil {
			for i := range d.Nodes {
				emitNode(set, target, &d.Nodes[i])
			}
			return
		}
		// Sorted by host_id, then by content, so a unit always reads the
		// same and of two nodes whose host_id collide the same one wins.
		slices.SortFunc(members, func(a, b int) int {
			return cmp.Or(cmp.Compare(d.Nodes[a].HostID, d.Nodes[b].HostID), cmp.Compare(d.Nodes[a].FP, d.Nodes[b].FP))
		})
		for _, i := range members {
			emitNode(set, target, &d.Nodes[i])
		}
	},
	Events: func(set *expo.Set, target string, d *Data, _ []int) {
		for _, r := range d.Events {
			for i, severity := range EventSeverities {
				if v, ok := known(r.Counts[i]); ok {
					set.Add(eventsUnhandled, v, target, r.Category, severity)
				}
			}
		}
	},
	// Two rows of one edition (HSS lists one each) are summed, as two
	// quotas of it.
	Quotas: func(set *expo.Set, target string, d *Data, _ []int) {
		for _, r := range d.Quotas {
			for i, v := range [len(quotaStates)]int64{r.Total, r.Used, r.Available} {
				if f, ok := known(v); ok {
					set.Sum(quota, f, target, r.Edition, quotaStates[i])
				}
			}
		}
	},
}

// emitNode emits the series of one node.
func emitNode(set *expo.Set, target string, r *NodeRow) {
	set.Add(nodeInfo, 1, target, r.HostID, r.HostName, r.AgentStatus, r.ProtectStatus, r.HostStatus, r.NodeType, r.DetectResult)
	set.Add(nodeInterrupted, boolValue(r.Interrupted), target, r.HostID)
	set.Add(nodeDegraded, boolValue(r.Degraded), target, r.HostID)
	for i, kind := range RiskKinds {
		if v, ok := known(r.Risks[i]); ok {
			set.Add(nodeRisks, v, target, r.HostID, kind)
		}
	}
}

// EmitUnit emits the series of one unit of part p; members are a node
// unit's nodes, as indexes into s.Nodes.
func (s *Snapshot) EmitUnit(set *expo.Set, target string, p Part, members []int) {
	if members == nil {
		members = []int{}
	}
	emitters[p](set, target, &s.Data, members)
}

// Emit emits every series s shows at now, as a scrape would.
func (s *Snapshot) Emit(set *expo.Set, target string, now time.Time) {
	for p := range NumParts {
		if s.Shows(p, now) {
			emitters[p](set, target, &s.Data, nil)
		}
	}
}

// UpDesc is the health of each posture part a process reads; a part it
// does not read (turned off, or on a shard other than 0) has no series.
var UpDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "posture", "up"),
	"1 when the last read of the posture part (nodes, events, quotas) succeeded, else 0 (0 before the first read); present only where the part is read: turned on, and on shard 0.",
	[]string{"target", "part"}, nil)

// CollectUp emits hss_posture_up for every part the target reads.
func (s *State) CollectUp(ch chan<- prometheus.Metric, target string) {
	up, read := s.Up()
	for p := range NumParts {
		if read[p] {
			ch <- expo.ConstMetric(UpDesc, prometheus.GaugeValue, boolValue(up[p]), target, parts[p].name)
		}
	}
}

// known passes a count on, leaving a negative one out: HSS has no
// negative counts, so -1 means "not known".
func known(n int64) (float64, bool) { return float64(n), n >= 0 }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
