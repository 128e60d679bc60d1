// Package collector keeps each target's HSS container-image inventory in
// memory, listing it in the background within the API's call budget, and
// exposes it, with the exporter's own health, as Prometheus metrics. A
// scrape never calls HSS.
package collector

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/posture"
	"github.com/hss-exporter/hss_exporter/shard"
)

// API is what the collector needs from hssclient.Client.
type API interface {
	EachImage(ctx context.Context, req hssclient.ListImagesRequest, fn func(hssclient.LocalImage) error) error
	EachContainer(ctx context.Context, req hssclient.ListContainersRequest, fn func(hssclient.Container) error) error
}

var _ API = (*hssclient.Client)(nil)

// Target is one configured target and the client that reads it.
type Target struct {
	Config config.Target
	API    API
	// Pacer is the API budget the client spends from; nil when it has none.
	// Targets with the same Pacer share it.
	Pacer Pacer
	// What else the target can do, each nil when it cannot: read its
	// posture (nodes, events, quotas, where the configuration asks for
	// them); say until when refused or unavailable credentials hold its
	// calls back; keep its budget's state across a restart in the state
	// file. *hssclient.Client is a PostureAPI and a CredentialGate,
	// *budget.Budget a BudgetStater.
	Posture     PostureAPI
	Credentials CredentialGate
	BudgetState BudgetStater
	// Observer is what API reports its requests to, made by the
	// exporter's APIStats.Observer; nil: the exporter makes one.
	Observer *APIObserver
}

// Options tune an Exporter; zero values take the defaults.
type Options struct {
	// Now is the clock for data age and staleness; default time.Now.
	Now func() time.Time
	// After is the same clock's timer, which the refresh loops wait on:
	// the next discovery and posture read, the next listing due; default
	// time.After. A clock that moves only when told (internal/testclock)
	// moves the loops with it.
	After func(time.Duration) <-chan time.Time
	// Jitter spreads refreshes by ± this fraction of refresh_interval, so
	// targets and replicas do not call HSS in lockstep; 0 for none (the
	// flag owns the default).
	Jitter float64
	// RefreshTimeout bounds one discovery, one listing and one posture read;
	// default the target's max_staleness, since data older than that would
	// be dropped anyway.
	RefreshTimeout time.Duration
	// PublishInterval is the least time between two publishes of a target
	// while listings land; default 2s. What discovery and each listing
	// learned is on /metrics within about that long.
	PublishInterval time.Duration
	// StatePath, when set, is the directory each target's state is kept
	// in (see persist.go): loaded when Run starts, written at most every
	// StateInterval (default 5s) after a change, and when Run ends.
	StatePath     string
	StateInterval time.Duration
	// Shard is which share of each target's images this replica lists
	// and exports; the zero value is all of them.
	Shard shard.Spec
}

// Exporter keeps every target's inventory and serves it. Handler serves
// /metrics from the bytes each refresh encoded, with Self in its registry
// of live metrics. The Exporter is also a prometheus.Collector of
// everything, inventory built per collection: for tests and small fleets.
type Exporter struct {
	logger log.Logger
	stats  *APIStats
	opts   Options

	applyMu sync.Mutex   // one Apply at a time
	mu      sync.RWMutex // guards the target set, which Apply replaces
	targets []*target
	byName  map[string]*target
	running context.Context // Run's context while it runs; nil otherwise

	stateWrites stateWrites // outlive the targets a reload replaces
}

var _ prometheus.Collector = (*Exporter)(nil)

// NewExporter returns an Exporter for targets. stats may be nil when no
// client reports to it.
func NewExporter(logger log.Logger, targets []Target, stats *APIStats, opts Options) *Exporter {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	if stats == nil {
		stats = NewAPIStats()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.After == nil {
		opts.After = time.After
	}
	if opts.PublishInterval <= 0 {
		opts.PublishInterval = 2 * time.Second
	}
	if opts.StateInterval <= 0 {
		opts.StateInterval = 5 * time.Second
	}
	e := &Exporter{logger: logger, stats: stats, opts: opts, byName: map[string]*target{}}
	for _, tg := range targets {
		t := e.newTarget(tg)
		e.targets = append(e.targets, t)
		e.byName[t.name] = t
	}
	e.countSharers()
	return e
}

// newTarget makes the state of one target, not yet running.
func (e *Exporter) newTarget(tg Target) *target {
	if tg.Observer == nil {
		tg.Observer = e.stats.Observer(tg.Config.Name)
	}
	ps := newPosture(tg, e.opts.Shard.Index)
	tg.Observer.expect(targetOperations(tg.Config, ps))
	return &target{
		name: tg.Config.Name, cfg: tg.Config, api: tg.API, pacer: tg.Pacer, now: e.opts.Now,
		credentials: tg.Credentials, budgetState: tg.BudgetState,
		logger: log.With(e.logger, "target", tg.Config.Name),
		calls:  tg.Observer.calls, shard: e.opts.Shard,
		images: map[string]*image{}, z: &sanitizer{},
		publishReq: make(chan struct{}, 1), units: newUnitCache(), stateReq: make(chan struct{}, 1),
		posture: ps,
	}
}

// countSharers tells each target how many targets spend from its budget;
// e.mu is held (or the Exporter not yet shared).
func (e *Exporter) countSharers() {
	sharers := map[Pacer]int64{}
	for _, t := range e.targets {
		if t.pacer != nil {
			sharers[t.pacer]++
		}
	}
	for _, t := range e.targets {
		t.sharers.Store(max(1, sharers[t.pacer]))
	}
}

// all returns the targets, in configuration order.
func (e *Exporter) all() []*target {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.targets
}

// lookup returns the named target.
func (e *Exporter) lookup(name string) (*target, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, ok := e.byName[name]
	return t, ok
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range families {
		ch <- f.Desc
	}
	e.describeSelf(ch)
}

// Collect implements prometheus.Collector: the self-metrics and every
// served snapshot's inventory, built as const metrics on each call. That
// suits tests and small fleets; Handler serves the same inventory from the
// bytes encoded at refresh, without building a metric per scrape.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.collectSelf(ch)
	now := e.opts.Now()
	for _, t := range e.all() {
		if s := t.serving(now); s != nil {
			s.collect(constMetrics(func(m prometheus.Metric) { ch <- m }))
		}
		if s := t.snap.Load(); s != nil {
			s.collectPosture(constMetrics(func(m prometheus.Metric) { ch <- m }), now)
		}
	}
}

