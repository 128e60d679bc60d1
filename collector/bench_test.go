package collector

// Benchmarks on the reference fleet of the README's Performance section:
// 100,000 containers, 5,000 images, 3,000 hosts, 50,000 pods, container_info
// on, read through the real client from the stand-in server. Run them with
//
//	go test -run '^$' -bench 'Scrape|Refresh' -benchmem ./collector/
//	go test -run '^$' -bench 'Refresh$' -benchtime 100x ./collector/             # 100 refreshes with churn
//	go test -run '^$' -bench 'RefreshUnderScrapes' -benchtime 3x ./collector/     # three rounds
//
// They report medians and heap sizes as extra metrics, and fail when a
// target of the issue is missed.

import (
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/inventory"
)

// referenceFleet is the fleet the README's performance figures are for.
func referenceFleet() *hssfake.Fleet {
	return hssfake.Generate(hssfake.GenerateOptions{Seed: 1, Containers: 100_000, Images: 5_000, Hosts: 3_000, Pods: 50_000})
}

// referenceExporter refreshes the reference fleet once and returns the
// exporter, the stand-in server and the registry of live metrics main uses.
func referenceExporter(b *testing.B) (*Exporter, *hssfake.Server, *prometheus.Registry) {
	b.Helper()
	env := newEnv(b, listingAll(config.Target{ContainerInfo: true,
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 8}}), serving(referenceFleet()))
	e, srv := env.e, env.srv
	require.NoError(b, refreshOnce(b, e, "demo"))
	live := prometheus.NewRegistry()
	live.MustRegister(e.Self(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e, srv, live
}

// yardstick is the baseline the scrape is compared with: a standard
// client_golang collector that builds every inventory series as a const
// metric on each scrape, served by promhttp: the Exporter's own Collect,
// less its self-metrics, which the cached page gathers live too.
type yardstick struct{ e *Exporter }

func (y yardstick) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range inventory.Families {
		ch <- f.Desc
	}
}

func (y yardstick) Collect(ch chan<- prometheus.Metric) {
	emit := expo.ConstMetrics(func(m prometheus.Metric) { ch <- m })
	for _, t := range y.e.all() {
		if s := t.inv.Serving(y.e.opts.Now()); s != nil {
			s.Collect(emit)
		}
	}
}

// scraper fetches a metrics page like Prometheus does, reading the body as
// sent (no decompression: that is the scraper's cost, not ours).
type scraper struct {
	transport       *http.Transport
	client          *http.Client
	url             string
	accept, encoded string
}

func newScraper(url, accept, encoding string) *scraper {
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}
	return &scraper{transport: tr, client: &http.Client{Transport: tr}, url: url, accept: accept, encoded: encoding}
}

func (s *scraper) close() { s.transport.CloseIdleConnections() }

