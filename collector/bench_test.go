package collector

// Benchmarks on the reference fleet of the README's Performance section:
// 100,000 containers, 5,000 images, 3,000 hosts, 50,000 pods, container_info
// on, read through the real client from the stand-in server. Run them with
//
//	go test -run '^$' -bench 'Scrape|Refresh|Encode' -benchmem ./collector/
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
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// referenceFleet is the fleet the README's performance figures are for.
func referenceFleet() *hssfake.Fleet {
	return hssfake.Generate(hssfake.GenerateOptions{Seed: 1, Containers: 100_000, Images: 5_000, Hosts: 3_000, Pods: 50_000})
}

// referenceExporter refreshes the reference fleet once and returns the
// exporter, the stand-in server and the registry of live metrics main uses.
func referenceExporter(b *testing.B) (*Exporter, *hssfake.Server, *prometheus.Registry) {
	b.Helper()
	e, srv := fakeTarget(b, referenceFleet(), config.Target{ContainerInfo: true,
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 8}}, nil)
	require.NoError(b, refreshOnce(b, e, "demo"))
	live := prometheus.NewRegistry()
	live.MustRegister(e.Self(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e, srv, live
}

// yardstick is the baseline the scrape is compared with: a standard client_golang collector
// that builds every inventory series as a const metric on each scrape,
// served by promhttp. It emits the series the Exporter defines.
type yardstick struct{ s *snapshot }

func (y yardstick) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range families {
		ch <- f.Desc
	}
}

func (y yardstick) Collect(ch chan<- prometheus.Metric) {
	s := y.s
	gauge := func(f *family, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(f.Desc, prometheus.GaugeValue, v, labels...)
	}
	for _, e := range s.entries {
		if e.listed {
			gauge(imageContainers, float64(e.containers), e.labels...)
			gauge(imagePublicContainers, float64(e.public), e.labels...)
		}
		if i := e.info; i != nil {
			gauge(imageInfo, 1, append(e.labels[:4:4], i.ImageID, i.LocalImageType, i.ScanStatus, i.SeverityLevel)...)
			for _, g := range imageGauges {
				if v, ok := g.value(i); ok {
					gauge(g.family, v, e.labels...)
				}
			}
		}
		skip := e.skip
		for j, c := range e.rows {
			if len(skip) > 0 && int(skip[0]) == j {
				skip = skip[1:]
				continue
			}
			gauge(containerInfo, 1, s.target, c.ContainerID, c.ContainerName, e.labels[1], e.labels[2],
				c.HostID, c.HostName, c.PodID, c.PodName, c.PrivateIP, c.PublicIP, c.AgentID)
		}
	}
	for _, h := range s.hostCounts {
		gauge(hostContainers, float64(h.n), s.target, h.id, h.name)
	}
	for _, p := range s.podCounts {
		gauge(podContainers, float64(p.n), s.target, p.id, p.name)
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
	baseReg.MustRegister(yardstick{e.byName["demo"].snap.Load()}, e.Self(),
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
	e, srv := fakeTarget(b, referenceFleet(), config.Target{ContainerInfo: true,
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 8}}, nil)
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

// BenchmarkEncode is one whole encode of the inventory: a publish with no
// unit kept from before, as after a restart.
func BenchmarkEncode(b *testing.B) {
	e, _, _ := referenceExporter(b)
	t := e.byName["demo"]
	for b.Loop() {
		t.units = newUnitCache()
		t.publish()
	}
}

// firstSweep replays the first sweep of t's fleet: discovery's facts
// published, then each image's listing landing one by one, in the
// scheduler's order, a listing every perCall × its pages of simulated
// time, with a publish whenever PublishInterval of it has passed and one
// at the end. It returns the time spent publishing and how many publishes.
func firstSweep(t *target, perCall, interval time.Duration) (spent time.Duration, publishes int) {
	t.mu.Lock()
	type landed struct {
		img  *image
		rows []hssclient.Container
	}
	var sweep []landed
	for _, img := range t.order {
		if img.ref.call {
			sweep = append(sweep, landed{img, img.rows})
			img.rows, img.listed, img.listedNum = nil, false, -1
			t.touchRows(img)
		}
	}
	t.mu.Unlock()
	var cost time.Duration
	publish := func() {
		start := time.Now()
		t.publish()
		cost = time.Since(start)
		spent += cost
		publishes++
	}
	publish() // discovery's facts
	var clock, last time.Duration
	for _, l := range sweep {
		p := pick{img: l.img, query: l.img.ref.query, num: l.img.ref.reportedNum()}
		t.mu.Lock()
		l.img.busy = true
		t.mu.Unlock()
		t.land(p, listing{rows: l.rows, at: time.Now()}, false)
		clock += perCall * time.Duration(max(1, l.img.pages(200)))
		if clock-last >= publishDelay(interval, cost) {
			publish()
			last = clock
		}
	}
	publish()
	return spent, publishes
}

// BenchmarkFirstSweep publishes a first sweep of the reference fleet as
// its listings land one by one, at a budget of 100,000 calls a minute
// (0.6 ms a call) and at a latency-bound pace (50 ms a call on 8 slots),
// against one whole encode of the fleet. A sweep must spend at most 1.5
// times a whole encode at the raised budget: each publish re-encodes
// what landed since the last.
func BenchmarkFirstSweep(b *testing.B) {
	e, _, _ := referenceExporter(b)
	t := e.byName["demo"]
	var whole, fast, slow time.Duration
	var fastN, slowN int
	for b.Loop() {
		t.units = newUnitCache()
		start := time.Now()
		t.publish()
		whole += time.Since(start)
		spent, n := firstSweep(t, 600*time.Microsecond, e.opts.PublishInterval)
		fast, fastN = fast+spent, n
		spent, n = firstSweep(t, 50*time.Millisecond/8, e.opts.PublishInterval)
		slow, slowN = slow+spent, n
	}
	b.ReportMetric(whole.Seconds()/float64(b.N), "s-whole-encode")
	b.ReportMetric(fast.Seconds()/float64(b.N), "s-sweep-raised")
	b.ReportMetric(float64(fastN), "publishes-raised")
	b.ReportMetric(slow.Seconds()/float64(b.N), "s-sweep-latency")
	b.ReportMetric(float64(slowN), "publishes-latency")
	if fast > whole*3/2 {
		b.Errorf("a sweep at a raised budget spent %s publishing, more than 1.5 times a whole encode (%s)", fast, whole)
	}
}

// BenchmarkRepublishOneImage publishes the reference fleet after one
// image's listing changed: what one landing costs.
func BenchmarkRepublishOneImage(b *testing.B) {
	e, _, _ := referenceExporter(b)
	t := e.byName["demo"]
	t.publish()
	var img *image
	for _, i := range t.order {
		if i.ref.call && len(i.rows) > 1 {
			img = i
			break
		}
	}
	full := img.rows
	var took []time.Duration
	for n := 0; b.Loop(); n++ {
		rows := full
		if n%2 == 0 {
			rows = full[1:] // one container gone, then back
		}
		p := pick{img: img, query: img.ref.query, num: img.ref.reportedNum()}
		img.busy = true
		t.land(p, listing{rows: rows, at: time.Now()}, false)
		start := time.Now()
		t.publish()
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	median := took[len(took)/2]
	b.ReportMetric(float64(median.Microseconds())/1000, "ms-median")
	if median > 200*time.Millisecond {
		b.Errorf("one changed image took %s to publish, want milliseconds", median)
	}
}
