package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/deploy"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

func TestMain(m *testing.M) { testtool.Main(m) }

func load(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	var d map[string]any
	require.NoError(t, json.Unmarshal(data, &d), "%s is not valid JSON", name)
	return d
}

// allPanels flattens rows and their nested panels.
func allPanels(d map[string]any) []map[string]any {
	var out []map[string]any
	var walk func([]any)
	walk = func(ps []any) {
		for _, p := range ps {
			m := p.(map[string]any)
			out = append(out, m)
			if nested, ok := m["panels"].([]any); ok {
				walk(nested)
			}
		}
	}
	walk(d["panels"].([]any))
	return out
}

func variables(d map[string]any) map[string]map[string]any {
	vars := map[string]map[string]any{}
	for _, v := range d["templating"].(map[string]any)["list"].([]any) {
		m := v.(map[string]any)
		vars[m["name"].(string)] = m
	}
	return vars
}

// TestDashboardsImportAnywhere checks what makes a dashboard import into
// any Grafana: current schema, unique ids, and every query going through
// the ${datasource} variable rather than a datasource of the author's.
func TestDashboardsImportAnywhere(t *testing.T) {
	t.Parallel()
	wantVars := map[string][]string{
		"hss-inventory.json": {"datasource", "job", "instance", "target", "image"},
		"hss-exporter.json":  {"datasource", "job", "instance", "target"},
	}
	uids := map[string]bool{}
	for _, name := range Files {
		t.Run(name, func(t *testing.T) {
			d := load(t, name)
			require.GreaterOrEqual(t, d["schemaVersion"], float64(39))
			require.NotEmpty(t, d["title"])
			uid := d["uid"].(string)
			require.False(t, uids[uid], "duplicate dashboard uid %s", uid)
			uids[uid] = true

			vars := variables(d)
			for _, v := range wantVars[name] {
				require.Contains(t, vars, v, "template variable %s", v)
			}
			require.Equal(t, "datasource", vars["datasource"]["type"])
			require.Equal(t, "prometheus", vars["datasource"]["query"])

			ids := map[float64]bool{}
			for _, p := range allPanels(d) {
				id := p["id"].(float64)
				require.False(t, ids[id], "duplicate panel id %v", id)
				ids[id] = true
				require.Contains(t, p, "gridPos")
				if p["type"] == "row" {
					continue
				}
				require.NotEmpty(t, p["title"], "panel %v", id)
				require.Equal(t, "${datasource}", p["datasource"].(map[string]any)["uid"], "panel %v datasource", id)
				targets := p["targets"].([]any)
				require.NotEmpty(t, targets, "panel %v has no query", id)
				for _, tg := range targets {
					require.Equal(t, "${datasource}", tg.(map[string]any)["datasource"].(map[string]any)["uid"], "panel %v", id)
				}
			}
			for _, v := range vars {
				if v["type"] == "query" {
					require.Equal(t, "${datasource}", v["datasource"].(map[string]any)["uid"], "variable %s", v["name"])
				}
			}
		})
	}
}

var (
	seriesNameRE = regexp.MustCompile(`\b(hss_[a-z_]+|up|process_[a-z_]+)\b`)
	quotedRE     = regexp.MustCompile(`"[^"]*"`)
)

// TestDashboardsUsePromisedMetrics catches a misspelt metric name, which
// would leave a panel empty forever.
func TestDashboardsUsePromisedMetrics(t *testing.T) {
	t.Parallel()
	for _, name := range Files {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		queries, err := Queries(data)
		require.NoError(t, err)
		require.NotEmpty(t, queries)
		for _, q := range queries {
			for _, m := range seriesNameRE.FindAllString(quotedRE.ReplaceAllString(q.Expr, `""`), -1) {
				if strings.HasPrefix(m, "hss_") {
					require.True(t, deploy.KnownSeriesName(m), "%s %s: unknown metric %s", name, q.Where, m)
				}
			}
		}
	}
}

// TestDashboardsPromQLParses has promtool parse every query, written as a
// recording rule. Whether they return data is the end-to-end test's job.
func TestDashboardsPromQLParses(t *testing.T) {
	t.Parallel()
	promtool := testtool.Need(t, testtool.Promtool)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboards\n    rules:\n")
	n := 0
	for _, name := range Files {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		queries, err := Queries(data)
		require.NoError(t, err)
		for _, q := range queries {
			n++
			expr, err := json.Marshal(Substitute(q.Expr, "1m"))
			require.NoError(t, err)
			fmt.Fprintf(&rules, "      # %s %s\n      - record: dashboard_query_%d\n        expr: %s\n", name, q.Where, n, expr)
		}
	}
	path := filepath.Join(t.TempDir(), "dashboards.rules.yml")
	require.NoError(t, os.WriteFile(path, []byte(rules.String()), 0o644))
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	require.NoError(t, err, "%s\n%s", out, rules.String())
	require.Contains(t, string(out), fmt.Sprintf("SUCCESS: %d rules found", n))
}

func TestSubstitute(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`rate(x{target=~"$target"}[$__rate_interval])`, `rate(x{target=~".*"}[1m])`},
		{`x{target=~"${target}",image_name=~"$image"}`, `x{target=~".*",image_name=~".*"}`},
		{`x{job=~"$job",instance=~"${instance}"}`, `x{job=~".+",instance=~".+"}`},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Substitute(tt.in, "1m"))
	}
}

func TestQueriesReadsVariables(t *testing.T) {
	t.Parallel()
	data := []byte(`{"panels":[{"id":1,"title":"r","type":"row","panels":[{"id":2,"title":"p","targets":[{"refId":"A","expr":"up"}]}]}],
		"templating":{"list":[{"name":"target","type":"query","definition":"label_values(hss_up, target)"},{"name":"datasource","type":"datasource"}]}}`)
	q, err := Queries(data)
	require.NoError(t, err)
	require.Equal(t, []Query{{Where: "panel 2 (p) A", Expr: "up"}, {Where: "variable target", Expr: "hss_up"}}, q)
}
