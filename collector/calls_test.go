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
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

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
			env := newEnv(t, listingAll(config.Target{Settings: config.Settings{PageSize: 25, MaxConcurrency: 4}}), serving(tc.fleet))
			e, srv := env.e, env.srv
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
	// Not parallel: its first pass must end within a real 3 s interval.
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 11, Containers: 1500, Images: 60})
	const interval = 3 * time.Second
	env := newEnv(t, listingAll(config.Target{Settings: config.Settings{PageSize: 25, MaxConcurrency: 4,
		RefreshInterval: interval, MaxStaleness: time.Minute}}), serving(fleet), tuned(func(c *hssclient.Config) {
		// A budget far above the fleet: the first pass is one burst.
		c.Budget = budget.NewBudgets(budget.Options{}).For("ak:demo", 100000)
	}), onTheWallClock()) // the interval is real
	e, srv := env.e, env.srv
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
	env := newEnv(t, listingAll(config.Target{Settings: config.Settings{PageSize: 25, MaxConcurrency: 1}}), serving(fleet), tuned(func(c *hssclient.Config) {
		c.MaxRetries, c.RetryBaseDelay, c.MaxRetryDelay = 3, time.Millisecond, time.Millisecond
	}))
	e, srv := env.e, env.srv
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
	// Not parallel: it compares listing latency with what the machine spends on a call.
	if testing.Short() {
		t.Skip("waits on injected latency")
	}
	const latency, slots = 50 * time.Millisecond, 4
	// One discovery page; the most popular image holds about a third of
	// the containers, so it pages while the others share the other slots.
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 1, Containers: 1000, Images: 80})
	env := newEnv(t, listingAll(config.Target{Settings: config.Settings{PageSize: 100, MaxConcurrency: slots}}), serving(fleet))
	e, srv := env.e, env.srv
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
