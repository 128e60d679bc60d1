package main

import (
	"html"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// rowsOf returns the cells (data-k to text) of every <tr data-k="kind"> of
// the DOM, in page order.
func rowsOf(dom, kind string) []map[string]string {
	var out []map[string]string
	for _, row := range regexp.MustCompile(`(?s)<tr data-k="`+kind+`">(.*?)</tr>`).FindAllStringSubmatch(dom, -1) {
		cells := map[string]string{}
		for _, m := range factRE.FindAllStringSubmatch(row[1], -1) {
			cells[m[1]] = html.UnescapeString(m[2])
		}
		out = append(out, cells)
	}
	return out
}

// TestBrowserShowsTheBlindSpotsAsTheJSONSays opens the status page in
// headless Chromium: the Blind spots section lists the nodes at fault with
// their containers, the unlisted host, the unhandled events and the
// quotas as /api/v1/status does, and the hostile degradation reason is
// text.
func TestBrowserShowsTheBlindSpotsAsTheJSONSays(t *testing.T) {
	needChromium(t)
	env := newStatusEnv(t)
	withBlindSpots(env)
	env.refreshAll(t)
	b := env.status(t).Targets[0].BlindSpots
	dom := dumpDOM(t, env.base+"/status")
	got := readFacts(dom)
	itoa := strconv.Itoa
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }

	require.Equal(t, b.Summary, got.text["blind_summary"])
	require.Equal(t, itoa(b.ContainersOnNodesAtFault), got.text["containers_at_fault"])
	require.Equal(t, itoa(b.NodesAtFaultTotal), got.text["nodes_at_fault"])
	require.Equal(t, itoa(b.Nodes), got.text["nodes"])
	require.Equal(t, itoa(b.ContainersOnUnlistedHosts), got.text["containers_unlisted"])
	require.Equal(t, i64(b.UnhandledEventsTotal), got.text["events_unhandled"])
	for _, p := range b.Parts {
		require.Equal(t, postureStateText(p.State), got.text["posture_"+p.Part])
	}
	var nodes, unlisted, events, quotas []map[string]string
	for _, n := range b.NodesAtFault {
		nodes = append(nodes, map[string]string{"node_name": n.HostName, "node_fault": n.Fault,
			"node_containers": itoa(n.Containers), "node_agent": n.AgentStatus, "node_protection": n.ProtectStatus,
			"node_host_status": n.HostStatus, "node_type": n.NodeType})
	}
	for _, h := range b.UnlistedHosts {
		unlisted = append(unlisted, map[string]string{"unlisted_name": h.HostName, "unlisted_id": h.HostID,
			"unlisted_containers": itoa(h.Containers)})
	}
	for _, e := range b.UnhandledEvents {
		events = append(events, map[string]string{"events_category": e.Category, "events_critical": i64(e.Critical),
			"events_high": i64(e.High), "events_medium": i64(e.Medium), "events_low": i64(e.Low)})
	}
	for _, q := range b.Quotas {
		quotas = append(quotas, map[string]string{"quota_edition": q.Edition, "quota_total": i64(q.Total),
			"quota_used": i64(q.Used), "quota_available": i64(q.Available)})
	}
	require.Len(t, nodes, 2)
	require.Equal(t, nodes, rowsOf(dom, "node"))
	require.Equal(t, unlisted, rowsOf(dom, "unlisted"))
	require.Equal(t, events, rowsOf(dom, "events"))
	require.Equal(t, quotas, rowsOf(dom, "quota"))
	require.Contains(t, nodes[0]["node_fault"], hostileReason, "the reason is shown as text")
	require.NotContains(t, dom, "<b>not</b>", "and never as markup")
	screenshot(t, env.base+"/status", "status-page-blind-spots.png")
}
