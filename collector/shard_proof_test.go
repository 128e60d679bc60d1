package collector

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/inventory"
	"github.com/hss-exporter/hss_exporter/shard"
)

// inventoryFamilies are the families whose union over shards must equal
// the single process's answer.
var inventoryFamilies = map[string]bool{}

func init() {
	for _, f := range inventory.Families {
		inventoryFamilies[f.Name] = true
	}
}

// proofFleet is a generated fleet plus the overlaps a container query can
// produce: tag X is carried by two digests (so both are listed by digest),
// and alias Y shares X's first digest under another tag, so X's digest
// query lists Y's containers as well. A single process counts those under
// X, the first; shards must agree. It returns the images X and Y.
func proofFleet(t *testing.T) (f *hssfake.Fleet, x, y hssfake.Image) {
	f = hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: 2000, Images: 120})
	x = f.Images()[0]
	require.Empty(t, x.EnterpriseProjectID)
	x2 := hssfake.Image{ID: "x2", Name: x.Name, Version: x.Version, Digest: "sha256:" + strings.Repeat("2", 64)}
	// The alias is named so that X and Y alone would belong to different
	// shards at M = 3 and M = 4: only grouping keeps them together.
	for i := 0; ; i++ {
		y = hssfake.Image{ID: "y", Name: fmt.Sprintf("mirror.example/alias-%d", i), Version: "1", Digest: x.Digest}
		kx, ky := shard.Key("demo", x.Name, x.Version, x.Digest), shard.Key("demo", y.Name, y.Version, y.Digest)
		if shard.Of(kx, 3) != shard.Of(ky, 3) && shard.Of(kx, 4) != shard.Of(ky, 4) {
			break
		}
	}
	f.AddImage(x2)
	f.AddImage(y)
	for i, img := range []hssfake.Image{x2, x2, y, y, y} {
		f.AddContainer(hssfake.Container{ImageID: img.ID, ID: fmt.Sprintf("overlap-%d", i),
			HostID: "host-overlap", HostName: "node-overlap", PodID: "pod-overlap", PodName: "overlap-0"})
	}
	return f, x, y
}

// proofTarget covers every image, plus configured ones: one discovery
// also returns (merged), and two it does not (a tag and a digest).
func proofTarget(x hssfake.Image) config.Target {
	return config.Target{
		Name: "demo", EnterpriseProjectID: hssfake.AllEnterpriseProjects, ContainerInfo: true,
		Settings: config.Settings{PageSize: 25, MaxConcurrency: 4, RefreshInterval: time.Minute, MaxStaleness: time.Hour},
		Images: config.Images{Discover: true, Static: []config.StaticImage{
			{Name: x.Name, Version: x.Version, Digest: x.Digest},
			{Name: "ghost/app", Version: "9"},
			{Digest: "sha256:" + strings.Repeat("f", 64)},
		}},
	}
}

// shardExporter reads srv through its own client, as one replica does.
func shardExporter(t *testing.T, srv *hssfake.Server, cfg config.Target, spec shard.Spec) *Exporter {
	t.Helper()
	stats := NewAPIStats()
	client := demoClient(t, srv.URL, cfg, stats, 30*time.Second)
	return newClockedExporter(nil, nil, []Target{{Config: cfg, API: client, Posture: client, Credentials: client}}, stats, Options{Shard: spec})
}

// inventory is one process's inventory series: family -> labels -> value.
type inventoryMap map[string]map[string]float64

func gatherInventory(t *testing.T, e *Exporter) inventoryMap {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	inv := inventoryMap{}
	for _, mf := range mfs {
		if !inventoryFamilies[mf.GetName()] {
			continue
		}
		series := map[string]float64{}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			series[strings.Join(labels, ",")] = m.GetGauge().GetValue()
		}
		inv[mf.GetName()] = series
	}
	return inv
}

// summedFamilies are counts a query sums across shards; any other series
// must come from one shard only.
var summedFamilies = map[string]bool{"hss_host_containers": true, "hss_pod_containers": true}

// union merges the shards' inventories as `sum by (all labels)` does, and
// fails when a per-image or per-container series comes from two shards, or
// two shards list one container (under whatever image).
func union(t *testing.T, parts []inventoryMap) inventoryMap {
	t.Helper()
	out := inventoryMap{}
	owner := map[string]int{} // container_id -> shard
	for i, p := range parts {
		for labels := range p["hss_container_info"] {
			id := labels[strings.Index(labels, "container_id=")+len("container_id="):]
			id = id[:strings.IndexByte(id, ',')]
			prev, dup := owner[id]
			require.False(t, dup, "container %s counted by shards %d and %d", id, prev, i)
			owner[id] = i
		}
		for fam, series := range p {
			if out[fam] == nil {
				out[fam] = map[string]float64{}
			}
			for labels, v := range series {
				_, dup := out[fam][labels]
				require.False(t, dup && !summedFamilies[fam], "shard %d repeats %s{%s}", i, fam, labels)
				out[fam][labels] += v
			}
		}
	}
	return out
}

