package collector

import (
	"maps"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/posture"
)

func TestPostureEqualsStandInTruthBeforeAndAfterChurn(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: 600})
	cfg := postureOn()
	cfg.PageSize = 10 // the nodes take pages
	env := newEnv(t, cfg, serving(fleet))
	ep := hssfake.AllEnterpriseProjects
	rng := rand.New(rand.NewSource(3))
	for round := range 3 {
		env.srv.ResetCounts()
		require.NoError(t, env.refresh(t), "round %d", round)
		requirePostureTruth(t, env, ep)
		require.Equal(t, map[string]float64{"nodes": 1, "events": 1, "quotas": 1}, postureUp(t, env.e))
		nodes := len(fleet.NodesIn(ep))
		require.Equal(t, (nodes+9)/10, env.srv.RequestsFor(hssfake.OpListContainerNodes), "%d nodes, 10 a page", nodes)
		require.Equal(t, 2, env.srv.RequestsFor(hssfake.OpShowEventSeverity), "host and container")
		require.Equal(t, 1, env.srv.RequestsFor(hssfake.OpShowResourceQuotas))
		requireLintClean(t, env.e)

		churned := fleet.ChurnNodes(rng, 40)
		require.Positive(t, churned.Changes())
		// An exhausted edition that gets quotas again, and one that runs out.
		fleet.SetQuotaSpare(hssfake.EditionBasic, round)
		added, removed := fleet.Churn(rng, 20)
		require.Positive(t, added+removed)
	}
}

// postureFleet is a small fleet whose posture is spelt out: a healthy
// node, one with its agent offline, one degraded, one HSS lists without an
// agent, and a host with containers HSS does not list as a node.
func postureFleet() *hssfake.Fleet {
	img := hssfake.Image{Name: "nginx", Version: "1.25", ScanStatus: "success", Size: 1000}
	f := hssfake.NewFleet([]hssfake.Image{img}, nil)
	id := f.Images()[0].ID
	for i, host := range []string{"h1", "h1", "h2", "h3", "h3", "h3", "h5"} {
		f.AddContainer(hssfake.Container{ImageID: id, ID: "c" + string(rune('0'+i)), Name: "/web", HostID: host,
			HostName: "ecs-" + host, AgentID: "a-" + host})
	}
	node := func(host string, change func(*hssfake.Node)) hssfake.Node {
		n := hssfake.Node{AgentID: "a-" + host, HostID: host, HostName: "ecs-" + host, HostStatus: hssfake.HostActive,
			AgentStatus: hssfake.AgentOnline, ProtectStatus: hssfake.ProtectOpened, ContainerTags: hssfake.NodeTagCCE,
			DetectResult: hssfake.DetectClean}
		change(&n)
		return n
	}
	f.SetNodes([]hssfake.Node{
		node("h1", func(n *hssfake.Node) { n.Vulnerability, n.DetectResult = 4, hssfake.DetectRisk }),
		node("h2", func(n *hssfake.Node) { n.AgentStatus, n.HostStatus = hssfake.AgentOffline, hssfake.HostShutoff }),
		node("h3", func(n *hssfake.Node) {
			n.ProtectDegradation, n.DegradationReason, n.ContainerTags = true, "insufficient memory", hssfake.NodeTagSelf
		}),
		node("h4", func(n *hssfake.Node) {
			n.AgentID, n.AgentStatus, n.ProtectStatus, n.DetectResult = "", hssfake.AgentNotInstalled, hssfake.ProtectClosed, hssfake.DetectUndetected
		}),
	})
	f.SetQuotaResources([]hssfake.QuotaResource{
		{ID: "q1", Version: hssfake.EditionContainer, ChargingMode: "packet_cycle", HostID: "h1"},
		{ID: "q2", Version: hssfake.EditionContainer, ChargingMode: "packet_cycle", HostID: "h3"},
		{ID: "q3", Version: hssfake.EditionContainer, ChargingMode: "on_demand"},
		{ID: "q4", Version: hssfake.EditionEnterprise, ChargingMode: "packet_cycle", HostID: "h2"},
	})
	f.SetEvents([]hssfake.Event{
		{Category: hssfake.CategoryHost, Severity: "Critical", HandleStatus: hssfake.EventUnhandled, HostID: "h2", Age: time.Hour},
		{Category: hssfake.CategoryHost, Severity: "Low", HandleStatus: hssfake.EventUnhandled, HostID: "h2", Age: 8 * 24 * time.Hour},
		{Category: hssfake.CategoryContainer, Severity: "High", HandleStatus: hssfake.EventUnhandled, HostID: "h1", Age: time.Hour},
		{Category: hssfake.CategoryContainer, Severity: "High", HandleStatus: hssfake.EventHandled, HostID: "h1", Age: time.Hour},
	})
	return f
}

