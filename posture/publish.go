package posture

import (
	"time"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// The posture is encoded for scrapes as a source of units of its own
// (expo.Cache): node series in units by host_id, the event counts and the
// quotas in one unit each, so a scrape copies their bytes as it copies
// the inventory's. Each part is shown while its last good read is younger
// than max_staleness, checked again at every scrape, and whatever becomes
// of the inventory.

// source names the posture's units in its cache.
const source uint8 = 1

// buckets are the units of each part: the posture's unit kinds are its
// parts.
var buckets = func() []int {
	b := make([]int, NumParts)
	for p := range NumParts {
		b[p] = p.Buckets()
	}
	return b
}()

// published is the posture as published: what was read, and its
// encoding. Immutable once stored.
type published struct {
	snap    *Snapshot
	encoded []expo.EncodedFamily // sorted by family name
}

// publish captures the posture at now and encodes the units whose content
// changed; with nothing read yet, nothing is published.
func (s *Source) publish(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.Capture(now)
	if snap == nil {
		s.snap.Store(nil)
		return
	}
	enc := s.cache.Update(plan(snap, s.cfg.Target))
	s.snap.Store(&published{snap: snap, encoded: enc.Families})
}

// plan assigns the posture series of snap to their units and sums each
// unit's fingerprint. members holds each unit's members by part and
// bucket (a node unit's nodes, as indexes into the snapshot's nodes).
func plan(snap *Snapshot, target string) *expo.Plan {
	members := make([][][]int, NumParts)
	for part := range NumParts {
		members[part] = make([][]int, part.Buckets())
	}
	p := expo.NewPlan(source, buckets, func(set *expo.Set, kind, bucket int) {
		snap.EmitUnit(set, target, Part(kind), members[kind][bucket])
	})
	snap.Units(func(part Part, bucket, member int, fp uint64) {
		if member >= 0 {
			members[part][bucket] = append(members[part][bucket], member)
		}
		p.Add(int(part), bucket, fp)
	})
	return p
}

// AddTo adds to page (of Table) the encoded families of each part shown
// at now.
func (s *Source) AddTo(page *expo.Page, now time.Time) {
	ps := s.snap.Load()
	if ps == nil {
		return
	}
	for i := range ps.encoded {
		if ef := &ps.encoded[i]; ps.snap.Shows(Part(ef.Kind), now) {
			page.Add(ef)
		}
	}
}

// Collect emits every posture series shown at now, as a scrape would
// show them: for a plain prometheus.Collector.
func (s *Source) Collect(emit expo.Emitter, now time.Time) {
	ps := s.snap.Load()
	if ps == nil {
		return
	}
	set := expo.NewSet(Table, emit)
	ps.snap.Emit(set, s.cfg.Target, now)
	set.Flush()
}
