package collector

import (
	"cmp"
	"hash/maphash"
	"slices"

	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// The inventory is kept encoded for scrapes, in units, each holding per
// family its sample lines compressed on their own (see chunk). A publish
// re-encodes only the units whose content changed, so one listing landing
// costs the few units it touched, not the whole fleet.
//
// The units follow how the data changes and how it compresses. An image's
// discovery facts change only with discovery, its container counts with
// each listing: both are grouped by a hash of the image's sanitised labels
// (so two images whose labels collide share a unit, where metricSet merges
// them). container_info lines are grouped by the container's agent (its
// host) and sorted, as a registry would sort them: lines of one host
// share most of their text, which halves the compressed size against
// lines grouped by image. Host and pod counts are grouped by their keys.
// The bucket counts weigh a listing's re-encoding (a unit of ~80 images'
// counts is still microseconds) against the page every scrape copies: a
// unit compresses on its own, so fewer, larger units compress better (64
// image buckets make the reference fleet's page 5% smaller than 256).
const (
	factsBuckets     = 64
	countsBuckets    = 64
	containerBuckets = 256
	hostBuckets      = 64
	podBuckets       = 256
)

// encodedFamily is one family of one snapshot: its samples from every
// unit, in a fixed unit order.
type encodedFamily struct {
	family  *family
	samples expo.Segment
}

// unitCache holds one target's units between publishes. It is used by
// one publish at a time.
type unitCache struct {
	seed  maphash.Seed
	units map[unitID]*unit
	lines *expo.LineEncoder
}

// unitID names a unit: a kind and a bucket.
type unitID struct {
	kind   byte
	bucket uint16
}

const (
	kindFacts byte = iota
	kindCounts
	kindContainers
	kindHosts
	kindPods
	// The posture's (posture_publish.go).
	kindNodes
	kindEvents
	kindQuotas
	kinds
)

// unit is one encoded unit: the fingerprint of what it was encoded from,
// and a chunk per family (empty chunks have size 0).
type unit struct {
	fp      uint64
	chunks  []expo.Chunk // by family index
	dropped int          // duplicate series left out
}

func newUnitCache() *unitCache {
	return &unitCache{seed: maphash.MakeSeed(), units: map[unitID]*unit{}, lines: expo.NewLineEncoder(familyTable)}
}

// rowHashes hashes the content of each row.
func (c *unitCache) rowHashes(rows []hssclient.Container) []uint64 {
	out := make([]uint64, len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = c.hash(r.ContainerID, r.ContainerName, r.HostID, r.HostName, r.PodID, r.PodName,
			r.PrivateIP, r.PublicIP, r.AgentID)
	}
	return out
}

func (c *unitCache) hash(values ...string) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	for _, v := range values {
		h.WriteString(v)
		h.WriteByte(0xff)
	}
	return h.Sum64()
}

// rowRef is one row of one entry.
type rowRef struct{ entry, row int32 }

// plan is what a snapshot's units hold: the fingerprint each must have
// (present: the unit has members), and its members, by bucket.
type plan struct {
	want    [kinds][]uint64
	present [kinds][]bool
	images  [kinds][][]int
	rows    [][]rowRef
	keys    [kinds][][]countKey
}

// bucketsOf is how many buckets each kind of unit has.
var bucketsOf = [kinds]int{factsBuckets, countsBuckets, containerBuckets, hostBuckets, podBuckets,
	nodeBuckets, 1, 1}

func newPlan() *plan {
	p := &plan{rows: make([][]rowRef, containerBuckets)}
	for k, n := range bucketsOf {
		p.want[k], p.present[k] = make([]uint64, n), make([]bool, n)
		p.images[k], p.keys[k] = make([][]int, n), make([][]countKey, n)
	}
	return p
}

// planUnits assigns every image, container, host and pod of s to its
// unit and sums each unit's fingerprint. Image units mix their members in
// entry order, since the order decides which of two colliding series wins.
func (c *unitCache) planUnits(s *snapshot, hosts, pods map[countKey]int) *plan {
	p := newPlan()
	add := func(kind byte, bucket int, fp uint64) {
		p.want[kind][bucket], p.present[kind][bucket] = fp, true
	}
	for i := range s.entries {
		e := &s.entries[i]
		b := c.hash(e.labels[1], e.labels[2], e.labels[3])
		facts, counts := int(b%factsBuckets), int(b%countsBuckets)
		p.images[kindFacts][facts] = append(p.images[kindFacts][facts], i)
		p.images[kindCounts][counts] = append(p.images[kindCounts][counts], i)
		add(kindFacts, facts, mix(c.seed, p.want[kindFacts][facts], e.factsFP))
		add(kindCounts, counts, mix(c.seed, p.want[kindCounts][counts], e.fp))
		if !s.containerInfo {
			continue
		}
		ownedRows(e, func(j int) {
			bucket := int(c.hash(e.rows[j].AgentID) % containerBuckets)
			p.rows[bucket] = append(p.rows[bucket], rowRef{int32(i), int32(j)})
			// A sum, since rows arrive in no useful order; of each row's
			// content and the image it is shown with, so an image's
			// landing re-encodes only the hosts whose rows changed.
			add(kindContainers, bucket, p.want[kindContainers][bucket]+mix(c.seed, e.rowHashes[j], b))
		})
	}
	c.planCounts(p, kindHosts, hosts)
	c.planCounts(p, kindPods, pods)
	c.planPosture(p, s)
	return p
}

