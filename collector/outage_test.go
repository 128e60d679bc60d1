package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// TestOutageLongerThanMaxStaleness takes the API down for longer than
// max_staleness, then brings it back: the inventory is served from cache,
// dropped at expiry, and back after the first good refresh, with hss_up and
// readiness following and the error counters saying what happened.
func TestOutageLongerThanMaxStaleness(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 11, Containers: 120})
	env := newEnv(t, clientTarget(), serving(fleet), retrying())
	e, srv, clock := env.e, env.srv, env.clock
	containerSeries := func(text string) int { return len(textSeries(text, "hss_image_containers")) }

	require.NoError(t, refreshOnce(t, e, "h"))
	text := scrapeChecked(t, e)
	want := containerSeries(text)
	require.Positive(t, want)
	require.Len(t, textSeries(text, "hss_up", "} 1"), 1)
	ready, _ := e.Ready()
	require.True(t, ready)

	// Down: every call answers 503. Within max_staleness the cache serves.
	srv.AddFault(hssfake.Fault{Kind: hssfake.FaultStatus, Status: 503})
	for _, step := range []time.Duration{4 * time.Minute, 5 * time.Minute} {
		clock.Advance(step)
		err := refreshOnce(t, e, "h")
		require.True(t, transport.Classify(err) == transport.ClassServer, "err: %v", err)
		text = scrapeChecked(t, e)
		require.Equal(t, want, containerSeries(text), "served from cache at %v", step)
		require.Len(t, textSeries(text, "hss_up", "} 0"), 1)
		ready, _ = e.Ready()
		require.True(t, ready, "data younger than max_staleness is still ready")
	}
	require.Len(t, textSeries(text, "hss_exporter_refreshes_total", `result="failure"`, "} 2"), 1)
	require.NotEmpty(t, textSeries(text, "hss_exporter_api_requests_total", `code="503"`))
	require.NotEmpty(t, textSeries(text, "hss_exporter_api_retries_total", `reason="server_error"`))

	// Past max_staleness: dropped at the next scrape, refresh or not.
	clock.Advance(2 * time.Minute)
	text = scrapeChecked(t, e)
	require.Zero(t, containerSeries(text), "expired inventory is not served")
	require.Empty(t, textSeries(text, "hss_host_containers"))
	require.Len(t, textSeries(text, "hss_up", "} 0"), 1, "self-metrics stay")
	ready, reasons := e.Ready()
	require.False(t, ready)
	require.Contains(t, strings.Join(reasons, "\n"), "max_staleness")
	require.Error(t, refreshOnce(t, e, "h"))
	require.Zero(t, containerSeries(scrapeChecked(t, e)))

	// Back: the first good refresh restores everything.
	srv.ClearFaults()
	clock.Advance(time.Minute)
	require.NoError(t, refreshOnce(t, e, "h"))
	text = scrapeChecked(t, e)
	require.Equal(t, want, containerSeries(text))
	require.Len(t, textSeries(text, "hss_up", "} 1"), 1)
	ready, _ = e.Ready()
	require.True(t, ready)
}

// TestRefreshEndsWithinItsDeadline points the exporter at a server that
// accepts and never answers: each refresh ends at its timeout, fails, and
// leaves no goroutine behind (TestMain runs goleak).
func TestRefreshEndsWithinItsDeadline(t *testing.T) {
	// Not parallel: it bounds a refresh in wall time.
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 3, Containers: 30})
	const timeout = 300 * time.Millisecond
	env := newEnv(t, clientTarget(), serving(fleet), retrying(), withOptions(Options{RefreshTimeout: timeout}))
	e, srv := env.e, env.srv
	srv.AddFault(hssfake.Fault{Kind: hssfake.FaultHang})
	for range 3 {
		start := time.Now()
		err := refreshOnce(t, e, "h")
		require.Error(t, err)
		require.Less(t, time.Since(start), timeout+2*time.Second, "by its deadline, not the hang's end")
	}
	st := e.Status()[0]
	require.Equal(t, ResultFailure, st.LastResult)
	require.False(t, st.Up)
	require.Contains(t, scrapeChecked(t, e), `hss_exporter_api_requests_total{code="0",operation="ListImageLocal",target="h"}`)
}

// TestClockJumps moves the clock back, then far ahead: a jump back never
// expires data, a jump ahead past max_staleness drops it until the next
// good refresh, which restores it at once.
func TestClockJumps(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 40})
	env := newEnv(t, clientTarget(), serving(fleet), retrying())
	e, clock := env.e, env.clock
	require.NoError(t, refreshOnce(t, e, "h"))
	want := len(textSeries(scrapeChecked(t, e), "hss_image_containers"))

	clock.Advance(-3 * time.Hour)
	require.Equal(t, want, len(textSeries(scrapeChecked(t, e), "hss_image_containers")))
	ready, _ := e.Ready()
	require.True(t, ready, "a clock set back does not make data stale")
	require.NoError(t, refreshOnce(t, e, "h"))

	clock.Advance(48 * time.Hour)
	require.Empty(t, textSeries(scrapeChecked(t, e), "hss_image_containers"))
	require.NoError(t, refreshOnce(t, e, "h"))
	require.Equal(t, want, len(textSeries(scrapeChecked(t, e), "hss_image_containers")))
	ready, _ = e.Ready()
	require.True(t, ready)
}

// TestWrongKeysBackOffWithAClearLog runs refreshes a minute apart with a
// wrong secret key: attempts after 1, then 2 refresh intervals, none in
// between (an AK is locked after five failures), and an error log line
// that says what to fix and when the key is tried next, without the key.
func TestWrongKeysBackOffWithAClearLog(t *testing.T) {
	t.Parallel()
	const wrongSK = "wrong-secret-key-for-the-outage-0001"
	sink := &testtool.SyncBuffer{}
	logger := level.NewFilter(log.NewLogfmtLogger(sink), level.AllowDebug())
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 20})
	env := newEnv(t, clientTarget(), serving(fleet), retrying(), signedBy(auth.NewAKSK(hssfake.DemoAccessKey, wrongSK, "")), loggingTo(logger))
	e, srv, clock := env.e, env.srv, env.clock
	for minute, attempts := range []int{1, 2, 2, 3, 3, 3, 3} {
		require.Error(t, refreshOnce(t, e, "h"))
		require.Equal(t, attempts, srv.RequestsFor(hssfake.OpListImageLocal), "attempts by minute %d", minute)
		clock.Advance(time.Minute)
	}
	logs := sink.String()
	require.Contains(t, logs, "credentials refused; next attempt at ")
	require.Contains(t, logs, "level=error")
	require.Contains(t, logs, "access_key and secret_key", "the log says what to fix")
	require.NotContains(t, logs, wrongSK)
	require.NotContains(t, scrapeChecked(t, e), wrongSK)
	_, reasons := e.Ready()
	require.Contains(t, strings.Join(reasons, "\n"), "access_key and secret_key", "readiness says it too")
}
