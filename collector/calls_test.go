package collector

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// fakeTarget serves fleet and returns an Exporter reading all of it through
// the real client as target "demo", with no rate limit; tune adjusts the
// client's configuration.
func fakeTarget(t testing.TB, fleet *hssfake.Fleet, cfg config.Target, tune func(*hssclient.Config)) (*Exporter, *hssfake.Server) {
	t.Helper()
	tg, stats, srv := fakeClient(t, fleet, cfg, tune)
	return newClockedExporter(nil, nil, []Target{tg}, stats, Options{}), srv
}

// fakeClient is fakeTarget's target, before an Exporter is made of it.
func fakeClient(t testing.TB, fleet *hssfake.Fleet, cfg config.Target, tune func(*hssclient.Config)) (Target, *APIStats, *hssfake.Server) {
	t.Helper()
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	cfg.Name = "demo"
	cfg.EnterpriseProjectID = hssfake.AllEnterpriseProjects
	cfg.Images.Discover = true
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval, cfg.MaxStaleness = time.Minute, 30*time.Minute
	}
	stats := NewAPIStats()
	ccfg := hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL,
		Auth:       auth.NewAKSK(hssfake.DemoAccessKey, hssfake.DemoSecretKey, ""),
		HTTPClient: &http.Client{Transport: transport, Timeout: 30 * time.Second},
		PageSize:   cfg.PageSize, MaxConcurrency: cfg.MaxConcurrency, MaxRetries: -1,
		Observer: stats.Observer(cfg.Name),
	}
	if tune != nil {
		tune(&ccfg)
	}
	client, err := hssclient.New(ccfg)
	require.NoError(t, err)
	return Target{Config: cfg, API: client, Posture: client, Credentials: client}, stats, srv
}

// edgeFleet has images with 0, exactly one page, one page and one row, and
// exactly two pages of containers (page size 25).
func edgeFleet() *hssfake.Fleet {
	counts := map[string]int{"none": 0, "one-page": 25, "spill": 26, "two-pages": 50}
	var images []hssfake.Image
	for name := range counts {
		images = append(images, hssfake.Image{Name: name, Version: "1"})
	}
	f := hssfake.NewFleet(images, nil)
	for _, img := range f.Images() {
		for i := range counts[img.Name] {
			f.AddContainer(hssfake.Container{ImageID: img.ID, ID: fmt.Sprintf("%s-%d", img.Name, i), HostID: "h1"})
		}
	}
	return f
}

// expectedCalls is the fewest calls the API allows: the discovery pages,
// then ceil(containers / page size) per image with containers.
func expectedCalls(fleet *hssfake.Fleet, pageSize int) (discovery, listing int) {
	pages := func(n int) int { return (n + pageSize - 1) / pageSize }
	discovery = max(1, pages(len(fleet.Images())))
	for _, n := range fleet.Truth(hssfake.AllEnterpriseProjects).Images {
		listing += pages(n)
	}
	return discovery, listing
}

func TestRefreshSpendsTheFewestAPICalls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fleet *hssfake.Fleet
	}{
		{"edge counts", edgeFleet()},
		{"generated", hssfake.Generate(hssfake.GenerateOptions{Seed: 11, Containers: 1500, Images: 60})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, srv := fakeTarget(t, tc.fleet, config.Target{Settings: config.Settings{PageSize: 25, MaxConcurrency: 4}}, nil)
			discovery, listing := expectedCalls(tc.fleet, 25)
			for round := range 2 {
				srv.ResetCounts()
				require.NoError(t, refreshOnce(t, e, "demo"))
				require.Equal(t, discovery, srv.RequestsFor(hssfake.OpListImageLocal), "round %d", round)
				require.Equal(t, listing, srv.RequestsFor(hssfake.OpListLocalImageContainers), "round %d", round)
				if round > 0 { // the status shows a cycle's requests once the next discovery begins
					require.Equal(t, uint64(discovery+listing), e.Status()[0].Requests)
				}
			}
		})
	}
}