// planCounts spreads the keys of counts over the buckets of kind.
func (c *unitCache) planCounts(p *plan, kind byte, counts map[countKey]int) {
	n := uint64(bucketsOf[kind])
	for k, v := range counts {
		h := c.hash(k.id, k.name)
		bucket := int(h % n)
		p.keys[kind][bucket] = append(p.keys[kind][bucket], k)
		p.want[kind][bucket] += mix(c.seed, h, uint64(v))
		p.present[kind][bucket] = true
	}
}

// encode brings the units up to date with s, re-encoding those whose
// fingerprint changed and dropping those now empty, and fills s.encoded.
// It returns how many units it encoded.
func (c *unitCache) encode(s *snapshot, hosts, pods map[countKey]int) int {
	p := c.planUnits(s, hosts, pods)
	encoded := 0
	for kind := range kinds {
		for bucket, fp := range p.want[kind] {
			id := unitID{kind, uint16(bucket)}
			if !p.present[kind][bucket] {
				delete(c.units, id)
				continue
			}
			if u := c.units[id]; u != nil && u.fp == fp {
				continue
			}
			set := expo.NewSet(familyTable, c.lines.Emitter())
			c.collectUnit(set, id, p, s, hosts, pods)
			set.Flush()
			c.units[id] = &unit{fp: fp, dropped: set.Dropped(), chunks: c.lines.Chunks()}
			encoded++
		}
	}
	s.encoded = c.assemble()
	for _, u := range c.units {
		s.duplicates += u.dropped
	}
	return encoded
}

// collectUnit emits the series of one unit.
func (c *unitCache) collectUnit(set *expo.Set, id unitID, p *plan, s *snapshot, hosts, pods map[countKey]int) {
	switch id.kind {
	case kindFacts:
		for _, i := range p.images[id.kind][id.bucket] {
			collectFacts(set, &s.entries[i])
		}
	case kindCounts:
		for _, i := range p.images[id.kind][id.bucket] {
			collectCounts(set, &s.entries[i])
		}
	case kindContainers:
		rows := p.rows[id.bucket]
		slices.SortFunc(rows, func(a, b rowRef) int {
			ra, rb := &s.entries[a.entry].rows[a.row], &s.entries[b.entry].rows[b.row]
			return cmp.Or(cmp.Compare(ra.AgentID, rb.AgentID), cmp.Compare(ra.ContainerID, rb.ContainerID),
				cmp.Compare(a.entry, b.entry), cmp.Compare(a.row, b.row))
		})
		for _, r := range rows {
			collectContainer(set, &s.entries[r.entry], int(r.row), s.target)
		}
	case kindHosts:
		collectKeyCounts(set, hostContainers, s.target, p.keys[id.kind][id.bucket], hosts)
	case kindPods:
		collectKeyCounts(set, podContainers, s.target, p.keys[id.kind][id.bucket], pods)
	default:
		collectPostureUnit(set, id, p, s)
	}
}

// collectKeyCounts emits the host or pod counts of keys, sorted so a unit
// always reads the same.
func collectKeyCounts(set *expo.Set, f *family, target string, keys []countKey, counts map[countKey]int) {
	slices.SortFunc(keys, func(a, b countKey) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.name, b.name)) })
	for _, k := range keys {
		set.Sum(f, float64(counts[k]), target, k.id, k.name)
	}
}

// assemble lists, per family with samples, the chunks of every unit in
// unit order, with their CRC combined once here.
func (c *unitCache) assemble() []encodedFamily {
	ids := make([]unitID, 0, len(c.units))
	for id := range c.units {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b unitID) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.bucket, b.bucket))
	})
	var out []encodedFamily
	for _, f := range familyTable.Sorted() {
		var parts []expo.Chunk
		for _, id := range ids {
			if ch := c.units[id].chunks[f.Index()]; ch.Size() > 0 {
				parts = append(parts, ch)
			}
		}
		if len(parts) > 0 {
			out = append(out, encodedFamily{family: f, samples: expo.NewSegment(parts...)})
		}
	}
	return out
}
