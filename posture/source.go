package posture

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
)

// Source is one target's posture as the exporter works it: its State,
// read by a loop of its own beside the inventory every refresh_interval,
// and encoded for scrapes each time a part lands (publish.go).
type Source struct {
	*State
	cfg       SourceConfig
	sanitized atomic.Uint64 // label values the label rule changed
	mu        sync.Mutex    // one publish at a time
	cache     *expo.Cache
	snap      atomic.Pointer[published]
}

// SourceConfig is how a Source runs.
type SourceConfig struct {
	Target string
	Logger log.Logger // nil: none
	// Clock is the time the reads are stamped with and the loop waits on
	// (default the wall clock); Interval is refresh_interval, spread by ±
	// Jitter of it.
	Clock    schedule.Clock
	Interval func() time.Duration
	Jitter   float64
	// Timeout bounds one read of a part; 0: none.
	Timeout time.Duration
}

// NewSource returns the source of state, not yet running.
func NewSource(state *State, cfg SourceConfig) *Source {
	if cfg.Logger == nil {
		cfg.Logger = log.NewNopLogger()
	}
	cfg.Logger = log.With(cfg.Logger, "target", cfg.Target)
	cfg.Clock = cfg.Clock.OrWall()
	return &Source{State: state, cfg: cfg, cache: expo.NewCache(Table)}
}

// Sanitized counts the label values the label rule changed since start.
func (s *Source) Sanitized() uint64 { return s.sanitized.Load() }

// Run reads the posture at once, then every refresh_interval ± jitter,
// skipping a tick that finds the previous read still running, until ctx
// ends. With no part enabled it returns at once.
func (s *Source) Run(ctx context.Context) {
	if !s.Any() {
		return
	}
	skip := func() { level.Warn(s.cfg.Logger).Log("msg", "posture read skipped: the previous one is still running") }
	schedule.Every(ctx, schedule.Loop{Tick: s.cfg.Clock.Tick, Interval: s.cfg.Interval, Jitter: s.cfg.Jitter,
		Busy: &s.Busy, Skip: skip}, func() { s.readAll(ctx) })
}

// readAll reads every enabled part at once, each within its own budget,
// and lands each as it ends.
func (s *Source) readAll(ctx context.Context) {
	var wg sync.WaitGroup
	for p := range NumParts {
		if !s.Enabled(p) {
			continue
		}
		wg.Go(func() {
			pctx, cancel := schedule.Bound(ctx, s.cfg.Timeout)
			defer cancel()
			data, changed, err := s.Read(pctx, p)
			s.land(p, data, changed, err, ctx.Err() != nil)
		})
	}
	wg.Wait()
}

// land stores what a read of p gave, counts the label values it
// sanitised, says what became of a failure, and publishes the posture.
func (s *Source) land(p Part, data Data, changed uint64, err error, stopping bool) {
	now := s.cfg.Clock.Now()
	switch s.Land(p, data, err, stopping, now) {
	case Kept:
		return
	case Stored:
		s.sanitized.Add(changed)
	case Dropped:
		level.Warn(s.cfg.Logger).Log("msg", "no successful posture answer for longer than max_staleness; its series dropped",
			"part", p.Name(), "max_staleness", s.State.cfg.MaxStaleness, "err", err)
	case Failed:
		level.Warn(s.cfg.Logger).Log("msg", "posture read failed; its last good data is kept until max_staleness",
			"part", p.Name(), "err", err)
	}
	s.publish(now)
}

// ViewAt is the posture as last published, at now; hosts are the
// inventory's hosts (nil when no inventory is served), so they can be
// told apart from the nodes.
func (s *Source) ViewAt(hosts map[string]HostView, now time.Time, shardIndex int) View {
	var snap *Snapshot
	if p := s.snap.Load(); p != nil {
		snap = p.snap
	}
	return s.View(snap, hosts, now, shardIndex)
}
