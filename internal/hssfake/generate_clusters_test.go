package hssfake

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGeneratedPodContainersSpreadOverClustersOfThreeTypes(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 11, Containers: 5000})
	clusterOfHost := map[string]Cluster{}
	types := map[string]int{}
	statuses := map[string]int{}
	var pods, crashLooping, risky, fatal int
	for _, c := range f.Containers() {
		if c.PodID == "" {
			require.Zero(t, c.Kube, "a plain Docker container has no Kubernetes state")
			continue
		}
		pods++
		k := c.Kube
		require.NotEmpty(t, k.Cluster.ID)
		if prev, ok := clusterOfHost[c.HostID]; ok {
			require.Equal(t, prev, k.Cluster, "a host is in one cluster")
		}
		clusterOfHost[c.HostID] = k.Cluster
		types[k.Cluster.Type]++
		statuses[k.Status]++
		require.True(t, k.RestartCount >= 0 && k.RestartCount <= MaxRestartCount)
		if k.RestartCount >= 5 {
			crashLooping++
		}
		if k.Risks.Any() {
			risky++
		}
		if k.Risks.Fatal > 0 {
			fatal++
		}
		require.False(t, k.CreateTime.IsZero())
	}
	require.Len(t, types, 3, "a CCE, a self-built and a plain Kubernetes cluster")
	require.Greater(t, types[ClusterCCE], types[ClusterSelfBuiltIDC], "most hosts are in the CCE cluster")
	require.Len(t, statuses, 3, "running, waiting and terminated containers")
	require.InDelta(t, 0.85, float64(statuses[KubeRunning])/float64(pods), 0.08)
	require.InDelta(t, 0.08, float64(crashLooping)/float64(pods), 0.03)
	require.InDelta(t, 0.30, float64(risky)/float64(pods), 0.04)
	require.InDelta(t, 0.25, float64(fatal)/float64(risky), 0.05)
}

func TestGeneratedClustersAreDeterministic(t *testing.T) {
	t.Parallel()
	a := Generate(GenerateOptions{Seed: 12, Containers: 800})
	b := Generate(GenerateOptions{Seed: 12, Containers: 800})
	c := Generate(GenerateOptions{Seed: 13, Containers: 800})
	require.Equal(t, a.Containers(), b.Containers())
	require.Equal(t, a.ClusterTruth(AllEnterpriseProjects), b.ClusterTruth(AllEnterpriseProjects))
	require.NotEqual(t, a.ClusterTruth(AllEnterpriseProjects), c.ClusterTruth(AllEnterpriseProjects))
}

func TestGeneratedFleetsHaveAClusterPerKubernetesHostUpToThree(t *testing.T) {
	t.Parallel()
	// Hosts 0..2 of every ten run plain Docker, the last one always
	// Kubernetes: 5 hosts hold two Kubernetes hosts, 6 hold three.
	for _, hosts := range []int{1, 5, 6, 20} {
		f := Generate(GenerateOptions{Seed: 2, Containers: 300, Hosts: hosts})
		clusters := map[Cluster]bool{}
		for key := range f.ClusterTruth(AllEnterpriseProjects).States {
			clusters[key.Cluster] = true
		}
		k8sHosts := map[string]bool{}
		for _, c := range f.Containers() {
			if c.PodID != "" {
				k8sHosts[c.HostID] = true
			}
		}
		require.Len(t, clusters, min(len(k8sHosts), 3), "hosts %d", hosts)
	}
}

func TestClusterTruthCountsWhatListContainersLists(t *testing.T) {
	t.Parallel()
	f := clusterFleet()
	require.True(t, f.UpdateContainer("k1", func(c *Container) {
		c.Kube.Status, c.Kube.RestartCount, c.Kube.Risks = KubeWaiting, 7, Risks{Fatal: 1, Low: 2}
	}))
	require.True(t, f.UpdateContainer("k2", func(c *Container) {
		c.Kube.Status, c.Kube.RestartCount, c.Kube.Risks = KubeRunning, 1, Risks{}
	}))
	require.True(t, f.UpdateContainer("k3", func(c *Container) {
		c.Kube.Status, c.Kube.RestartCount, c.Kube.Risks = KubeRunning, 0, Risks{High: 3}
	}))
	require.True(t, f.UpdateContainer("k4", func(c *Container) {
		c.Kube.Status, c.Kube.RestartCount, c.Kube.Risks = KubeTerminated, 2, Risks{Medium: 1}
	}))
	cce := Cluster{Name: "cce-a", ID: "cl-1", Type: ClusterCCE}
	idc := Cluster{Name: "idc-b", ID: "cl-2", Type: ClusterSelfBuiltIDC}
	got := f.ClusterTruth("")
	require.Equal(t, 4, got.Containers, "pod containers of the default project; no plain Docker one")
	require.Equal(t, map[ClusterStateKey]int{{cce, KubeWaiting}: 1, {cce, KubeRunning}: 1, {idc, KubeRunning}: 1,
		{Cluster{}, KubeTerminated}: 1}, got.States)
	require.Equal(t, map[ClusterImageKey]int{{"cce-a", "nginx", "1.25.3"}: 2, {"idc-b", "redis", "7"}: 1,
		{"", "redis", "7"}: 1}, got.Images)
	require.Equal(t, map[string]int{"cce-a": 8, "idc-b": 0, "": 2}, got.Restarts)
	require.Equal(t, 1, got.Risky[ClusterSeverityKey{"cce-a", SeverityFatal}])
	require.Equal(t, 1, got.Risky[ClusterSeverityKey{"cce-a", SeverityLow}])
	require.Equal(t, 1, got.Risky[ClusterSeverityKey{"idc-b", SeverityHigh}])
	require.Equal(t, 1, got.Risky[ClusterSeverityKey{"", SeverityMedium}])
	require.Len(t, got.Risky, 12, "every cluster with all four severities")
	require.Equal(t, ContainerCluster{"cce-a", KubeWaiting}, got.ByContainer["k1"])
	require.Equal(t, 5, f.ClusterTruth(AllEnterpriseProjects).Containers)

	require.Panics(t, func() { f.UpdateContainer("k1", func(c *Container) { c.ImageID = "img-r" }) })
	require.False(t, f.UpdateContainer("nope", func(*Container) {}))
}

func TestChurnedPodContainersJoinTheirHostsCluster(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 14, Containers: 400})
	clusterOfHost := map[string]Cluster{}
	for _, c := range f.Containers() {
		if c.PodID != "" {
			clusterOfHost[c.HostID] = c.Kube.Cluster
		}
	}
	before := map[string]bool{}
	for _, c := range f.Containers() {
		before[c.ID] = true
	}
	f.Churn(rand.New(rand.NewSource(3)), 200)
	var fresh int
	for _, c := range f.Containers() {
		if before[c.ID] || c.PodID == "" {
			continue
		}
		fresh++
		require.Equal(t, clusterOfHost[c.HostID], c.Kube.Cluster)
		require.NotEmpty(t, c.Kube.Status, "a state of its own")
	}
	require.Positive(t, fresh)
}
