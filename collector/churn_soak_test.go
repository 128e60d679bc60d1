package collector

import (
	"math/rand"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// TestChurnSoakStaysFlat refreshes a churning fleet many times, scraping
// each time, and checks that goroutines and live heap do not grow with the
// number of refreshes: nothing is kept per refresh that should be dropped.
func TestChurnSoakStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	size, warmup, rounds := 800, 15, 75
	if raceDetector {
		size, warmup, rounds = 300, 5, 25
	}
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 21, Containers: size})
	cfg := clientTarget()
	cfg.ContainerInfo = true
	env := newEnv(t, cfg, serving(fleet), retrying())
	e, srv, clock := env.e, env.srv, env.clock
	rng := rand.New(rand.NewSource(21))
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(e.Self()))
	handler := e.Handler(reg, HandlerOpts{})
	measure := func() (goroutines int, heap uint64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapAlloc
	}
	var g0 int
	var h0 uint64
	for i := range rounds {
		if i == warmup {
			g0, h0 = measure()
		}
		srv.Churn(rng, 60)
		require.NoError(t, refreshOnce(t, e, "h"))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		clock.Advance(cfg.RefreshInterval)
	}
	g1, h1 := measure()
	t.Logf("after %d refreshes: goroutines %d -> %d, live heap %.1f MiB -> %.1f MiB",
		rounds-warmup, g0, g1, float64(h0)/(1<<20), float64(h1)/(1<<20))
	require.LessOrEqual(t, g1, g0+4, "goroutines stay flat")
	require.Less(t, float64(h1), 1.5*float64(h0)+4<<20, "live heap stays flat")
}
