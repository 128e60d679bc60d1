package statuspage

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/shard"
)

// hostileReason is a degradation reason a page would run as markup if it
// forgot to escape it.
const hostileReason = `kernel <b>not</b> supported`

// withBlindSpots gives the status fleet its posture: h1 protected, h2
// degraded (with a hostile reason), h3 offline without containers, h9
// running a container HSS lists no node for; unhandled events; the
// container edition's quota used up.
func withBlindSpots(env *statusEnv) {
	f := env.fleet
	f.AddContainer(hssfake.Container{ImageID: f.Images()[0].ID, ID: "web-z", HostID: "h9", HostName: "ecs-h9"})
	node := func(host string) hssfake.Node {
		return hssfake.Node{HostID: host, HostName: "ecs-" + host, HostStatus: hssfake.HostActive, AgentStatus: hssfake.AgentOnline,
			ProtectStatus: hssfake.ProtectOpened, ContainerTags: hssfake.NodeTagCCE, DetectResult: hssfake.DetectClean}
	}
	h2, h3 := node("h2"), node("h3")
	h2.ProtectDegradation, h2.DegradationReason = true, hostileReason
	h3.AgentStatus, h3.HostStatus = hssfake.AgentOffline, hssfake.HostShutoff
	f.SetNodes([]hssfake.Node{node("h1"), h2, h3})
	f.SetEvents([]hssfake.Event{
		{Category: hssfake.CategoryHost, Severity: "Critical", HandleStatus: hssfake.EventUnhandled, Age: time.Hour},
		{Category: hssfake.CategoryContainer, Severity: "High", HandleStatus: hssfake.EventUnhandled, Age: time.Hour},
		{Category: hssfake.CategoryContainer, Severity: "High", HandleStatus: hssfake.EventUnhandled, Age: 2 * time.Hour},
		{Category: hssfake.CategoryContainer, Severity: "Low", HandleStatus: hssfake.EventHandled, Age: time.Hour},
	})
	f.SetQuotaResources([]hssfake.QuotaResource{
		{ID: "q1", Version: hssfake.EditionContainer, HostID: "h1"}, {ID: "q2", Version: hssfake.EditionContainer, HostID: "h2"},
		{ID: "q3", Version: hssfake.EditionEnterprise},
	})
}

// refreshAll lists the inventory and reads the posture.
func (e *statusEnv) refreshAll(t *testing.T) {
	t.Helper()
	require.NoError(t, e.refresh())
	require.NoError(t, e.postureError())
}

func TestStatusJSONTellsTheBlindSpots(t *testing.T) {
	t.Parallel()
	env := newStatusEnv(t)
	withBlindSpots(env)
	b := env.status(t).Targets[0].BlindSpots
	for _, p := range b.Parts {
		require.Equal(t, posturePending, p.State, "before the first read")
	}
	env.refreshAll(t)
	b = env.status(t).Targets[0].BlindSpots
	require.Equal(t, []nodeFaultReport{
		{HostID: "h2", HostName: "ecs-h2", AgentStatus: "online", ProtectStatus: "opened", HostStatus: "ACTIVE", NodeType: "cce",
			Fault: "protection degraded (" + hostileReason + ")", Containers: 2},
		{HostID: "h3", HostName: "ecs-h3", AgentStatus: "offline", ProtectStatus: "opened", HostStatus: "SHUTOFF", NodeType: "cce",
			Fault: "agent offline"},
	}, b.NodesAtFault, "most containers first")
	require.Equal(t, 3, b.Nodes)
	require.Equal(t, 2, b.NodesAtFaultTotal)
	require.Equal(t, 2, b.ContainersOnNodesAtFault)
	require.Equal(t, []hostReport{{HostID: "h9", HostName: "ecs-h9", Containers: 1}}, b.UnlistedHosts)
	require.Equal(t, 1, b.ContainersOnUnlistedHosts)
	require.Equal(t, []eventsReport{{Category: "host", Critical: 1}, {Category: "container", High: 2}}, b.UnhandledEvents)
	require.Equal(t, int64(3), b.UnhandledEventsTotal)
	require.Equal(t, []quotaReport{{Edition: "enterprise", Total: 1, Available: 1},
		{Edition: "container.enterprise", Total: 2, Used: 2, Exhausted: true}}, b.Quotas)
	require.Equal(t, "2 containers on the 2 of 3 nodes HSS does not fully protect; 1 container on 1 host HSS does not "+
		"list as a node at all; 3 unhandled security events in the last 7 days; no protection quota left for "+
		"container.enterprise: a new node of that edition joins unprotected.", b.Summary)
	for _, p := range b.Parts {
		require.Equal(t, postureUp, p.State, p.Part)
		require.True(t, p.Read && p.Up && p.Shown)
		require.NotNil(t, p.LastSuccessAt)
	}

	// One part failing shows its error in plain words and keeps its data.
	env.srv.AddFault(hssfake.Fault{Operation: hssfake.OpShowResourceQuotas, Kind: hssfake.FaultStatus, Status: http.StatusForbidden})
	require.NoError(t, env.refresh())
	require.Error(t, env.postureError())
	b = env.status(t).Targets[0].BlindSpots
	q := b.Parts[2]
	require.Equal(t, "quotas", q.Part)
	require.Equal(t, postureFailing, q.State)
	require.Contains(t, q.Error, "HTTP 403")
	require.Contains(t, q.ErrorExplained, "refused the credentials or their permissions")
	require.Len(t, b.Quotas, 2, "the last good quotas are kept")
	require.Equal(t, postureUp, b.Parts[0].State)
	_, page := env.get(t, "/status")
	require.Contains(t, page, `data-k="posture_quotas_error"`)
	require.Contains(t, page, "kernel &lt;b&gt;not&lt;/b&gt; supported")
	require.NotContains(t, page, "<b>not</b>")
}

// A shard other than 0 reads no posture and says so.
func TestStatusBlindSpotsOnAnotherShard(t *testing.T) {
	t.Parallel()
	env := newStatusEnv(t, shard.Spec{Index: 1, Total: 2})
	withBlindSpots(env)
	env.refreshAll(t)
	b := env.status(t).Targets[0].BlindSpots
	for _, p := range b.Parts {
		require.Equal(t, postureShard, p.State)
		require.False(t, p.Read)
	}
	require.Empty(t, b.NodesAtFault)
	require.Equal(t, "No posture data is shown: see the state of each part below.", b.Summary)
	_, page := env.get(t, "/status")
	require.Contains(t, page, "read by shard 0 only")
}

func TestNodeFaultWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		agent, protect       string
		interrupted, degrade bool
		want                 string
	}{
		{"not_installed", "closed", false, false, "agent not installed, protection closed"},
		{"offline", "opened", true, false, "agent offline, protection interrupted"},
		{"online", "opened", false, true, "protection degraded"},
		{"install_failed", "", false, false, "agent install failed, protection state unknown"},
	} {
		got := nodeFault(nodeView(tc.agent, tc.protect, tc.interrupted, tc.degrade))
		require.Equal(t, tc.want, got)
		require.False(t, strings.HasSuffix(got, ", "))
	}
}

func nodeView(agent, protect string, interrupted, degraded bool) collector.NodeView {
	return collector.NodeView{AgentStatus: agent, ProtectStatus: protect, Interrupted: interrupted, Degraded: degraded}
}
