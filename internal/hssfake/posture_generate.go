package hssfake

import (
	"math/rand"
	"strconv"
)

// postureSeed separates the posture's random stream from the inventory's, so
// adding posture left every generated image and container as it was.
const postureSeed = 0x5eed_0de5

var degradationReasons = []string{"insufficient memory", "kernel not supported", "agent resource limit"}

// Enterprise project names of the generated fleet, by ID.
var epNames = map[string]string{
	DefaultEnterpriseProject:    "default",
	GeneratedEnterpriseProjectA: "project-a",
	GeneratedEnterpriseProjectB: "project-b",
}

// genPosture gives a generated fleet its nodes, quotas and events.
func genPosture(f *Fleet, opts GenerateOptions, hosts []genHost) {
	rng := rand.New(rand.NewSource(opts.Seed ^ postureSeed))
	withContainers := map[string]bool{}
	for _, c := range f.containers {
		withContainers[c.HostID] = true
	}
	f.nodes = genNodes(rng, hosts, withContainers)
	f.quotas = bindQuotas(rng, f.nodes, opts.quotaSpare(), DefaultEnterpriseProject)
	f.events = genEvents(rng, f.nodes, f.containers)
	f.prng = rand.New(rand.NewSource(rng.Int63()))
}

// quotaSpare returns the idle quotas per edition: QuotaSpare, or the
// defaults.
func (o GenerateOptions) quotaSpare() func(edition string, used int) int {
	return func(edition string, used int) int {
		if o.QuotaSpare != nil {
			return max(o.QuotaSpare[edition], 0)
		}
		switch edition {
		case EditionContainer:
			return max(2, used/10)
		case EditionBasic:
			return 3
		}
		return 0 // the enterprise edition is exhausted
	}
}

// genNodes makes the nodes of hosts. States follow a host's rank in a
// random order, in a cycle of ten, so every state shows once there are ten
// hosts: rank%10 = 0 healthy "other" node; 1 agent offline; 3 protection
// closed; 4 not listed at all (every other cycle, hosts with containers
// only); 5 protection interrupted; 7 degraded; 9 agent uninstalled though
// HSS still lists its containers (every other cycle). The rest are healthy.
// A few nodes without containers and without agent follow.
func genNodes(rng *rand.Rand, hosts []genHost, withContainers map[string]bool) []Node {
	rank := make([]int, len(hosts))
	for r, i := range rng.Perm(len(hosts)) {
		rank[i] = r
	}
	nodes := make([]Node, 0, len(hosts)+len(hosts)/25+2)
	for i, h := range hosts {
		r := rank[i]
		if r%10 == 4 && (r/10)%2 == 0 && withContainers[h.id] {
			continue // a host HSS does not list as a node
		}
		nodes = append(nodes, genNode(rng, h, r))
	}
	for i := range max(2, len(hosts)/25) {
		n := Node{HostID: uuid(rng), HostName: "ecs-k8s-new-" + strconv.Itoa(i),
			HostStatus: HostActive, AgentStatus: AgentNotInstalled, ProtectStatus: ProtectClosed,
			ContainerTags: NodeTagCCE, DetectResult: DetectUndetected, GroupName: "cce-cluster-prod",
			PrivateIP: "192.168.240." + strconv.Itoa(i%250+2)}
		if i == 0 {
			n.HostStatus = HostBuilding
		}
		nodes = append(nodes, n)
	}
	return nodes
}

func genNode(rng *rand.Rand, h genHost, r int) Node {
	n := Node{AgentID: h.agent, HostID: h.id, HostName: h.name, HostStatus: HostActive,
		AgentStatus: AgentOnline, ProtectStatus: ProtectOpened, ContainerTags: NodeTagCCE,
		PrivateIP: h.ip, PublicIP: h.eip, GroupName: "cce-cluster-prod"}
	if h.docker {
		n.ContainerTags, n.GroupName = NodeTagSelf, "self-built"
	}
	cycle := r / 10
	switch r % 10 {
	case 0:
		n.ContainerTags, n.GroupName = NodeTagOther, "legacy"
	case 1:
		n.AgentStatus = AgentOffline
		n.HostStatus = []string{HostShutoff, HostActive, HostError}[cycle%3]
	case 3:
		n.ProtectStatus = ProtectClosed
	case 5:
		n.ProtectInterrupt = true
	case 7:
		n.ProtectDegradation = true
		n.DegradationReason = degradationReasons[cycle%len(degradationReasons)]
	case 9:
		if cycle%2 == 1 {
			n.AgentID, n.AgentStatus, n.ProtectStatus = "", AgentNotInstalled, ProtectClosed
		}
	}
	switch r % 20 {
	case 12:
		n.EnterpriseProjectID = GeneratedEnterpriseProjectA
	case 16:
		n.EnterpriseProjectID = GeneratedEnterpriseProjectB
	}
	genRisks(rng, &n, r%10 == 8 && cycle%2 == 1)
	return n
}

