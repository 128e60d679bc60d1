package clusters

import (
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/internal/labelrule"
)

// Severities of hss_cluster_risky_containers, most severe first.
var severities = []string{"fatal", "high", "medium", "low"}

// StateKey is one cluster and one container status.
type StateKey struct {
	ClusterName, ClusterID, ClusterType, Status string
}

// ImageKey is one cluster (by name) and one image.
type ImageKey struct {
	ClusterName, ImageName, ImageVersion string
}

// RiskKey is one cluster (by name) and one risk severity.
type RiskKey struct {
	ClusterName, Severity string
}

// Placement is where one container runs: its cluster and status.
type Placement struct {
	ContainerID, ClusterName, Status string
}

// Snapshot is one complete sweep of a target's ListContainers, joined to
// the inventory's images: plain values, never changed once built, so a
// scrape reads it without a lock. Label values are sanitised.
type Snapshot struct {
	Taken      time.Time     // when the sweep ended
	Duration   time.Duration // how long it took
	Containers int           // rows counted
	States     map[StateKey]int
	Images     map[ImageKey]int
	Restarts   map[string]int64 // by cluster name; 0 included
	Risky      map[RiskKey]int  // every cluster has all four severities, 0 included
	// Placements lists every container with an ID; only kept with
	// container_info, for hss_container_cluster_info.
	Placements []Placement
	// encoded are the series above as a scrape serves them, written once
	// when the sweep lands.
	encoded []expo.EncodedFamily
}

// builder accumulates a sweep's rows into a Snapshot.
type builder struct {
	snap      Snapshot
	images    map[string]collector.ContainerImage // the inventory's, by container_id
	placement bool
	sanitized uint64 // label values the rule changed
}

func newBuilder(images map[string]collector.ContainerImage, placement bool) *builder {
	return &builder{images: images, placement: placement, snap: Snapshot{
		States: map[StateKey]int{}, Images: map[ImageKey]int{},
		Restarts: map[string]int64{}, Risky: map[RiskKey]int{},
	}}
}

// clean is the inventory's label rule, counting what it changed.
func (b *builder) clean(s string) string {
	v, changed := labelrule.Clean(s)
	if changed {
		b.sanitized++
	}
	return v
}

// add counts one row of ListContainers; EachClusterContainer has dropped
// the repeats of a container_id already.
func (b *builder) add(row hssclient.ClusterContainer) error {
	s := &b.snap
	id, cluster, status := b.clean(row.ContainerID), b.clean(row.ClusterName), b.clean(row.Status)
	s.Containers++
	s.States[StateKey{cluster, b.clean(row.ClusterID), b.clean(row.ClusterType), status}]++
	img, known := b.images[id]
	if !known || id == "" {
		name, version := splitImage(row.ImageName)
		img = collector.ContainerImage{Name: b.clean(name), Version: b.clean(version)}
	}
	s.Images[ImageKey{cluster, img.Name, img.Version}]++
	s.Restarts[cluster] += max(row.RestartCount, 0)
	for i, n := range []int64{row.FatalRisk, row.HighRisk, row.MediumRisk, row.LowRisk} {
		key := RiskKey{cluster, severities[i]}
		s.Risky[key] += 0
		if n > 0 {
			s.Risky[key]++
		}
	}
	if b.placement && id != "" {
		s.Placements = append(s.Placements, Placement{id, cluster, status})
	}
	return nil
}

// splitImage splits ListContainers' image_name into name and version for
// a container the inventory has not listed: a digest (name@sha256:...)
// is dropped, and the version is what follows the last ':' after the
// last '/', so a registry port (host:5000/name) stays in the name.
func splitImage(ref string) (name, version string) {
	if at := strings.IndexByte(ref, '@'); at >= 0 {
		ref = ref[:at]
	}
	colon := strings.LastIndexByte(ref, ':')
	if colon < 0 || colon < strings.LastIndexByte(ref, '/') {
		return ref, ""
	}
	return ref[:colon], ref[colon+1:]
}
