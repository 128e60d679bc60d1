package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// refusingProxy passes every call on to the stand-in, except that it
// answers with the gateway's 429 naming one call a second the next calls
// of ListLocalImageContainers it is told to refuse, and, once strict,
// every one that comes within a second of the one before, as a gateway
// counting one call a second does.
type refusingProxy struct {
	URL     string
	refuse  atomic.Int32
	strict  atomic.Bool
	refused atomic.Int32
	mu      sync.Mutex
	last    time.Time
}

func startRefusingProxy(t *testing.T, upstream string) *refusingProxy {
	u, err := url.Parse(upstream)
	require.NoError(t, err)
	pass := httputil.NewSingleHostReverseProxy(u)
	p := &refusingProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/image/local/containers") && (p.take() || p.tooSoon()) {
			p.refused.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:1,time:1 second"}`))
			return
		}
		pass.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// take reports whether this call is one to refuse.
func (p *refusingProxy) take() bool {
	for n := p.refuse.Load(); n > 0; n = p.refuse.Load() {
		if p.refuse.CompareAndSwap(n, n-1) {
			return true
		}
	}
	return false
}

// tooSoon reports, once the proxy is strict, whether this call comes
// within a second of the last one let through.
func (p *refusingProxy) tooSoon() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.strict.Load() && now.Sub(p.last) < time.Second {
		return true
	}
	p.last = now
	return false
}

// listingBudget reads hss_exporter_api_budget_calls_per_minute of the
// listing operation; -1 while the exporter does not serve it.
func listingBudget(t *testing.T, base string) float64 {
	_, text, err := httpGet(http.DefaultClient, base+"/metrics")
	if err != nil {
		return -1
	}
	for _, m := range parseMetrics(t, text)["hss_exporter_api_budget_calls_per_minute"].GetMetric() {
		if labelOf(m, "operation") == hssclient.OpListContainers {
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

// learnedUnder reads the configured rate the state file of target prod
// says its listing limit was learned under; 0 when it records none.
func learnedUnder(dir string) float64 {
	data, err := os.ReadFile(filepath.Join(dir, "prod.state.json.gz"))
	if err != nil {
		return 0
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return 0
	}
	var s struct {
		Budget budget.State `json:"budget"`
	}
	if json.NewDecoder(zr).Decode(&s) != nil {
		return 0
	}
	return s.Budget.Ops[hssclient.OpListContainers].LearnedUnder
}

// TestLearnedLimitYieldsToAChangedCallsPerMinute runs the built exporter
// behind a proxy that turns one listing into a 429 naming one call a
// second: the listing budget drops to 60 a minute, and comes back to
// api_calls_per_minute when a reload changes it, and when a restart with
// the state file does; a restart without a change keeps what HSS said.
func TestLearnedLimitYieldsToAChangedCallsPerMinute(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	// Not parallel: at one call a second the budget leaves a tenth of a
	// second between calls as the client sends them, and the proxy in
	// this process must see them arrive as spaced, which the package's
	// other binaries starved it of when they ran beside it.
	fake := startStandIn(t, hssfake.DemoOptions(hssfake.Generate(hssfake.GenerateOptions{Seed: 22, Containers: 200})))
	proxy := startRefusingProxy(t, fake.URL)
	dir := t.TempDir()
	store, cfg := filepath.Join(dir, "state"), filepath.Join(dir, "hss.yml")
	configure := func(perMinute int) {
		require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`global: {refresh_interval: 10s, request_timeout: 5s, api_calls_per_minute: %d}
targets:
  - {name: prod, region: %s, project_id: %s, endpoint: %s, enterprise_project_id: all_granted_eps,
     auth: {access_key: %s, secret_key: %s}, images: {discover: true}}
`, perMinute, hssfake.DemoRegion, hssfake.DemoProjectID, proxy.URL, hssfake.DemoAccessKey, hssfake.DemoSecretKey)), 0o600))
	}
	start := func() *binaryRun {
		return startBinary(t, "--config.file="+cfg, "--storage.path="+store)
	}
	budgetIs := func(base string, want float64, logs *testtool.SyncBuffer, why string) {
		t.Helper()
		require.Eventually(t, func() bool { return listingBudget(t, base) == want }, 30*time.Second, 50*time.Millisecond,
			"%s: the listing budget is %v, not %v; logs:\n%s", why, listingBudget(t, base), want, logs)
	}

	configure(100000)
	proxy.refuse.Store(1)
	r := start()
	budgetIs(r.base, 60, r.logs, "one refusal naming one call a second")

	configure(99999)
	r.signal(t, syscall.SIGHUP)
	budgetIs(r.base, 99999, r.logs, "a reload that changes api_calls_per_minute")

	proxy.refuse.Store(1) // the next listing, within a refresh_interval
	budgetIs(r.base, 60, r.logs, "a refusal under the reloaded configuration")
	require.Eventually(t, func() bool { return learnedUnder(store) == 99999 }, 20*time.Second, 50*time.Millisecond,
		"the state file keeps the limit with the rate it was learned under")
	r.stop(t, syscall.SIGTERM)

	r = start()
	budgetIs(r.base, 60, r.logs, "a restart under the same configuration keeps what HSS said")
	r.stop(t, syscall.SIGTERM)

	configure(100000)
	r = start()
	budgetIs(r.base, 100000, r.logs, "a restart that changes api_calls_per_minute")

	// HSSAPIBudgetLowered's advice: set api_calls_per_minute to the limit
	// HSS named. A gateway allowing one call a second then refuses none.
	proxy.strict.Store(true)
	configure(60)
	r.signal(t, syscall.SIGHUP)
	budgetIs(r.base, 60, r.logs, "api_calls_per_minute set to the limit HSS named")
	// Calls admitted under the old budget, unspaced, may still be on
	// their way (and refused): count from two listings on.
	settled := fake.RequestsFor(hssfake.OpListLocalImageContainers) + 2
	require.Eventually(t, func() bool { return fake.RequestsFor(hssfake.OpListLocalImageContainers) >= settled },
		30*time.Second, 100*time.Millisecond, "listings go on under the new budget; logs:\n%s", r.logs)
	refused, listed := proxy.refused.Load(), fake.RequestsFor(hssfake.OpListLocalImageContainers)
	require.Eventually(t, func() bool { return fake.RequestsFor(hssfake.OpListLocalImageContainers) >= listed+10 },
		30*time.Second, 100*time.Millisecond, "listings go on at one a second; logs:\n%s", r.logs)
	require.Equal(t, refused, proxy.refused.Load(), "a budget of 60 a minute sends no two calls in one second")
}
