package main

import (
	"testing"

	"github.com/go-kit/log"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/shard"
)

// TestTargetsShareTheBudgetOfTheirUserAndShardsDivideIt builds the
// exporter for three targets, two of them with one access key, and reads
// the budget each was given.
func TestTargetsShareTheBudgetOfTheirUserAndShardsDivideIt(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(`
global: {api_calls_per_minute: 6}
targets:
  - {name: a, region: cn-north-4, project_id: p1, auth: {access_key: SHAREDKEY0001, secret_key: s1}, images: {discover: true}}
  - {name: b, region: cn-north-4, project_id: p2, auth: {access_key: SHAREDKEY0001, secret_key: s1}, images: {discover: true},
     api_calls_per_minute: 4}
  - {name: c, region: cn-north-4, project_id: p3, auth: {access_key: OTHERKEY00001, secret_key: s2}, images: {discover: true}}
`), ".")
	require.NoError(t, err)
	for _, tc := range []struct {
		shards int
		want   map[string]float64
	}{
		{1, map[string]float64{"a": 4, "b": 4, "c": 6}},
		{2, map[string]float64{"a": 2, "b": 2, "c": 3}},
	} {
		opts := collector.Options{Shard: shard.Spec{Index: 0, Total: tc.shards}}
		_, reg, _, err := buildExporter(cfg, log.NewNopLogger(), opts)
		require.NoError(t, err)
		mfs, err := reg.Gather()
		require.NoError(t, err)
		got := map[string]float64{}
		for _, mf := range mfs {
			if mf.GetName() != "hss_exporter_api_budget_configured_calls_per_minute" {
				continue
			}
			for _, m := range mf.GetMetric() {
				got[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		}
		require.Equal(t, tc.want, got, "%d shard(s): a and b share a key and its lower budget; each shard takes its share", tc.shards)
	}
}

// The cluster source's series sit in the registry beside the exporter's
// own: its ListContainers budget joins their budget family, and only
// shard 0 reads clusters; clusters: false leaves a target out.
func TestClusterSourceRegistersBesideTheExporterOnShardZero(t *testing.T) {
	cfg, err := config.Parse([]byte(`
targets:
  - {name: a, region: cn-north-4, project_id: p1, auth: {access_key: SHAREDKEY0001, secret_key: s1}, images: {discover: true}}
  - {name: b, region: cn-north-4, project_id: p2, auth: {access_key: SHAREDKEY0001, secret_key: s1}, images: {discover: true},
     clusters: false}
`), ".")
	require.NoError(t, err)
	for shardIndex, want := range map[int]map[string]bool{0: {"a": true}, 1: {}} {
		opts := collector.Options{Shard: shard.Spec{Index: shardIndex, Total: 2}}
		_, reg, _, err := buildExporter(cfg, log.NewNopLogger(), opts)
		require.NoError(t, err)
		mfs, err := reg.Gather()
		require.NoError(t, err, "the families of both collectors agree")
		up, budgets := map[string]bool{}, map[string]bool{}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				switch {
				case mf.GetName() == "hss_clusters_up":
					up[labels["target"]] = true
				case mf.GetName() == "hss_exporter_api_budget_calls_per_minute" && labels["operation"] == "ListContainers":
					budgets[labels["target"]] = true
				}
			}
		}
		require.Equal(t, want, up, "shard %d", shardIndex)
		require.Equal(t, want, budgets, "shard %d", shardIndex)
	}
}
