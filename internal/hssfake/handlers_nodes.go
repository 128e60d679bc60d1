package hssfake

import (
	"net/http"
	"slices"
	"strings"
)

// containerNodeInfo is ContainerNodeInfo. Optional strings are left out
// when empty, so clients must cope with missing keys.
type containerNodeInfo struct {
	AgentID               string `json:"agent_id,omitempty"`
	HostID                string `json:"host_id"`
	HostName              string `json:"host_name"`
	HostStatus            string `json:"host_status"`
	AgentStatus           string `json:"agent_status"`
	ProtectStatus         string `json:"protect_status"`
	ProtectInterrupt      bool   `json:"protect_interrupt"`
	ProtectDegradation    bool   `json:"protect_degradation"`
	DegradationReason     string `json:"degradation_reason,omitempty"`
	ContainerTags         string `json:"container_tags"`
	PrivateIP             string `json:"private_ip,omitempty"`
	PublicIP              string `json:"public_ip,omitempty"`
	ResourceID            string `json:"resource_id,omitempty"`
	GroupName             string `json:"group_name,omitempty"`
	EnterpriseProjectName string `json:"enterprise_project_name,omitempty"`
	DetectResult          string `json:"detect_result"`
	Asset                 int64  `json:"asset"`
	Vulnerability         int64  `json:"vulnerability"`
	Intrusion             int64  `json:"intrusion"`
	PolicyGroupID         string `json:"policy_group_id,omitempty"`
	PolicyGroupName       string `json:"policy_group_name,omitempty"`
}

type nodePage struct {
	TotalNum int64               `json:"total_num"`
	DataList []containerNodeInfo `json:"data_list"`
}

// maxNameLength bounds host_name and similar string filters (128 characters
// in the API reference).
const maxNameLength = 128

var nodeEnums = map[string][]string{
	"agent_status":   {"installed", AgentNotInstalled, AgentOnline, AgentOffline, "install_failed", "installing"},
	"protect_status": {ProtectClosed, ProtectOpened},
	"container_tags": {NodeTagCCE, NodeTagSelf, NodeTagOther},
}

// handleNodes is ListContainerNodes. The region header is optional, as in
// the SDK's request model, but must name this region when sent.
func (s *Server) handleNodes(w http.ResponseWriter, r *http.Request) {
	req, ok := s.admitList(w, r, OpListContainerNodes, false)
	if !ok || !checkEnums(w, req.query, nodeEnums) || !checkLength(w, req.query, "host_name") {
		return
	}
	snap := s.Fleet().postureView()
	var rows []int
	for i, n := range snap.nodes {
		if s.nodeMatches(n, req) {
			rows = append(rows, i)
		}
	}
	start, end, total := s.pageBounds(len(rows), req, false)
	page := nodePage{TotalNum: total, DataList: make([]containerNodeInfo, 0, end-start)}
	for _, i := range rows[start:end] {
		page.DataList = append(page.DataList, nodeInfo(snap.nodes[i]))
	}
	writeJSON(w, http.StatusOK, page)
}

// nodeMatches applies the filters: host_name is a substring match;
// agent_status "installed" matches every node with an agent.
func (s *Server) nodeMatches(n Node, req listRequest) bool {
	q := req.query
	agent := q["agent_status"]
	switch {
	case !s.epVisible(req, orDefault(n.EnterpriseProjectID)),
		q["host_name"] != "" && !strings.Contains(n.HostName, q["host_name"]),
		agent == "installed" && n.AgentStatus == AgentNotInstalled,
		agent != "" && agent != "installed" && n.AgentStatus != agent,
		q["protect_status"] != "" && n.ProtectStatus != q["protect_status"],
		q["container_tags"] != "" && n.ContainerTags != q["container_tags"]:
		return false
	}
	return true
}

func nodeInfo(n Node) containerNodeInfo {
	ep := orDefault(n.EnterpriseProjectID)
	name := epNames[ep]
	if name == "" {
		name = ep
	}
	return containerNodeInfo{
		AgentID: n.AgentID, HostID: n.HostID, HostName: n.HostName, HostStatus: n.HostStatus,
		AgentStatus: n.AgentStatus, ProtectStatus: n.ProtectStatus, ProtectInterrupt: n.ProtectInterrupt,
		ProtectDegradation: n.ProtectDegradation, DegradationReason: n.DegradationReason,
		ContainerTags: n.ContainerTags, PrivateIP: n.PrivateIP, PublicIP: n.PublicIP,
		ResourceID: n.ResourceID, GroupName: n.GroupName, EnterpriseProjectName: name,
		DetectResult: n.DetectResult, Asset: n.Asset, Vulnerability: n.Vulnerability,
		Intrusion: n.Intrusion, PolicyGroupID: n.PolicyGroupID, PolicyGroupName: n.PolicyGroupName,
	}
}

// checkEnums answers 400 HSS.0001 for the first parameter, present, whose
// value is not among its allowed ones.
func checkEnums(w http.ResponseWriter, q map[string]string, enums map[string][]string) bool {
	names := make([]string, 0, len(enums))
	for name := range enums {
		names = append(names, name)
	}
	slices.Sort(names) // the same parameter is named whatever the map order
	for _, name := range names {
		if v, present := q[name]; present && !slices.Contains(enums[name], v) {
			invalidParam(w, name)
			return false
		}
	}
	return true
}

// checkLength answers 400 HSS.0001 for a string filter over maxNameLength.
func checkLength(w http.ResponseWriter, q map[string]string, names ...string) bool {
	for _, name := range names {
		if len([]rune(q[name])) > maxNameLength {
			invalidParam(w, name)
			return false
		}
	}
	return true
}