// The series of a known fleet, as a user reads them: the edition without
// its hss.version. prefix, node_type from container_tags, events counted
// in the window only, unhandled only.
func TestPostureSeriesOfAKnownFleet(t *testing.T) {
	t.Parallel()
	cfg := postureOn()
	cfg.EnterpriseProjectID = ""
	env := newEnv(t, cfg, serving(postureFleet()))
	require.NoError(t, env.refresh(t))
	got := postureSeries(scraped(t, env.e), append(append(nodeFamilies, eventFamilies...), quotaFamilies...)...)
	for key, want := range map[string]float64{
		`hss_node_info agent_status="online" detect_result="risk" host_id="h1" host_name="ecs-h1" host_status="ACTIVE" node_type="cce" protect_status="opened" target="demo"`:              1,
		`hss_node_info agent_status="offline" detect_result="clean" host_id="h2" host_name="ecs-h2" host_status="SHUTOFF" node_type="cce" protect_status="opened" target="demo"`:           1,
		`hss_node_info agent_status="not_installed" detect_result="undetected" host_id="h4" host_name="ecs-h4" host_status="ACTIVE" node_type="cce" protect_status="closed" target="demo"`: 1,
		`hss_node_protection_degraded host_id="h3" target="demo"`:                          1,
		`hss_node_protection_degraded host_id="h1" target="demo"`:                          0,
		`hss_node_protection_interrupted host_id="h3" target="demo"`:                       0,
		`hss_node_risks host_id="h1" kind="vulnerability" target="demo"`:                   4,
		`hss_security_events_unhandled category="host" severity="critical" target="demo"`:  1,
		`hss_security_events_unhandled category="host" severity="low" target="demo"`:       0,
		`hss_security_events_unhandled category="container" severity="high" target="demo"`: 1,
		`hss_quota edition="container.enterprise" state="total" target="demo"`:             3,
		`hss_quota edition="container.enterprise" state="used" target="demo"`:              2,
		`hss_quota edition="container.enterprise" state="available" target="demo"`:         1,
		`hss_quota edition="enterprise" state="available" target="demo"`:                   0,
	} {
		v, ok := got[key]
		require.True(t, ok, "no series %s", key)
		require.Equal(t, want, v, key)
	}
	require.Len(t, got, 4+4*2+4*3+8+2*3, "info, interrupted, degraded, risks of 4 nodes; 8 event and 6 quota series")
}

// The status page's view: the nodes with the containers the inventory
// counts on them, and the host HSS does not list.
func TestPostureViewJoinsTheInventory(t *testing.T) {
	t.Parallel()
	cfg := postureOn()
	cfg.EnterpriseProjectID = ""
	env := newEnv(t, cfg, serving(postureFleet()))
	require.NoError(t, env.refresh(t))
	v, ok := env.e.Posture("demo")
	require.True(t, ok)
	require.True(t, v.InventoryShown)
	require.Equal(t, 7, v.EventsLastDays)
	containers, protected := map[string]int{}, map[string]bool{}
	for _, n := range v.Nodes {
		containers[n.HostID], protected[n.HostID] = n.Containers, n.Protected()
	}
	require.Equal(t, map[string]int{"h1": 2, "h2": 1, "h3": 3, "h4": 0}, containers)
	require.Equal(t, map[string]bool{"h1": true, "h2": false, "h3": false, "h4": false}, protected)
	require.Equal(t, []HostView{{HostID: "h5", HostName: "ecs-h5", Containers: 1}}, v.Unlisted)
	require.Equal(t, "insufficient memory", v.Nodes[2].DegradationReason)
	require.Equal(t, []EventCounts{{Category: "host", Critical: 1}, {Category: "container", High: 1}}, v.Events)
	require.Equal(t, []QuotaView{{Edition: "enterprise", Total: 1, Used: 1},
		{Edition: "container.enterprise", Total: 3, Used: 2, Available: 1}}, v.Quotas, "in the API's order")
	for _, p := range v.Parts {
		require.True(t, p.Up && p.Shown && p.Off == "", "%+v", p)
	}
	_, ok = env.e.Posture("nope")
	require.False(t, ok)
}

// A part turned off costs no call and has no series, not even
// hss_posture_up; a target without a posture block (the zero value) reads
// none.
func TestDisabledPostureCostsNoCall(t *testing.T) {
	t.Parallel()
	cfg := postureOn()
	cfg.Posture = config.Posture{Nodes: true, EventsLastDays: 7}
	env := newEnv(t, cfg, serving(postureFleet()))
	require.NoError(t, env.refresh(t))
	require.Equal(t, 1, env.srv.RequestsFor(hssfake.OpListContainerNodes))
	require.Zero(t, env.srv.RequestsFor(hssfake.OpShowEventSeverity))
	require.Zero(t, env.srv.RequestsFor(hssfake.OpShowResourceQuotas))
	require.Equal(t, map[string]float64{"nodes": 1}, postureUp(t, env.e))
	mfs := scraped(t, env.e)
	require.NotEmpty(t, postureSeries(mfs, nodeFamilies...))
	require.Empty(t, postureSeries(mfs, eventFamilies...))
	require.Empty(t, postureSeries(mfs, quotaFamilies...))
	v, _ := env.e.Posture("demo")
	require.Equal(t, PostureOffConfig, v.Parts[posture.Events].Off)

	cfg.Posture = config.Posture{}
	none := newEnv(t, cfg, serving(postureFleet()))
	require.NoError(t, none.refresh(t))
	require.Zero(t, none.srv.RequestsFor(hssfake.OpListContainerNodes)+none.srv.RequestsFor(hssfake.OpShowEventSeverity)+
		none.srv.RequestsFor(hssfake.OpShowResourceQuotas))
	require.Empty(t, postureUp(t, none.e))
}

