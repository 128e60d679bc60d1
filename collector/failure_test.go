package collector

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
)

var errBoom = &transport.APIError{Operation: hssclient.OpListContainers, StatusCode: 500, Code: "HSS.0004", Message: "boom"}

func TestPartialFailureKeepsLastRows(t *testing.T) {
	t.Parallel()
	api := testFleet()
	cfg := testTarget()
	cfg.ContainerInfo = true
	env := newEnv(t, cfg, overAPI(api))
	e, clock := env.e, env.clock
	require.NoError(t, refreshOnce(t, e, "prod"))

	// app fails; nginx changes: the change lands, app's rows stay.
	api.set(func(f *fakeAPI) {
		f.errs[nameKey("app", "1.0")] = errBoom
		k := nameKey("nginx", "1.25.3")
		f.containers[k] = f.containers[k][:2] // c3 gone
	})
	clock.Advance(time.Minute)
	err := refreshOnce(t, e, "prod")
	require.ErrorIs(t, err, errPartialRefresh)
	require.ErrorContains(t, err, "HSS.0004")

	appSeries := `hss_image_containers{image_digest="sha256:ccc",image_name="app",image_version="1.0",target="prod"}`
	require.Contains(t, seriesWith(t, e, "hss_image_containers"), appSeries+" 2",
		"app keeps its last good rows, and c3, no longer under nginx, now counts under app")
	require.Len(t, seriesWith(t, e, "hss_container_info", `container_id="c4"`), 1)
	require.Equal(t, []string{`hss_up{target="prod"} 0`}, seriesWith(t, e, "hss_up"))
	require.Equal(t, []string{`hss_exporter_images_failed{target="prod"} 1`}, seriesWith(t, e, "hss_exporter_images_failed"))
	ready, _ := e.Ready()
	require.True(t, ready, "a partial refresh still lands data")

	// A failing image that never listed has no containers series at all:
	// unknown is not zero.
	api.set(func(f *fakeAPI) {
		f.images = append(f.images, hssclient.LocalImage{ImageName: "new", ImageVersion: "1", ContainerNum: 5})
		f.errs[nameKey("new", "1")] = errBoom
	})
	require.ErrorIs(t, refreshOnce(t, e, "prod"), errPartialRefresh)
	require.Len(t, seriesWith(t, e, "hss_exporter_refreshes_total", `result="partial"`, "} 1"), 1,
		"a discovery's result counts the listings before it")
	require.Empty(t, seriesWith(t, e, "hss_image_containers", `image_name="new"`))
	require.Len(t, seriesWith(t, e, "hss_image_reported_containers", `image_name="new"`, "} 5"), 1)

	// Kept rows expire like everything else: after max_staleness without a
	// good listing, app's containers are gone while the rest is fresh.
	clock.Advance(31 * time.Minute)
	require.ErrorIs(t, refreshOnce(t, e, "prod"), errPartialRefresh)
	require.Empty(t, seriesWith(t, e, "hss_image_containers", `image_name="app"`))
	require.Empty(t, seriesWith(t, e, "hss_container_info", `container_id="c4"`))
	requireLintClean(t, e)
}

// failEveryCall makes every call of f fail, as in an outage: discovery
// and the listings, which run on their own schedule.
func failEveryCall(f *fakeAPI) {
	f.imagesErr = errBoom
	for key := range f.containers {
		f.errs[key] = errBoom
	}
}

