package collector

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// goldenNames are the families compared with golden files: every inventory
// family and the deterministic self-metrics (durations and API counters vary).
var goldenNames = []string{
	"hss_image_containers", "hss_image_public_containers", "hss_host_containers", "hss_pod_containers",
	"hss_image_info", "hss_image_vulnerabilities", "hss_image_unsafe_settings", "hss_image_malicious_files",
	"hss_image_hosts", "hss_image_size_bytes", "hss_image_last_scan_timestamp_seconds",
	"hss_image_reported_containers", "hss_container_info",
	"hss_up", "hss_exporter_last_refresh_success_timestamp_seconds", "hss_exporter_refreshes_total",
	"hss_exporter_refreshes_skipped_total", "hss_exporter_images_failed", "hss_exporter_label_values_sanitized_total",
}

// compareGolden compares the Exporter's golden families with file, or
// rewrites file under -update.
func compareGolden(t *testing.T, e *Exporter, file string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(file, []byte(exposition(t, e, goldenNames...)), 0o644))
	}
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, testutil.CollectAndCompare(e, f, goldenNames...))
}

func TestFleetGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		containerInfo bool
		golden        string
	}{
		{"inventory", false, "testdata/fleet.prom"},
		{"with container_info", true, "testdata/fleet_container_info.prom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := testFleet()
			cfg := testTarget()
			cfg.ContainerInfo = tc.containerInfo
			e := newEnv(t, cfg, overAPI(api)).e
			require.NoError(t, refreshOnce(t, e, "prod"))

			compareGolden(t, e, tc.golden)
			requireLintClean(t, e)
			require.NotContains(t, exposition(t, e), "hunter2", "entry_point must never reach /metrics")

			// One discovery call, one call per image with containers; redis
			// (container_num 0) and the excluded image cost nothing.
			require.Equal(t, 1, api.callCount("images"))
			require.Equal(t, 1, api.callCount(nameKey("nginx", "1.25.3")))
			require.Equal(t, 1, api.callCount(nameKey("app", "1.0")))
			require.Equal(t, 1, api.callCount(digestKey("sha256:eee")))
			require.Zero(t, api.callCount(nameKey("redis", "7.2")))
			require.Zero(t, api.callCount(nameKey("test/debug", "latest")))

			st := e.Status()[0]
			require.Equal(t, ResultSuccess, st.LastResult)
			require.Equal(t, []int{4, 5, 2, 2}, []int{st.Images, st.Containers, st.Hosts, st.Pods})
		})
	}
}

func TestCollectDoesNoAPIWork(t *testing.T) {
	t.Parallel()
	api := testFleet()
	e := newEnv(t, testTarget(), overAPI(api)).e
	require.NoError(t, refreshOnce(t, e, "prod"))
	before := api.callCount("images")
	for range 3 {
		exposition(t, e)
		e.Ready()
		e.Status()
	}
	require.Equal(t, before, api.callCount("images"), "a scrape or probe must never call the API")
}

func TestStaticImages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		static  []string // name:version pairs, or a digest
		mutate  func(*fakeAPI)
		wantKey string // the query the static image must cost
		notKey  string // a query that must not be made
		want    string // a line of hss_image_containers
	}{
		{
			name:   "excluded by rules but configured: merged with discovery",
			static: []string{"test/debug:latest"}, wantKey: nameKey("test/debug", "latest"),
			want: `hss_image_containers{image_digest="sha256:ddd",image_name="test/debug",image_version="latest",target="prod"} 1`,
		},
		{
			name:   "unknown to discovery: queried by name and version",
			static: []string{"busybox:1.36"}, wantKey: nameKey("busybox", "1.36"),
			mutate: func(f *fakeAPI) {
				f.containers[nameKey("busybox", "1.36")] = []hssclient.Container{{ContainerID: "b1"}, {ContainerID: "b2"}}
			},
			want: `hss_image_containers{image_digest="",image_name="busybox",image_version="1.36",target="prod"} 2`,
		},
		{
			name:   "name without version, excluded by rules: every discovered version of it",
			static: []string{"test/debug"}, wantKey: nameKey("test/debug", "latest"),
			want: `hss_image_containers{image_digest="sha256:ddd",image_name="test/debug",image_version="latest",target="prod"} 1`,
		},
		{
			name:   "name without version, unknown to discovery: queried by name alone",
			static: []string{"busybox"}, wantKey: nameKey("busybox", ""),
			mutate: func(f *fakeAPI) {
				f.containers[nameKey("busybox", "")] = []hssclient.Container{{ContainerID: "b1"}, {ContainerID: "b2"}}
			},
			want: `hss_image_containers{image_digest="",image_name="busybox",image_version="",target="prod"} 2`,
		},
		{
			name: "one tag, two digests: each queried by digest",
			mutate: func(f *fakeAPI) {
				f.images = append(f.images, hssclient.LocalImage{ImageName: "nginx", ImageVersion: "1.25.3",
					ImageDigest: "sha256:aa2", ContainerNum: 1})
				f.containers[digestKey("sha256:aa2")] = []hssclient.Container{{ContainerID: "c7"}}
			},
			wantKey: digestKey("sha256:aa2"), notKey: nameKey("nginx", "1.25.3"),
			want: `hss_image_containers{image_digest="sha256:aa2",image_name="nginx",image_version="1.25.3",target="prod"} 1`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := testFleet()
			if tc.mutate != nil {
				tc.mutate(api)
			}
			cfg := testTarget()
			for _, s := range tc.static {
				name, version, _ := strings.Cut(s, ":")
				cfg.Images.Static = append(cfg.Images.Static, config.StaticImage{Name: name, Version: version})
			}
			e := newEnv(t, cfg, overAPI(api)).e
			require.NoError(t, refreshOnce(t, e, "prod"))
			require.Equal(t, 1, api.callCount(tc.wantKey))
			if tc.notKey != "" {
				require.Zero(t, api.callCount(tc.notKey))
			}
			require.Contains(t, seriesWith(t, e, "hss_image_containers"), tc.want)
			requireLintClean(t, e)
		})
	}
}
