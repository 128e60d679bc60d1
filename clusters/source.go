// Package clusters reads HSS's ListContainers, which places each pod
// container in its Kubernetes cluster with its state, restarts and risks,
// and serves it as the hss_cluster_* series. It is a source of its own
// beside the inventory (package collector): its own loop per target and
// its own operation in the identity's shared budget. Of the inventory it
// needs only the image of a container_id (Exporter.ContainerImages).
package clusters

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
)

// Lister is what the source needs of the HSS client.
type Lister interface {
	EachClusterContainer(ctx context.Context, req hssclient.ListClusterContainersRequest,
		fn func(hssclient.ClusterContainer) error) error
}

// Pacer is the budget the client spends: only read here, for the budget
// gauge, since the client itself waits for its calls.
type Pacer interface {
	PerMinute(op string) float64
}

// Target is one configured target the source may read.
type Target struct {
	Config config.Target
	API    Lister
	Pacer  Pacer // nil: no budget to show
}

// state is what a source publishes after each sweep: the last good
// snapshot and whether the latest sweep succeeded.
type state struct {
	snap *Snapshot // nil before the first good sweep
	up   bool
}

// source is one target's loop over ListContainers.
type source struct {
	tg        Target
	images    func(target string) map[string]collector.ContainerImage
	clock     schedule.Clock
	logger    log.Logger
	state     atomic.Pointer[state]
	sanitized atomic.Uint64
	stop      context.CancelFunc
	done      chan struct{}
}

func newSource(tg Target, opts Options) *source {
	s := &source{tg: tg, images: opts.Images, clock: schedule.Clock{Now: opts.Now}.OrWall(),
		logger: log.With(opts.Logger, "target", tg.Config.Name, "source", "clusters")}
	s.state.Store(&state{})
	return s
}

// start runs the loop until ctx ends or stop is called.
func (s *source) start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.run(ctx)
	}()
}

// halt stops the loop and waits for it; a source never started returns
// at once.
func (s *source) halt() {
	if s.stop != nil {
		s.stop()
		<-s.done
	}
}

// run sweeps once per refresh_interval, or back to back when a sweep
// takes longer (a tick during a sweep is owed, not skipped): the client's
// budget paces the calls within a sweep, so a large list is read at the
// budget's pace and never faster.
func (s *source) run(ctx context.Context) {
	interval := func() time.Duration { return s.tg.Config.RefreshInterval }
	schedule.Every(ctx, schedule.Loop{Tick: s.clock.Tick, Interval: interval}, func() { s.sweep(ctx) })
}

// sweep pages the whole list once and publishes it. A failure keeps the
// last good snapshot (served until max_staleness) and marks the source
// down. A list that moved while it paged still lands: every row it gave
// is passed on, and the next sweep reads the list again anyway.
func (s *source) sweep(ctx context.Context) {
	began := time.Now()
	var images map[string]collector.ContainerImage
	if s.images != nil {
		images = s.images(s.tg.Config.Name)
	}
	b := newBuilder(images, s.tg.Config.ContainerInfo)
	req := hssclient.ListClusterContainersRequest{EnterpriseProjectID: s.tg.Config.EnterpriseProjectID}
	err := s.tg.API.EachClusterContainer(ctx, req, b.add)
	if ctx.Err() != nil {
		return
	}
	if _, moved := errors.AsType[*hssclient.MovedError](err); moved {
		level.Debug(s.logger).Log("msg", "ListContainers moved while it paged; taking its rows as they came", "err", err)
		err = nil
	}
	s.sanitized.Add(b.sanitized)
	if err != nil {
		level.Warn(s.logger).Log("msg", "ListContainers failed; keeping the last good cluster rows until max_staleness", "err", err)
		s.state.Store(&state{snap: s.state.Load().snap, up: false})
		return
	}
	b.snap.Taken, b.snap.Duration = s.clock.Now(), time.Since(began)
	b.snap.encoded = encode(s.tg.Config.Name, &b.snap)
	s.state.Store(&state{snap: &b.snap, up: true})
}

// serving returns the snapshot to serve at now: nil when none, or when
// the last good one is older than max_staleness.
func (s *source) serving(now time.Time) (*Snapshot, bool) {
	st := s.state.Load()
	if st.snap == nil || now.Sub(st.snap.Taken) > s.tg.Config.MaxStaleness {
		return nil, st.up
	}
	return st.snap, st.up
}