func TestWholeFailureThenStalenessExpiry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		breakFleet func(f *fakeAPI)
	}{
		{"every call fails", failEveryCall},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := testFleet()
			env := newEnv(t, testTarget(), overAPI(api))
			e, clock := env.e, env.clock
			require.NoError(t, refreshOnce(t, e, "prod"))
			good := exposition(t, e, "hss_image_containers", "hss_host_containers", "hss_image_info")

			api.set(tc.breakFleet)
			clock.Advance(10 * time.Minute)
			require.Error(t, refreshOnce(t, e, "prod"))
			require.Equal(t, good, exposition(t, e, "hss_image_containers", "hss_host_containers", "hss_image_info"),
				"the last good snapshot is served until max_staleness")
			require.Equal(t, []string{`hss_up{target="prod"} 0`}, seriesWith(t, e, "hss_up"))
			require.Len(t, seriesWith(t, e, "hss_exporter_refreshes_total", `result="failure"`, "} 1"), 1)
			require.Len(t, seriesWith(t, e, "hss_exporter_last_refresh_success_timestamp_seconds", "1.7040672e+09"), 1)

			// Past max_staleness after the last success, inventory goes;
			// self-metrics stay.
			clock.Advance(21 * time.Minute)
			require.Empty(t, seriesWith(t, e, "hss_image_containers"), "expired even before the next refresh")
			require.Error(t, refreshOnce(t, e, "prod"))
			for _, name := range []string{"hss_image_containers", "hss_host_containers", "hss_pod_containers", "hss_image_info"} {
				require.Empty(t, seriesWith(t, e, name), name)
			}
			require.Len(t, seriesWith(t, e, "hss_exporter_refreshes_total", `result="failure"`, "} 2"), 1)
			require.Len(t, seriesWith(t, e, "hss_up"), 1)
			require.Zero(t, e.Status()[0].Containers)
			require.True(t, e.Status()[0].Stale)

			// Back: the first good refresh restores everything.
			api.set(func(f *fakeAPI) { f.imagesErr, f.errs = nil, map[string]error{} })
			require.NoError(t, refreshOnce(t, e, "prod"))
			require.Equal(t, good, exposition(t, e, "hss_image_containers", "hss_host_containers", "hss_image_info"))
			requireLintClean(t, e)
		})
	}
}

func TestEveryListingFailingKeepsDiscoveryAndExpiresRows(t *testing.T) {
	t.Parallel()
	api := testFleet()
	env := newEnv(t, testTarget(), overAPI(api))
	e, clock := env.e, env.clock
	require.NoError(t, refreshOnce(t, e, "prod"))
	good := exposition(t, e, "hss_image_containers", "hss_host_containers")
	info := exposition(t, e, "hss_image_info")

	api.set(func(f *fakeAPI) {
		for k := range f.containers {
			f.errs[k] = errBoom
		}
	})
	clock.Advance(10 * time.Minute)
	require.ErrorContains(t, refreshOnce(t, e, "prod"), "all 3 image listings failed")
	require.Equal(t, good, exposition(t, e, "hss_image_containers", "hss_host_containers"),
		"each image keeps its last good rows until max_staleness")
	require.Equal(t, []string{`hss_up{target="prod"} 0`}, seriesWith(t, e, "hss_up"))

	// Past max_staleness after the last good listing, the failing images'
	// containers are unknown; discovery still answers, so its facts stay,
	// and redis, which HSS says runs none, still shows none.
	clock.Advance(21 * time.Minute)
	require.Error(t, refreshOnce(t, e, "prod"))
	require.Len(t, seriesWith(t, e, "hss_exporter_refreshes_total", `result="failure"`, "} 1"), 1,
		"nothing listed counts as a failed refresh, at the discovery after the listings")
	require.Equal(t, []string{
		`hss_image_containers{image_digest="sha256:bbb",image_name="redis",image_version="7.2",target="prod"} 0`,
	}, seriesWith(t, e, "hss_image_containers"))
	require.Empty(t, seriesWith(t, e, "hss_host_containers"))
	require.Equal(t, info, exposition(t, e, "hss_image_info"))
	ready, _ := e.Ready()
	require.True(t, ready, "discovery answers: the target is not stale")

	api.set(func(f *fakeAPI) { f.errs = map[string]error{} })
	require.NoError(t, refreshOnce(t, e, "prod"))
	require.Equal(t, good, exposition(t, e, "hss_image_containers", "hss_host_containers"))
}

