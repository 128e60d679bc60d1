package collector

import (
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// handFleet has an SWR image in pods (one with a public IP), an image run
// by plain Docker containers only, and an image without containers.
func handFleet() *hssfake.Fleet {
	web := hssfake.Image{Name: "swr.cn-north-4.myhuaweicloud.com/shop/web", Version: "2.1", ScanStatus: "success",
		SeverityLevel: "High", VulNum: 7, UnsafeSettingNum: 1, Size: 52428800, LatestScanTime: time.Unix(1767225600, 0)}
	busybox := hssfake.Image{Name: "busybox", Version: "1.36", ScanStatus: "failed", Size: 4400000}
	redis := hssfake.Image{Name: "redis", Version: "7.2", Size: 1000}
	f := hssfake.NewFleet([]hssfake.Image{web, busybox, redis}, nil)
	ids := map[string]string{}
	for _, img := range f.Images() {
		ids[img.Name] = img.ID
	}
	for _, c := range []hssfake.Container{
		{ImageID: ids[web.Name], ID: "w1", Name: "/k8s_web_web-0", HostID: "h1", HostName: "ecs-1", PodID: "p1", PodName: "web-0",
			PrivateIP: "192.168.0.11", PublicIP: "203.0.113.7", AgentID: "a1", EntryPoint: "web --db-password=s3cr3t"},
		{ImageID: ids[web.Name], ID: "w2", Name: "/k8s_web_web-1", HostID: "h2", HostName: "ecs-2", PodID: "p2", PodName: "web-1",
			PrivateIP: "192.168.0.12", AgentID: "a2"},
		{ImageID: ids[busybox.Name], ID: "d1", Name: "/sleepy", HostID: "h1", HostName: "ecs-1", PrivateIP: "192.168.0.13", AgentID: "a1"},
		{ImageID: ids[busybox.Name], ID: "d2", Name: "/edge", HostID: "h2", HostName: "ecs-2", PublicIP: "203.0.113.8", AgentID: "a2"},
	} {
		f.AddContainer(c)
	}
	return f
}

func TestGoldenAgainstStandInServer(t *testing.T) {
	t.Parallel()
	cfg := config.Target{Images: config.Images{Discover: true}, ContainerInfo: true,
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 2, RefreshInterval: time.Minute, MaxStaleness: 30 * time.Minute}}
	fleet := handFleet()
	env := newEnv(t, cfg, serving(fleet))
	e, srv := env.e, env.srv
	require.NoError(t, refreshOnce(t, e, "demo"))
	requireTruth(t, e, fleet.Truth(""))

	names := append([]string{"hss_exporter_api_requests_total", "hss_exporter_api_retries_total"}, goldenNames...)
	const file = "testdata/hssfake_fleet.prom"
	if *update {
		require.NoError(t, os.WriteFile(file, []byte(exposition(t, e, names...)), 0o644))
	}
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, testutil.CollectAndCompare(e, f, names...))
	requireLintClean(t, e)
	require.NotContains(t, exposition(t, e), "s3cr3t")
	require.Equal(t, 1, srv.RequestsFor(hssfake.OpListImageLocal))
	require.Equal(t, 2, srv.RequestsFor(hssfake.OpListLocalImageContainers), "redis has no containers: no call")
	// The status shows a cycle's requests once the next discovery begins.
	require.NoError(t, refreshOnce(t, e, "demo"))
	require.Equal(t, uint64(3), e.Status()[0].Requests)
}

