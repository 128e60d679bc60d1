package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/hssfake"
	"github.com/hss-exporter/hss_exporter/shard"
)

// Upstream strings a status page must show as text, and an entry point it
// must never show at all.
const (
	hostileName      = `<script>alert("hss")</script>`
	hostileVersion   = `1"><img src=x onerror=alert(2)>`
	entryPointSecret = "entry-point-secret-0042"
)

// statusClock is the exporter's clock in these tests, so data can age
// without waiting.
type statusClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *statusClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *statusClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// statusEnv is an exporter serving the real mux over loopback, reading a
// stand-in HSS server the test controls. Refreshes run only when the test
// calls refresh.
type statusEnv struct {
	base  string
	srv   *hssfake.Server
	exp   *collector.Exporter
	clock *statusClock
	fleet *hssfake.Fleet
}

// statusFleet is one busy image, one image with a hostile name running
// exposed, and one image without containers.
func statusFleet() *hssfake.Fleet {
	f := hssfake.NewFleet([]hssfake.Image{
		{Name: "swr.cn-north-4.myhuaweicloud.com/shop/web", Version: "2.1", ScanStatus: "success", SeverityLevel: "Medium", VulNum: 12},
		{Name: hostileName, Version: hostileVersion, ScanStatus: "success", SeverityLevel: "High", VulNum: 66},
		{Name: "redis", Version: "7.2", ScanStatus: "unscan"},
	}, nil)
	imgs := f.Images()
	for i, host := range []string{"h1", "h1", "h2"} {
		f.AddContainer(hssfake.Container{ImageID: imgs[0].ID, ID: "web-" + string(rune('a'+i)), HostID: host, HostName: "ecs-" + host,
			PodID: "p" + string(rune('a'+i)), PodName: "web-" + string(rune('a'+i))})
	}
	f.AddContainer(hssfake.Container{ImageID: imgs[1].ID, ID: "bad-1", HostID: "h2", HostName: "ecs-h2",
		PublicIP: "203.0.113.9", EntryPoint: "app --password=" + entryPointSecret})
	return f
}

// newStatusEnv starts the environment; spec, when given, is the shard the
// exporter is.
func newStatusEnv(t *testing.T, spec ...shard.Spec) *statusEnv {
	t.Helper()
	fleet := statusFleet()
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	cfg, err := config.Parse([]byte(`
global: {refresh_interval: 1m, max_staleness: 5m}
targets:
  - name: prod
    region: `+hssfake.DemoRegion+`
    project_id: `+hssfake.DemoProjectID+`
    endpoint: `+srv.URL+`
    auth: {access_key: `+hssfake.DemoAccessKey+`, secret_key: `+hssfake.DemoSecretKey+`}
    images: {discover: true}
`), ".")
	require.NoError(t, err)
	stats := collector.NewAPIStats()
	tc := cfg.Targets[0]
	client, err := hssclient.New(hssclient.Config{
		Region: tc.Region, ProjectID: tc.ProjectID, Endpoint: tc.Endpoint, MaxRetries: -1,
		Auth:     hssclient.NewAKSKAuth(tc.Auth.AccessKey, string(tc.Auth.SecretKey), ""),
		Observer: stats.Observer(tc.Name),
	})
	require.NoError(t, err)
	clock := &statusClock{now: time.Now()}
	exp := collector.NewExporter(log.NewNopLogger(), []collector.Target{{Config: tc, API: client}}, stats,
		collector.Options{Now: clock.Now, Jitter: -1, Shard: append(spec, shard.Spec{})[0]})
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp.Self())
	mux, err := newMux(flags{telemetry: "/metrics", maxRequests: 4}, exp, reg, http.NotFoundHandler(), log.NewNopLogger())
	require.NoError(t, err)
	web := httptest.NewServer(mux)
	t.Cleanup(web.Close)
	return &statusEnv{base: web.URL, srv: srv, exp: exp, clock: clock, fleet: fleet}
}

// refresh runs one refresh now; its error is what the page must explain.
func (e *statusEnv) refresh() error { return e.exp.RefreshNow(context.Background(), "prod") }

