package hssfake

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGeneratedPostureIsDeterministic(t *testing.T) {
	t.Parallel()
	a := Generate(GenerateOptions{Seed: 42, Containers: 2000})
	b := Generate(GenerateOptions{Seed: 42, Containers: 2000})
	c := Generate(GenerateOptions{Seed: 43, Containers: 2000})
	require.Equal(t, a.Nodes(), b.Nodes())
	require.Equal(t, a.Events(), b.Events())
	require.Equal(t, a.QuotaResources(), b.QuotaResources())
	require.NotEqual(t, a.Nodes(), c.Nodes())
	a.ChurnNodes(rand.New(rand.NewSource(1)), 50)
	b.ChurnNodes(rand.New(rand.NewSource(1)), 50)
	require.Equal(t, a.Nodes(), b.Nodes(), "churn with the same source changes the same nodes")
}

func TestGeneratedNodesMatchTheContainerHosts(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 3, Containers: 5000})
	nodes := map[string]Node{}
	for _, n := range f.Nodes() {
		require.NotContains(t, nodes, n.HostID, "one node per host")
		nodes[n.HostID] = n
	}
	unlisted := map[string]bool{}
	for _, h := range f.UnlistedHosts(AllEnterpriseProjects) {
		unlisted[h.ID] = true
	}
	require.NotEmpty(t, unlisted, "some container hosts are not listed as nodes")
	require.Less(t, len(unlisted), len(nodes)/10, "only a few")
	for h := range f.Truth(AllEnterpriseProjects).Hosts {
		n, listed := nodes[h.ID]
		require.Equal(t, !unlisted[h.ID], listed, h)
		if listed {
			require.Equal(t, h.Name, n.HostName)
		}
	}
	hosts := f.Truth(AllEnterpriseProjects).Hosts
	var withoutContainers int
	for _, n := range nodes {
		if _, runs := hosts[HostKey{n.HostID, n.HostName}]; !runs {
			withoutContainers++
			require.Equal(t, AgentNotInstalled, n.AgentStatus, n.HostName)
			require.Empty(t, n.AgentID)
		}
	}
	require.GreaterOrEqual(t, withoutContainers, 2)
}

func TestGeneratedNodesShowEveryState(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 4, Containers: 2500})
	seen := map[string]int{}
	for _, n := range f.Nodes() {
		seen["agent="+n.AgentStatus]++
		seen["protect="+n.ProtectStatus]++
		seen["host="+n.HostStatus]++
		seen["tag="+n.ContainerTags]++
		seen["detect="+n.DetectResult]++
		if n.ProtectInterrupt {
			seen["interrupt"]++
		}
		if n.ProtectDegradation {
			require.NotEmpty(t, n.DegradationReason)
			require.LessOrEqual(t, len(n.DegradationReason), 32)
			seen["degradation"]++
		}
		if n.Vulnerability+n.Intrusion+n.Asset > 0 {
			seen["risks"]++
		}
		if n.EnterpriseProjectID != "" {
			seen["other ep"]++
		}
		require.Equal(t, n.ProtectStatus == ProtectOpened, n.ResourceID != "", "a protected node holds a quota")
	}
	for _, state := range []string{"agent=online", "agent=offline", "agent=not_installed", "protect=opened",
		"protect=closed", "host=ACTIVE", "host=SHUTOFF", "host=BUILDING", "host=ERROR", "tag=cce", "tag=self",
		"tag=other", "detect=clean", "detect=risk", "detect=undetected", "detect=scanning", "interrupt",
		"degradation", "risks", "other ep"} {
		require.Positive(t, seen[state], state)
	}
	require.Greater(t, seen["agent=online"], len(f.Nodes())/2, "most agents are online")
	require.Greater(t, seen["protect=opened"], len(f.Nodes())/2, "most nodes are protected")
}

func TestSmallGeneratedFleetsHaveNodesAtFault(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 9, Containers: 250}) // 10 hosts
	var unprotected int
	for _, n := range f.Nodes() {
		if !n.Protected() {
			unprotected++
		}
	}
	require.GreaterOrEqual(t, unprotected, 4)
}

// requireQuotasConsistent checks that every protected node holds exactly
// one quota of its edition and no quota is held by anything else.
func requireQuotasConsistent(t *testing.T, f *Fleet) {
	t.Helper()
	holder := map[string]string{}
	for _, q := range f.QuotaResources() {
		holder[q.ID] = q.HostID
	}
	used := map[string]int{}
	for _, n := range f.Nodes() {
		if n.ProtectStatus == ProtectOpened {
			require.Equal(t, n.HostID, holder[n.ResourceID], n.HostName)
			used[editionOf(n)]++
		}
	}
	for _, row := range f.Quotas(QuotaQuery{EnterpriseProjectID: AllEnterpriseProjects}) {
		require.Equal(t, used[row.Version], row.Used, row.Version)
		require.Equal(t, row.Total, row.Used+row.Available)
		require.Len(t, row.AvailableResources, row.Available)
	}
}

