package statuspage

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/clusters"
)

// A target whose cluster source runs says so in the JSON and on the
// page; one that reads no clusters has null.
func TestStatusNamesTheClusterSourceWhereItRuns(t *testing.T) {
	env := newStatusEnv(t)
	require.Nil(t, buildStatus(env.exp, env.clock.Now(), "v", Options{}).Targets[0].Clusters)

	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	opts := Options{Clusters: func(target string) (clusters.Status, bool) {
		return clusters.Status{Up: true, Served: true, Containers: 3, Clusters: 1, LastSweepAt: &at, SweepSeconds: 0.2},
			target == "prod"
	}}
	r := buildStatus(env.exp, env.clock.Now(), "v", opts)
	require.Equal(t, &clusters.Status{Up: true, Served: true, Containers: 3, Clusters: 1, LastSweepAt: &at, SweepSeconds: 0.2},
		r.Targets[0].Clusters)
	var page bytes.Buffer
	require.NoError(t, statusTemplate.Execute(&page, r))
	require.Contains(t, page.String(), "3 pod containers in 1 cluster(s)")
}