func TestReadinessTransitions(t *testing.T) {
	t.Parallel()
	api := testFleet()
	other := testFleet()
	clock := newFakeClock()
	cfgB := testTarget()
	cfgB.Name = "staging"
	e := newClockedExporter(clock, nil, []Target{{Config: testTarget(), API: api}, {Config: cfgB, API: other}}, nil,
		Options{Clock: schedule.Clock{Now: clock.Now}})

	steps := []struct {
		name    string
		act     func()
		ready   bool
		reasons []string // substrings, one per expected reason
	}{
		{"before any refresh", func() {}, false,
			[]string{"target prod: no good refresh yet", "target staging: no good refresh yet"}},
		{"one target failed its first refresh", func() {
			other.set(func(f *fakeAPI) { f.imagesErr = errBoom })
			require.NoError(t, refreshOnce(t, e, "prod"))
			require.Error(t, passErrorOf(e, "staging"))
		}, false, []string{"target staging: no good refresh yet; last error: discovering images: ListLocalImageContainers: HTTP 500 HSS.0004: boom"}},
		{"both good", func() {
			other.set(func(f *fakeAPI) { f.imagesErr = nil })
			require.NoError(t, refreshOnce(t, e, "staging"))
		}, true, nil},
		{"staging failing but within max_staleness", func() {
			clock.Advance(20 * time.Minute)
			other.set(failEveryCall)
			require.NoError(t, refreshOnce(t, e, "prod"))
			require.Error(t, passErrorOf(e, "staging"))
		}, true, nil},
		{"staging data older than max_staleness", func() {
			clock.Advance(11 * time.Minute)
			require.NoError(t, refreshOnce(t, e, "prod"))
		}, false, []string{"target staging: data is 31m0s old, older than max_staleness 30m0s; last error: "}},
		{"staging recovered", func() {
			other.set(func(f *fakeAPI) { f.imagesErr, f.errs = nil, map[string]error{} })
			require.NoError(t, refreshOnce(t, e, "staging"))
		}, true, nil},
	}
	for _, s := range steps {
		s.act()
		ready, reasons := e.Ready()
		require.Equal(t, s.ready, ready, s.name)
		require.Len(t, reasons, len(s.reasons), s.name)
		for i, want := range s.reasons {
			require.True(t, strings.HasPrefix(reasons[i], want), "%s: reason %q does not start with %q", s.name, reasons[i], want)
		}
	}
}

func TestChurnRemovedContainerLeavesEverySeries(t *testing.T) {
	t.Parallel()
	api := testFleet()
	cfg := testTarget()
	cfg.ContainerInfo = true
	env := newEnv(t, cfg, overAPI(api))
	e, clock := env.e, env.clock
	require.NoError(t, refreshOnce(t, e, "prod"))
	require.Len(t, seriesWith(t, e, "hss_pod_containers", `pod_id="p1"`), 1)

	// c1 was the only container of pod p1 and the only public one.
	api.set(func(f *fakeAPI) {
		k := nameKey("nginx", "1.25.3")
		f.containers[k] = f.containers[k][1:]
		f.images[0].ContainerNum = 2
	})
	clock.Advance(time.Minute)
	require.NoError(t, refreshOnce(t, e, "prod"))

	require.Empty(t, seriesWith(t, e, "hss_container_info", `container_id="c1"`))
	require.Empty(t, seriesWith(t, e, "hss_pod_containers", `pod_id="p1"`))
	require.Len(t, seriesWith(t, e, "hss_image_containers", `image_name="nginx"`, "} 2"), 1)
	require.Len(t, seriesWith(t, e, "hss_image_public_containers", `image_name="nginx"`, "} 0"), 1)
	require.Len(t, seriesWith(t, e, "hss_host_containers", `host_id="h1"`, "} 1"), 1)
	require.NotContains(t, exposition(t, e), "203.0.113.1")
	require.Equal(t, 4, e.Status()[0].Containers)
}

// TestCredentialOutageStopsListing: once IAM (or the metadata service)
// cannot hand out credentials, every further listing would ask it again
// and fail the same way after its retries: a 1,000-image refresh made
// thousands of calls to a failing IAM and ran for many minutes. The rest of
// the refresh is called off; the images not listed count as failed with the
// credential error and keep their last good rows.
func TestCredentialOutageStopsListing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"IAM answers 503", &transport.APIError{Operation: auth.OpIAMToken, StatusCode: 503, Code: "APIG.0201"}},
		{"metadata service unreachable", &transport.NetworkError{Operation: auth.OpMetadata, Err: errors.New("connection refused")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := testFleet()
			for i := range 20 {
				name := fmt.Sprintf("bulk/%02d", i)
				api.images = append(api.images, hssclient.LocalImage{ImageName: name, ImageVersion: "1", ContainerNum: 1})
				api.containers[nameKey(name, "1")] = []hssclient.Container{{ContainerID: name}}
			}
			cfg := testTarget()
			cfg.MaxConcurrency = 1
			e := newEnv(t, cfg, overAPI(api)).e
			require.NoError(t, refreshOnce(t, e, "prod"))
			before := api.totalCalls()

			api.set(func(f *fakeAPI) {
				for k := range f.containers {
					f.errs[k] = tc.err
				}
			})
			err := refreshOnce(t, e, "prod")
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.err.Error())
			require.Equal(t, 2, api.totalCalls()-before, "discovery and one listing; the rest are not tried")
			require.Len(t, seriesWith(t, e, "hss_image_containers", `image_name="bulk/07"`, "} 1"), 1, "last good rows are kept")
			require.Equal(t, []string{`hss_up{target="prod"} 0`}, seriesWith(t, e, "hss_up"))
		})
	}
}
