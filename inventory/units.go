package inventory

import (
	"cmp"
	"hash/maphash"
	"slices"

	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// The inventory is kept encoded for scrapes in units of the exposition's
// cache (see expo.Cache), with the unit kinds below.
//
// The units follow how the data changes and how it compresses. An image's
// discovery facts change only with discovery, its container counts with
// each listing: both are grouped by a hash of the image's sanitised labels
// (so two images whose labels collide share a unit, where expo.Set merges
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

// sourceInventory names the inventory's units in the cache.
const sourceInventory uint8 = 0

// The inventory's unit kinds.
const (
	kindFacts = iota
	kindCounts
	kindContainers
	kindHosts
	kindPods
	kinds
)

// bucketsOf is how many buckets each kind of unit has.
var bucketsOf = []int{kindFacts: factsBuckets, kindCounts: countsBuckets, kindContainers: containerBuckets,
	kindHosts: hostBuckets, kindPods: podBuckets}

// unitCache holds one target's units between publishes, and the seed its
// fingerprints are hashed with. It is used by one publish at a time.
type unitCache struct {
	seed  maphash.Seed
	cache *expo.Cache
}

func newUnitCache() *unitCache {
	return &unitCache{seed: maphash.MakeSeed(), cache: expo.NewCache(Table)}
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

func (c *unitCache) hash(values ...string) uint64 { return expo.HashStrings(c.seed, values...) }

// rowRef is one row of one entry.
type rowRef struct{ entry, row int32 }

// plan is what a snapshot's inventory units hold: their fingerprints, and
// their members by kind and bucket.
type plan struct {
	*expo.Plan
	images [kinds][][]int
	rows   [][]rowRef
	keys   [kinds][][]countKey
}

// encode brings the units of the inventory up to date with s and fills
// s.encoded. It returns how many units it encoded.
func (c *unitCache) encode(s *Snapshot, hosts, pods map[countKey]int) int {
	enc := c.cache.Update(c.planUnits(s, hosts, pods).Plan)
	s.encoded, s.duplicates = enc.Families, enc.Duplicates
	return enc.Units
}

// planUnits assigns every image, container, host and pod of s to its
// unit and sums each unit's fingerprint. Image units mix their members in
// entry order, since the order decides which of two colliding series wins.
func (c *unitCache) planUnits(s *Snapshot, hosts, pods map[countKey]int) *plan {
	p := &plan{rows: make([][]rowRef, containerBuckets)}
	p.Plan = expo.NewPlan(sourceInventory, bucketsOf, func(set *expo.Set, kind, bucket int) {
		p.collectUnit(set, kind, bucket, s, hosts, pods)
	})
	for k, n := range bucketsOf {
		p.images[k], p.keys[k] = make([][]int, n), make([][]countKey, n)
	}
	for i := range s.entries {
		e := &s.entries[i]
		b := c.hash(e.labels[1], e.labels[2], e.labels[3])
		facts, counts := int(b%factsBuckets), int(b%countsBuckets)
		p.images[kindFacts][facts] = append(p.images[kindFacts][facts], i)
		p.images[kindCounts][counts] = append(p.images[kindCounts][counts], i)
		p.Set(kindFacts, facts, expo.HashWords(c.seed, p.Want(kindFacts, facts), e.factsFP))
		p.Set(kindCounts, counts, expo.HashWords(c.seed, p.Want(kindCounts, counts), e.fp))
		if !s.containerInfo {
			continue
		}
		ownedRows(e, func(j int) {
			bucket := int(c.hash(e.rows[j].AgentID) % containerBuckets)
			p.rows[bucket] = append(p.rows[bucket], rowRef{int32(i), int32(j)})
			// A sum, since rows arrive in no useful order; of each row's
			// content and the image it is shown with, so an image's
			// landing re-encodes only the hosts whose rows changed.
			p.Add(kindContainers, bucket, expo.HashWords(c.seed, e.rowHashes[j], b))
		})
	}
	c.planCounts(p, kindHosts, hosts)
	c.planCounts(p, kindPods, pods)
	return p
}

// planCounts spreads the keys of counts over the buckets of kind.
func (c *unitCache) planCounts(p *plan, kind int, counts map[countKey]int) {
	n := uint64(bucketsOf[kind])
	for k, v := range counts {
		h := c.hash(k.id, k.name)
		bucket := int(h % n)
		p.keys[kind][bucket] = append(p.keys[kind][bucket], k)
		p.Add(kind, bucket, expo.HashWords(c.seed, h, uint64(v)))
	}
}

// collectUnit emits the series of one unit.
func (p *plan) collectUnit(set *expo.Set, kind, bucket int, s *Snapshot, hosts, pods map[countKey]int) {
	switch kind {
	case kindFacts:
		for _, i := range p.images[kind][bucket] {
			collectFacts(set, &s.entries[i])
		}
	case kindCounts:
		for _, i := range p.images[kind][bucket] {
			collectCounts(set, &s.entries[i])
		}
	case kindContainers:
		rows := p.rows[bucket]
		slices.SortFunc(rows, func(a, b rowRef) int {
			ra, rb := &s.entries[a.entry].rows[a.row], &s.entries[b.entry].rows[b.row]
			return cmp.Or(cmp.Compare(ra.AgentID, rb.AgentID), cmp.Compare(ra.ContainerID, rb.ContainerID),
				cmp.Compare(a.entry, b.entry), cmp.Compare(a.row, b.row))
		})
		for _, r := range rows {
			collectContainer(set, &s.entries[r.entry], int(r.row), s.target)
		}
	case kindHosts:
		collectKeyCounts(set, hostContainers, s.target, p.keys[kind][bucket], hosts)
	case kindPods:
		collectKeyCounts(set, podContainers, s.target, p.keys[kind][bucket], pods)
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