func TestRunSpendsTheFewestCallsThenWaitsForTheInterval(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 11, Containers: 1500, Images: 60})
	const interval = 3 * time.Second
	tg, stats, srv := fakeClient(t, fleet, config.Target{Settings: config.Settings{PageSize: 25, MaxConcurrency: 4,
		RefreshInterval: interval, MaxStaleness: time.Minute}}, func(c *hssclient.Config) {
		// A budget far above the fleet: the first pass is one burst.
		c.Budget = budget.NewBudgets(budget.Options{}).For("ak:demo", 100000)
	})
	e := NewExporter(nil, []Target{tg}, stats, Options{}) // on the wall clock: the interval is real
	discovery, listing := expectedCalls(fleet, 25)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { e.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	calls := func() (int, int) {
		return srv.RequestsFor(hssfake.OpListImageLocal), srv.RequestsFor(hssfake.OpListLocalImageContainers)
	}
	require.Eventually(t, func() bool { _, l := calls(); return l >= listing }, 5*time.Second, 5*time.Millisecond)
	d, l := calls()
	require.Equal(t, discovery, d)
	require.Equal(t, listing, l, "a first pass costs exactly the discovery pages and ceil(containers/page) per image")
	// No jitter: the next tick is one interval after the start. Just
	// before it, however long the first pass took on a loaded machine:
	time.Sleep(time.Until(start.Add(interval * 9 / 10)))
	d, l = calls()
	require.Equal(t, [2]int{discovery, listing}, [2]int{d, l}, "nothing changed: no call before the next refresh_interval")
	require.Eventually(t, func() bool { d, l = calls(); return d == 2*discovery && l == 2*listing },
		3*interval, 10*time.Millisecond, "one interval on, one more discovery and one listing of each image")
}

func TestRetriesAreCountedApartFromCalls(t *testing.T) {
	t.Parallel()
	fleet := edgeFleet()
	e, srv := fakeTarget(t, fleet, config.Target{Settings: config.Settings{PageSize: 25, MaxConcurrency: 1}}, func(c *hssclient.Config) {
		c.MaxRetries, c.RetryBaseDelay, c.MaxRetryDelay = 3, time.Millisecond, time.Millisecond
	})
	srv.AddFault(hssfake.Fault{Operation: hssfake.OpListLocalImageContainers, Kind: hssfake.FaultStatus, Status: 503, Times: 2})
	require.NoError(t, refreshOnce(t, e, "demo"))
	discovery, listing := expectedCalls(fleet, 25)
	require.Equal(t, listing, srv.Requests(hssfake.OpListLocalImageContainers, http.StatusOK), "the calls that answered are the fewest")
	require.NoError(t, refreshOnce(t, e, "demo")) // the status shows a cycle's requests once the next discovery begins
	st := e.Status()[0]
	require.Equal(t, uint64(2), st.Retries)
	require.Equal(t, uint64(discovery+listing+2), st.Requests, "every attempt is a request")
}

func TestRefreshKeepsEverySlotBusy(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("waits on injected latency")
	}
	const latency, slots = 50 * time.Millisecond, 4
	// One discovery page; the most popular image holds about a third of
	// the containers, so it pages while the others share the other slots.
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 1, Containers: 1000, Images: 80})
	e, srv := fakeTarget(t, fleet, config.Target{Settings: config.Settings{PageSize: 100, MaxConcurrency: slots}}, nil)
	timed := func() time.Duration {
		start := time.Now()
		require.NoError(t, refreshOnce(t, e, "demo"))
		return time.Since(start)
	}
	// The same refresh without latency is the machine's own cost (the
	// stand-in server and the client share its CPUs); it also opens the
	// connections. The best of three attempts rules out a busy neighbour.
	var excess, bound time.Duration
	for attempt := range 3 {
		srv.ClearFaults()
		base := timed()
		srv.ResetCounts()
		srv.AddFault(hssfake.Fault{Kind: hssfake.FaultLatency, Delay: latency})
		took := timed()
		calls := srv.RequestsFor(hssfake.OpListImageLocal) + srv.RequestsFor(hssfake.OpListLocalImageContainers)
		bound = time.Duration(1.2 * float64(calls) * float64(latency) / slots)
		t.Logf("attempt %d: %d calls, %d slots, %s latency: refresh took %s (%s without latency), bound %s",
			attempt, calls, slots, latency, took, base, bound)
		if excess = took - base; excess <= bound {
			return
		}
	}
	require.LessOrEqual(t, excess, bound, "slots sat idle")
}