func refreshAll(t *testing.T, exps []*Exporter) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(exps))
	for i, e := range exps {
		wg.Go(func() { errs[i] = refreshOnce(t, e, "demo") })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "shard %d", i)
	}
}

// TestShardsAddUpToTheSingleProcess is the proof that sharding splits: M = 1, 3 and
// 4 replicas against one stand-in server list every container exactly
// once between them, their series add up to the single process's series,
// and together they spend only M - 1 extra discoveries.
func TestShardsAddUpToTheSingleProcess(t *testing.T) {
	t.Parallel()
	fleet, x, y := proofFleet(t)
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	cfg := proofTarget(x)
	truth := fleet.Truth(hssfake.AllEnterpriseProjects)

	var single inventoryMap
	var singleDiscovery, singleListing int
	for _, m := range []int{1, 3, 4} {
		exps := make([]*Exporter, m)
		for i := range exps {
			exps[i] = shardExporter(t, srv, cfg, shard.Spec{Index: i, Total: m})
		}
		srv.ResetCounts()
		refreshAll(t, exps)
		discovery, listing := srv.RequestsFor(hssfake.OpListImageLocal), srv.RequestsFor(hssfake.OpListLocalImageContainers)
		parts := make([]inventoryMap, m)
		owned, covered := 0, 0
		for i, e := range exps {
			parts[i] = gatherInventory(t, e)
			st := e.Status()[0]
			owned += st.ImagesOwned
			covered = st.ImagesDiscovered
			require.Positive(t, st.ImagesOwned, "shard %d of %d owns nothing", i, m)
		}
		require.Equal(t, covered, owned, "M=%d: every covered image is owned by exactly one shard", m)
		got := union(t, parts)
		if m == 1 {
			single, singleDiscovery, singleListing = got, discovery, listing
			requireShardTruth(t, got, truth, x, y)
			continue
		}
		t.Logf("M=%d: %d discovery and %d listing calls (single process: %d and %d)",
			m, discovery, listing, singleDiscovery, singleListing)
		require.Equal(t, m*singleDiscovery, discovery, "M=%d: each shard discovers once", m)
		require.Equal(t, singleListing, listing, "M=%d: each listing is made by one shard only", m)
		require.Equal(t, singleDiscovery+singleListing+(m-1)*singleDiscovery, discovery+listing)
		for fam := range single {
			requireSameSeries(t, single[fam], got[fam], "M=%d: %s summed over shards", m, fam)
		}
		require.Len(t, got, len(single))
	}
}

// requireShardTruth checks the single process against the fleet itself: every
// container once, every host and pod count, every image.
func requireShardTruth(t *testing.T, inv inventoryMap, truth hssfake.Truth, x, y hssfake.Image) {
	t.Helper()
	require.Len(t, inv["hss_container_info"], truth.Containers, "each container once")
	hosts := map[string]float64{}
	for labels, v := range inv["hss_host_containers"] {
		hosts[labels] = v
	}
	require.Len(t, hosts, len(truth.Hosts))
	for k, n := range truth.Hosts {
		require.Equal(t, float64(n), hosts[fmt.Sprintf("host_id=%s,host_name=%s,target=demo", k.ID, k.Name)], k)
	}
	require.Len(t, inv["hss_pod_containers"], len(truth.Pods))
	for k, n := range truth.Pods {
		require.Equal(t, float64(n), inv["hss_pod_containers"][fmt.Sprintf("pod_id=%s,pod_name=%s,target=demo", k.ID, k.Name)], k)
	}
	images := inv["hss_image_containers"]
	key := func(name, version, digest string) string {
		return fmt.Sprintf("image_digest=%s,image_name=%s,image_version=%s,target=demo", digest, name, version)
	}
	for k, n := range truth.Images {
		want := float64(n)
		switch k {
		case hssfake.ImageKey{Name: x.Name, Version: x.Version, Digest: x.Digest}:
			want += float64(truth.Images[hssfake.ImageKey{Name: y.Name, Version: y.Version, Digest: y.Digest}])
		case hssfake.ImageKey{Name: y.Name, Version: y.Version, Digest: y.Digest}:
			want = 0 // X's digest query lists them first
		}
		require.Equal(t, want, images[key(k.Name, k.Version, k.Digest)], k)
	}
	require.Equal(t, 0.0, images[key("ghost/app", "9", "")], "a configured image HSS does not know has 0 containers")
	require.Len(t, images, len(truth.Images)+2, "every image, and the two configured ones discovery does not return")
}

// requireSameSeries fails with the first few differing series, not two
// maps of thousands.
func requireSameSeries(t *testing.T, want, got map[string]float64, msgAndArgs ...any) {
	t.Helper()
	var diff []string
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			diff = append(diff, fmt.Sprintf("{%s}: want %v, got %v (present %v)", k, v, g, ok))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, fmt.Sprintf("{%s}: unexpected, %v", k, v))
		}
	}
	require.Empty(t, diff[:min(len(diff), 5)], msgAndArgs...)
}
