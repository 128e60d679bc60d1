package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hss-exporter/hss_exporter/internal/statuspage"
	"github.com/stretchr/testify/require"
)

// TestShardFlagsRefuseWhatNoReplicaSetCanBe: wrong shard or jitter flags
// stop the exporter at start with exit code 2 and a message naming the
// flag, before any configuration is read or API called.
func TestShardFlagsRefuseWhatNoReplicaSetCanBe(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--shard=4", "--total-shards=4"}, nil, "--shard=4: must be between 0 and --total-shards-1 (3)"},
		{[]string{"--shard=-1", "--total-shards=2"}, nil, "--shard=-1"},
		{[]string{"--total-shards=0"}, nil, "--total-shards=0: must be at least 1"},
		{[]string{"--refresh.jitter=1"}, nil, "--refresh.jitter=1: must be at least 0 and below 1"},
		{[]string{"--refresh.jitter=-0.1"}, nil, "--refresh.jitter=-0.1"},
		{[]string{"--shard.from-pod-name", "--total-shards=3"}, map[string]string{"HOSTNAME": "hss-exporter-7d9f-x2x9q"},
			`HOSTNAME="hss-exporter-7d9f-x2x9q": pod name does not end in -<ordinal>`},
		{[]string{"--shard.from-pod-name", "--total-shards=3"}, map[string]string{"POD_NAME": "hss-exporter-3"},
			"--shard.from-pod-name gave --shard=3: must be between 0 and --total-shards-1 (2)"},
		{[]string{"--total-shards=2"}, map[string]string{"HSS_EXPORTER_SHARD": "2"}, "$HSS_EXPORTER_SHARD=2: must be between 0 and --total-shards-1 (1)"},
	}
	for _, c := range cases {
		t.Setenv("POD_NAME", "")
		t.Setenv("HOSTNAME", "")
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		var stderr bytes.Buffer
		code := run(context.Background(), append(c.args, "--config.file=/nonexistent/hss.yml"), &bytes.Buffer{}, &stderr)
		require.Equal(t, 2, code, "%v %v: %s", c.args, c.env, stderr.String())
		require.Contains(t, stderr.String(), c.want, c.args)
	}
}

// TestShardFromPodName runs the demo as pod hss-exporter-3 of a StatefulSet
// of 4, configured from the environment as a manifest would: the ordinal
// comes from HOSTNAME and shows on /metrics and /api/v1/status.
func TestShardFromPodName(t *testing.T) {
	t.Setenv("POD_NAME", "")
	t.Setenv("HOSTNAME", "hss-exporter-3")
	t.Setenv("HSS_EXPORTER_TOTAL_SHARDS", "4")
	t.Setenv("HSS_EXPORTER_SHARD_FROM_POD_NAME", "true")
	r := startExporter(t, "--demo", "--refresh.jitter=0")
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	_, text, err := httpGet(http.DefaultClient, r.base+"/metrics")
	require.NoError(t, err)
	families := parseMetrics(t, text)
	gauge := func(name string) float64 {
		require.Contains(t, families, name)
		require.Len(t, families[name].GetMetric(), 1, name)
		return families[name].GetMetric()[0].GetGauge().GetValue()
	}
	require.Equal(t, 3.0, gauge("hss_exporter_shard_ordinal"))
	require.Equal(t, 4.0, gauge("hss_exporter_total_shards"))
	owned, discovered := gauge("hss_exporter_shard_images_owned"), gauge("hss_exporter_shard_images_discovered")
	require.Positive(t, owned)
	require.Less(t, owned, discovered, "shard 3 of 4 owns a share of the images")
	require.Equal(t, owned, float64(len(families["hss_image_info"].GetMetric())), "it exports only the images it owns")

	_, body, err := httpGet(http.DefaultClient, r.base+"/api/v1/status")
	require.NoError(t, err)
	var st statuspage.StatusReport
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	require.Equal(t, 3, st.Shard)
	require.Equal(t, 4, st.TotalShards)
	require.Equal(t, int(owned), st.Targets[0].ImagesOwned)
	require.Contains(t, r.logs.String(), "total_shards=4")
}
