package dashboards

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckAggregation(t *testing.T) {
	t.Parallel()
	const ik = "target, image_name, image_version, image_digest"
	tests := []struct {
		name, expr string
		ok         bool
	}{
		{"sum of max by shard", `sum(max by (` + ik + `, shard) (hss_image_containers{target=~"$target"}))`, true},
		{"sum by of max by shard", `sum by (target, host_id) (max by (target, host_id, shard) (hss_host_containers))`, true},
		{"through a subquery", `sum(delta((sum by (` + ik + `) (max by (` + ik + `, shard) (hss_image_containers)))[1m:]))`, true},
		{"under topk", `topk(15, sum by (pod_name) (max by (target, pod_id, pod_name, shard) (hss_pod_containers)))`, true},
		{"namespace rule as a count", `sum by (namespace) (max by (target, namespace, shard) (hss:namespace_containers))`, true},
		{"fact as max", `max by (` + ik + `) (hss_image_vulnerabilities) > 0`, true},
		{"fact as topk 1", `topk by (` + ik + `) (1, hss_image_info)`, true},
		{"self-metrics are per process", `hss_up == 0`, true},
		{"a matcher naming a family", `sum(max by (target, shard) (up{x="hss_image_containers("}))`, true},
		{"plain sum double counts an HA pair", `sum(hss_image_containers)`, false},
		{"raw series", `hss_host_containers > 0`, false},
		{"namespace rule summed over an HA pair", `sum by (namespace) (hss:namespace_image_containers)`, false},
		{"max without shard loses shards", `sum(max by (target, host_id) (hss_host_containers))`, false},
		{"max by shard and instance keeps HA pairs apart", `sum(max by (target, host_id, shard, instance) (hss_host_containers))`, false},
		{"max by shard without a sum", `max by (target, host_id, shard) (hss_host_containers)`, false},
		{"postfix by is not read", `sum(max(hss_host_containers) by (target, shard))`, false},
		{"fact summed over shards", `sum by (` + ik + `) (hss_image_vulnerabilities)`, false},
		{"fact by instance", `max by (` + ik + `, instance) (hss_image_vulnerabilities)`, false},
		{"fact by shard", `max by (` + ik + `, shard) (hss_image_info)`, false},
		{"join of a raw fact", `sum(max by (` + ik + `, shard) (hss_image_containers)) and on (` + ik + `) hss_image_info`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckAggregation(tt.expr)
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

// TestDashboardsDeduplicate requires every inventory query to add shards
// up and count an HA pair once (see CountFamilies and FactFamilies), so a
// panel reverting to sum(hss_host_containers) fails here.
func TestDashboardsDeduplicate(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, name := range Files {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		queries, err := Queries(data)
		require.NoError(t, err)
		for _, q := range queries {
			if strings.HasPrefix(q.Where, "variable ") {
				continue // label_values lists names; nothing is counted
			}
			require.NoError(t, CheckAggregation(q.Expr), "%s %s: %s", name, q.Where, q.Expr)
			if len(seriesRE.FindAllString(q.Expr, -1)) > 0 {
				checked++
			}
		}
	}
	require.Greater(t, checked, 20, "the inventory panels were not found")
}
