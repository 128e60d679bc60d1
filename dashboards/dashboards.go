// Package dashboards holds the Grafana dashboards of hss_exporter
// (hss-inventory.json, hss-exporter.json) and helpers their tests and the
// end-to-end test use to read the PromQL out of them.
package dashboards

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Files are the dashboards shipped, relative to this directory.
var Files = []string{"hss-inventory.json", "hss-exporter.json"}

// Query is one PromQL expression of a dashboard and where it came from.
type Query struct {
	Where string // "panel 3 (Hosts) A" or "variable image"
	Expr  string
}

type panel struct {
	ID      int    `json:"id"`
	Title   string `json:"title"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

type dashboard struct {
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// labelValuesRE matches Grafana's label_values(<selector>, <label>).
var labelValuesRE = regexp.MustCompile(`^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$`)

// Queries returns every PromQL expression of a dashboard: panel targets
// (rows' nested panels included) and query variables, whose
// label_values(selector, label) is returned as its selector.
func Queries(data []byte) ([]Query, error) {
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	var out []Query
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				out = append(out, Query{Where: fmt.Sprintf("panel %d (%s) %s", p.ID, p.Title, t.RefID), Expr: t.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		expr := v.Definition
		if m := labelValuesRE.FindStringSubmatch(expr); m != nil {
			expr = m[1]
		}
		out = append(out, Query{Where: "variable " + v.Name, Expr: expr})
	}
	return out, nil
}

// Substitute replaces the Grafana variables the dashboards use with values
// Prometheus accepts: every template variable matches everything (job and
// instance, as their allValue, every non-empty value), and
// $__rate_interval is the given range (e.g. "1m").
func Substitute(expr, rateInterval string) string {
	return strings.NewReplacer(
		"$__rate_interval", rateInterval,
		"${job}", ".+", "$job", ".+",
		"${instance}", ".+", "$instance", ".+",
		"${target}", ".*", "$target", ".*",
		"${image}", ".*", "$image", ".*",
	).Replace(expr)
}
