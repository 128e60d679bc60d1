package collector

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/posture"
)

// The posture (package posture) is read by a loop of its own per target
// beside discovery, every refresh_interval, and published into the
// target's snapshot with the inventory.

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
	return posture.New(tg.Posture, tg.Config, shardIndex, CleanLabel)
}

// postureLoop reads the target's posture at once, then every
// refresh_interval ± jitter, skipping a tick that finds the previous read
// still running.
func (e *Exporter) postureLoop(ctx context.Context, t *target) {
	if !t.posture.Any() {
		return
	}
	e.everyInterval(ctx, t, &t.posture.Busy, func() { e.postureOnce(ctx, t) }, func() {
		level.Warn(t.logger).Log("msg", "posture read skipped: the previous one is still running")
	})
}

// postureOnce reads every enabled part at once, each within its own
// budget, and lands each as it ends.
func (e *Exporter) postureOnce(ctx context.Context, t *target) error {
	var wg sync.WaitGroup
	errs := make([]error, posture.NumParts)
	for p := range posture.NumParts {
		if !t.posture.Enabled(p) {
			continue
		}
		wg.Go(func() {
			pctx, cancel := e.workContext(ctx, t)
			defer cancel()
			data, changed, err := t.posture.Read(pctx, p)
			t.landPart(p, data, changed, err, ctx.Err() != nil)
			errs[p] = err
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// landPart stores what a read of p gave, counts the label values it
// sanitised, says what became of a failure, and asks for a publish.
func (t *target) landPart(p posture.Part, data posture.Data, changed uint64, err error, stopping bool) {
	switch t.posture.Land(p, data, err, stopping, t.now()) {
	case posture.Kept:
		return
	case posture.Stored:
		t.mu.Lock()
		t.st.sanitized += changed
		t.mu.Unlock()
	case posture.Dropped:
		level.Warn(t.logger).Log("msg", "no successful posture answer for longer than max_staleness; its series dropped",
			"part", p.Name(), "max_staleness", t.cfg.MaxStaleness, "err", err)
	case posture.Failed:
		level.Warn(t.logger).Log("msg", "posture read failed; its last good data is kept until max_staleness",
			"part", p.Name(), "err", err)
	}
	t.requestPublish()
}

// Posture returns the named target's posture view; ok is false for an
// unknown target. It never calls the API.
func (e *Exporter) Posture(target string) (v PostureView, ok bool) {
	t, ok := e.lookup(target)
	if !ok {
		return PostureView{}, false
	}
	now := e.opts.Now()
	s := t.snap.Load()
	return t.postureView(s, t.live(s, now) != nil, now, e.opts.Shard.Index), true
}

// postureView is the target's posture in s, the snapshot last published;
// inventory says whether s's inventory is served (younger than
// max_staleness), so its hosts can be told apart from the nodes.
func (t *target) postureView(s *snapshot, inventory bool, now time.Time, shardIndex int) PostureView {
	if s == nil {
		return t.posture.View(nil, nil, now, shardIndex)
	}
	var hosts map[string]HostView
	if inventory {
		hosts = map[string]HostView{}
		for _, h := range s.hostCounts {
			hv := hosts[h.id]
			hv.HostID, hv.HostName, hv.Containers = h.id, cmp.Or(hv.HostName, h.name), hv.Containers+h.n
			hosts[h.id] = hv
		}
	}
	return t.posture.View(s.posture, hosts, now, shardIndex)
}
