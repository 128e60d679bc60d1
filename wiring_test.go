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
