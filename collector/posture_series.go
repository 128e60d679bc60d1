package collector

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// postureCached is appended to every posture HELP text, as cached is to
// the inventory's.
const postureCached = " Cached: read again every refresh_interval; a part that fails keeps its last good values until max_staleness."

func newPostureFamily(subsystem, name, help string, labels []string) *family {
	return expo.NewFamily(prometheus.BuildFQName(namespace, subsystem, name), help+postureCached, labels)
}

var nodeLabels = []string{"target", "host_id"}

// The posture families. They join the inventory's on target and host_id:
// hss_host_containers counts the containers of each host.
var (
	nodeInfo = newPostureFamily("node", "info",
		"Container node listed by ListContainerNodes, with its HSS agent and protection state; value is always 1. node_type is container_tags (cce, self, other).",
		[]string{"target", "host_id", "host_name", "agent_status", "protect_status", "host_status", "node_type", "detect_result"})
	nodeInterrupted = newPostureFamily("node", "protection_interrupted",
		"1 when HSS reports the node's protection interrupted (protect_interrupt), else 0.", nodeLabels)
	nodeDegraded = newPostureFamily("node", "protection_degraded",
		"1 when HSS reports the node's protection degraded (protect_degradation; the reason is on the status page), else 0.", nodeLabels)
	nodeRisks = newPostureFamily("node", "risks",
		"Risks HSS found on the node, by kind: vulnerability, intrusion or asset.", []string{"target", "host_id", "kind"})
	eventsUnhandled = newPostureFamily("security", "events_unhandled",
		"Unhandled security events of the category (host, container) by severity over the last events_last_days days, as ShowEventSeverity counts them.",
		[]string{"target", "category", "severity"})
	quota = newPostureFamily("", "quota",
		"HSS protection quotas of the edition by state: total, used, available. edition is the version without its hss.version. prefix.",
		[]string{"target", "edition", "state"})
)

// riskKinds are the values of hss_node_risks' kind label, in nodeRow.risks order.
var riskKinds = [...]string{"vulnerability", "intrusion", "asset"}

// eventSeverities are the values of the severity label, in eventRow.counts order.
var eventSeverities = [...]string{"low", "medium", "high", "critical"}

// quotaStates are the values of hss_quota's state label.
var quotaStates = [...]string{"total", "used", "available"}

// editionPrefix starts every edition HSS names (hss.version.enterprise,
// hss.version.container.enterprise); the edition label leaves it out.
const editionPrefix = "hss.version."

// editionLabel is the edition label of a quota's version: without the
// common prefix, or as HSS gave it when it lacks the prefix.
func editionLabel(version string) string {
	return strings.TrimPrefix(version, editionPrefix)
}

// nodeRow returns the sanitised row of a node, with its fingerprint.
func (t *target) nodeRow(z *sanitizer, n *hssclient.ContainerNode) nodeRow {
	r := nodeRow{hostID: z.clean(n.HostID), hostName: z.clean(n.HostName), agentStatus: z.clean(n.AgentStatus),
		protectStatus: z.clean(n.ProtectStatus), hostStatus: z.clean(n.HostStatus), nodeType: z.clean(n.ContainerTags),
		detectResult: z.clean(n.DetectResult), interrupted: n.ProtectInterrupt, degraded: n.ProtectDegradation,
		reason: z.clean(n.DegradationReason), risks: [len(riskKinds)]int64{n.Vulnerability, n.Intrusion, n.Asset}}
	h := t.units.hash(r.hostID, r.hostName, r.agentStatus, r.protectStatus, r.hostStatus, r.nodeType, r.detectResult, r.reason)
	r.bucket = uint16(t.units.hash(r.hostID) % nodeBuckets)
	r.fp = mix(t.units.seed, h, uint64(boolValue(r.interrupted))<<1|uint64(boolValue(r.degraded)),
		uint64(r.risks[0]), uint64(r.risks[1]), uint64(r.risks[2]))
	return r
}

// collectNode emits the series of one node.
func collectNode(set *expo.Set, target string, r *nodeRow) {
	set.Add(nodeInfo, 1, target, r.hostID, r.hostName, r.agentStatus, r.protectStatus, r.hostStatus, r.nodeType, r.detectResult)
	set.Add(nodeInterrupted, boolValue(r.interrupted), target, r.hostID)
	set.Add(nodeDegraded, boolValue(r.degraded), target, r.hostID)
	for i, kind := range riskKinds {
		if v, ok := known(r.risks[i]); ok {
			set.Add(nodeRisks, v, target, r.hostID, kind)
		}
	}
}

// collectEvents emits the unhandled event counts.
func collectEvents(set *expo.Set, target string, rows []eventRow) {
	for _, r := range rows {
		for i, severity := range eventSeverities {
			if v, ok := known(r.counts[i]); ok {
				set.Add(eventsUnhandled, v, target, r.category, severity)
			}
		}
	}
}

// collectQuotas emits the quotas. Two rows of one edition (HSS lists one
// each) are summed, as two quotas of it.
func collectQuotas(set *expo.Set, target string, rows []quotaRow) {
	for _, r := range rows {
		for i, v := range [len(quotaStates)]int64{r.total, r.used, r.available} {
			if f, ok := known(v); ok {
				set.Sum(quota, f, target, r.edition, quotaStates[i])
			}
		}
	}
}

// collectPosture emits every posture series s shows at now, as a scrape
// would: for Exporter.Collect.
func (s *snapshot) collectPosture(emit expo.Emitter, now time.Time) {
	ps := s.posture
	if ps == nil {
		return
	}
	set := expo.NewSet(familyTable, emit)
	if ps.shows(partNodes, now) {
		for i := range ps.nodes {
			collectNode(set, s.target, &ps.nodes[i])
		}
	}
	if ps.shows(partEvents, now) {
		collectEvents(set, s.target, ps.events)
	}
	if ps.shows(partQuotas, now) {
		collectQuotas(set, s.target, ps.quotas)
	}
	set.Flush()
}
