package collector

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// fakeAPI is an in-memory API: images, containers by query, error
// injection per query, and call counting.
type fakeAPI struct {
	mu         sync.Mutex
	images     []hssclient.LocalImage
	containers map[string][]hssclient.Container // by queryKey
	imagesErr  error
	errs       map[string]error // by queryKey
	calls      map[string]int   // by queryKey; "images" for discovery
	gate       chan struct{}    // when set, EachImage waits for it to close
	entered    chan struct{}    // when set, EachImage signals it before waiting
}

func nameKey(name, version string) string { return "n:" + name + ":" + version }

func digestKey(digest string) string { return "d:" + digest }

func queryKey(req hssclient.ListContainersRequest) string {
	if req.ImageDigest != "" {
		return digestKey(req.ImageDigest)
	}
	return nameKey(req.ImageName, req.ImageVersion)
}

func (f *fakeAPI) EachImage(ctx context.Context, _ hssclient.ListImagesRequest, fn func(hssclient.LocalImage) error) error {
	f.mu.Lock()
	f.calls["images"]++
	images, err, gate, entered := append([]hssclient.LocalImage(nil), f.images...), f.imagesErr, f.gate, f.entered
	f.mu.Unlock()
	if gate != nil {
		if entered != nil {
			entered <- struct{}{}
		}
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return err
	}
	for _, img := range images {
		if err := fn(img); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeAPI) EachContainer(_ context.Context, req hssclient.ListContainersRequest, fn func(hssclient.Container) error) error {
	key := queryKey(req)
	f.mu.Lock()
	f.calls[key]++
	rows, err := append([]hssclient.Container(nil), f.containers[key]...), f.errs[key]
	f.mu.Unlock()
	if err != nil {
		return err
	}
	for _, c := range rows {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeAPI) set(fn func(f *fakeAPI)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// totalCalls counts every call made, discovery included.
func (f *fakeAPI) totalCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakeAPI) callCount(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

// testFleet is the hand-made inventory most tests use:
//   - nginx:1.25.3 runs c1 (pod, public IP), c2 (plain Docker) and c3;
//   - redis:7.2 has no containers, so it costs no call;
//   - app:1.0 lists c3 again (counted once, under nginx) and c4;
//   - test/debug:latest is excluded by the target's rules;
//   - sha256:eee is configured by digest only, unknown to discovery: c5,
//     which has no host or pod fields.
func testFleet() *fakeAPI {
	return &fakeAPI{
		images: []hssclient.LocalImage{
			{ImageName: "nginx", ImageVersion: "1.25.3", ImageDigest: "sha256:aaa", ImageID: "id-a",
				LocalImageType: "swr_image", ScanStatus: "success", SeverityLevel: "High", ImageSize: 187000000,
				LatestScanTime: 1700000000000, VulNum: 12, UnsafeSettingNum: 1, HostNum: 2, ContainerNum: 3},
			{ImageName: "redis", ImageVersion: "7.2", ImageDigest: "sha256:bbb", ImageID: "id-b",
				LocalImageType: "other_image", ScanStatus: "unscan", ImageSize: 1000},
			{ImageName: "app", ImageVersion: "1.0", ImageDigest: "sha256:ccc", ImageID: "id-c",
				LocalImageType: "swr_image", ScanStatus: "success", SeverityLevel: "Low", ImageSize: 5000,
				LatestScanTime: 1700000500000, VulNum: 1, MaliciousFileNum: 2, HostNum: 1, ContainerNum: 1},
			{ImageName: "test/debug", ImageVersion: "latest", ImageDigest: "sha256:ddd", ContainerNum: 4},
		},
		containers: map[string][]hssclient.Container{
			nameKey("nginx", "1.25.3"): {
				{ContainerID: "c1", ContainerName: "web-0", HostID: "h1", HostName: "node-1", PodID: "p1", PodName: "web-0",
					PrivateIP: "10.0.0.1", PublicIP: "203.0.113.1", AgentID: "a1"},
				{ContainerID: "c2", ContainerName: "docker-nginx", HostID: "h1", HostName: "node-1", PrivateIP: "10.0.0.2", AgentID: "a1"},
				{ContainerID: "c3", ContainerName: "web-1", HostID: "h2", HostName: "node-2", PodID: "p2", PodName: "web-1", AgentID: "a2"},
			},
			nameKey("app", "1.0"): {
				{ContainerID: "c3", ContainerName: "web-1", HostID: "h2", HostName: "node-2", PodID: "p2", PodName: "web-1", AgentID: "a2"},
				{ContainerID: "c4", ContainerName: "app-sidecar", HostID: "h2", HostName: "node-2", PodID: "p2", PodName: "web-1", AgentID: "a2"},
			},
			nameKey("test/debug", "latest"): {{ContainerID: "c9"}},
			digestKey("sha256:eee"):         {{ContainerID: "c5", ContainerName: "lonely"}},
		},
		errs:  map[string]error{},
		calls: map[string]int{},
	}
}

// testTarget is the configuration testFleet is read with.
func testTarget() config.Target {
	return config.Target{
		Name: "prod",
		Images: config.Images{
			Discover:  true,
			ExcludeRE: []*regexp.Regexp{regexp.MustCompile(`^test/`)},
			Static:    []config.StaticImage{{Digest: "sha256:eee"}},
		},
		Settings: config.Settings{RefreshInterval: time.Minute, MaxConcurrency: 2, MaxStaleness: 30 * time.Minute},
	}
}

func newFakeClock() *testclock.Clock {
	return testclock.New(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
}

// exposition returns the text exposition of the Exporter gathered as a
// prometheus.Collector: the named families (all when none are named).
func exposition(t *testing.T, e *Exporter, names ...string) string {
	t.Helper()
	var buf strings.Builder
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range collected(t, e) {
		if len(names) == 0 || slices.Contains(names, mf.GetName()) {
			require.NoError(t, enc.Encode(mf))
		}
	}
	if len(names) == 0 {
		require.NotEmpty(t, buf.String())
	}
	return buf.String()
}

// seriesWith returns the gathered sample lines of family name that
// contain every one of the given substrings.
func seriesWith(t *testing.T, e *Exporter, name string, parts ...string) []string {
	t.Helper()
	return textSeries(exposition(t, e, name), name, parts...)
}

// requireLintClean fails when the exposition breaks Prometheus conventions.
func requireLintClean(t *testing.T, e *Exporter) {
	t.Helper()
	problems, err := testutil.CollectAndLint(e)
	require.NoError(t, err)
	require.Empty(t, problems)
}
