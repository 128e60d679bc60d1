package dashboards

import (
	"fmt"
	"slices"
	"strings"
)

// validUnits are the Grafana units the dashboards may use: a subset of
// the linter's list (which has every Grafana unit), so a unit accepted
// here is accepted there.
var validUnits = []string{
	"none", "short", "string", "percent", "percentunit",
	"bytes", "decbytes", "bits", "decbits", "Bps", "binBps",
	"ns", "µs", "ms", "s", "m", "h", "d", "dtdurationms", "dtdurations", "clockms", "clocks",
	"hertz", "cps", "ops", "reqps", "rps", "wps", "iops", "cpm", "opm", "rpm", "wpm",
	"dateTimeAsIso", "dateTimeAsSystem", "dateTimeFromNow",
	"bool", "bool_yes_no", "bool_on_off",
}

// rateFunctions must read their range as $__rate_interval, so a panel
// keeps working whatever the scrape interval; counterFunctions are the
// ones a counter (a _total series) may be read through.
var (
	rateFunctions    = []string{"rate", "irate"}
	counterFunctions = []string{"rate", "irate", "increase"}
)

func lintPanelRules(ps *problems, p lintPanel) {
	where := fmt.Sprintf("panel %d (%s)", p.ID, p.Title)
	if p.Title == "" || p.Description == "" {
		ps.add("panel-title-description-rule", where, "needs a title and a description")
	}
	if p.Datasource == nil || !slices.Contains(templatedDatasources, p.Datasource.UID) {
		ps.add("panel-datasource-rule", where, "must use the ${datasource} variable")
	}
	if len(p.Targets) == 0 {
		ps.add("panel-no-targets-rule", where, "has no query")
	}
	if unit := panelUnit(p); !hasMappings(p) && !nonNumericStat(p) && !slices.Contains(validUnits, unit) {
		ps.add("panel-units-rule", where, "has no or an invalid unit %q (set fieldConfig.defaults.unit, e.g. \"short\" for counts)", unit)
	}
	for _, t := range p.Targets {
		lintTarget(ps, where+" "+t.RefID, t.Expr)
	}
}

// panelUnit is the unit Grafana shows: an override's, else the default.
func panelUnit(p lintPanel) string {
	for _, o := range p.FieldConfig.Overrides {
		for _, prop := range o.Properties {
			if s, ok := prop.Value.(string); ok && prop.ID == "unit" {
				return s
			}
		}
	}
	return p.FieldConfig.Defaults.Unit
}

// hasMappings: a panel that maps values to text (0 = down) needs no unit.
func hasMappings(p lintPanel) bool {
	if len(p.FieldConfig.Defaults.Mappings) > 0 {
		return true
	}
	for _, o := range p.FieldConfig.Overrides {
		for _, prop := range o.Properties {
			if prop.ID == "mappings" && prop.Value != nil {
				return true
			}
		}
	}
	return false
}

// nonNumericStat: a stat panel showing a label or text field has no unit.
func nonNumericStat(p lintPanel) bool {
	return p.Type == "stat" && p.Options.ReduceOptions.Fields != ""
}

// lintTarget applies the query rules to one panel query.
func lintTarget(ps *problems, where, expr string) {
	selectors, err := Selectors(expr)
	if err != nil {
		ps.add("target-promql-rule", where, "%v", err)
		return
	}
	for _, s := range selectors {
		name := s.Metric
		if name == "" {
			name = "{...}"
		}
		for _, label := range []string{"job", "instance"} {
			if !hasMatcher(s, label, "=~", "$"+label) {
				ps.add("target-"+label+"-rule", where, "%s needs the matcher %s=~\"$%s\"", name, label, label)
			}
		}
		if slices.Contains(rateFunctions, s.Call) && s.Range != "$__rate_interval" {
			ps.add("target-rate-interval-rule", where, "%s(%s[%s]): use [$__rate_interval]", s.Call, name, s.Range)
		}
		if strings.HasSuffix(s.Metric, "_total") && (!slices.Contains(counterFunctions, s.Call) || s.Range == "") {
			ps.add("target-counter-agg-rule", where, "counter %s must be read through rate, irate or increase", name)
		}
	}
}

func hasMatcher(s Selector, name, op, value string) bool {
	return slices.Contains(s.Matchers, Matcher{Name: name, Op: op, Value: value})
}
