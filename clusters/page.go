package clusters

import (
	"cmp"
	"maps"
	"slices"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// The cluster series, kept encoded as the inventory's are: each snapshot
// is encoded once, when its sweep lands, and a scrape copies its bytes.
// Gathered per scrape instead, 100,000 hss_container_cluster_info series
// cost a scrape about a second. The families' own HELP texts hold no
// backslash, quote or newline, as the encoder requires.
var (
	clusterContainersFamily = expo.NewFamily("hss_cluster_containers",
		"Pod containers per Kubernetes cluster and status (Running, Terminated, Waiting), from HSS ListContainers; cached, refreshed every refresh_interval. cluster_name is empty for a pod container no cluster manages.",
		[]string{"target", "cluster_name", "cluster_id", "cluster_type", "status"})
	clusterImageContainersFamily = expo.NewFamily("hss_cluster_image_containers",
		"Pod containers per Kubernetes cluster and image, the image named as the inventory names it (by container_id), else from ListContainers' image_name; cached.",
		[]string{"target", "cluster_name", "image_name", "image_version"})
	clusterRestartsFamily = expo.NewFamily("hss_cluster_container_restarts",
		"Sum of restart_count over the cluster's pod containers, from ListContainers; cached. It falls when a container goes: use delta or deriv, not rate.",
		[]string{"target", "cluster_name"})
	clusterRiskyFamily = expo.NewFamily("hss_cluster_risky_containers",
		"Pod containers of the cluster with at least one risk of the severity (fatal, high, medium, low), from ListContainers; cached.",
		[]string{"target", "cluster_name", "severity"})
	// Compact: one series per pod container, most of the cluster bytes.
	containerClusterInfoFamily = expo.NewFamily("hss_container_cluster_info",
		"1 for each pod container ListContainers lists, with its cluster and status; only with container_info: true. Join on container_id with hss_container_info.",
		[]string{"target", "container_id", "cluster_name", "status"}).Compact()

	familyTable = expo.NewTable(clusterContainersFamily, clusterImageContainersFamily,
		clusterRestartsFamily, clusterRiskyFamily, containerClusterInfoFamily)
)

// seriesOf write the cluster series of one snapshot; adding a metric is
// adding a family above and a row here. Series are written in key order,
// so a page reads the same from one scrape to the next.
var seriesOf = []func(set *expo.Set, target string, s *Snapshot){
	func(set *expo.Set, target string, s *Snapshot) {
		for _, k := range sortedKeys(s.States, func(a, b StateKey) int {
			return cmp.Or(cmp.Compare(a.ClusterName, b.ClusterName), cmp.Compare(a.ClusterID, b.ClusterID),
				cmp.Compare(a.ClusterType, b.ClusterType), cmp.Compare(a.Status, b.Status))
		}) {
			set.Add(clusterContainersFamily, float64(s.States[k]), target, k.ClusterName, k.ClusterID, k.ClusterType, k.Status)
		}
	},
	func(set *expo.Set, target string, s *Snapshot) {
		for _, k := range sortedKeys(s.Images, func(a, b ImageKey) int {
			return cmp.Or(cmp.Compare(a.ClusterName, b.ClusterName), cmp.Compare(a.ImageName, b.ImageName),
				cmp.Compare(a.ImageVersion, b.ImageVersion))
		}) {
			set.Add(clusterImageContainersFamily, float64(s.Images[k]), target, k.ClusterName, k.ImageName, k.ImageVersion)
		}
	},
	func(set *expo.Set, target string, s *Snapshot) {
		for _, cluster := range sortedKeys(s.Restarts, cmp.Compare[string]) {
			set.Add(clusterRestartsFamily, float64(s.Restarts[cluster]), target, cluster)
		}
	},
	func(set *expo.Set, target string, s *Snapshot) {
		for _, k := range sortedKeys(s.Risky, func(a, b RiskKey) int {
			return cmp.Or(cmp.Compare(a.ClusterName, b.ClusterName), cmp.Compare(a.Severity, b.Severity))
		}) {
			set.Add(clusterRiskyFamily, float64(s.Risky[k]), target, k.ClusterName, k.Severity)
		}
	},
	func(set *expo.Set, target string, s *Snapshot) {
		for _, p := range s.Placements { // in list order: sorting 100,000 buys nothing
			set.Add(containerClusterInfoFamily, 1, target, p.ContainerID, p.ClusterName, p.Status)
		}
	},
}

func sortedKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	return slices.SortedFunc(maps.Keys(m), compare)
}

// encode writes the series of a target's snapshot once, for every scrape
// that serves it. Label values are sanitised already; the Set still
// leaves out any duplicate, which would fail a whole scrape.
func encode(target string, s *Snapshot) []expo.EncodedFamily {
	lines := expo.NewLineEncoder(familyTable)
	set := expo.NewSet(familyTable, lines.Emitter())
	for _, emit := range seriesOf {
		emit(set, target, s)
	}
	set.Flush()
	var out []expo.EncodedFamily
	for i, ch := range lines.Chunks() {
		if ch.Size() > 0 {
			out = append(out, expo.EncodedFamily{Family: familyTable.Families()[i], Samples: expo.NewSegment(ch)})
		}
	}
	return out
}

// Segments is the cluster part of the page (metricshandler.Cached): for
// each family with samples, sorted by name, its HELP and TYPE once, then
// the samples of every target served now, in configuration order. A
// target whose rows are older than max_staleness is left out, as at a
// gather.
func (s *Set) Segments() []expo.Segment {
	now := s.opts.Now()
	page := familyTable.NewPage()
	for _, src := range s.all() {
		snap, _ := src.serving(now)
		if snap == nil {
			continue
		}
		for i := range snap.encoded {
			page.Add(&snap.encoded[i])
		}
	}
	return page.Segments()
}
