package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// Posture is what a target reads besides the image inventory: where HSS
// cannot see or protect. Three parts, each its own API with its own call
// budget, read every refresh_interval by a loop of their own beside
// discovery: the container nodes with their agent and protection state,
// the unhandled security events by severity, and the protection quotas.
// Each part keeps its own state: one that fails keeps its last good data
// until max_staleness without touching the inventory or the other parts.
// Only shard 0 reads them: they are per target, not per image, so the
// union of the shards stays the single process.

// PostureAPI is what the posture reads need from hssclient.Client. A
// target without one (Target.Posture nil) reads no posture.
type PostureAPI interface {
	EachContainerNode(ctx context.Context, req hssclient.ListContainerNodesRequest, fn func(hssclient.ContainerNode) error) error
	ShowEventSeverity(ctx context.Context, req hssclient.ShowEventSeverityRequest) (*hssclient.EventSeverity, error)
	ShowResourceQuotas(ctx context.Context, req hssclient.ShowResourceQuotasRequest) (*hssclient.ResourceQuotas, error)
}

var _ PostureAPI = (*hssclient.Client)(nil)

// part is one posture read.
type part int

const (
	partNodes part = iota
	partEvents
	partQuotas
	numParts
)

// partNames are the values of hss_posture_up's part label.
var partNames = [numParts]string{"nodes", "events", "quotas"}

// eventCategories are the ShowEventSeverity categories counted, one call each.
var eventCategories = []string{"host", "container"}

// posture is a target's posture state. Everything but api, enabled and
// busy is guarded by target.mu.
type posture struct {
	api     PostureAPI
	enabled [numParts]bool // configured, and this shard reads posture
	busy    atomic.Bool    // a posture pass runs
	parts   [numParts]partState
	data    postureData
	skipped uint64
}

// partState is the history of one part.
type partState struct {
	ran     bool      // a read has finished
	ok      bool      // the last read succeeded
	good    time.Time // of the last success; zero before
	has     bool      // data from good is kept; false once dropped after max_staleness
	lastErr error
}

// postureData is what the parts last read, sanitised. The slices are
// never changed once stored: snapshots share them.
type postureData struct {
	nodes  []nodeRow
	events []eventRow
	quotas []quotaRow
}

// nodeRow is one container node as its series show it.
type nodeRow struct {
	hostID, hostName, agentStatus, protectStatus, hostStatus, nodeType, detectResult string
	interrupted, degraded                                                            bool
	reason                                                                           string // degradation_reason: status page only
	risks                                                                            [len(riskKinds)]int64
	fp                                                                               uint64 // of everything above
	bucket                                                                           uint16 // its unit, by host_id
}

// eventRow is the unhandled event counts of one category, by severity in
// the order of eventSeverities.
type eventRow struct {
	category string
	counts   [len(eventSeverities)]int64
}

// quotaRow is the protection quota of one edition.
type quotaRow struct {
	edition                string
	total, used, available int64
}

// newPosture returns the posture state of a target: its parts on where the
// configuration and the shard say so and the API can read them.
func newPosture(tg Target, shardIndex int) *posture {
	p := &posture{}
	if tg.Posture == nil || shardIndex != 0 {
		return p
	}
	p.api = tg.Posture
	c := tg.Config.Posture
	p.enabled = [numParts]bool{c.Nodes, c.Events, c.Quotas}
	return p
}

// any reports whether the target reads any part.
func (p *posture) any() bool {
	return p.enabled[partNodes] || p.enabled[partEvents] || p.enabled[partQuotas]
}

// postureLoop reads the target's posture at once, then every
// refresh_interval ± jitter, skipping a tick that finds the previous read
// still running.
func (e *Exporter) postureLoop(ctx context.Context, t *target) {
	if !t.posture.any() {
		return
	}
	e.everyInterval(ctx, t, &t.posture.busy, func() { e.postureOnce(ctx, t) }, func() {
		t.mu.Lock()
		t.posture.skipped++
		t.mu.Unlock()
		level.Warn(t.logger).Log("msg", "posture read skipped: the previous one is still running")
	})
}

