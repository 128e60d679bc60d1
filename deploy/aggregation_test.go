package deploy_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/dashboards"
)

// TestAlertsDeduplicate holds the rules to the dashboards' shape: an
// inventory series is read as the sum over shards of the max over an HA
// pair (counts) or the max over replicas (facts), so an HA pair fires one
// alert and no shard's containers are lost. Self-metrics are per process.
func TestAlertsDeduplicate(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("prometheus/alerts.yml")
	require.NoError(t, err)
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(data, &f))
	inventory := 0
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			require.NoError(t, dashboards.CheckAggregation(r.Expr), "alert %s", r.Alert)
			for _, family := range append(dashboards.CountFamilies, dashboards.FactFamilies...) {
				if containsWord(r.Expr, family) {
					inventory++
					break
				}
			}
		}
	}
	require.Equal(t, 7, inventory, "the security rules read the inventory, the posture and the clusters")
}

func containsWord(s, word string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(word) + `\b`).MatchString(s)
}