func TestCountsEqualGeneratedFleetTruth(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: 600})
	cfg := config.Target{EnterpriseProjectID: hssfake.AllEnterpriseProjects, Images: config.Images{Discover: true},
		Settings: config.Settings{PageSize: 10, MaxConcurrency: 4, RefreshInterval: time.Minute, MaxStaleness: 30 * time.Minute}}
	env := newEnv(t, cfg, serving(fleet))
	e, srv := env.e, env.srv
	rng := rand.New(rand.NewSource(1))
	for round := range 3 {
		srv.ResetCounts()
		require.NoError(t, refreshOnce(t, e, "demo"), "round %d", round)
		truth := fleet.Truth(hssfake.AllEnterpriseProjects)
		requireTruth(t, e, truth)

		// API calls: the discovery pages, then ceil(n/page) pages per image
		// with containers (a full last page may cost one empty page more).
		minCalls, maxCalls := 0, 0
		for _, n := range truth.Images {
			if n > 0 {
				minCalls += (n + 9) / 10
				maxCalls += n/10 + 1
			}
		}
		calls := srv.RequestsFor(hssfake.OpListLocalImageContainers)
		require.GreaterOrEqual(t, calls, minCalls)
		require.LessOrEqual(t, calls, maxCalls)

		added, removed := fleet.Churn(rng, 40)
		require.Positive(t, added+removed)
	}
}

// requireTruth compares the per-image, per-host and per-pod series with the
// fleet's truth, images without containers and public IPs included.
func requireTruth(t *testing.T, e *Exporter, truth hssfake.Truth) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	images, public := map[string]int{}, map[string]int{}
	for k, n := range truth.Images {
		images[strings.Join([]string{k.Name, k.Version, k.Digest}, "|")] = n
		public[strings.Join([]string{k.Name, k.Version, k.Digest}, "|")] = truth.PublicImages[k]
	}
	hosts, pods := map[string]int{}, map[string]int{}
	for k, n := range truth.Hosts {
		hosts[k.ID+"|"+k.Name] = n
	}
	for k, n := range truth.Pods {
		pods[k.ID+"|"+k.Name] = n
	}
	require.Equal(t, images, seriesValues(mfs, "hss_image_containers", "image_name", "image_version", "image_digest"))
	require.Equal(t, public, seriesValues(mfs, "hss_image_public_containers", "image_name", "image_version", "image_digest"))
	require.Equal(t, hosts, seriesValues(mfs, "hss_host_containers", "host_id", "host_name"))
	require.Equal(t, pods, seriesValues(mfs, "hss_pod_containers", "pod_id", "pod_name"))
	require.Equal(t, truth.Containers, e.Status()[0].Containers)
}

// seriesValues maps the joined values of labels to each series' value.
func seriesValues(mfs []*dto.MetricFamily, name string, labels ...string) map[string]int {
	out := map[string]int{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			values := map[string]string{}
			for _, lp := range m.GetLabel() {
				values[lp.GetName()] = lp.GetValue()
			}
			key := make([]string, len(labels))
			for i, l := range labels {
				key[i] = values[l]
			}
			out[strings.Join(key, "|")] = int(m.GetGauge().GetValue())
		}
	}
	return out
}

func TestPartialFailureAgainstStandInServer(t *testing.T) {
	t.Parallel()
	cfg := config.Target{Images: config.Images{Discover: true},
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 1, RefreshInterval: time.Minute, MaxStaleness: 30 * time.Minute}}
	fleet := handFleet()
	env := newEnv(t, cfg, serving(fleet))
	e, srv := env.e, env.srv
	require.NoError(t, refreshOnce(t, e, "demo"))

	// The next container listing answers 500 (the client retries nothing
	// here): that image keeps its last good rows, the rest lands.
	srv.AddFault(hssfake.Fault{Operation: hssfake.OpListLocalImageContainers, Kind: hssfake.FaultStatus, Status: 500, Times: 1})
	require.ErrorIs(t, refreshOnce(t, e, "demo"), errPartialRefresh)
	requireTruth(t, e, fleet.Truth(""))
	st := e.Status()[0]
	require.Equal(t, 1, st.ImagesFailed)
	require.Len(t, seriesWith(t, e, "hss_exporter_api_requests_total", `code="500"`, `operation="ListLocalImageContainers"`, "} 1"), 1)
	require.Len(t, seriesWith(t, e, "hss_up", "} 0"), 1)
	requireLintClean(t, e)
	// A discovery's result counts the listings before it: the next one
	// finds the failed listing, which it then lists again.
	require.NoError(t, refreshOnce(t, e, "demo"))
	require.Equal(t, ResultPartial, e.Status()[0].LastResult)
}
