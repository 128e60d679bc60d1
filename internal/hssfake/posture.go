package hssfake

import (
	"cmp"
	"slices"
	"time"
)

// Values of Node fields, as ListContainerNodes reports them.
const (
	AgentNotInstalled = "not_installed"
	AgentOnline       = "online"
	AgentOffline      = "offline"

	ProtectOpened = "opened"
	ProtectClosed = "closed"

	HostActive   = "ACTIVE"
	HostShutoff  = "SHUTOFF"
	HostBuilding = "BUILDING"
	HostError    = "ERROR"

	NodeTagCCE   = "cce"
	NodeTagSelf  = "self"
	NodeTagOther = "other"

	DetectUndetected = "undetected"
	DetectClean      = "clean"
	DetectRisk       = "risk"
	DetectScanning   = "scanning"
)

// HSS editions (quota versions), as ShowResourceQuotas names them, in the
// order it lists them.
const (
	EditionNull       = "hss.version.null"
	EditionBasic      = "hss.version.basic"
	EditionAdvanced   = "hss.version.advanced"
	EditionEnterprise = "hss.version.enterprise"
	EditionPremium    = "hss.version.premium"
	EditionWTP        = "hss.version.wtp"
	EditionContainer  = "hss.version.container.enterprise"
)

var editions = []string{EditionNull, EditionBasic, EditionAdvanced, EditionEnterprise,
	EditionPremium, EditionWTP, EditionContainer}

// Node is one container node as ListContainerNodes reports it, plus its
// enterprise project.
type Node struct {
	AgentID            string // empty when no agent is installed
	HostID             string
	HostName           string
	HostStatus         string // ACTIVE, SHUTOFF, BUILDING, ERROR
	AgentStatus        string // not_installed, online, offline
	ProtectStatus      string // closed, opened
	ProtectInterrupt   bool
	ProtectDegradation bool
	DegradationReason  string
	ContainerTags      string // cce, self, other
	PrivateIP          string
	PublicIP           string
	// ResourceID is the quota protecting the node (see QuotaResource);
	// empty while protection is closed.
	ResourceID      string
	GroupName       string
	PolicyGroupID   string
	PolicyGroupName string
	DetectResult    string // undetected, clean, risk, scanning
	Asset           int64
	Vulnerability   int64
	Intrusion       int64
	// EnterpriseProjectID is the node's enterprise project; empty means
	// the default project "0".
	EnterpriseProjectID string
}

// Protected reports whether HSS protects the node fully: agent online,
// protection opened, neither interrupted nor degraded.
func (n Node) Protected() bool {
	return n.AgentStatus == AgentOnline && n.ProtectStatus == ProtectOpened &&
		!n.ProtectInterrupt && !n.ProtectDegradation
}

// Event is one security event, as far as ShowEventSeverity counts it.
type Event struct {
	Category      string // host, container, serverless
	Severity      string // Security, Low, Medium, High, Critical
	HandleStatus  string // unhandled, handled
	EventType     int
	EventName     string
	AttackTag     string
	AssetValue    string // important, common, test
	HostID        string
	HostName      string
	PrivateIP     string
	PublicIP      string
	ContainerName string
	// Age is how long before the server's clock the event occurred: the
	// events keep their place inside last_days windows whatever the clock.
	Age                 time.Duration
	EnterpriseProjectID string
}

// QuotaResource is one HSS protection quota. It is used while HostID
// names the node it protects, idle otherwise.
type QuotaResource struct {
	ID           string
	Version      string // an Edition* constant
	ChargingMode string // packet_cycle, on_demand
	Shared       bool   // shared_quota: shared, or unshared
	HostID       string
	// EnterpriseProjectID is the quota's enterprise project; empty means
	// the default project "0".
	EnterpriseProjectID string
}

// postureSnapshot is an immutable copy of a fleet's posture data.
type postureSnapshot struct {
	nodes  []Node
	events []Event
	quotas []QuotaResource
}

// postureView returns the current posture snapshot, building it after a
// change.
func (f *Fleet) postureView() *postureSnapshot {
	f.mu.RLock()
	s := f.psnap
	f.mu.RUnlock()
	if s != nil {
		return s
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.psnap == nil {
		f.psnap = &postureSnapshot{nodes: slices.Clone(f.nodes), events: slices.Clone(f.events),
			quotas: slices.Clone(f.quotas)}
	}
	return f.psnap
}

// Nodes returns a copy of every node HSS lists, in paging order, whatever
// their enterprise project.
func (f *Fleet) Nodes() []Node { return slices.Clone(f.postureView().nodes) }

// NodesIn returns the nodes a query with enterprise_project_id ep lists
// ("" for the default project, AllEnterpriseProjects for all).
func (f *Fleet) NodesIn(ep string) []Node {
	var out []Node
	for _, n := range f.postureView().nodes {
		if epMatches(ep, orDefault(n.EnterpriseProjectID)) {
			out = append(out, n)
		}
	}
	return out
}

// Events returns a copy of the security events.
func (f *Fleet) Events() []Event { return slices.Clone(f.postureView().events) }

// QuotaResources returns a copy of the protection quotas.
func (f *Fleet) QuotaResources() []QuotaResource { return slices.Clone(f.postureView().quotas) }

// UnlistedHosts returns the hosts that run containers visible with
// enterprise_project_id ep but that ListContainerNodes does not list at all,
// whatever the node's enterprise project.
func (f *Fleet) UnlistedHosts(ep string) []HostKey {
	listed := map[string]bool{}
	for _, n := range f.postureView().nodes {
		listed[n.HostID] = true
	}
	var out []HostKey
	for h := range f.Truth(ep).Hosts {
		if !listed[h.ID] {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b HostKey) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// SetNodes replaces the nodes; quotas are left as they are.
func (f *Fleet) SetNodes(nodes []Node) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes, f.psnap = slices.Clone(nodes), nil
}

// UpdateNode applies change to the node with hostID and reports whether
// it exists. It changes only that node: quotas are not rebound.
func (f *Fleet) UpdateNode(hostID string, change func(*Node)) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.nodes, func(n Node) bool { return n.HostID == hostID })
	if i < 0 {
		return false
	}
	change(&f.nodes[i])
	f.psnap = nil
	return true
}

// SetEvents replaces the security events.
func (f *Fleet) SetEvents(events []Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events, f.psnap = slices.Clone(events), nil
}

// SetQuotaResources replaces the protection quotas.
func (f *Fleet) SetQuotaResources(quotas []QuotaResource) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.quotas, f.psnap = slices.Clone(quotas), nil
}

func orDefault(ep string) string {
	if ep == "" {
		return DefaultEnterpriseProject
	}
	return ep
}
