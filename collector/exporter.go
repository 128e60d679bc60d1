// Package collector is the exporter's facade over its sources: it works
// each configured target's inventory (package inventory) and posture
// (package posture), applies reloaded configurations, keeps state files,
// and serves what the sources encoded, with the exporter's own health, as
// Prometheus metrics and views for the status page. A scrape never calls
// HSS.
package collector

import (
	"context"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/config"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
	"github.com/hss-exporter/hss_exporter/inventory"
	"github.com/hss-exporter/hss_exporter/posture"
	"github.com/hss-exporter/hss_exporter/shard"
)

// API is what the inventory needs from hssclient.Client; Pacer and
// CredentialGate what it reads of the budget and the credentials.
type (
	API            = inventory.API
	Pacer          = inventory.Pacer
	CredentialGate = inventory.CredentialGate
)

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
	// Clock is the time data ages by (Now) and the refresh loops wait on:
	// AfterFunc for the next listing due, Tick for the next discovery
	// and posture read; default the wall clock. A clock that moves only
	// when told (internal/testclock) moves the loops with it.
	schedule.Clock
	// Jitter spreads refreshes by ± this fraction of refresh_interval, so
	// targets and replicas do not call HSS in lockstep; 0 for none (the
	// flag owns the default).
	Jitter float64
	// RefreshTimeout bounds one discovery, one listing and one posture read;
	// default the target's max_staleness, since data older than that would
	// be dropped anyway.
	RefreshTimeout time.Duration
	// PublishInterval is the least time between two publishes of a
	// target's inventory while listings land; 0: the inventory's default
	// (2s). What discovery and each listing learned is on /metrics within
	// about that long.
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
	opts.Clock = opts.Clock.OrWall()
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
	t := &target{name: tg.Config.Name, cfg: tg.Config, pacer: tg.Pacer, budgetState: tg.BudgetState,
		logger: log.With(e.logger, "target", tg.Config.Name), stateReq: make(chan struct{}, 1)}
	calls := tg.Observer.calls
	t.inv = inventory.New(inventory.Config{Target: tg.Config, API: tg.API, Pacer: tg.Pacer, Credentials: tg.Credentials,
		Shard: e.opts.Shard, Logger: e.logger, Clock: e.opts.Clock, Jitter: e.opts.Jitter,
		Timeout: e.workTimeout(tg.Config), PublishInterval: e.opts.PublishInterval,
		Calls:     func() (uint64, uint64) { return calls.requests.Load(), calls.retries.Load() },
		Published: t.published})
	t.posture = posture.NewSource(ps, posture.SourceConfig{Target: tg.Config.Name, Logger: e.logger,
		Clock: e.opts.Clock, Interval: t.inv.Interval, Jitter: e.opts.Jitter, Timeout: e.workTimeout(tg.Config)})
	return t
}

// workTimeout bounds one discovery, listing or posture read of cfg's
// target: Options.RefreshTimeout, else max_staleness, since data older
// than that would be dropped anyway; 0: none.
func (e *Exporter) workTimeout(cfg config.Target) time.Duration {
	if e.opts.RefreshTimeout > 0 {
		return e.opts.RefreshTimeout
	}
	return cfg.MaxStaleness
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
		t.inv.SetSharers(int(sharers[t.pacer]))
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
	for _, f := range inventory.Families {
		ch <- f.Desc
	}
	for _, f := range posture.Families {
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
	emit := expo.ConstMetrics(func(m prometheus.Metric) { ch <- m })
	for _, t := range e.all() {
		if s := t.inv.Serving(now); s != nil {
			s.Collect(emit)
		}
		t.posture.Collect(emit, now)
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
		t.collectSelf(ch, t.inv.Status(now))
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
		if reason := t.inv.NotReady(now); reason != "" {
			reasons = append(reasons, reason)
		}
	}
	return len(reasons) == 0, reasons
}
