package clusters

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

func TestClusterSeriesEqualStandInTruthAndFollowChurn(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: 700})
	r := newRig(t, fleet, rigOptions{})
	truth := fleet.ClusterTruth("")
	require.Greater(t, truth.Containers, 200, "more than one page of ListContainers")
	require.Eventually(t, func() bool { return r.inventoryExact(truth) }, 20*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return r.gather(t).matches(truth) }, 10*time.Second, 20*time.Millisecond)
	got := r.gather(t)
	require.Equal(t, truth.States, got.states)
	require.Equal(t, truth.Images, got.images)
	require.Equal(t, truth.Risky, got.risky)
	require.Equal(t, 1.0, got.up)
	require.Empty(t, got.places, "hss_container_cluster_info only with container_info: true")

	r.srv.Churn(rand.New(rand.NewSource(3)), 60)
	churned := r.srv.Fleet().ClusterTruth("")
	require.False(t, got.matches(churned), "the churn changed what the series must say")
	// Within one sweep (refresh_interval 200ms, a handful of pages).
	require.Eventually(t, func() bool { return r.gather(t).matches(churned) }, 10*time.Second, 20*time.Millisecond)
}

func TestContainerClusterInfoPlacesEveryContainerOnlyWhenAskedFor(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 2, Containers: 100})
	r := newRig(t, fleet, rigOptions{noRun: true, inventoryLater: true})
	r.set.sources[0].tg.Config.ContainerInfo = true
	r.set.sources[0].sweep(context.Background())
	got := r.gather(t)
	truth := fleet.ClusterTruth("")
	require.Equal(t, truth.ByContainer, got.places)
	require.True(t, got.matches(truth), "unlisted images fall back to image_name, split at the tag")
}

// The image is the inventory's, joined by container_id: ListContainers'
// image_name is only a fallback, and one it cannot split right.
func TestImageIsTheInventorysWhereItListsTheContainer(t *testing.T) {
	t.Parallel()
	fleet := hssfake.NewFleet([]hssfake.Image{{Name: "shop/web", Version: "2.1:rc1"}}, nil)
	fleet.AddContainer(hssfake.Container{ImageID: fleet.Images()[0].ID, ID: "w1", Name: "/k8s_web", HostID: "h1",
		PodID: "p1", PodName: "web-0"})
	r := newRig(t, fleet, rigOptions{noRun: true, inventoryLater: true})
	src := r.set.sources[0]
	src.sweep(context.Background())
	require.Equal(t, map[hssfake.ClusterImageKey]int{{ClusterName: "", ImageName: "shop/web:2.1", ImageVersion: "rc1"}: 1},
		r.gather(t).images, "before the inventory lists it, image_name split at its last ':'")

	r.runInventory()
	truth := fleet.ClusterTruth("")
	require.Eventually(t, func() bool { return r.inventoryExact(truth) }, 10*time.Second, 10*time.Millisecond)
	src.sweep(context.Background())
	require.Equal(t, truth.Images, r.gather(t).images)
}

func TestAccountWithoutClusterContainersCostsOneCallPerSweepAndShowsNoSeries(t *testing.T) {
	t.Parallel()
	fleet := hssfake.NewFleet([]hssfake.Image{{Name: "busybox", Version: "1.36"}}, nil)
	fleet.AddContainer(hssfake.Container{ImageID: fleet.Images()[0].ID, ID: "d1", Name: "/sleepy", HostID: "h1"})
	r := newRig(t, fleet, rigOptions{noRun: true})
	for range 3 {
		r.set.sources[0].sweep(context.Background())
	}
	require.Equal(t, 3, r.srv.Requests(hssfake.OpListContainers, 200))
	got := r.gather(t)
	require.Equal(t, 1.0, got.up)
	require.Empty(t, got.states)
	require.Empty(t, got.images)
	require.Empty(t, got.restarts)
	require.Empty(t, got.risky)
}

// At HSS's documented 5 calls per API a minute, enforced by the stand-in
// per operation, the cluster source sweeping back to back waits for its
// own operation's budget and is never refused, while the inventory,
// spending the other operations' budgets, still gets exact.
func TestClusterSourceSpendsOnlyItsOwnBudgetAtFiveCallsAMinute(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 300, Images: 3})
	r := newRig(t, fleet, rigOptions{perMinute: 5, rateLimit: 5, interval: 50 * time.Millisecond})
	truth := fleet.ClusterTruth("")
	require.Eventually(t, func() bool { return r.inventoryExact(truth) && r.gather(t).matches(truth) },
		20*time.Second, 20*time.Millisecond)
	time.Sleep(time.Second) // sweeps keep coming every 50ms unless the budget holds them
	require.Empty(t, r.srv.ThrottledCount(), "no call refused")
	require.LessOrEqual(t, r.srv.RequestsFor(hssfake.OpListContainers), 5)
	require.GreaterOrEqual(t, r.srv.RequestsFor(hssfake.OpListContainers), 2, "a sweep is two pages")
	require.Equal(t, 5.0, r.gather(t).other["hss_exporter_api_budget_calls_per_minute{operation=ListContainers}"])
}

