package collector

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// postureOn is a target configuration reading every posture part, as
// config.Load makes it by default.
func postureOn() config.Target {
	return config.Target{EnterpriseProjectID: hssfake.AllEnterpriseProjects, Images: config.Images{Discover: true},
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 2, RefreshInterval: time.Minute,
			MaxStaleness: 30 * time.Minute},
		Posture: config.Posture{Nodes: true, Events: true, Quotas: true, EventsLastDays: 7}}
}

// scraped parses what /metrics serves (scrapeChecked): the bytes encoded
// at publish.
func scraped(t *testing.T, e *Exporter) []*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	byName, err := p.TextToMetricFamilies(strings.NewReader(scrapeChecked(t, e)))
	require.NoError(t, err)
	var out []*dto.MetricFamily
	for _, mf := range byName {
		out = append(out, mf)
	}
	return out
}

// collected gathers the Exporter as a prometheus.Collector.
func collected(t *testing.T, e *Exporter) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	return mfs
}

// seriesKey names one series: its family and labels, sorted by name.
func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, labels[k])
	}
	return b.String()
}

// postureSeries returns every series of the named families, by seriesKey.
func postureSeries(mfs []*dto.MetricFamily, names ...string) map[string]float64 {
	out := map[string]float64{}
	for _, mf := range mfs {
		if !slices.Contains(names, mf.GetName()) {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			out[seriesKey(mf.GetName(), labels)] = m.GetGauge().GetValue()
		}
	}
	return out
}

var (
	nodeFamilies  = []string{"hss_node_info", "hss_node_protection_interrupted", "hss_node_protection_degraded", "hss_node_risks"}
	eventFamilies = []string{"hss_security_events_unhandled"}
	quotaFamilies = []string{"hss_quota"}
	inventoryFams = []string{"hss_image_containers", "hss_image_public_containers", "hss_image_info", "hss_host_containers",
		"hss_pod_containers", "hss_image_vulnerabilities", "hss_container_info"}
)

// postureTruth is what the posture series must be for the fleet the
// stand-in serves with enterprise project ep, by family group.
func postureTruth(f *hssfake.Fleet, ep string, lastDays int) (nodes, events, quotas map[string]float64) {
	nodes, events, quotas = map[string]float64{}, map[string]float64{}, map[string]float64{}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	for _, n := range f.NodesIn(ep) {
		id := map[string]string{"target": "demo", "host_id": n.HostID}
		nodes[seriesKey("hss_node_info", map[string]string{"target": "demo", "host_id": n.HostID, "host_name": n.HostName,
			"agent_status": n.AgentStatus, "protect_status": n.ProtectStatus, "host_status": n.HostStatus,
			"node_type": n.ContainerTags, "detect_result": n.DetectResult})] = 1
		nodes[seriesKey("hss_node_protection_interrupted", id)] = b(n.ProtectInterrupt)
		nodes[seriesKey("hss_node_protection_degraded", id)] = b(n.ProtectDegradation)
		for kind, v := range map[string]int64{"vulnerability": n.Vulnerability, "intrusion": n.Intrusion, "asset": n.Asset} {
			nodes[seriesKey("hss_node_risks", map[string]string{"target": "demo", "host_id": n.HostID, "kind": kind})] = float64(v)
		}
	}
	for _, category := range []string{hssfake.CategoryHost, hssfake.CategoryContainer} {
		c := f.EventCounts(hssfake.EventQuery{Category: category, HandleStatus: hssfake.EventUnhandled,
			LastDays: lastDays, EnterpriseProjectID: ep})
		for severity, v := range map[string]int{"low": c.Low, "medium": c.Medium, "high": c.High, "critical": c.Critical} {
			events[seriesKey("hss_security_events_unhandled", map[string]string{"target": "demo",
				"category": category, "severity": severity})] = float64(v)
		}
	}
	for _, q := range f.Quotas(hssfake.QuotaQuery{EnterpriseProjectID: ep}) {
		edition := strings.TrimPrefix(q.Version, "hss.version.")
		for state, v := range map[string]int{"total": q.Total, "used": q.Used, "available": q.Available} {
			quotas[seriesKey("hss_quota", map[string]string{"target": "demo", "edition": edition, "state": state})] = float64(v)
		}
	}
	return nodes, events, quotas
}

// requirePostureTruth checks that both what /metrics serves and what the
// Exporter collects hold exactly the fleet's posture.
func requirePostureTruth(t *testing.T, env *testEnv, ep string) {
	t.Helper()
	nodes, events, quotas := postureTruth(env.fleet, ep, 7)
	require.NotEmpty(t, nodes)
	for name, mfs := range map[string][]*dto.MetricFamily{"scraped": scraped(t, env.e), "collected": collected(t, env.e)} {
		require.Equal(t, nodes, postureSeries(mfs, nodeFamilies...), "%s node series", name)
		require.Equal(t, events, postureSeries(mfs, eventFamilies...), "%s event series", name)
		require.Equal(t, quotas, postureSeries(mfs, quotaFamilies...), "%s quota series", name)
	}
}

// postureUp returns hss_posture_up by part.
func postureUp(t *testing.T, e *Exporter) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, mf := range collected(t, e) {
		if mf.GetName() != "hss_posture_up" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "part" {
					out[lp.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	return out
}