func TestGeneratedQuotasFollowTheNodes(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 5, Containers: 3000})
	requireQuotasConsistent(t, f)
	rows := map[string]QuotaSummary{}
	for _, row := range f.Quotas(QuotaQuery{EnterpriseProjectID: AllEnterpriseProjects}) {
		rows[row.Version] = row
	}
	require.Positive(t, rows[EditionContainer].Available, "the container edition has headroom")
	require.Positive(t, rows[EditionEnterprise].Used)
	require.Zero(t, rows[EditionEnterprise].Available, "the enterprise edition is exhausted by default")
	require.Equal(t, 3, rows[EditionBasic].Available)

	exhausted := Generate(GenerateOptions{Seed: 5, Containers: 3000, QuotaSpare: map[string]int{EditionEnterprise: 4}})
	requireQuotasConsistent(t, exhausted)
	for _, row := range exhausted.Quotas(QuotaQuery{EnterpriseProjectID: AllEnterpriseProjects}) {
		want := map[string]int{EditionEnterprise: 4}[row.Version]
		require.Equal(t, want, row.Available, row.Version)
	}
}

func TestSetQuotaSpareAndProtection(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 6, Containers: 1000})
	var closed Node
	for _, n := range f.Nodes() {
		if n.ProtectStatus == ProtectClosed && n.AgentStatus == AgentOnline && editionOf(n) == EditionContainer {
			closed = n
			break
		}
	}
	require.NotEmpty(t, closed.HostID)
	f.SetQuotaSpare(EditionContainer, 0)
	require.False(t, f.SetProtection(closed.HostID, true), "no idle quota: the node stays unprotected")
	f.SetQuotaSpare(EditionContainer, 1)
	require.True(t, f.SetProtection(closed.HostID, true))
	row := f.Quotas(QuotaQuery{EnterpriseProjectID: AllEnterpriseProjects, Version: EditionContainer})
	require.Len(t, row, 1)
	require.Zero(t, row[0].Available)
	requireQuotasConsistent(t, f)
	require.True(t, f.SetProtection(closed.HostID, false))
	require.Equal(t, 1, f.Quotas(QuotaQuery{EnterpriseProjectID: AllEnterpriseProjects, Version: EditionContainer})[0].Available)
	require.False(t, f.SetProtection("no-such-host", true))
	requireQuotasConsistent(t, f)
}

func TestChurnNodesChangesStatesAndKeepsQuotasConsistent(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 7, Containers: 2000})
	before := f.Nodes()
	eventsBefore := f.EventCounts(EventQuery{HandleStatus: EventUnhandled, EnterpriseProjectID: AllEnterpriseProjects})
	c := f.ChurnNodes(rand.New(rand.NewSource(1)), 300)
	require.Equal(t, 300, c.Changes()+c.Unchanged)
	for name, n := range map[string]int{"offline": c.Offline, "online": c.Online, "closed": c.ProtectionClosed,
		"opened": c.ProtectionOpened, "interrupted": c.Interrupted, "degraded": c.Degraded,
		"recovered": c.Recovered, "raised": c.EventsRaised, "handled": c.EventsHandled} {
		require.Positive(t, n, name)
	}
	require.NotEqual(t, before, f.Nodes())
	requireQuotasConsistent(t, f)
	after := f.EventCounts(EventQuery{HandleStatus: EventUnhandled, EnterpriseProjectID: AllEnterpriseProjects})
	require.Equal(t, eventsBefore.Total+c.EventsRaised-c.EventsHandled, after.Total)
}

func TestFleetChurnChangesNodesToo(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 8, Containers: 2000})
	before := f.Nodes()
	f.Churn(rand.New(rand.NewSource(1)), 100)
	require.NotEqual(t, before, f.Nodes())
	requireQuotasConsistent(t, f)

	// The containers a churn source yields do not depend on the nodes.
	g := Generate(GenerateOptions{Seed: 8, Containers: 2000})
	g.ChurnNodes(rand.New(rand.NewSource(99)), 10)
	g.Churn(rand.New(rand.NewSource(1)), 100)
	require.Equal(t, f.Containers(), g.Containers())
}

func TestHandBuiltFleetsGetANodePerHost(t *testing.T) {
	t.Parallel()
	f := smallFleet()
	nodes := f.Nodes()
	require.Len(t, nodes, 3)
	require.Equal(t, []string{"h1", "h2", "h3"}, []string{nodes[0].HostID, nodes[1].HostID, nodes[2].HostID})
	require.Equal(t, NodeTagCCE, nodes[0].ContainerTags, "runs a pod")
	require.Equal(t, NodeTagSelf, nodes[1].ContainerTags)
	for _, n := range nodes {
		require.True(t, n.Protected())
	}
	requireQuotasConsistent(t, f)
	require.Empty(t, f.UnlistedHosts(AllEnterpriseProjects))
	require.True(t, f.UpdateNode("h2", func(n *Node) { n.AgentStatus = AgentOffline }))
	require.False(t, f.Nodes()[1].Protected())
	require.False(t, f.UpdateNode("nope", func(*Node) {}))
}
