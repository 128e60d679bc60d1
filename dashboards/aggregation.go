package dashboards

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// CountFamilies are the inventory gauges that count containers, and the
// recording rules of deploy/prometheus/kube-join.rules.yml, which count
// them per exporter process too. A container is listed by exactly one
// shard, so across shards these add up; the two replicas of an HA pair
// report the same count twice. Read them as sum over shards of the max
// over replicas:
//
//	sum by (target, host_id, host_name) (max by (target, host_id, host_name, shard) (hss_host_containers))
var CountFamilies = []string{
	"hss_image_containers", "hss_image_public_containers",
	"hss_host_containers", "hss_pod_containers",
	"hss:namespace_containers", "hss:namespace_image_containers",
}

// FactFamilies are facts about one image, container, node, edition or
// event category: every replica that reports one reports the same value
// (the posture's and the clusters' come from shard 0 only), so they are read as the max
// over replicas and shards, never summed:
//
//	max by (target, image_name, image_version, image_digest) (hss_image_vulnerabilities)
var FactFamilies = []string{
	"hss_image_info", "hss_image_vulnerabilities", "hss_image_unsafe_settings",
	"hss_image_malicious_files", "hss_image_hosts", "hss_image_size_bytes",
	"hss_image_last_scan_timestamp_seconds", "hss_image_reported_containers",
	"hss_container_info",
	"hss_node_info", "hss_node_protection_interrupted", "hss_node_protection_degraded", "hss_node_risks",
	"hss_security_events_unhandled", "hss_quota",
	"hss_cluster_containers", "hss_cluster_image_containers", "hss_cluster_container_restarts",
	"hss_cluster_risky_containers", "hss_container_cluster_info",
}

// aggregation is one aggregation operator enclosing a position of a query.
type aggregation struct {
	op string   // sum, max, topk, ...
	by []string // labels of its by clause; nil without one
}

var (
	aggregationOps = []string{"sum", "min", "max", "avg", "count", "topk", "bottomk", "group", "quantile", "stddev", "stdvar", "count_values"}
	// wordBeforeRE finds the identifier right before a parenthesis.
	wordBeforeRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*$`)
	seriesRE     = regexp.MustCompile(`\bhss[_:][a-z_]+\b`)
	stringRE     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

// group is an open or closed parenthesis pair of a query.
type group struct {
	head string // identifier right before "(", if any
	open int
	agg  *aggregation // set when the group is an aggregation's body
}

// enclosingAggregations returns, for the position of each hss_ series
// name in expr, the aggregations around it, innermost first. It reads the
// prefix form only (`max by (l) (x)`, `sum(x)`); the postfix form
// `sum(x) by (l)` loses its labels, which makes CheckAggregation reject
// it, so the dashboards keep to one form.
func enclosingAggregations(expr string) map[int][]aggregation {
	masked := mask(expr)
	names := map[int]bool{}
	for _, loc := range seriesRE.FindAllStringIndex(masked, -1) {
		names[loc[0]] = true
	}
	out := map[int][]aggregation{}
	var stack []group
	var last group // the group closed last
	lastEnd := -1
	for i := 0; i < len(masked); i++ {
		switch {
		case names[i]:
			var aggs []aggregation
			for j := len(stack) - 1; j >= 0; j-- {
				if stack[j].agg != nil {
					aggs = append(aggs, *stack[j].agg)
				}
			}
			out[i] = aggs
		case masked[i] == '(':
			stack = append(stack, openGroup(masked, i, last, lastEnd))
		case masked[i] == ')' && len(stack) > 0:
			last, lastEnd = stack[len(stack)-1], i
			stack = stack[:len(stack)-1]
		}
	}
	return out
}

// openGroup describes the group opened at masked[i]: a function or
// aggregation call, an aggregation body after `op by (labels)`, or a
// plain parenthesis.
func openGroup(masked string, i int, last group, lastEnd int) group {
	g := group{open: i}
	if m := wordBeforeRE.FindStringSubmatch(masked[:i]); m != nil {
		g.head = m[1]
		if slices.Contains(aggregationOps, g.head) {
			g.agg = &aggregation{op: g.head}
		}
		return g
	}
	if lastEnd < 0 || strings.TrimSpace(masked[lastEnd+1:i]) != "" || (last.head != "by" && last.head != "without") {
		return g
	}
	// `op by (labels) (`: this group is the body of aggregation op.
	beforeBy := strings.TrimSuffix(strings.TrimRight(masked[:last.open], " \t\n"), last.head)
	m := wordBeforeRE.FindStringSubmatch(beforeBy)
	switch {
	case m == nil:
	case last.head == "by":
		g.agg = &aggregation{op: m[1], by: splitLabels(masked[last.open+1 : lastEnd])}
	default:
		g.agg = &aggregation{op: m[1] + " without"}
	}
	return g
}

// mask blanks out string contents, so neither a "(" nor a series name in
// a label matcher counts; positions stay the same.
func mask(expr string) string {
	return stringRE.ReplaceAllStringFunc(expr, func(s string) string { return `"` + strings.Repeat("x", len(s)-2) + `"` })
}

func splitLabels(s string) []string {
	var out []string
	for _, l := range strings.Split(s, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// CheckAggregation returns an error when expr reads an inventory series in
// a way that double counts an HA pair or loses shards: a count family must
// sit directly in a `max by (..., shard)` that sits in a sum; a fact family
// directly in a `max by` or `topk by` whose labels name the target but
// neither instance nor shard. Self-metrics (hss_up, hss_exporter_*) are
// per process and not checked.
func CheckAggregation(expr string) error {
	aggs := enclosingAggregations(expr)
	for _, loc := range seriesRE.FindAllStringIndex(mask(expr), -1) {
		name := expr[loc[0]:loc[1]]
		around := aggs[loc[0]]
		switch {
		case slices.Contains(CountFamilies, name):
			if len(around) < 2 || around[0].op != "max" || !slices.Contains(around[0].by, "shard") ||
				slices.Contains(around[0].by, "instance") || around[1].op != "sum" {
				return fmt.Errorf("%s at %d: want sum (max by (<labels>, shard) (%s)), found %v", name, loc[0], name, around)
			}
		case slices.Contains(FactFamilies, name):
			if len(around) < 1 || (around[0].op != "max" && around[0].op != "topk") ||
				!slices.Contains(around[0].by, "target") ||
				slices.Contains(around[0].by, "instance") || slices.Contains(around[0].by, "shard") {
				return fmt.Errorf("%s at %d: want max by (target, <labels>) (%s) without instance or shard, found %v", name, loc[0], name, around)
			}
		}
	}
	return nil
}
