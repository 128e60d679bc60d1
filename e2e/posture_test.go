package e2e

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// posture is what the demo fleet implies for the posture series and the
// blind-spot queries of docs/metrics.md: each node's labels and values,
// the event and quota counts, and the containers per host on nodes HSS
// does not protect and on hosts it does not list.
type posture struct {
	nodes, events, quotas map[string]string
	unprotected, unlisted map[string]float64
}

func (a posture) equal(b posture) bool {
	return maps.Equal(a.nodes, b.nodes) && maps.Equal(a.events, b.events) && maps.Equal(a.quotas, b.quotas) &&
		maps.Equal(a.unprotected, b.unprotected) && maps.Equal(a.unlisted, b.unlisted)
}

func (a posture) String() string {
	sum := func(m map[string]float64) (n float64) {
		for _, v := range m {
			n += v
		}
		return n
	}
	return fmt.Sprintf("%d nodes, %v containers on %d unprotected ones, %v on %d unlisted hosts, events %v, quotas %v",
		len(a.nodes), sum(a.unprotected), len(a.unprotected), sum(a.unlisted), len(a.unlisted), a.events, a.quotas)
}

// demoPosture reads the nodes, events and quotas straight from the
// stand-in API, with the containers per host of inv.
func demoPosture(baseURL string, inv inventory) (posture, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := hssclient.New(hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: baseURL,
		Auth: auth.NewAKSK(hssfake.DemoAccessKey, hssfake.DemoSecretKey, ""),
	})
	if err != nil {
		return posture{}, err
	}
	const eps = "all_granted_eps"
	p := posture{nodes: map[string]string{}, events: map[string]string{}, quotas: map[string]string{},
		unprotected: map[string]float64{}, unlisted: maps.Clone(inv.hostIDs)}
	err = client.EachContainerNode(ctx, hssclient.ListContainerNodesRequest{EnterpriseProjectID: eps}, func(n hssclient.ContainerNode) error {
		p.nodes[n.HostID] = fmt.Sprintf("%s %s %s %s %s %s interrupted=%t degraded=%t risks=%d/%d/%d", n.HostName,
			n.AgentStatus, n.ProtectStatus, n.HostStatus, n.ContainerTags, n.DetectResult, n.ProtectInterrupt,
			n.ProtectDegradation, n.Vulnerability, n.Intrusion, n.Asset)
		delete(p.unlisted, n.HostID)
		protected := n.AgentStatus == "online" && n.ProtectStatus == "opened" && !n.ProtectInterrupt && !n.ProtectDegradation
		if c := inv.hostIDs[n.HostID]; !protected && c > 0 {
			p.unprotected[n.HostID] = c
		}
		return nil
	})
	if err != nil {
		return posture{}, err
	}
	for _, category := range []string{"host", "container"} {
		c, err := client.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{Category: category,
			EnterpriseProjectID: eps, LastDays: 7, HandleStatus: "unhandled"})
		if err != nil {
			return posture{}, err
		}
		for severity, v := range map[string]int64{"low": c.LowNum, "medium": c.MediumNum, "high": c.HighNum, "critical": c.CriticalNum} {
			p.events[category+" "+severity] = fmt.Sprint(v)
		}
	}
	q, err := client.ShowResourceQuotas(ctx, hssclient.ShowResourceQuotasRequest{EnterpriseProjectID: eps})
	if err != nil {
		return posture{}, err
	}
	for _, r := range q.DataList {
		edition := strings.TrimPrefix(r.Version, "hss.version.")
		p.quotas[edition+" total"], p.quotas[edition+" used"] = fmt.Sprint(r.TotalNum), fmt.Sprint(r.UsedNum)
		p.quotas[edition+" available"] = fmt.Sprint(r.AvailableNum)
	}
	return p, nil
}

