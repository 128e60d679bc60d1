package hssfake

// Severities of ClusterSeverityKey, as the exporter labels them.
const (
	SeverityFatal  = "fatal"
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"
)

// ClusterStateKey is one cluster and one container status.
type ClusterStateKey struct {
	Cluster Cluster
	Status  string
}

// ClusterImageKey is one cluster (by name) and one image, named as the
// local-image listing names it.
type ClusterImageKey struct {
	ClusterName, ImageName, ImageVersion string
}

// ClusterSeverityKey is one cluster (by name) and one risk severity.
type ClusterSeverityKey struct {
	ClusterName, Severity string
}

// ContainerCluster is where ListContainers places one container.
type ContainerCluster struct {
	ClusterName, Status string
}

// ClusterTruth is what a correct reader of ListContainers, joined to the
// local-image listing by container_id, must find. A pod container no
// cluster manages counts under the zero Cluster (cluster name "").
type ClusterTruth struct {
	// Containers is the number of rows ListContainers lists.
	Containers int
	// States counts containers per cluster and status.
	States map[ClusterStateKey]int
	// Images counts containers per cluster and image.
	Images map[ClusterImageKey]int
	// Restarts sums restart_count per cluster name; a cluster whose
	// containers never restarted is there as 0.
	Restarts map[string]int
	// Risky counts containers with at least one risk of a severity, per
	// cluster name; every cluster has all four severities, 0 included.
	Risky map[ClusterSeverityKey]int
	// ByContainer places each listed container, by container_id.
	ByContainer map[string]ContainerCluster
}

// ClusterTruth returns what ListContainers lists with the given
// enterprise_project_id query value ("" for the default project,
// AllEnterpriseProjects for all) and no other filter.
func (f *Fleet) ClusterTruth(enterpriseProjectID string) ClusterTruth {
	s := f.view()
	t := ClusterTruth{States: map[ClusterStateKey]int{}, Images: map[ClusterImageKey]int{},
		Restarts: map[string]int{}, Risky: map[ClusterSeverityKey]int{},
		ByContainer: map[string]ContainerCluster{}}
	for _, c := range s.containers {
		ii := s.imageIdx[c.ImageID]
		if c.PodID == "" || !epMatches(enterpriseProjectID, s.imageEP(ii)) {
			continue
		}
		k, name := c.Kube, c.Kube.Cluster.Name
		img := s.images[ii]
		t.Containers++
		t.States[ClusterStateKey{k.Cluster, k.Status}]++
		t.Images[ClusterImageKey{name, img.Name, img.Version}]++
		t.Restarts[name] += k.RestartCount
		for sev, n := range map[string]int{SeverityFatal: k.Risks.Fatal, SeverityHigh: k.Risks.High,
			SeverityMedium: k.Risks.Medium, SeverityLow: k.Risks.Low} {
			key := ClusterSeverityKey{name, sev}
			t.Risky[key] += 0
			if n > 0 {
				t.Risky[key]++
			}
		}
		t.ByContainer[c.ID] = ContainerCluster{name, k.Status}
	}
	return t
}