func (e *statusEnv) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(e.base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func (e *statusEnv) status(t *testing.T) statusReport {
	t.Helper()
	resp, body := e.get(t, "/api/v1/status")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var r statusReport
	require.NoError(t, json.Unmarshal([]byte(body), &r))
	require.Len(t, r.Targets, 1)
	return r
}

func TestStatusPageShowsUpstreamStringsAsTextAndNoSecrets(t *testing.T) {
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	resp, page := env.get(t, "/status")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")

	require.Contains(t, page, "&lt;script&gt;alert(&#34;hss&#34;)&lt;/script&gt;")
	require.Contains(t, page, "1&#34;&gt;&lt;img src=x onerror=alert(2)&gt;")
	require.NotContains(t, strings.ToLower(page), "<script", "the page has no script, and upstream cannot add one")
	require.NotContains(t, page, "<img")
	_, js := env.get(t, "/api/v1/status")
	require.Contains(t, js, `"name": "<script>alert(\"hss\")</script>"`, "JSON carries the name as data")
	for _, secret := range []string{entryPointSecret, hssfake.DemoSecretKey, "entry_point", "app --password"} {
		require.NotContains(t, page, secret)
		require.NotContains(t, js, secret)
	}
}

func TestStatusJSONHasTheFactsAndLinksEachImage(t *testing.T) {
	env := newStatusEnv(t)
	r := env.status(t)
	require.Equal(t, "pending", r.Targets[0].Health)
	require.Nil(t, r.Targets[0].LastRefresh)
	require.Nil(t, r.Targets[0].DataAgeSeconds)

	require.NoError(t, env.refresh())
	env.clock.Add(30 * time.Second)
	r = env.status(t)
	require.Equal(t, 0, r.Shard, "not sharded: shard 0 of 1")
	require.Equal(t, 1, r.TotalShards)
	tr := r.Targets[0]
	require.Equal(t, 3, tr.ImagesOwned, "not sharded: owns every image")
	require.Equal(t, 3, tr.ImagesDiscovered)
	require.Equal(t, "healthy", tr.Health)
	require.Equal(t, countsReport{Images: 3, Containers: 4, Hosts: 2, Pods: 3}, tr.Counts)
	require.Equal(t, "success", tr.LastRefresh.Result)
	require.Equal(t, uint64(3), tr.LastRefresh.Requests, "one discovery page and one listing per image with containers")
	require.InDelta(t, 30, *tr.DataAgeSeconds, 0.001)
	require.Equal(t, 300.0, tr.MaxStalenessSeconds)
	require.Equal(t, 60.0, tr.RefreshIntervalSeconds)

	require.Len(t, tr.TopImages, 2, "the image without containers is not a top image")
	require.Equal(t, "swr.cn-north-4.myhuaweicloud.com/shop/web", tr.TopImages[0].Name)
	require.Equal(t, 3, tr.TopImages[0].Containers)
	require.Equal(t, "Medium", tr.TopImages[0].Severity)
	require.Equal(t, int64(12), tr.TopImages[0].Vulnerabilities)
	require.Len(t, tr.PublicImages, 1)
	require.Equal(t, hostileName, tr.PublicImages[0].Name)
	require.Equal(t, 1, tr.PublicImagesTotal)

	resp, body := env.get(t, tr.PublicImages[0].DetailsURL)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var img imageReport
	require.NoError(t, json.Unmarshal([]byte(body), &img))
	require.Equal(t, tr.PublicImages[0], img)
	resp, _ = env.get(t, imageURL("prod", "nope", "1", ""))
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = env.get(t, imageURL("nope", "redis", "7.2", ""))
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestStatusPageTellsFailureAndStaleness(t *testing.T) {
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	env.srv.SetFaults(hssfake.Faults{Rules: []hssfake.Fault{{Kind: hssfake.FaultStatus, Status: http.StatusServiceUnavailable}}})
	steps := []struct {
		name       string
		advance    time.Duration
		health     string
		containers int
		page       []string
	}{
		{"failing while data is young", time.Minute, "failing", 4,
			[]string{"Failing: the last refresh failed", "HTTP 503", "server error", "data from 1m ago", "of <span data-k=\"max_staleness\">5m</span> allowed"}},
		{"stale after max_staleness", 5 * time.Minute, "stale", 0,
			[]string{"Stale: no good refresh for 6m", "longer than max_staleness (5m)", "HTTP 503", "No image with containers"}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			env.clock.Add(step.advance)
			require.Error(t, env.refresh())
			tr := env.status(t).Targets[0]
			require.Equal(t, step.health, tr.Health)
			require.Equal(t, "failure", tr.LastRefresh.Result)
			require.Contains(t, tr.LastRefresh.Error, "HTTP 503")
			require.Equal(t, step.containers, tr.Counts.Containers)
			_, page := env.get(t, "/status")
			for _, want := range step.page {
				require.Contains(t, page, want)
			}
		})
	}
	env.srv.ClearFaults()
	require.NoError(t, env.refresh())
	require.Equal(t, "healthy", env.status(t).Targets[0].Health, "recovers with the next good refresh")
}