// Only shard 0 reads the posture: another shard makes no posture call and
// exports no posture series, and shard 0's equal the single process's.
func TestPostureReadByShardZeroOnly(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 11, Containers: 300})
	single, zero, one := newEnv(t, postureOn(), serving(fleet)), newEnv(t, postureOn(), serving(fleet), asShard(0, 2)),
		newEnv(t, postureOn(), serving(fleet), asShard(1, 2))
	all := append(append(append([]string{"hss_posture_up"}, nodeFamilies...), eventFamilies...), quotaFamilies...)
	for _, env := range []*testEnv{single, zero, one} {
		require.NoError(t, env.refresh(t))
	}
	require.Equal(t, postureSeries(scraped(t, single.e), all...), postureSeries(scraped(t, zero.e), all...))
	require.NotEmpty(t, postureSeries(scraped(t, zero.e), nodeFamilies...))
	require.Empty(t, postureSeries(scraped(t, one.e), all...))
	require.Empty(t, postureSeries(collected(t, one.e), all...))
	require.Zero(t, one.srv.RequestsFor(hssfake.OpListContainerNodes)+one.srv.RequestsFor(hssfake.OpShowEventSeverity)+
		one.srv.RequestsFor(hssfake.OpShowResourceQuotas))
	require.Positive(t, one.srv.RequestsFor(hssfake.OpListLocalImageContainers), "shard 1 lists its images")
	v, _ := one.e.Posture("demo")
	require.Equal(t, PostureOffShard, v.Parts[posture.Nodes].Off)
}

// Run reads the posture beside discovery, again every refresh_interval,
// and its publisher publishes what it reads.
func TestRunReadsThePostureEveryInterval(t *testing.T) {
	t.Parallel()
	cfg := postureOn()
	cfg.EnterpriseProjectID = ""
	env := newEnv(t, cfg, serving(postureFleet()))
	for range 3 {
		require.NoError(t, env.refresh(t))
	}
	require.Equal(t, 3, env.srv.RequestsFor(hssfake.OpShowResourceQuotas), "the quotas are read every refresh_interval")
	clock := clockOf(t, env.e)
	env.fleet.SetQuotaSpare(hssfake.EditionContainer, 5)
	clock.tick(cfg.RefreshInterval)
	require.Eventually(t, func() bool {
		_, _, quotas := postureTruth(env.fleet, "", 7)
		return maps.Equal(quotas, postureSeries(scraped(t, env.e), quotaFamilies...))
	}, 10*time.Second, 10*time.Millisecond, "a change is published")
	require.Equal(t, map[string]float64{"nodes": 1, "events": 1, "quotas": 1}, postureUp(t, env.e))
}

// Node strings reach labels under the same rule as the inventory's, and
// are counted as repaired.
func TestPostureLabelsAreSanitised(t *testing.T) {
	t.Parallel()
	fleet := postureFleet()
	fleet.UpdateNode("h2", func(n *hssfake.Node) { n.HostName = "ecs-\x07h2\xff" })
	cfg := postureOn()
	cfg.EnterpriseProjectID = ""
	env := newEnv(t, cfg, serving(fleet))
	require.NoError(t, env.refresh(t))
	require.Len(t, seriesWith(t, env.e, "hss_node_info", `host_name="ecs-h2`+"\uFFFD"+`"`), 1)
	require.Len(t, seriesWith(t, env.e, "hss_exporter_label_values_sanitized_total", "} 1"), 1)
	requireLintClean(t, env.e)
}

// hss_exporter_api_budget_calls_per_minute names the posture operations
// beside the inventory's.
func TestBudgetOfEveryPostureOperationIsExported(t *testing.T) {
	t.Parallel()
	cfg := postureOn()
	cfg.Name = "demo"
	budget := budget.NewBudgets(budget.Options{}).For("ak:demo", 5)
	e := NewExporter(nil, []Target{{Config: cfg, Pacer: budget}}, nil, Options{})
	for _, op := range []string{hssclient.OpListImages, hssclient.OpListContainers, hssclient.OpListContainerNodes,
		hssclient.OpShowEventSeverity, hssclient.OpShowResourceQuotas} {
		require.Len(t, seriesWith(t, e, "hss_exporter_api_budget_calls_per_minute", `operation="`+op+`"`, "} 5"), 1, op)
	}
}
