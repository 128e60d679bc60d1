package statuspage

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/demo"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/hss-exporter/hss_exporter/shard"
)

// Upstream strings a status page must show as text, and an entry point it
// must never show at all.
const (
	hostileName      = `<script>alert("hss")</script>`
	hostileVersion   = `1"><img src=x onerror=alert(2)>`
	entryPointSecret = "entry-point-secret-0042"
)

// statusEnv is an exporter serving its metrics and the status routes over loopback, reading a
// stand-in HSS server the test controls. The exporter's loops run from
// the first call of refresh, and move one pass at each (loops_test.go).
type statusEnv struct {
	t        testing.TB
	base     string
	target   string
	srv      *hssfake.Server
	exp      *collector.Exporter
	clock    *testclock.Clock
	fleet    *hssfake.Fleet
	timers   *testclock.Timers
	interval time.Duration // the target's refresh_interval
	stop     func()        // ends Run once refresh started it
	lastPass time.Time     // when refresh last ran a pass
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
	env := serveTarget(t, cfg.Targets[0], append(spec, shard.Spec{})[0])
	env.srv, env.fleet = srv, fleet
	return env
}

// newDemoEnv is the environment of the --demo --demo.hostile fleet (the
// browser test looks for the hostile image), the stand-in allowing calls
// enough that a refresh never waits.
func newDemoEnv(t *testing.T) *statusEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg, stop, err := demo.Start(ctx, demo.Options{ListenAddress: "127.0.0.1:0", CallsPerMinute: 6000,
		Hostile: true, Logger: log.NewNopLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { cancel(); stop() })
	return serveTarget(t, cfg.Targets[0], shard.Spec{})
}

// serveTarget serves an exporter of tc, with the AK/SK of its
// configuration, over loopback: /metrics and the status routes.
func serveTarget(t *testing.T, tc config.Target, spec shard.Spec) *statusEnv {
	t.Helper()
	stats := collector.NewAPIStats()
	client, err := hssclient.New(hssclient.Config{
		Region: tc.Region, ProjectID: tc.ProjectID, Endpoint: tc.Endpoint, MaxRetries: -1,
		Auth:     auth.NewAKSK(tc.Auth.AccessKey, string(tc.Auth.SecretKey), ""),
		Observer: stats.Observer(tc.Name),
	})
	require.NoError(t, err)
	clock := testclock.New(time.Now())
	timers := &testclock.Timers{Now: clock.Now}
	exp := collector.NewExporter(log.NewNopLogger(), []collector.Target{{Config: tc, API: client, Posture: client, Credentials: client}}, stats,
		collector.Options{Clock: schedule.Clock{Now: clock.Now, AfterFunc: timers.AfterFunc, Tick: timers.Tick}, PublishInterval: time.Millisecond, Shard: spec})
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp.Self())
	mux := http.NewServeMux()
	mux.Handle("/metrics", exp.Handler(reg, collector.HandlerOpts{}))
	for path, h := range Routes(exp, Options{MetricsPath: "/metrics"}) {
		mux.Handle(path, h)
	}
	web := httptest.NewServer(mux)
	t.Cleanup(web.Close)
	return &statusEnv{t: t, base: web.URL, target: tc.Name, exp: exp, clock: clock, timers: timers,
		interval: tc.WithDefaults().RefreshInterval}
}

func (e *statusEnv) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(e.base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func (e *statusEnv) status(t *testing.T) StatusReport {
	t.Helper()
	resp, body := e.get(t, "/api/v1/status")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var r StatusReport
	require.NoError(t, json.Unmarshal([]byte(body), &r))
	require.Len(t, r.Targets, 1)
	return r
}
