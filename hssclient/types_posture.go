package hssclient

import "time"

// ContainerNode is one row of ListContainerNodes (ContainerNodeInfo): a
// container node with its HSS agent and protection state. Every field may be
// missing upstream.
type ContainerNode struct {
	AgentID               string `json:"agent_id"`
	HostID                string `json:"host_id"` // joins Container.HostID
	HostName              string `json:"host_name"`
	HostStatus            string `json:"host_status"`    // ACTIVE, SHUTOFF, BUILDING, ERROR
	AgentStatus           string `json:"agent_status"`   // not_installed, online, offline
	ProtectStatus         string `json:"protect_status"` // closed, opened
	ProtectInterrupt      bool   `json:"protect_interrupt"`
	ProtectDegradation    bool   `json:"protect_degradation"`
	DegradationReason     string `json:"degradation_reason"`
	ContainerTags         string `json:"container_tags"` // cce, self, other
	PrivateIP             string `json:"private_ip"`
	PublicIP              string `json:"public_ip"`
	ResourceID            string `json:"resource_id"` // the HSS quota protecting the node
	GroupName             string `json:"group_name"`
	EnterpriseProjectName string `json:"enterprise_project_name"`
	PolicyGroupID         string `json:"policy_group_id"`
	PolicyGroupName       string `json:"policy_group_name"`
	DetectResult          string `json:"detect_result"` // undetected, clean, risk, scanning
	Asset                 int64  `json:"asset"`
	Vulnerability         int64  `json:"vulnerability"`
	Intrusion             int64  `json:"intrusion"`
}

// ContainerNodePage is one page of ListContainerNodes.
type ContainerNodePage struct {
	TotalNum int64           `json:"total_num"`
	DataList []ContainerNode `json:"data_list"`
}

// ListContainerNodesRequest holds the query of ListContainerNodes. Empty
// strings and zero Limit are left out of the query.
type ListContainerNodesRequest struct {
	EnterpriseProjectID string
	HostName            string
	// AgentStatus filters by agent: installed, not_installed, online,
	// offline, install_failed or installing.
	AgentStatus   string
	ProtectStatus string // closed or opened
	ContainerTags string // cce, self or other
	Offset        int64
	Limit         int
}

// ShowEventSeverityRequest holds the query of ShowEventSeverity. Category
// is required; LastDays excludes BeginTime and EndTime. Empty strings, zero
// numbers and zero times are left out of the query.
type ShowEventSeverityRequest struct {
	Category            string // host, container or serverless
	EnterpriseProjectID string
	LastDays            int
	BeginTime, EndTime  time.Time // sent as 13-digit Unix milliseconds
	HandleStatus        string    // unhandled or handled
	Severity            string    // Security, Low, Medium, High, Critical
	SeverityList        []string
	HostName            string
	HostID              string
	PrivateIP           string
	PublicIP            string
	ContainerName       string
	EventType           int
	AttackTag           string
	AssetValue          string
	EventName           string
}

// EventSeverity is ShowEventSeverity's answer: security event counts by
// severity.
type EventSeverity struct {
	TotalNum    int64 `json:"total_num"`
	LowNum      int64 `json:"low_num"`
	MediumNum   int64 `json:"medium_num"`
	HighNum     int64 `json:"high_num"`
	CriticalNum int64 `json:"critical_num"`
}

// ShowResourceQuotasRequest holds the query of ShowResourceQuotas. Empty
// strings are left out of the query.
type ShowResourceQuotasRequest struct {
	EnterpriseProjectID string
	Version             string // an edition, e.g. hss.version.container.enterprise
	ChargingMode        string // packet_cycle or on_demand
}

// ResourceQuotas is ShowResourceQuotas's answer: the protection quotas by
// edition.
type ResourceQuotas struct {
	DataList []ResourceQuota `json:"data_list" hss:"dropnull"`
}

// ResourceQuota is the quota of one edition (ResourceQuotasInfo).
type ResourceQuota struct {
	Version                string              `json:"version"`
	TotalNum               int64               `json:"total_num"`
	UsedNum                int64               `json:"used_num"`
	AvailableNum           int64               `json:"available_num"`
	AvailableResourcesList []AvailableResource `json:"available_resources_list" hss:"dropnull"`
}

// AvailableResource is one idle quota (AvailableResourceIdsInfo).
type AvailableResource struct {
	ResourceID  string `json:"resource_id"`
	CurrentTime string `json:"current_time"`
	SharedQuota string `json:"shared_quota"` // shared or unshared
}
