package clusters

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/exposition"
)

const namespace = "hss"

var (
	clusterContainersDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "cluster", "containers"),
		"Pod containers per Kubernetes cluster and status (Running, Terminated, Waiting), from HSS ListContainers; cached, refreshed every refresh_interval. cluster_name is empty for a pod container no cluster manages.",
		[]string{"target", "cluster_name", "cluster_id", "cluster_type", "status"}, nil)
	clusterImageContainersDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "cluster", "image_containers"),
		"Pod containers per Kubernetes cluster and image, the image named as the inventory names it (by container_id), else from ListContainers' image_name; cached.",
		[]string{"target", "cluster_name", "image_name", "image_version"}, nil)
	clusterRestartsDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "cluster", "container_restarts"),
		"Sum of restart_count over the cluster's pod containers, from ListContainers; cached. It falls when a container goes: use delta or deriv, not rate.",
		[]string{"target", "cluster_name"}, nil)
	clusterRiskyDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "cluster", "risky_containers"),
		"Pod containers of the cluster with at least one risk of the severity (fatal, high, medium, low), from ListContainers; cached.",
		[]string{"target", "cluster_name", "severity"}, nil)
	containerClusterInfoDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "container", "cluster_info"),
		"1 for each pod container ListContainers lists, with its cluster and status; only with container_info: true. Join on container_id with hss_container_info.",
		[]string{"target", "container_id", "cluster_name", "status"}, nil)
	clustersUpDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "clusters", "up"),
		"1 while the target's latest ListContainers sweep succeeded; 0 before the first and after a failure (the last good cluster rows are kept until max_staleness).",
		[]string{"target"}, nil)
	clustersSweepDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "clusters_sweep_seconds"),
		"Duration of the target's last completed ListContainers sweep (every page of 200 once), paced by the API budget; 0 before the first.",
		[]string{"target"}, nil)
	clustersListingAgeDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "clusters_listing_age_seconds"),
		"Age of the cluster rows served, from the end of the sweep that read them; 0 when none is served.",
		[]string{"target"}, nil)
	clustersSanitizedDesc = prometheus.NewDesc(prometheus.BuildFQName(namespace, "exporter", "clusters_label_values_sanitized_total"),
		"Label values from ListContainers changed to be valid, by the inventory's rule (see hss_exporter_label_values_sanitized_total).",
		[]string{"target"}, nil)
)

// seriesOf are the cluster series of one snapshot; adding a metric is
// adding a row.
var seriesOf = []func(ch chan<- prometheus.Metric, target string, s *Snapshot){
	func(ch chan<- prometheus.Metric, target string, s *Snapshot) {
		for k, n := range s.States {
			ch <- gauge(clusterContainersDesc, float64(n), target, k.ClusterName, k.ClusterID, k.ClusterType, k.Status)
		}
	},
	func(ch chan<- prometheus.Metric, target string, s *Snapshot) {
		for k, n := range s.Images {
			ch <- gauge(clusterImageContainersDesc, float64(n), target, k.ClusterName, k.ImageName, k.ImageVersion)
		}
	},
	func(ch chan<- prometheus.Metric, target string, s *Snapshot) {
		for cluster, n := range s.Restarts {
			ch <- gauge(clusterRestartsDesc, float64(n), target, cluster)
		}
	},
	func(ch chan<- prometheus.Metric, target string, s *Snapshot) {
		for k, n := range s.Risky {
			ch <- gauge(clusterRiskyDesc, float64(n), target, k.ClusterName, k.Severity)
		}
	},
	func(ch chan<- prometheus.Metric, target string, s *Snapshot) {
		for _, p := range s.Placements {
			ch <- gauge(containerClusterInfoDesc, 1, target, p.ContainerID, p.ClusterName, p.Status)
		}
	},
}

var _ prometheus.Collector = (*Set)(nil)

// Describe sends nothing: the set adds a row to a family the exporter's
// own collector owns (hss_exporter_api_budget_calls_per_minute), which a
// checked collector may not, so it is registered unchecked. The registry
// still checks at each gather that the families agree.
func (s *Set) Describe(chan<- *prometheus.Desc) {}

// Collect serves every source's last good snapshot, and its health.
func (s *Set) Collect(ch chan<- prometheus.Metric) {
	now := s.opts.Now()
	for _, src := range s.all() {
		name := src.tg.Config.Name
		snap, up := src.serving(now)
		ch <- gauge(clustersUpDesc, boolValue(up), name)
		sweep, age := 0.0, 0.0
		if snap != nil {
			sweep, age = snap.Duration.Seconds(), max(now.Sub(snap.Taken), 0).Seconds()
			for _, emit := range seriesOf {
				emit(ch, name, snap)
			}
		} else if last := src.state.Load().snap; last != nil {
			sweep = last.Duration.Seconds()
		}
		ch <- gauge(clustersSweepDesc, sweep, name)
		ch <- gauge(clustersListingAgeDesc, age, name)
		ch <- exposition.ConstMetric(clustersSanitizedDesc, prometheus.CounterValue, float64(src.sanitized.Load()), name)
		if src.tg.Pacer != nil {
			ch <- gauge(collector.BudgetDesc(), src.tg.Pacer.PerMinute(hssclient.OpListClusterContainers),
				name, hssclient.OpListClusterContainers)
		}
	}
}

// gauge is a gauge of upstream label values: an invalid one becomes an
// invalid metric the registry reports, never a panic.
func gauge(desc *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return exposition.ConstMetric(desc, prometheus.GaugeValue, v, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
