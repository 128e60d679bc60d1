package collector

import (
	"cmp"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log/level"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
	"github.com/hss-exporter/hss_exporter/inventory"
	"github.com/hss-exporter/hss_exporter/posture"
)

// The posture (package posture) is read by a loop of its own per target
// beside the inventory, every refresh_interval, and encoded for scrapes
// each time a part lands (posture_publish.go).

// PostureAPI is what the posture reads need from hssclient.Client. A
// target without one (Target.Posture nil) reads no posture.
type PostureAPI = posture.API

// The posture's views, as the status page reads them.
type (
	PostureView = posture.View
	PosturePart = posture.PartView
	NodeView    = posture.NodeView
	HostView    = posture.HostView
	EventCounts = posture.EventCounts
	QuotaView   = posture.QuotaView
)

// Why a posture part is not read, in PosturePart.Off.
const (
	PostureOffConfig = posture.OffConfig
	PostureOffShard  = posture.OffShard
	PostureOffAPI    = posture.OffAPI
)

// newPosture returns the posture state of a target on this shard.
func newPosture(tg Target, shardIndex int) *posture.State {
	return posture.New(tg.Posture, tg.Config, shardIndex, inventory.CleanLabel)
}

// postureLoop reads the target's posture at once, then every
// refresh_interval ± jitter, skipping a tick that finds the previous read
// still running.
func (e *Exporter) postureLoop(ctx context.Context, t *target) {
	ps := t.posture.state
	if !ps.Any() {
		return
	}
	schedule.Every(ctx, e.opts.After, t.inv.Interval, e.opts.Jitter, &ps.Busy, func() { e.postureOnce(ctx, t) }, func() {
		level.Warn(t.logger).Log("msg", "posture read skipped: the previous one is still running")
	})
}

// postureOnce reads every enabled part at once, each within its own
// budget, and lands each as it ends.
func (e *Exporter) postureOnce(ctx context.Context, t *target) {
	var wg sync.WaitGroup
	for p := range posture.NumParts {
		if !t.posture.state.Enabled(p) {
			continue
		}
		wg.Go(func() {
			pctx, cancel := context.WithCancel(ctx)
			if timeout := e.workTimeout(t.cfg); timeout > 0 {
				pctx, cancel = context.WithTimeout(ctx, timeout)
			}
			defer cancel()
			data, changed, err := t.posture.state.Read(pctx, p)
			t.landPart(p, data, changed, err, ctx.Err() != nil, e.opts.Now())
		})
	}
	wg.Wait()
}

// landPart stores what a read of p gave, counts the label values it
// sanitised, says what became of a failure, and publishes the posture.
func (t *target) landPart(p posture.Part, data posture.Data, changed uint64, err error, stopping bool, now time.Time) {
	switch t.posture.state.Land(p, data, err, stopping, now) {
	case posture.Kept:
		return
	case posture.Stored:
		t.posture.sanitized.Add(changed)
	case posture.Dropped:
		level.Warn(t.logger).Log("msg", "no successful posture answer for longer than max_staleness; its series dropped",
			"part", p.Name(), "max_staleness", t.cfg.MaxStaleness, "err", err)
	case posture.Failed:
		level.Warn(t.logger).Log("msg", "posture read failed; its last good data is kept until max_staleness",
			"part", p.Name(), "err", err)
	}
	t.posture.publish(t.name, now)
}

// Posture returns the named target's posture view; ok is false for an
// unknown target. It never calls the API.
func (e *Exporter) Posture(target string) (v PostureView, ok bool) {
	t, ok := e.lookup(target)
	if !ok {
		return PostureView{}, false
	}
	now := e.opts.Now()
	return t.postureView(t.inv.Serving(now), now, e.opts.Shard.Index), true
}

// postureView is the target's posture as last published; serving is the
// inventory served (nil: none), so its hosts can be told apart from the
// nodes.
func (t *target) postureView(serving *inventory.Snapshot, now time.Time, shardIndex int) PostureView {
	var hosts map[string]HostView
	if serving != nil {
		hosts = map[string]HostView{}
		serving.EachHost(func(id, name string, containers int) {
			hv := hosts[id]
			hv.HostID, hv.HostName, hv.Containers = id, cmp.Or(hv.HostName, name), hv.Containers+containers
			hosts[id] = hv
		})
	}
	var snap *posture.Snapshot
	if p := t.posture.snap.Load(); p != nil {
		snap = p.snap
	}
	return t.posture.state.View(snap, hosts, now, shardIndex)
}

// postureSource is a target's posture with what of it is encoded.
type postureSource struct {
	state     *posture.State
	sanitized atomic.Uint64 // label values the label rule changed
	mu        sync.Mutex    // one publish at a time
	cache     *expo.Cache
	snap      atomic.Pointer[postureSnapshot]
}