// genRisks sets the risk counts and detection result of a node with an
// agent; a node without one was never scanned.
func genRisks(rng *rand.Rand, n *Node, scanning bool) {
	if n.AgentStatus == AgentNotInstalled {
		n.DetectResult = DetectUndetected
		return
	}
	if rng.Intn(10) < 6 {
		n.Vulnerability = int64(rng.Intn(60))
	}
	if rng.Intn(10) == 0 {
		n.Intrusion = int64(1 + rng.Intn(3))
	}
	if rng.Intn(10) < 3 {
		n.Asset = int64(rng.Intn(8))
	}
	n.DetectResult = DetectClean
	switch {
	case scanning:
		n.DetectResult = DetectScanning
	case n.Vulnerability+n.Intrusion+n.Asset > 0:
		n.DetectResult = DetectRisk
	}
}

// editionOf is the edition whose quota protects n.
func editionOf(n Node) string {
	if n.ContainerTags == NodeTagOther {
		return EditionEnterprise
	}
	return EditionContainer
}

// bindQuotas gives every node with protection opened a quota of its
// edition, then adds spare(edition, used) idle quotas per edition.
func bindQuotas(rng *rand.Rand, nodes []Node, spare func(edition string, used int) int, ep string) []QuotaResource {
	var quotas []QuotaResource
	used := map[string]int{}
	for i := range nodes {
		n := &nodes[i]
		if n.ProtectStatus != ProtectOpened {
			continue
		}
		q := newQuota(rng, editionOf(*n), ep)
		q.HostID, n.ResourceID = n.HostID, q.ID
		n.PolicyGroupID, n.PolicyGroupName = policyGroup(q.Version)
		quotas = append(quotas, q)
		used[q.Version]++
	}
	for _, ed := range editions {
		for range spare(ed, used[ed]) {
			quotas = append(quotas, newQuota(rng, ed, ep))
		}
	}
	return quotas
}

func newQuota(rng *rand.Rand, edition, ep string) QuotaResource {
	q := QuotaResource{ID: uuid(rng), Version: edition, ChargingMode: "packet_cycle", Shared: true}
	if ep != DefaultEnterpriseProject {
		q.EnterpriseProjectID = ep
	}
	if rng.Intn(5) == 0 {
		q.ChargingMode = "on_demand"
	}
	return q
}

// policyGroup is the default policy group of an edition.
func policyGroup(edition string) (id, name string) {
	name = "tenant_enterprise_policy_group"
	if edition == EditionContainer {
		name = "container_default_policy_group"
	}
	return hashHex("policy-group:"+edition, 32), name
}

// deriveNodes makes a protected, online node with a container-edition quota
// for every host of a hand-built fleet, in order of first appearance.
func deriveNodes(containers []Container) ([]Node, []QuotaResource) {
	var nodes []Node
	seen := map[string]int{}
	for _, c := range containers {
		if i, ok := seen[c.HostID]; ok {
			if c.PodID != "" {
				nodes[i].ContainerTags = NodeTagCCE
			}
			continue
		}
		seen[c.HostID] = len(nodes)
		n := Node{AgentID: c.AgentID, HostID: c.HostID, HostName: c.HostName, HostStatus: HostActive,
			AgentStatus: AgentOnline, ProtectStatus: ProtectOpened, ContainerTags: NodeTagSelf,
			PrivateIP: c.PrivateIP, PublicIP: c.PublicIP, DetectResult: DetectClean}
		if c.PodID != "" {
			n.ContainerTags = NodeTagCCE
		}
		nodes = append(nodes, n)
	}
	rng := rand.New(rand.NewSource(int64(len(nodes))))
	quotas := bindQuotas(rng, nodes, func(string, int) int { return 0 }, DefaultEnterpriseProject)
	return nodes, quotas
}
