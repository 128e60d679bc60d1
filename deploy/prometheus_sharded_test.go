package deploy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// shardedExample returns the commented-out sharded job of a Prometheus
// configuration, uncommented: the "# - job_name: hss_exporter" line and
// the commented lines indented under it.
func shardedExample(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var block []string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "  # - job_name: hss_exporter" || (len(block) > 0 && strings.HasPrefix(line, "  #   ")) {
			block = append(block, "  "+strings.TrimPrefix(line, "  # "))
		} else if len(block) > 0 {
			break
		}
	}
	require.NotEmpty(t, block, "%s has no commented sharded job", path)
	return strings.Join(block, "\n") + "\n"
}

// TestShardedScrapeExamples swaps each example configuration's
// hss_exporter job for its commented sharded one and checks the result
// with promtool: a valid job, one target per shard 0..M-1, each with its
// shard label, so the example a user uncomments works with the rules.
func TestShardedScrapeExamples(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"prometheus/prometheus.yml", "compose/prometheus.yml"} {
		t.Run(path, func(t *testing.T) {
			var jobs []map[string]any
			require.NoError(t, yaml.Unmarshal([]byte(shardedExample(t, path)), &jobs))
			require.Len(t, jobs, 1)
			require.Equal(t, "hss_exporter", jobs[0]["job_name"], "the alert rules select job=hss_exporter")
			statics := jobs[0]["static_configs"].([]any)
			require.GreaterOrEqual(t, len(statics), 2)
			for i, sc := range statics {
				require.Equal(t, strconv.Itoa(i), dig(t, sc, "labels", "shard"), "target %d", i)
			}

			cfg := readYAML(t, path)
			var others []any
			for _, j := range cfg["scrape_configs"].([]any) {
				if j.(map[string]any)["job_name"] != "hss_exporter" {
					others = append(others, j)
				}
			}
			cfg["scrape_configs"] = append([]any{jobs[0]}, others...)
			var rules []any
			for _, name := range ruleFiles {
				rules = append(rules, mustAbs(t, "prometheus/"+name))
			}
			cfg["rule_files"] = rules
			out, err := yaml.Marshal(cfg)
			require.NoError(t, err)
			file := filepath.Join(t.TempDir(), "prometheus.yml")
			require.NoError(t, os.WriteFile(file, out, 0o644))
			requireRulesLoaded(t, runTool(t, ".", testtool.Promtool, "check", "config", file))
		})
	}
}
