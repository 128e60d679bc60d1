package clusters

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/go-kit/log"

	"github.com/hss-exporter/hss_exporter/collector"
)

// Options configure a Set.
type Options struct {
	Logger log.Logger
	// Images returns the inventory's image of each container_id of a
	// target (collector.Exporter.ContainerImages); nil: every image is
	// named from ListContainers' own image_name.
	Images func(target string) map[string]collector.ContainerImage
	// Now is the clock of the snapshots' times; default time.Now.
	Now func() time.Time
	// Off: this replica reads no clusters (a shard other than 0, as the
	// list is not split between shards).
	Off bool
}

// Set is the cluster source of every target that reads it. Serve it as a
// part of the page encoded ahead (metricshandler.Opts.Also), and register
// it as a prometheus.Collector for its health series; Run starts the
// loops.
type Set struct {
	opts Options

	mu      sync.Mutex
	running context.Context // nil while not running
	sources []*source       // in configuration order
}

// New returns the set of targets' cluster sources; targets with clusters
// off are left out.
func New(opts Options, targets []Target) *Set {
	if opts.Logger == nil {
		opts.Logger = log.NewNopLogger()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Set{opts: opts}
	for _, tg := range s.reading(targets) {
		s.sources = append(s.sources, newSource(tg, opts))
	}
	return s
}

// reading returns the targets whose clusters this replica reads.
func (s *Set) reading(targets []Target) []Target {
	if s.opts.Off {
		return nil
	}
	var out []Target
	for _, tg := range targets {
		if tg.Config.ClustersOn() && tg.API != nil {
			out = append(out, tg)
		}
	}
	return out
}

// Run runs every source until ctx ends, and waits for them to stop.
func (s *Set) Run(ctx context.Context) {
	s.mu.Lock()
	s.running = ctx
	for _, src := range s.sources {
		src.start(ctx)
	}
	s.mu.Unlock()
	<-ctx.Done()
	s.mu.Lock()
	s.running = nil
	sources := s.sources
	s.mu.Unlock()
	for _, src := range sources {
		src.halt()
	}
}

// Apply replaces the targets, as a reload does: a target whose
// configuration is unchanged keeps its source, with its rows and its
// schedule, so a reload costs no call; a changed one starts afresh, a
// removed one stops.
func (s *Set) Apply(targets []Target) {
	// Stopped sources are waited for after the lock is let go, so a
	// scrape never waits on a sweep winding down.
	for _, src := range s.replace(targets) {
		src.halt()
	}
}

// replace swaps in the sources of targets and returns those to stop.
func (s *Set) replace(targets []Target) (stale []*source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := map[string]*source{}
	for _, src := range s.sources {
		old[src.tg.Config.Name] = src
	}
	next := make([]*source, 0, len(targets))
	for _, tg := range s.reading(targets) {
		if src, ok := old[tg.Config.Name]; ok && reflect.DeepEqual(src.tg.Config, tg.Config) {
			delete(old, tg.Config.Name)
			next = append(next, src)
			continue
		}
		src := newSource(tg, s.opts)
		if s.running != nil {
			src.start(s.running)
		}
		next = append(next, src)
	}
	for _, src := range old {
		stale = append(stale, src)
	}
	s.sources = next
	return stale
}

// all returns the sources, in configuration order.
func (s *Set) all() []*source {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sources
}
