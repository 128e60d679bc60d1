package clusters

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/internal/metricshandler"
)

// BenchmarkScrapeClusterInfo100k scrapes, through the real handler, a
// target whose last sweep placed 100,000 pod containers in 20 clusters
// with container_info: true: the cluster part of the page copied as
// encoded at the sweep, the health series gathered live.
func BenchmarkScrapeClusterInfo100k(b *testing.B) {
	set := setServing(b, 100_000)
	h := metricshandler.New(noPage{}, liveOf(set), metricshandler.Opts{Also: []metricshandler.Cached{set}})
	for _, enc := range []string{"gzip", "identity"} {
		b.Run(enc, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.Header.Set("Accept-Encoding", enc)
			w := &countingWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				w.n = 0
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(w.n), "bytes/scrape")
		})
	}
}

// setServing is a Set of one target serving a sweep of n pod containers.
func setServing(b *testing.B, n int) *Set {
	b.Helper()
	cfg := testTarget(time.Minute)
	cfg.ContainerInfo = true
	set := New(Options{}, nil)
	src := newSource(Target{Config: cfg}, set.opts)
	bld := newBuilder(nil, true)
	ids := rand.New(rand.NewPCG(1, 2)) // random like real IDs, which compress as little
	for i := range n {
		c := fmt.Sprint(i % 20)
		_ = bld.add(hssclient.ClusterContainer{ContainerID: fmt.Sprintf("%016x%016x%016x%016x", ids.Uint64(), ids.Uint64(), ids.Uint64(), ids.Uint64()), ClusterName: "cluster-" + c,
			ClusterID: "c" + c, ClusterType: "cce", Status: "Running", ImageName: fmt.Sprintf("app-%d:1.0", i%500)})
	}
	bld.snap.Taken = time.Now()
	bld.snap.encoded = encode(cfg.Name, &bld.snap)
	src.state.Store(&state{snap: &bld.snap, up: true})
	set.sources = []*source{src}
	return set
}

func liveOf(set *Set) prometheus.Gatherer {
	reg := prometheus.NewRegistry()
	reg.MustRegister(set)
	return reg
}

// noPage is an empty inventory, so only the cluster source is measured.
type noPage struct{}

func (noPage) Segments() []expo.Segment { return nil }

// countingWriter is a client that reads at once and keeps nothing.
type countingWriter struct {
	header http.Header
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(int)     {}
func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

// BenchmarkEncodeClusterInfo100k encodes the series of that sweep once,
// as the sweep does when it lands: the cost moved off the scrapes.
func BenchmarkEncodeClusterInfo100k(b *testing.B) {
	snap := setServing(b, 100_000).sources[0].state.Load().snap
	b.ReportAllocs()
	for b.Loop() {
		encode("demo", snap)
	}
}
