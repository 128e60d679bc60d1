package dashboards

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Problem is one rule of grafana/dashboard-linter that a dashboard breaks.
// Lint applies the linter's rules (same names) to every panel, where the
// linter skips some panel types, and treats its warnings (variable labels)
// as errors too.
type Problem struct {
	Rule  string // the linter's rule name, such as "target-job-rule"
	Where string // "dashboard", "variable job", "panel 3 (Hosts)" or "panel 3 (Hosts) A"
	What  string
}

// String is the problem as a test failure lists it.
func (p Problem) String() string { return p.Where + ": " + p.What + " [" + p.Rule + "]" }

type lintDatasource struct {
	UID string `json:"uid"`
}

type lintPanel struct {
	ID          int             `json:"id"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Datasource  *lintDatasource `json:"datasource"`
	FieldConfig struct {
		Defaults struct {
			Unit     string `json:"unit"`
			Mappings []any  `json:"mappings"`
		} `json:"defaults"`
		Overrides []struct {
			Properties []struct {
				ID    string `json:"id"`
				Value any    `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Options struct {
		ReduceOptions struct {
			Fields string `json:"fields"`
		} `json:"reduceOptions"`
	} `json:"options"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []lintPanel `json:"panels"`
}

type lintVariable struct {
	Name       string          `json:"name"`
	Label      string          `json:"label"`
	Type       string          `json:"type"`
	Datasource *lintDatasource `json:"datasource"`
	Query      any             `json:"query"`
	Multi      bool            `json:"multi"`
	AllValue   string          `json:"allValue"`
	Refresh    int             `json:"refresh"`
}

type lintDashboard struct {
	Editable   bool        `json:"editable"`
	Panels     []lintPanel `json:"panels"`
	Templating struct {
		List []lintVariable `json:"list"`
	} `json:"templating"`
}

// problems collects what the rules find.
type problems []Problem

func (ps *problems) add(rule, where, format string, args ...any) {
	*ps = append(*ps, Problem{Rule: rule, Where: where, What: fmt.Sprintf(format, args...)})
}

// Lint returns every problem the dashboard-linter rules find in a
// dashboard, for a Prometheus data source.
func Lint(data []byte) ([]Problem, error) {
	var d lintDashboard
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	var ps problems
	if d.Editable {
		ps.add("uneditable-dashboard", "dashboard", "is editable; set \"editable\": false")
	}
	lintVariables(&ps, d.Templating.List)
	var walk func([]lintPanel)
	walk = func(panels []lintPanel) {
		for _, p := range panels {
			if p.Type != "row" {
				lintPanelRules(&ps, p)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return ps, nil
}

// templatedDatasources are the values a panel or variable may name as its
// data source: the dashboard's datasource variable.
var templatedDatasources = []string{"$datasource", "${datasource}"}

func lintVariables(ps *problems, vars []lintVariable) {
	byName := map[string]lintVariable{}
	datasources := 0
	for _, v := range vars {
		byName[v.Name] = v
		switch v.Type {
		case "datasource":
			datasources++
			if v.Name != "datasource" || v.Label != "Data source" {
				ps.add("template-datasource-rule", "variable "+v.Name, "name it 'datasource' and label it 'Data source'")
			}
		case "query":
			lintQueryVariable(ps, v)
		}
	}
	if datasources != 1 {
		ps.add("template-datasource-rule", "dashboard", "has %d datasource variables; want one, named 'datasource'", datasources)
	}
	for _, name := range []string{"job", "instance"} {
		rule := "template-" + name + "-rule"
		v, ok := byName[name]
		switch {
		case !ok:
			ps.add(rule, "dashboard", "is missing the %s variable", name)
		case v.Type != "query" || !v.Multi || v.AllValue != ".+" || v.Label != strings.ToUpper(name[:1])+name[1:]:
			ps.add(rule, "variable "+name, "must be a multi-value query variable with allValue '.+', labelled %q", strings.ToUpper(name[:1])+name[1:])
		}
	}
}

// variableQueryRE is the form of a Prometheus query variable.
var variableQueryRE = regexp.MustCompile(`^(label_names|label_values|metrics|query_result)\((.*)\)$`)

func lintQueryVariable(ps *problems, v lintVariable) {
	where := "variable " + v.Name
	if v.Datasource == nil || !slices.Contains(templatedDatasources, v.Datasource.UID) {
		ps.add("template-datasource-rule", where, "must use the ${datasource} variable")
	}
	if v.Refresh != 2 {
		ps.add("template-on-time-change-reload-rule", where, "refresh is %d; want 2 (on time range change)", v.Refresh)
	}
	query, _ := v.Query.(string)
	if m, ok := v.Query.(map[string]any); ok {
		query, _ = m["query"].(string)
	}
	sm := variableQueryRE.FindStringSubmatch(strings.TrimSpace(query))
	if sm == nil {
		ps.add("template-label-promql-rule", where, "query %q is not label_names, label_values, metrics or query_result", query)
		return
	}
	inner := sm[2]
	if sm[1] == "label_values" {
		if i := strings.LastIndex(inner, ","); i >= 0 {
			inner = inner[:i]
		}
	}
	if _, err := Selectors(inner); err != nil {
		ps.add("template-label-promql-rule", where, "query %q: %v", query, err)
	}
}