func TestFailedSweepKeepsLastGoodRowsUntilMaxStaleness(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 4, Containers: 50})
	clock := testclock.New(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	r := newRig(t, fleet, rigOptions{noRun: true, now: clock.Now})
	src := r.set.sources[0]
	src.sweep(context.Background())
	good := r.gather(t)
	require.NotEmpty(t, good.states)

	r.srv.AddFault(hssfake.Fault{Operation: hssfake.OpListContainers, Kind: hssfake.FaultStatus, Status: 500})
	clock.Advance(30 * time.Minute)
	src.sweep(context.Background())
	kept := r.gather(t)
	require.Equal(t, 0.0, kept.up)
	require.Equal(t, good.states, kept.states, "the last good rows stay until max_staleness")
	require.Equal(t, 1800.0, kept.other["hss_exporter_clusters_listing_age_seconds"])

	clock.Advance(31 * time.Minute)
	gone := r.gather(t)
	require.Empty(t, gone.states, "past max_staleness nothing is served")
	require.Equal(t, 0.0, gone.up)

	r.srv.ClearFaults()
	src.sweep(context.Background())
	require.Equal(t, 1.0, r.gather(t).up)
	require.Equal(t, good.states, r.gather(t).states)
}

func TestReloadKeepsAnUnchangedTargetWithoutACall(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 6, Containers: 50})
	r := newRig(t, fleet, rigOptions{interval: time.Hour})
	require.Eventually(t, func() bool { return r.gather(t).up == 1 }, 10*time.Second, 10*time.Millisecond)
	calls := r.srv.RequestsFor(hssfake.OpListContainers)
	before := r.set.all()[0]

	r.set.Apply([]Target{r.tg})
	require.Same(t, before, r.set.all()[0], "the unchanged target keeps its source and rows")
	require.Equal(t, 1.0, r.gather(t).up)
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, calls, r.srv.RequestsFor(hssfake.OpListContainers), "a reload costs no call")

	changed := r.tg
	changed.Config.Clusters = new(false)
	r.set.Apply([]Target{changed})
	require.Empty(t, r.set.all(), "clusters: false stops the source")
	require.Equal(t, -1.0, r.gather(t).up, "and its series go")
}

func TestOtherShardsReadNoClusters(t *testing.T) {
	t.Parallel()
	set := New(Options{Off: true}, []Target{{Config: testTarget(time.Minute), API: failingLister{}}})
	require.Empty(t, set.all())
}

type failingLister struct{}

func (failingLister) EachClusterContainer(context.Context, hssclient.ListClusterContainersRequest,
	func(hssclient.ClusterContainer) error) error {
	panic("a shard other than 0 must not list clusters")
}

func TestSplitImageKeepsRegistryPortsAndDropsDigests(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ ref, name, version string }{
		{"nginx:1.25.3", "nginx", "1.25.3"},
		{"nginx", "nginx", ""},
		{"registry.local:5000/team/app:2.0", "registry.local:5000/team/app", "2.0"},
		{"registry.local:5000/team/app", "registry.local:5000/team/app", ""},
		{"app@sha256:0123abcd", "app", ""},
		{"swr.cn-north-4.myhuaweicloud.com/shop/web:2.1@sha256:0123abcd", "swr.cn-north-4.myhuaweicloud.com/shop/web", "2.1"},
		{"", "", ""},
	} {
		name, version := splitImage(c.ref)
		require.Equal(t, [2]string{c.name, c.version}, [2]string{name, version}, c.ref)
	}
}

func TestStatusSaysWhatTheSourceServes(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 8, Containers: 60})
	clock := testclock.New(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	r := newRig(t, fleet, rigOptions{noRun: true, now: clock.Now})
	st, ok := r.set.Status("demo")
	require.True(t, ok)
	require.Equal(t, Status{}, st, "nothing before the first sweep")
	_, ok = r.set.Status("other")
	require.False(t, ok)

	r.set.sources[0].sweep(context.Background())
	truth := fleet.ClusterTruth("")
	st, _ = r.set.Status("demo")
	require.True(t, st.Up && st.Served)
	require.Equal(t, truth.Containers, st.Containers)
	require.Equal(t, len(truth.Restarts), st.Clusters)
	require.Equal(t, clock.Now(), *st.LastSweepAt)

	clock.Advance(2 * time.Hour)
	st, _ = r.set.Status("demo")
	require.False(t, st.Served, "past max_staleness")
	require.NotNil(t, st.LastSweepAt)
}
