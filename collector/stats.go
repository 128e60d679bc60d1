package collector

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/posture"
)

// APIStats turns the HSS client's observer reports into the
// hss_exporter_api_* metrics. It exists before any client does, because a
// client takes its Observer at construction. The Exporter collects it.
type APIStats struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	retries  *prometheus.CounterVec

	mu      sync.Mutex
	targets map[string]*targetCalls
}

// targetCalls counts one target's attempts, so a refresh can report how
// many requests and retries it cost (the counters above are summed over
// operations and codes only at query time).
type targetCalls struct {
	requests atomic.Uint64
	retries  atomic.Uint64
}

// apiDurationBuckets span a fast page (tens of ms) up to the 30s default
// request timeout.
var apiDurationBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// NewAPIStats returns empty API statistics.
func NewAPIStats() *APIStats {
	return &APIStats{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "exporter", Name: "api_requests_total",
			Help: "HTTP attempts made to the HSS and IAM APIs, by operation and HTTP status code (0 when no answer arrived: reset, timeout).",
		}, []string{"target", "operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "exporter", Name: "api_request_duration_seconds",
			Help:    "Duration of HTTP attempts to the HSS and IAM APIs, by operation.",
			Buckets: apiDurationBuckets,
		}, []string{"operation"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "exporter", Name: "api_retries_total",
			Help: "HTTP attempts to the HSS and IAM APIs that were retried, by operation and reason.",
		}, []string{"target", "operation", "reason"}),
		targets: map[string]*targetCalls{},
	}
}

// Observer returns the observer for the client of target: give it to the
// client and to the collector in Target.Observer, so the counts the
// client reports are the ones the target's status shows.
func (s *APIStats) Observer(target string) *APIObserver {
	return &APIObserver{stats: s, target: target, calls: s.callsFor(target)}
}

// callsFor returns the per-target call counts, creating them once.
func (s *APIStats) callsFor(target string) *targetCalls {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.targets[target]
	if !ok {
		c = &targetCalls{}
		s.targets[target] = c
	}
	return c
}

// forget drops a removed target's series and counts.
func (s *APIStats) forget(target string) {
	s.requests.DeletePartialMatch(prometheus.Labels{"target": target})
	s.retries.DeletePartialMatch(prometheus.Labels{"target": target})
	s.mu.Lock()
	delete(s.targets, target)
	s.mu.Unlock()
}

func (s *APIStats) describe(ch chan<- *prometheus.Desc) {
	s.requests.Describe(ch)
	s.duration.Describe(ch)
	s.retries.Describe(ch)
}

func (s *APIStats) collect(ch chan<- prometheus.Metric) {
	s.requests.Collect(ch)
	s.duration.Collect(ch)
	s.retries.Collect(ch)
}

var _ hssclient.Observer = (*APIObserver)(nil)

// APIObserver counts one target's API requests and retries; it
// implements hssclient.Observer.
type APIObserver struct {
	stats  *APIStats
	target string
	calls  *targetCalls
}

// RequestDone implements hssclient.Observer.
func (o *APIObserver) RequestDone(operation string, code int, d time.Duration) {
	o.stats.requests.WithLabelValues(o.target, operation, strconv.Itoa(code)).Inc()
	o.stats.duration.WithLabelValues(operation).Observe(d.Seconds())
	o.calls.requests.Add(1)
}

// expect starts the target's retry counters of operations at 0 for every
// reason: a query or an alert on them then finds 0, not nothing, before
// the first retry.
func (o *APIObserver) expect(operations []string) {
	for _, op := range operations {
		for _, reason := range hssclient.RetryReasons {
			o.stats.retries.WithLabelValues(o.target, op, reason)
		}
	}
}

// targetOperations are the API operations a target calls: its listings,
// the posture parts it reads (p) and those of its authentication.
func targetOperations(cfg config.Target, p *posture.State) []string {
	ops := []string{hssclient.OpListImages, hssclient.OpListContainers}
	ops = append(ops, p.Operations()...)
	switch cfg.Auth.Method() {
	case config.MethodIAM:
		ops = append(ops, auth.OpIAMToken)
	case config.MethodMetadata:
		ops = append(ops, auth.OpMetadata)
	case config.MethodOIDC:
		ops = append(ops, auth.OpIDToken, auth.OpSecurityToken)
	}
	return ops
}

// Retry implements hssclient.Observer.
func (o *APIObserver) Retry(operation, reason string) {
	o.stats.retries.WithLabelValues(o.target, operation, reason).Inc()
	o.calls.retries.Add(1)
}
