package hssfake

import (
	"net/http"
	"slices"
)

// containerInfo is LocalImageContainerInfo. Fields the API often leaves out
// are omitted when empty, so clients must cope with missing keys.
type containerInfo struct {
	AgentID       string `json:"agent_id"`
	ContainerName string `json:"container_name"`
	ContainerID   string `json:"container_id"`
	HostID        string `json:"host_id"`
	HostName      string `json:"host_name"`
	PodID         string `json:"pod_id,omitempty"`
	PodName       string `json:"pod_name,omitempty"`
	PrivateIP     string `json:"private_ip,omitempty"`
	PublicIP      string `json:"public_ip,omitempty"`
	EntryPoint    string `json:"entry_point,omitempty"`
}

type containerPage struct {
	TotalNum int64           `json:"total_num"`
	DataList []containerInfo `json:"data_list"`
}

// handleContainers is ListLocalImageContainers.
func (s *Server) handleContainers(w http.ResponseWriter, r *http.Request) {
	req, ok := s.admitList(w, r, OpListLocalImageContainers, true)
	if !ok {
		return
	}
	moving := s.movingList(req)
	if moving {
		s.removeHead(func(snap *snapshot) []int { return s.matchContainers(snap, req) })
	}
	snap := s.Fleet().view()
	rows := s.matchContainers(snap, req)
	start, end, total := s.pageBounds(len(rows), req, moving)
	page := containerPage{TotalNum: total, DataList: make([]containerInfo, 0, end-start)}
	for _, ci := range rows[start:end] {
		c := snap.containers[ci]
		page.DataList = append(page.DataList, containerInfo{
			AgentID: c.AgentID, ContainerName: c.Name, ContainerID: c.ID,
			HostID: c.HostID, HostName: c.HostName, PodID: c.PodID, PodName: c.PodName,
			PrivateIP: c.PrivateIP, PublicIP: c.PublicIP, EntryPoint: c.EntryPoint,
		})
	}
	writeJSON(w, http.StatusOK, page)
}

// removeHead removes the first RemoveHeadRows containers of a listing's
// rows (indexes into snap.containers) from the fleet, as containers
// stopping between two pages of it.
func (s *Server) removeHead(match func(snap *snapshot) []int) {
	n := s.currentFaults().RemoveHeadRows
	snap := s.Fleet().view()
	rows := match(snap)
	for _, ci := range rows[:min(max(n, 0), len(rows))] {
		s.Fleet().RemoveContainer(snap.containers[ci].ID)
	}
}

// matchContainers returns the indexes, in fleet order, of the containers
// matching the query: by image (name, version, digest: each exact when
// given), container_id and agent_id, within the visible enterprise projects.
func (s *Server) matchContainers(snap *snapshot, req listRequest) []int {
	q := req.query
	name, version, digest := q["image_name"], q["image_version"], q["image_digest"]
	var rows []int
	for ii, img := range snap.images {
		if (name != "" && img.Name != name) || (version != "" && img.Version != version) ||
			(digest != "" && img.Digest != digest) || !s.epVisible(req, snap.imageEP(ii)) {
			continue
		}
		for _, ci := range snap.byImage[ii] {
			c := snap.containers[ci]
			if (q["container_id"] == "" || c.ID == q["container_id"]) &&
				(q["agent_id"] == "" || c.AgentID == q["agent_id"]) {
				rows = append(rows, ci)
			}
		}
	}
	slices.Sort(rows)
	return rows
}