// postureOnce reads every enabled part at once, each within its own
// budget, and lands each as it ends.
func (e *Exporter) postureOnce(ctx context.Context, t *target) error {
	var wg sync.WaitGroup
	errs := make([]error, numParts)
	for p := range numParts {
		if !t.posture.enabled[p] {
			continue
		}
		wg.Go(func() {
			pctx, cancel := e.workContext(ctx, t)
			defer cancel()
			data, changed, err := t.readPart(pctx, p)
			if err != nil {
				err = fmt.Errorf("reading posture %s: %w", partNames[p], err)
			}
			t.landPart(p, data, changed, err, ctx.Err() != nil)
			errs[p] = err
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// readPart reads one part and returns it sanitised in data's field of
// that part, with how many label values the sanitiser changed.
func (t *target) readPart(ctx context.Context, p part) (data postureData, changed uint64, err error) {
	z := &sanitizer{}
	ep := t.cfg.EnterpriseProjectID
	api := t.posture.api
	switch p {
	case partNodes:
		err = api.EachContainerNode(ctx, hssclient.ListContainerNodesRequest{EnterpriseProjectID: ep},
			func(n hssclient.ContainerNode) error {
				data.nodes = append(data.nodes, t.nodeRow(z, &n))
				return nil
			})
	case partEvents:
		for _, category := range eventCategories {
			var c *hssclient.EventSeverity
			c, err = api.ShowEventSeverity(ctx, hssclient.ShowEventSeverityRequest{Category: category,
				EnterpriseProjectID: ep, LastDays: t.cfg.Posture.EventsLastDays, HandleStatus: "unhandled"})
			if err != nil {
				break
			}
			data.events = append(data.events, eventRow{category: category,
				counts: [len(eventSeverities)]int64{c.LowNum, c.MediumNum, c.HighNum, c.CriticalNum}})
		}
	case partQuotas:
		var q *hssclient.ResourceQuotas
		if q, err = api.ShowResourceQuotas(ctx, hssclient.ShowResourceQuotasRequest{EnterpriseProjectID: ep}); err == nil {
			for _, r := range q.DataList {
				data.quotas = append(data.quotas, quotaRow{edition: z.clean(editionLabel(r.Version)),
					total: r.TotalNum, used: r.UsedNum, available: r.AvailableNum})
			}
		}
	}
	return data, z.changed, err
}

// landPart stores what a read of p gave: on success its data replaces the
// part's; a failure keeps the last good data until it is older than
// max_staleness, then drops it. A read cut short by shutdown changes
// nothing.
func (t *target) landPart(p part, data postureData, changed uint64, err error, stopping bool) {
	now := t.now()
	t.mu.Lock()
	st := &t.posture.parts[p]
	dropped := false
	switch {
	case err != nil && stopping:
		t.mu.Unlock()
		return
	case err != nil:
		st.ran, st.ok, st.lastErr = true, false, err
		if dropped = st.has && t.expired(st.good, now); dropped {
			st.has = false
			t.posture.data.set(p, postureData{})
		}
	default:
		*st = partState{ran: true, ok: true, good: now, has: true}
		t.posture.data.set(p, data)
		t.st.sanitized += changed
	}
	t.mu.Unlock()
	switch {
	case dropped:
		level.Warn(t.logger).Log("msg", "no successful posture answer for longer than max_staleness; its series dropped",
			"part", partNames[p], "max_staleness", t.cfg.MaxStaleness, "err", err)
	case err != nil:
		level.Warn(t.logger).Log("msg", "posture read failed; its last good data is kept until max_staleness",
			"part", partNames[p], "err", err)
	}
	t.requestPublish()
}

// set replaces the data of part p with src's.
func (d *postureData) set(p part, src postureData) {
	switch p {
	case partNodes:
		d.nodes = src.nodes
	case partEvents:
		d.events = src.events
	case partQuotas:
		d.quotas = src.quotas
	}
}
