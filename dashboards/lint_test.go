package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDashboardsPassTheLinterRules holds every panel, including panels
// added later, to grafana/dashboard-linter's rules (see lint.go): every
// query selects job=~"$job" and instance=~"$instance", every panel has a
// unit, a description and the ${datasource}, and the dashboard is not
// editable. A new panel fails here until it follows them.
func TestDashboardsPassTheLinterRules(t *testing.T) {
	t.Parallel()
	for _, name := range Files {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(name)
			require.NoError(t, err)
			problems, err := Lint(data)
			require.NoError(t, err)
			var lines []string
			for _, p := range problems {
				lines = append(lines, p.String())
			}
			require.Empty(t, lines, "%s breaks the dashboard-linter rules (dashboards/lint.go says why):\n%s",
				name, strings.Join(lines, "\n"))
		})
	}
}

// goodDashboard passes every rule; each case of TestLintFindsEachRule
// breaks one thing in it.
func goodDashboard() map[string]any {
	ds := map[string]any{"type": "prometheus", "uid": "${datasource}"}
	variable := func(name, label, query string) map[string]any {
		return map[string]any{"name": name, "label": label, "type": "query", "datasource": ds,
			"query": map[string]any{"query": query}, "multi": true, "allValue": ".+", "refresh": 2.0}
	}
	return map[string]any{
		"editable": false,
		"templating": map[string]any{"list": []any{
			map[string]any{"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus"},
			variable("job", "Job", "label_values(up, job)"),
			variable("instance", "Instance", `label_values(up{job=~"$job"}, instance)`),
		}},
		"panels": []any{
			map[string]any{"id": 1.0, "type": "row", "title": "Row", "panels": []any{}},
			map[string]any{"id": 2.0, "type": "timeseries", "title": "Requests", "description": "API requests.",
				"datasource": ds, "fieldConfig": map[string]any{"defaults": map[string]any{"unit": "reqps"}},
				"targets": []any{map[string]any{"refId": "A",
					"expr": `sum by (code) (rate(hss_exporter_api_requests_total{job=~"$job",instance=~"$instance"}[$__rate_interval]))`}}},
		},
	}
}

func TestLintFindsEachRule(t *testing.T) {
	t.Parallel()
	panel := func(d map[string]any) map[string]any { return d["panels"].([]any)[1].(map[string]any) }
	variable := func(d map[string]any, i int) map[string]any {
		return d["templating"].(map[string]any)["list"].([]any)[i].(map[string]any)
	}
	setExpr := func(expr string) func(map[string]any) {
		return func(d map[string]any) { panel(d)["targets"].([]any)[0].(map[string]any)["expr"] = expr }
	}
	tests := []struct {
		rule  string
		spoil func(map[string]any)
	}{
		{"uneditable-dashboard", func(d map[string]any) { d["editable"] = true }},
		{"template-datasource-rule", func(d map[string]any) { variable(d, 0)["name"] = "ds" }},
		{"template-job-rule", func(d map[string]any) { variable(d, 1)["name"] = "job_name" }},
		{"template-job-rule", func(d map[string]any) { variable(d, 1)["allValue"] = ".*" }},
		{"template-instance-rule", func(d map[string]any) { variable(d, 2)["multi"] = false }},
		{"template-datasource-rule", func(d map[string]any) { variable(d, 2)["datasource"] = map[string]any{"uid": "prom-1"} }},
		{"template-on-time-change-reload-rule", func(d map[string]any) { variable(d, 1)["refresh"] = 1.0 }},
		{"template-label-promql-rule", func(d map[string]any) { variable(d, 1)["query"] = map[string]any{"query": "up"} }},
		{"template-label-promql-rule", func(d map[string]any) {
			variable(d, 1)["query"] = map[string]any{"query": "label_values(up{job=, job)"}
		}},
		{"panel-title-description-rule", func(d map[string]any) { delete(panel(d), "description") }},
		{"panel-datasource-rule", func(d map[string]any) { panel(d)["datasource"] = map[string]any{"uid": "prom-1"} }},
		{"panel-units-rule", func(d map[string]any) { delete(panel(d), "fieldConfig") }},
		{"panel-units-rule", func(d map[string]any) {
			panel(d)["fieldConfig"] = map[string]any{"defaults": map[string]any{"unit": "furlongs"}}
		}},
		{"panel-no-targets-rule", func(d map[string]any) { panel(d)["targets"] = []any{} }},
		{"target-job-rule", setExpr(`sum(rate(x_total{instance=~"$instance"}[$__rate_interval]))`)},
		{"target-job-rule", setExpr(`sum(rate(x_total{job="hss_exporter",instance=~"$instance"}[$__rate_interval]))`)},
		{"target-instance-rule", setExpr(`up{job=~"$job"} and on (job) hss_up{job=~"$job",instance=~"$instance"}`)},
		{"target-rate-interval-rule", setExpr(`rate(x_total{job=~"$job",instance=~"$instance"}[5m])`)},
		{"target-counter-agg-rule", setExpr(`sum(x_total{job=~"$job",instance=~"$instance"})`)},
		{"target-promql-rule", setExpr(`sum(up{job=~"$job",instance=~"$instance"}`)},
	}
	good, err := json.Marshal(goodDashboard())
	require.NoError(t, err)
	problems, err := Lint(good)
	require.NoError(t, err)
	require.Empty(t, problems, "the good dashboard passes")
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", i, tt.rule), func(t *testing.T) {
			d := goodDashboard()
			tt.spoil(d)
			data, err := json.Marshal(d)
			require.NoError(t, err)
			problems, err := Lint(data)
			require.NoError(t, err)
			require.NotEmpty(t, problems)
			for _, p := range problems {
				require.Equal(t, tt.rule, p.Rule, "%s", p)
			}
		})
	}
}

func TestLintAcceptsWhatTheLinterExempts(t *testing.T) {
	t.Parallel()
	d := goodDashboard()
	p := d["panels"].([]any)[1].(map[string]any)
	p["type"] = "stat"
	p["fieldConfig"] = map[string]any{"defaults": map[string]any{"mappings": []any{map[string]any{"type": "value"}}}}
	data, err := json.Marshal(d)
	require.NoError(t, err)
	problems, err := Lint(data)
	require.NoError(t, err)
	require.Empty(t, problems, "value mappings stand in for a unit")
}