// Self returns a collector of the exporter's own metrics only: hss_up, the
// refresh statistics and the hss_exporter_api_* metrics. Register it (not
// the Exporter) in the registry given to Handler, beside the Go, process
// and build_info collectors, so those stay live while the inventory comes
// from the cache.
func (e *Exporter) Self() prometheus.Collector { return selfCollector{e} }

type selfCollector struct{ e *Exporter }

func (c selfCollector) Describe(ch chan<- *prometheus.Desc) { c.e.describeSelf(ch) }

func (c selfCollector) Collect(ch chan<- prometheus.Metric) { c.e.collectSelf(ch) }

func (e *Exporter) describeSelf(ch chan<- *prometheus.Desc) {
	for _, d := range selfDescs {
		ch <- d
	}
	ch <- posture.UpDesc
	e.stats.describe(ch)
}

func (e *Exporter) collectSelf(ch chan<- prometheus.Metric) {
	e.stats.collect(ch)
	ch <- expo.ConstMetric(shardOrdinalDesc, prometheus.GaugeValue, float64(e.opts.Shard.Index))
	ch <- expo.ConstMetric(totalShardsDesc, prometheus.GaugeValue, float64(e.opts.Shard.Count()))
	ch <- expo.ConstMetric(stateWritesDesc, prometheus.CounterValue, float64(e.stateWrites.success.Load()), "success")
	ch <- expo.ConstMetric(stateWritesDesc, prometheus.CounterValue, float64(e.stateWrites.failure.Load()), "failure")
	now := e.opts.Now()
	for _, t := range e.all() {
		st := t.state(now)
		for _, g := range selfGauges {
			ch <- expo.ConstMetric(g.desc, g.valueType, g.value(&st), t.name)
		}
		for i, r := range results {
			ch <- expo.ConstMetric(refreshesDesc, prometheus.CounterValue, float64(st.refreshes[i]), t.name, string(r))
		}
		for i, reason := range hssclient.MovedReasons {
			ch <- expo.ConstMetric(listingsInconsistentDesc, prometheus.CounterValue, float64(st.moved[i]), t.name, hssclient.OpListContainers, reason)
		}
		ch <- expo.ConstMetric(refreshIntervalDesc, prometheus.GaugeValue, t.interval().Seconds(), t.name)
		t.posture.CollectUp(ch, t.name)
		if t.pacer != nil {
			ch <- expo.ConstMetric(budgetConfiguredDesc, prometheus.GaugeValue, t.pacer.Configured(), t.name)
			for _, op := range budgetOperations {
				ch <- expo.ConstMetric(budgetDesc, prometheus.GaugeValue, t.pacer.PerMinute(op), t.name, op)
			}
		}
	}
}

// Shard returns which shard of each target's images this exporter lists.
func (e *Exporter) Shard() shard.Spec {
	return shard.Spec{Index: e.opts.Shard.Index, Total: e.opts.Shard.Count()}
}

// Ready reports whether every target has had a good discovery and none
// has gone without a successful answer for max_staleness; reasons name
// each target that is not ready, and why. Readiness does not wait for
// every image to be listed: under a small budget that takes hours, while
// discovery's facts and each listing are served as they land. It never
// calls the API.
func (e *Exporter) Ready() (ready bool, reasons []string) {
	now := e.opts.Now()
	for _, t := range e.all() {
		if reason := t.notReady(t.state(now), now); reason != "" {
			reasons = append(reasons, reason)
		}
	}
	return len(reasons) == 0, reasons
}

// jitterFactor returns a random factor in [1-Jitter, 1+Jitter].
func (e *Exporter) jitterFactor() float64 {
	if e.opts.Jitter <= 0 {
		return 1
	}
	return 1 + e.opts.Jitter*(2*rand.Float64()-1)
}
