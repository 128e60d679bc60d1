// Package inventory is the source of one target's container-image
// inventory: it discovers the images the target covers every
// refresh_interval, lists each image's containers from a queue drained as
// fast as the API budget allows, and publishes what it knows as an
// immutable snapshot, kept encoded for scrapes with the inventory's metric
// table (families.go, series.go, units.go). It knows nothing of HTTP, of
// the other sources or of the exporter's self-metrics.
package inventory

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
	"github.com/hss-exporter/hss_exporter/shard"
)

// API is what the inventory needs from hssclient.Client.
type API interface {
	EachImage(ctx context.Context, req hssclient.ListImagesRequest, fn func(hssclient.LocalImage) error) error
	EachContainer(ctx context.Context, req hssclient.ListContainersRequest, fn func(hssclient.Container) error) error
}

var _ API = (*hssclient.Client)(nil)

// Config is what one target's inventory is made of. Zero values of the
// optional parts take the defaults noted.
type Config struct {
	Target config.Target
	API    API
	// Pacer is the API budget the client spends from; nil when it has
	// none. Credentials says until when refused or unavailable
	// credentials hold the calls back; nil: never.
	Pacer       Pacer
	Credentials CredentialGate
	Shard       shard.Spec // which share of the images this replica lists
	Logger      log.Logger // nil: none
	// Clock is the time data ages by and the loops wait on
	// (internal/testclock moves it); default the wall clock.
	Clock schedule.Clock
	// Jitter spreads discoveries by ± this fraction of refresh_interval,
	// so targets and replicas do not call HSS in lockstep; 0 for none.
	Jitter float64
	// Timeout bounds one discovery or listing; 0: none.
	Timeout time.Duration
	// PublishInterval is the least time between two publishes while
	// listings land; default 2s.
	PublishInterval time.Duration
	// Calls are the target's HTTP attempts and retries so far, for what a
	// refresh cycle cost; nil: none counted. Published is called after
	// each publish (the state file's writer waits on it); nil: nothing.
	Calls     func() (requests, retries uint64)
	Published func()
}

// Source is one target's inventory: every image it covers with what is
// known of its containers, the snapshot served, and the history of its
// work. Run works it; the rest reads it, and never calls the API.
type Source struct {
	cfg      Config
	logger   log.Logger
	lastGood atomic.Int64 // Unix ns of the last successful API answer; 0: none yet
	busy     atomic.Bool  // a discovery runs
	// sharers counts the targets spending from the same budget, this one
	// included, for the sweep-time estimate.
	sharers atomic.Int64

	mu          sync.Mutex // guards what follows; never held while calling the API
	cat         catalog
	st          history
	pausedUntil time.Time // listings wait after credentials could not be had

	listers listers
	pub     publisher
}

// catalog is the images the source covers, with the interning table of
// their label values and the versions that name their content.
type catalog struct {
	images   map[string]*image
	order    []*image // the covered images, in the stable order of discovery
	z        *sanitizer
	versions uint64 // the last version given out (see touchFacts, touchRows)
}

// publisher is what publishing needs: one at a time (mu), the units kept
// encoded between publishes, the snapshot served, and the requests for
// the next publish.
type publisher struct {
	mu    sync.Mutex
	units *unitCache
	snap  atomic.Pointer[Snapshot]
	req   chan struct{}
}

// New returns the inventory of cfg.Target, empty and not yet running.
func New(cfg Config) *Source {
	if cfg.Logger == nil {
		cfg.Logger = log.NewNopLogger()
	}
	cfg.Clock = cfg.Clock.OrWall()
	if cfg.PublishInterval <= 0 {
		cfg.PublishInterval = 2 * time.Second
	}
	src := &Source{cfg: cfg, logger: log.With(cfg.Logger, "target", cfg.Target.Name),
		cat: catalog{images: map[string]*image{}, z: &sanitizer{}}}
	src.pub.units, src.pub.req = newUnitCache(), make(chan struct{}, 1)
	src.sharers.Store(1)
	return src
}

// Run works the source until ctx ends: discovery at once and then every
// refresh_interval, max_concurrency listers draining the queue of
// container listings as the budget allows, and a publisher. It returns
// once all of them have stopped.
func (src *Source) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		schedule.Every(ctx, schedule.Loop{Tick: src.cfg.Clock.Tick, Interval: src.Interval, Jitter: src.cfg.Jitter,
			Busy: &src.busy, Skip: src.skip}, func() { src.discoverOnce(ctx) })
	})
	for range max(1, src.cfg.Target.MaxConcurrency) {
		wg.Go(func() { src.lister(ctx) })
	}
	wg.Go(func() { src.publisher(ctx) })
	wg.Wait()
}

// SetSharers says how many targets spend from this one's budget, itself
// included.
func (src *Source) SetSharers(n int) { src.sharers.Store(int64(max(1, n))) }

// Interval is the target's refresh_interval, which config resolves; a
// config.Target built by hand may leave it out and get config's default.
func (src *Source) Interval() time.Duration {
	if r := src.cfg.Target.RefreshInterval; r > 0 {
		return r // the usual case, on a path taken for every image
	}
	return src.cfg.Target.WithDefaults().RefreshInterval
}

// expired reports whether data from at is older than max_staleness
// (never, when max_staleness is not set).
func (src *Source) expired(at, now time.Time) bool {
	return src.cfg.Target.MaxStaleness > 0 && now.Sub(at) > src.cfg.Target.MaxStaleness
}

// good returns when the API last answered successfully; zero before.
func (src *Source) good() time.Time {
	if n := src.lastGood.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// markGood records a successful API answer at now.
func (src *Source) markGood(now time.Time) {
	src.lastGood.Store(now.UnixNano())
}

// Serving returns the snapshot a scrape may show at now, or nil once the
// target has had no successful answer for max_staleness.
func (src *Source) Serving(now time.Time) *Snapshot {
	s := src.pub.snap.Load()
	if s == nil {
		return nil
	}
	if good := src.good(); good.IsZero() || src.expired(good, now) {
		return nil
	}
	return s
}

// touchFacts marks that what discovery says of img changed; src.mu is held.
func (src *Source) touchFacts(img *image) {
	src.cat.versions++
	img.factsVersion = src.cat.versions
}

// touchRows marks that img's rows (or the labels they are shown with)
// changed; src.mu is held.
func (src *Source) touchRows(img *image) {
	src.cat.versions++
	img.rowsVersion = src.cat.versions
}

// requestPublish asks the publisher for a publish soon; requests made
// while one is pending merge into it.
func (src *Source) requestPublish() {
	select {
	case src.pub.req <- struct{}{}:
	default:
	}
}
