package collector

import (
	"cmp"
	"slices"
	"time"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// Posture is published into the target's snapshot with the inventory, as
// a source of units of its own: node series in units by host_id, the event
// counts and the quotas in one unit each, so a scrape copies their bytes
// as it copies the inventory's. Each part is shown while its last good
// read is younger than max_staleness, checked again at every scrape, and
// whatever becomes of the inventory.

// nodeBuckets spreads the nodes' series over units: churn touches a few
// nodes per read, and a unit of a few dozen nodes still compresses well.
const nodeBuckets = 64

// postureSnap is the posture a snapshot holds: the data of each part with
// the time of its last good read, zero for a part not shown (off, never
// read, or dropped).
type postureSnap struct {
	good         [numParts]time.Time
	maxStaleness time.Duration
	postureData
}

// shows reports whether part p is shown at now.
func (ps *postureSnap) shows(p part, now time.Time) bool {
	if ps == nil {
		return false
	}
	g := ps.good[p]
	return !g.IsZero() && (ps.maxStaleness <= 0 || now.Sub(g) <= ps.maxStaleness)
}

// capturePosture copies the parts to show at now into a snapshot's
// posture, or returns nil when none is; t.mu is held. Data is shared, not
// copied: it never changes once stored.
func (t *target) capturePosture(now time.Time) *postureSnap {
	ps := &postureSnap{maxStaleness: t.cfg.MaxStaleness}
	shown := false
	for p := range numParts {
		if st := &t.posture.parts[p]; st.has && !t.expired(st.good, now) {
			ps.good[p], shown = st.good, true
			ps.set(p, t.posture.data)
		}
	}
	if !shown {
		return nil
	}
	return ps
}

// sourcePosture names the posture's units in the cache.
const sourcePosture uint8 = 1

// The posture's unit kinds, with their buckets and the part whose series
// each holds.
const (
	kindNodes = iota
	kindEvents
	kindQuotas
	postureKinds
)

var (
	postureBuckets = []int{kindNodes: nodeBuckets, kindEvents: 1, kindQuotas: 1}
	kindPart       = [postureKinds]part{kindNodes: partNodes, kindEvents: partEvents, kindQuotas: partQuotas}
)

// planPosture assigns the posture series of s to their units and sums
// each unit's fingerprint; with no posture, the plan is empty. nodes
// holds each node unit's members, as indexes into the snapshot's nodes.
func (c *unitCache) planPosture(s *snapshot) *expo.Plan {
	nodes := make([][]int, nodeBuckets)
	p := expo.NewPlan(sourcePosture, postureBuckets, func(set *expo.Set, kind, bucket int) {
		collectPostureUnit(set, kind, nodes[bucket], s)
	})
	ps := s.posture
	if ps == nil {
		return p
	}
	if !ps.good[partNodes].IsZero() {
		for i := range ps.nodes {
			b := int(ps.nodes[i].bucket)
			nodes[b] = append(nodes[b], i)
			p.Add(kindNodes, b, ps.nodes[i].fp) // a sum: the order of nodes does not matter
		}
	}
	if !ps.good[partEvents].IsZero() && len(ps.events) > 0 {
		fp := uint64(kindEvents)
		for _, r := range ps.events {
			fp = mix(c.seed, fp, c.hash(r.category), uint64(r.counts[0]), uint64(r.counts[1]),
				uint64(r.counts[2]), uint64(r.counts[3]))
		}
		p.Set(kindEvents, 0, fp)
	}
	if !ps.good[partQuotas].IsZero() && len(ps.quotas) > 0 {
		fp := uint64(kindQuotas)
		for _, r := range ps.quotas {
			fp = mix(c.seed, fp, c.hash(r.edition), uint64(r.total), uint64(r.used), uint64(r.available))
		}
		p.Set(kindQuotas, 0, fp)
	}
	return p
}

// collectPostureUnit emits the series of one posture unit; members are
// a node unit's nodes. Nodes are sorted by host_id, then by content, so a
// unit always reads the same and of two nodes whose host_id collide the
// same one wins.
func collectPostureUnit(set *expo.Set, kind int, members []int, s *snapshot) {
	ps := s.posture
	switch kind {
	case kindNodes:
		slices.SortFunc(members, func(a, b int) int {
			return cmp.Or(cmp.Compare(ps.nodes[a].hostID, ps.nodes[b].hostID), cmp.Compare(ps.nodes[a].fp, ps.nodes[b].fp))
		})
		for _, i := range members {
			collectNode(set, s.target, &ps.nodes[i])
		}
	case kindEvents:
		collectEvents(set, s.target, ps.events)
	case kindQuotas:
		collectQuotas(set, s.target, ps.quotas)
	}
}

// scrapeSnapshot returns the snapshot a scrape reads for t at now, and
// which of its encoded families it shows, by the kind of unit they come
// from: the inventory's while the inventory is served, a posture part's
// while that part's last good read is younger than max_staleness. It
// returns nil when there is nothing to show.
func (t *target) scrapeSnapshot(now time.Time) (*snapshot, func(*expo.EncodedFamily) bool) {
	s := t.snap.Load()
	if s == nil {
		return nil, nil
	}
	inventory := t.serving(now) != nil
	if !inventory && s.posture == nil {
		return nil, nil
	}
	return s, func(ef *expo.EncodedFamily) bool {
		if ef.Source == sourcePosture {
			return s.posture.shows(kindPart[ef.Kind], now)
		}
		return inventory
	}
}