func (s *scraper) scrape() (int64, error) {
	req, err := http.NewRequest(http.MethodGet, s.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", s.accept)
	if s.encoded != "" {
		req.Header.Set("Accept-Encoding", s.encoded)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}

// timeScrapes scrapes until b.Loop ends and reports the median.
func timeScrapes(b *testing.B, s *scraper) time.Duration {
	defer s.close()
	// The garbage of building the fleet is collected first, so the
	// scrapes are timed in the steady state a scraped exporter is in, not
	// against the collection of the set-up.
	runtime.GC()
	var took []time.Duration
	var size int64
	for b.Loop() {
		start := time.Now()
		n, err := s.scrape()
		took = append(took, time.Since(start))
		require.NoError(b, err)
		size = n
	}
	slices.Sort(took)
	median := took[len(took)/2]
	b.ReportMetric(float64(median.Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(size)/(1<<20), "MB-body")
	return median
}

func BenchmarkScrape(b *testing.B) {
	e, _, live := referenceExporter(b)
	cached := httptest.NewServer(e.Handler(live, HandlerOpts{MaxRequestsInFlight: 40}))
	defer cached.Close()
	baseReg := prometheus.NewRegistry()
	baseReg.MustRegister(yardstick{e}, e.Self(),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	base := httptest.NewServer(promhttp.HandlerFor(baseReg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	defer base.Close()

	medians := map[string]time.Duration{}
	for _, tc := range []struct{ name, url, accept, encoding string }{
		{"cached/text-gzip", cached.URL, "text/plain;version=0.0.4", "gzip"},
		{"cached/openmetrics-gzip", cached.URL, acceptPrometheus2, "gzip"},
		{"cached/text-plain", cached.URL, "*/*", ""},
		{"yardstick/text-gzip", base.URL, "text/plain;version=0.0.4", "gzip"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			medians[tc.name] = timeScrapes(b, newScraper(tc.url, tc.accept, tc.encoding))
		})
	}
	fast, slow := medians["cached/text-gzip"], medians["yardstick/text-gzip"]
	if fast == 0 || slow == 0 {
		return // filtered out
	}
	b.Logf("gzip scrape median: cached %s, yardstick %s: %.0fx faster", fast, slow, float64(slow)/float64(fast))
	if fast > 10*time.Millisecond || slow < 20*fast {
		b.Errorf("target missed: want a median of 10ms or less and 20x the yardstick")
	}
}

// heapMB returns the live heap after full collections (two: sync.Pool
// contents survive the first).
func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// BenchmarkRefresh refreshes the reference fleet with 100 changes between
// refreshes. It reports the exporter's live heap after the first refresh
// (the process heap less the heap before it, when the stand-in server
// already held its fleet) and the process heap after the last, stand-in
// included. BenchmarkBinaryMemory measures the exporter alone, through
// the binary.
func BenchmarkRefresh(b *testing.B) {
	env := newEnv(b, listingAll(config.Target{ContainerInfo: true,
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 8}}), serving(referenceFleet()))
	e, srv := env.e, env.srv
	srv.Fleet().Truth("") // the stand-in builds its view of the fleet once, before the baseline
	base := heapMB()
	require.NoError(b, refreshOnce(b, e, "demo"))
	first := heapMB() - base
	rng := rand.New(rand.NewSource(2))
	for b.Loop() {
		srv.Churn(rng, 100)
		require.NoError(b, refreshOnce(b, e, "demo"))
	}
	b.StopTimer()
	b.ReportMetric(first, "MB-heap-first")
	b.ReportMetric(heapMB(), "MB-heap-process")
	if first > 150 {
		b.Errorf("exporter heap %.0f MB after the first refresh, want at most 150 MB", first)
	}
}

// BenchmarkRefreshUnderScrapes times a refresh alone and one while 20
// scrapers scrape at once every 5 seconds (three times Prometheus' default
// rate), alternating so drift in the machine's load hits both alike; one
// round per iteration (-benchtime 3x for three). The refresh here is
// CPU-bound (no API latency) and shares the CPUs with the stand-in server
// and the scrapers' reading: the worst case for contention.
func BenchmarkRefreshUnderScrapes(b *testing.B) {
	e, _, live := referenceExporter(b)
	srv := httptest.NewServer(e.Handler(live, HandlerOpts{MaxRequestsInFlight: 40}))
	defer srv.Close()
	timed := func() time.Duration {
		start := time.Now()
		require.NoError(b, refreshOnce(b, e, "demo"))
		return time.Since(start)
	}
	var alone, busy time.Duration
	var heap float64
	rounds := 0
	for b.Loop() {
		alone += timed()
		stop := scrapeEvery(srv.URL, 20, 5*time.Second)
		busy += timed()
		heap = max(heap, heapMB())
		stop()
		rounds++
	}
	alone, busy = alone/time.Duration(rounds), busy/time.Duration(rounds)
	slowdown := 100 * (float64(busy)/float64(alone) - 1)
	b.ReportMetric(float64(alone.Milliseconds()), "ms-refresh-alone")
	b.ReportMetric(float64(busy.Milliseconds()), "ms-refresh-scraped")
	b.ReportMetric(slowdown, "%-slowdown")
	b.ReportMetric(heap, "MB-heap-process")
	if slowdown > 10 {
		b.Errorf("20 scrapers slowed a refresh by %.1f%%, want at most 10%%", slowdown)
	}
}

// scrapeEvery starts n scrapers that scrape url at once, then every
// interval, until stop is called.
func scrapeEvery(url string, n int, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		s := newScraper(url, acceptPrometheus2, "gzip")
		wg.Go(func() {
			defer s.close()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				_, _ = s.scrape()
				select {
				case <-done:
					return
				case <-tick.C:
				}
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
	}
}
