package hssfake

import (
	"net/http"
	"strings"
	"time"
)

// containerBaseInfo is ContainerBaseInfo. The cluster fields are left out
// for a pod container no cluster manages, the limits when unlimited, so
// clients must cope with missing keys.
type containerBaseInfo struct {
	ID            string `json:"id"`
	RegionID      string `json:"region_id"`
	ContainerID   string `json:"container_id"`
	ContainerName string `json:"container_name"`
	ImageName     string `json:"image_name"`
	Status        string `json:"status"`
	CreateTime    int64  `json:"create_time"`
	CPULimit      string `json:"cpu_limit,omitempty"`
	MemoryLimit   string `json:"memory_limit,omitempty"`
	RestartCount  int    `json:"restart_count"`
	PodName       string `json:"pod_name"`
	ClusterName   string `json:"cluster_name,omitempty"`
	ClusterID     string `json:"cluster_id,omitempty"`
	ClusterType   string `json:"cluster_type,omitempty"`
	Risky         bool   `json:"risky"`
	LowRisk       int    `json:"low_risk"`
	MediumRisk    int    `json:"medium_risk"`
	HighRisk      int    `json:"high_risk"`
	FatalRisk     int    `json:"fatal_risk"`
}

type kubePage struct {
	TotalNum       int64               `json:"total_num"`
	LastUpdateTime int64               `json:"last_update_time"`
	DataList       []containerBaseInfo `json:"data_list"`
}

var kubeEnums = map[string][]string{"cluster_container": {"true", "false"}}

// kubeSyncInterval is how often HSS refreshes what ListContainers answers
// from: last_update_time is the server's clock rounded down to it.
const kubeSyncInterval = 5 * time.Minute

// handleKubernetesContainers is ListContainers: the pod containers of the
// fleet, in fleet order, the same containers (IDs, names, pods, images)
// ListLocalImageContainers lists. The SDK's request model has no region
// header here; one sent must name this region.
func (s *Server) handleKubernetesContainers(w http.ResponseWriter, r *http.Request) {
	req, ok := s.admitList(w, r, OpListContainers, false)
	if !ok || !checkEnums(w, req.query, kubeEnums) ||
		!checkLength(w, req.query, "container_name", "pod_name", "image_name") {
		return
	}
	moving := s.movingList(req)
	if moving {
		s.removeHead(func(snap *snapshot) []int { return s.matchKube(snap, req) })
	}
	snap := s.Fleet().view()
	rows := s.matchKube(snap, req)
	start, end, total := s.pageBounds(len(rows), req, moving)
	page := kubePage{TotalNum: total, LastUpdateTime: s.now().Truncate(kubeSyncInterval).UnixMilli(),
		DataList: make([]containerBaseInfo, 0, end-start)}
	for _, ci := range rows[start:end] {
		page.DataList = append(page.DataList, s.baseInfo(snap, ci))
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) baseInfo(snap *snapshot, ci int) containerBaseInfo {
	c := snap.containers[ci]
	k := c.Kube
	info := containerBaseInfo{
		ID: hashHex("kube-row:"+c.ID, 32), RegionID: s.opts.Region, ContainerID: c.ID,
		ContainerName: c.Name, ImageName: kubeImageName(snap.images[snap.imageIdx[c.ImageID]]),
		Status: k.Status, CPULimit: k.CPULimit, MemoryLimit: k.MemoryLimit,
		RestartCount: k.RestartCount, PodName: c.PodName,
		ClusterName: k.Cluster.Name, ClusterID: k.Cluster.ID, ClusterType: k.Cluster.Type,
		Risky: k.Risks.Any(), LowRisk: k.Risks.Low, MediumRisk: k.Risks.Medium,
		HighRisk: k.Risks.High, FatalRisk: k.Risks.Fatal,
	}
	if !k.CreateTime.IsZero() {
		info.CreateTime = k.CreateTime.UnixMilli()
	}
	return info
}

// kubeImageName is the image_name ListContainers reports: name:version.
func kubeImageName(img Image) string {
	if img.Version == "" {
		return img.Name
	}
	return img.Name + ":" + img.Version
}

// matchKube returns the indexes, in fleet order, of the pod containers
// matching the query, within the visible enterprise projects (a
// container's is its image's). container_name, pod_name and image_name
// (against name:version) are substring matches, as HSS's other name
// filters are. cluster_container=true keeps the containers a cluster
// manages, false the others; left out, it keeps both. (The API reference
// documents false as its default without saying what false selects; the
// client leaves it out.)
func (s *Server) matchKube(snap *snapshot, req listRequest) []int {
	q := req.query
	cluster, byCluster := q["cluster_container"]
	var rows []int
	for ci, c := range snap.containers {
		ii := snap.imageIdx[c.ImageID]
		switch {
		case c.PodID == "",
			!s.epVisible(req, snap.imageEP(ii)),
			!strings.Contains(c.Name, q["container_name"]),
			!strings.Contains(c.PodName, q["pod_name"]),
			!strings.Contains(kubeImageName(snap.images[ii]), q["image_name"]),
			byCluster && (c.Kube.Cluster != Cluster{}) != (cluster == "true"):
			continue
		}
		rows = append(rows, ci)
	}
	return rows
}
