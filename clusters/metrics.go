package clusters

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/exposition"
)

const namespace = "hss"

var (
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

var _ prometheus.Collector = (*Set)(nil)

// Describe sends nothing: the set adds a row to a family the exporter's
// own collector owns (hss_exporter_api_budget_calls_per_minute), which a
// checked collector may not, so it is registered unchecked. The registry
// still checks at each gather that the families agree.
func (s *Set) Describe(chan<- *prometheus.Desc) {}

// Collect serves every source's health, gathered per scrape so the ages
// stay live; the cluster series themselves are kept encoded (Segments).
func (s *Set) Collect(ch chan<- prometheus.Metric) {
	now := s.opts.Now()
	for _, src := range s.all() {
		name := src.tg.Config.Name
		snap, up := src.serving(now)
		ch <- gauge(clustersUpDesc, boolValue(up), name)
		sweep, age := 0.0, 0.0
		if snap != nil {
			sweep, age = snap.Duration.Seconds(), max(now.Sub(snap.Taken), 0).Seconds()
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
