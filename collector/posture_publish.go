package collector

import (
	"time"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/posture"
)

// Posture is published into the target's snapshot with the inventory, as
// a source of units of its own: node series in units by host_id, the event
// counts and the quotas in one unit each, so a scrape copies their bytes
// as it copies the inventory's. Each part is shown while its last good
// read is younger than max_staleness, checked again at every scrape, and
// whatever becomes of the inventory.

// sourcePosture names the posture's units in the cache.
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

// planPosture assigns the posture series of s to their units and sums
// each unit's fingerprint; with no posture, the plan is empty. members
// holds each unit's members by part and bucket (a node unit's nodes, as
// indexes into the snapshot's nodes).
func (c *unitCache) planPosture(s *snapshot) *expo.Plan {
	members := make([][][]int, posture.NumParts)
	for part := range posture.NumParts {
		members[part] = make([][]int, part.Buckets())
	}
	p := expo.NewPlan(sourcePosture, postureBuckets, func(set *expo.Set, kind, bucket int) {
		s.posture.EmitUnit(set, s.target, posture.Part(kind), members[kind][bucket])
	})
	if s.posture != nil {
		s.posture.Units(func(part posture.Part, bucket, member int, fp uint64) {
			if member >= 0 {
				members[part][bucket] = append(members[part][bucket], member)
			}
			p.Add(int(part), bucket, fp)
		})
	}
	return p
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
			return s.posture.Shows(posture.Part(ef.Kind), now)
		}
		return inventory
	}
}

// collectPosture emits every posture series s shows at now, as a scrape
// would: for Exporter.Collect.
func (s *snapshot) collectPosture(emit expo.Emitter, now time.Time) {
	if s.posture == nil {
		return
	}
	set := expo.NewSet(familyTable, emit)
	s.posture.Emit(set, s.target, now)
	set.Flush()
}
