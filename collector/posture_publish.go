package collector

import (
	"time"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/posture"
)

// The posture is encoded for scrapes as a source of units of its own
// (expo.Cache): node series in units by host_id, the event counts and the
// quotas in one unit each, so a scrape copies their bytes as it copies
// the inventory's. Each part is shown while its last good read is younger
// than max_staleness, checked again at every scrape, and whatever becomes
// of the inventory.

// sourcePosture names the posture's units in its cache.
const sourcePosture uint8 = 1

// postureBuckets are the units of each part: the posture's unit kinds
// are its parts.
var postureBuckets = func() []int {
	b := make([]int, posture.NumParts)
	for p := range posture.NumParts {
		b[p] = p.Buckets()
	}
	return b
}()

// postureSnapshot is the posture as published: what was read, and its
// encoding. Immutable once stored.
type postureSnapshot struct {
	snap    *posture.Snapshot
	encoded []expo.EncodedFamily // sorted by family name
}

// publish captures the posture at now and encodes the units whose content
// changed; with nothing read yet, nothing is published.
func (p *postureSource) publish(target string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.state.Capture(now)
	if s == nil {
		p.snap.Store(nil)
		return
	}
	enc := p.cache.Update(planPosture(s, target))
	p.snap.Store(&postureSnapshot{snap: s, encoded: enc.Families})
}

// planPosture assigns the posture series of s to their units and sums
// each unit's fingerprint. members holds each unit's members by part and
// bucket (a node unit's nodes, as indexes into the snapshot's nodes).
func planPosture(s *posture.Snapshot, target string) *expo.Plan {
	members := make([][][]int, posture.NumParts)
	for part := range posture.NumParts {
		members[part] = make([][]int, part.Buckets())
	}
	p := expo.NewPlan(sourcePosture, postureBuckets, func(set *expo.Set, kind, bucket int) {
		s.EmitUnit(set, target, posture.Part(kind), members[kind][bucket])
	})
	s.Units(func(part posture.Part, bucket, member int, fp uint64) {
		if member >= 0 {
			members[part][bucket] = append(members[part][bucket], member)
		}
		p.Add(int(part), bucket, fp)
	})
	return p
}

// addTo adds to page the encoded families of each part shown at now.
func (p *postureSource) addTo(page *expo.Page, now time.Time) {
	ps := p.snap.Load()
	if ps == nil {
		return
	}
	for i := range ps.encoded {
		if ef := &ps.encoded[i]; ps.snap.Shows(posture.Part(ef.Kind), now) {
			page.Add(ef)
		}
	}
}

// collect emits every posture series shown at now, as a scrape would:
// for Exporter.Collect.
func (p *postureSource) collect(emit expo.Emitter, target string, now time.Time) {
	ps := p.snap.Load()
	if ps == nil {
		return
	}
	set := expo.NewSet(posture.Table, emit)
	ps.snap.Emit(set, target, now)
	set.Flush()
}