// exportedPosture reads the same from Prometheus, the blind spots through
// the documented queries.
func exportedPosture(t *testing.T, p promAPI) (posture, error) {
	out := posture{nodes: map[string]string{}, events: map[string]string{}, quotas: map[string]string{}}
	type node struct {
		info                  string
		interrupted, degraded bool
		risks                 map[string]float64
	}
	nodes := map[string]*node{}
	get := func(id string) *node {
		if nodes[id] == nil {
			nodes[id] = &node{risks: map[string]float64{}}
		}
		return nodes[id]
	}
	queries := []struct {
		expr string
		add  func(sample)
	}{
		{`hss_node_info{target="demo"}`, func(s sample) {
			m := s.Metric
			get(m["host_id"]).info = strings.Join([]string{m["host_name"], m["agent_status"], m["protect_status"],
				m["host_status"], m["node_type"], m["detect_result"]}, " ")
		}},
		{`hss_node_protection_interrupted{target="demo"}`, func(s sample) { get(s.Metric["host_id"]).interrupted = s.Value == 1 }},
		{`hss_node_protection_degraded{target="demo"}`, func(s sample) { get(s.Metric["host_id"]).degraded = s.Value == 1 }},
		{`hss_node_risks{target="demo"}`, func(s sample) { get(s.Metric["host_id"]).risks[s.Metric["kind"]] = s.Value }},
		{`hss_security_events_unhandled{target="demo"}`, func(s sample) {
			out.events[s.Metric["category"]+" "+s.Metric["severity"]] = fmt.Sprint(s.Value)
		}},
		{`hss_quota{target="demo"}`, func(s sample) { out.quotas[s.Metric["edition"]+" "+s.Metric["state"]] = fmt.Sprint(s.Value) }},
	}
	for _, q := range queries {
		samples, err := p.query(q.expr)
		if err != nil {
			return posture{}, err
		}
		for _, s := range samples {
			q.add(s)
		}
	}
	for id, n := range nodes {
		out.nodes[id] = fmt.Sprintf("%s interrupted=%t degraded=%t risks=%v/%v/%v", n.info, n.interrupted, n.degraded,
			n.risks["vulnerability"], n.risks["intrusion"], n.risks["asset"])
	}
	var err error
	if out.unprotected, err = hostValues(p, readmeQuery(t, "containers on nodes HSS does not protect")); err != nil {
		return posture{}, err
	}
	out.unlisted, err = hostValues(p, readmeQuery(t, "containers on hosts HSS does not list"))
	return out, err
}

// hostValues runs a query answering per host and maps host_id to value.
func hostValues(p promAPI, expr string) (map[string]float64, error) {
	samples, err := p.query(expr)
	out := map[string]float64{}
	for _, s := range samples {
		if s.Metric["target"] == "demo" {
			out[s.Metric["host_id"]] = s.Value
		}
	}
	return out, err
}

var promqlBlockRE = regexp.MustCompile("(?s)```promql\n(.*?)```")

// readmeQuery returns the PromQL block of docs/metrics.md whose first
// line is the comment "# what", as the docs print it (PromQL reads # as a
// comment).
func readmeQuery(t *testing.T, what string) string {
	t.Helper()
	data, err := os.ReadFile("../docs/metrics.md")
	require.NoError(t, err)
	for _, m := range promqlBlockRE.FindAllStringSubmatch(string(data), -1) {
		if strings.HasPrefix(m[1], "# "+what+"\n") {
			return m[1]
		}
	}
	t.Fatalf("docs/metrics.md has no promql block starting with %q", "# "+what)
	return ""
}

// readPosture reads the fleet, Prometheus, and the fleet again; it
// returns what Prometheus holds once it equals a fleet that did not churn
// meanwhile.
func readPosture(t *testing.T, s *stack) (posture, error) {
	truth := func() (posture, error) {
		inv, err := demoTruth(s.demoAPI)
		if err != nil {
			return posture{}, err
		}
		return demoPosture(s.demoAPI, inv)
	}
	before, err := truth()
	if err != nil {
		return posture{}, err
	}
	got, err := exportedPosture(t, s.prom)
	if err != nil {
		return posture{}, err
	}
	after, err := truth()
	switch {
	case err != nil:
		return posture{}, err
	case !before.equal(after):
		return posture{}, errors.New("the fleet churned while reading")
	case !got.equal(before):
		return posture{}, fmt.Errorf("exported %v\nfleet    %v", got, before)
	}
	return got, nil
}

// checkPosture compares every node, event and quota series Prometheus
// holds with the demo API, then again once the demo's churn changed them.
func checkPosture(t *testing.T, s *stack) {
	var first posture
	eventually(t, "posture series equal to the demo API", func() error {
		var err error
		first, err = readPosture(t, s)
		return err
	})
	require.NotEmpty(t, first.nodes)
	require.NotEmpty(t, first.quotas)
	t.Logf("Prometheus holds the demo's posture: %v", first)
	eventually(t, "posture series equal to the demo API after churn", func() error {
		got, err := readPosture(t, s)
		if err == nil && got.equal(first) {
			err = errors.New("the demo's posture has not churned yet")
		}
		return err
	})
}

// checkBlindSpotQueries requires the two queries of docs/metrics.md to find the
// demo fleet's blind spots, which it always has.
func checkBlindSpotQueries(t *testing.T, s *stack) {
	eventually(t, "documented queries equal to the demo fleet", func() error {
		got, err := readPosture(t, s)
		if err == nil && (len(got.unprotected) == 0 || len(got.unlisted) == 0) {
			err = fmt.Errorf("the demo fleet should have containers on unprotected and unlisted hosts: %v", got)
		}
		if err == nil {
			t.Logf("documented queries: %v", got)
		}
		return err
	})
}
