package collector

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// startRun runs e.Run in the background; the returned stop cancels it and
// fails the test unless Run returns promptly.
func startRun(t *testing.T, e *Exporter) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		e.Run(ctx)
		close(done)
	}()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context was cancelled")
		}
	}
}

func TestSkippedTicksAreCounted(t *testing.T) {
	t.Parallel()
	api := testFleet()
	api.gate, api.entered = make(chan struct{}), make(chan struct{}, 100)
	cfg := testTarget()
	cfg.RefreshInterval = 2 * time.Millisecond
	clock := newFakeClock()
	e := NewExporter(nil, []Target{{Config: cfg, API: api}}, nil, Options{Clock: schedule.Clock{Now: clock.Now}}) // ticks on the wall clock
	stop := startRun(t, e)
	defer stop()

	<-api.entered // the first refresh is running and held
	require.Eventually(t, func() bool { return e.Status()[0].Skipped >= 3 }, 5*time.Second, time.Millisecond)
	require.True(t, e.Status()[0].Running)
	require.Len(t, seriesWith(t, e, "hss_exporter_refreshes_skipped_total"), 1)
	require.NotContains(t, seriesWith(t, e, "hss_exporter_refreshes_skipped_total")[0], "} 0")
	require.Equal(t, 1, api.callCount("images"), "skipped ticks start no second refresh")

	close(api.gate)
	require.Eventually(t, func() bool {
		ready, _ := e.Ready()
		return ready && api.callCount("images") >= 2
	}, 5*time.Second, time.Millisecond, "after the slow refresh, ticks refresh again")
}

func TestRunStopsMidRefresh(t *testing.T) {
	t.Parallel()
	api := testFleet()
	api.gate, api.entered = make(chan struct{}), make(chan struct{}, 1)
	cfg := testTarget()
	other := cfg
	other.Name = "staging"
	clock := newFakeClock()
	sink := &testtool.SyncBuffer{}
	logger := level.NewFilter(log.NewLogfmtLogger(sink), level.AllowDebug())
	e := NewExporter(logger, []Target{{Config: cfg, API: api}, {Config: other, API: testFleet()}}, nil,
		Options{Clock: schedule.Clock{Now: clock.Now}})
	stop := startRun(t, e)
	<-api.entered
	require.Eventually(t, func() bool { return e.Status()[1].LastResult == "success" }, 5*time.Second, time.Millisecond,
		"a refresh at start, for every target")
	stop() // the held refresh is cancelled; goleak in TestMain checks nothing is left
	st := e.Status()[0]
	// Shutdown is not a fault of HSS: no failure counted, no error line
	// that would send an operator looking for one on every restart.
	require.Empty(t, st.LastResult, "a refresh cut short by shutdown is not recorded as a result")
	require.False(t, st.Running)
	logs := sink.String()
	require.NotContains(t, logs, "level=error")
	require.Contains(t, logs, "refresh stopped by shutdown")
}

func TestRefreshTimeoutBoundsARefresh(t *testing.T) {
	t.Parallel()
	api := testFleet()
	api.gate = make(chan struct{}) // never opened
	e := newEnv(t, testTarget(), overAPI(api), withOptions(Options{RefreshTimeout: 20 * time.Millisecond})).e
	err := refreshOnce(t, e, "prod")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestAPIStatsFromObserver(t *testing.T) {
	t.Parallel()
	stats := NewAPIStats()
	obs := stats.Observer("prod")
	obs.RequestDone(hssclient.OpListContainers, 200, 40*time.Millisecond)
	obs.RequestDone(hssclient.OpListContainers, 0, 3*time.Second) // no answer: reset or timeout
	obs.Retry(hssclient.OpListContainers, "network")
	e := NewExporter(nil, nil, stats, Options{})
	for _, want := range []struct{ name, line string }{
		{"hss_exporter_api_requests_total", `hss_exporter_api_requests_total{code="0",operation="ListLocalImageContainers",target="prod"} 1`},
		{"hss_exporter_api_requests_total", `hss_exporter_api_requests_total{code="200",operation="ListLocalImageContainers",target="prod"} 1`},
		{"hss_exporter_api_retries_total", `hss_exporter_api_retries_total{operation="ListLocalImageContainers",reason="network",target="prod"} 1`},
		{"hss_exporter_api_request_duration_seconds_count", `hss_exporter_api_request_duration_seconds_count{operation="ListLocalImageContainers"} 2`},
	} {
		require.Contains(t, exposition(t, e), want.line)
	}
	requireLintClean(t, e)
	require.Equal(t, uint64(2), stats.callsFor("prod").requests.Load())
	require.Equal(t, uint64(1), stats.callsFor("prod").retries.Load())
}

// TestReadyOnlyOnceTheDiscoveryIsServed: the moment /readyz says ready, a
// scrape already carries every image the first discovery found, not a
// moment later (a large fleet takes a while to encode).
func TestReadyOnlyOnceTheDiscoveryIsServed(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 4000, Images: 2000})
	e := newEnv(t, listingAll(config.Target{}), serving(fleet)).e
	stop := startRun(t, e)
	defer stop()
	deadline := time.Now().Add(30 * time.Second)
	for ready := false; !ready; ready, _ = e.Ready() {
		require.True(t, time.Now().Before(deadline), "not ready within 30 s")
		runtime.Gosched()
	}
	view, _ := e.View("demo")
	require.Len(t, view.Images, 2000, "a ready target serves what its discovery found")
}
