package exposition

import (
	"cmp"
	"slices"
)

// A source's data is kept encoded for scrapes in units, each holding per
// family its sample lines compressed on their own (see Chunk). An update
// re-encodes only the units whose content changed, so a small change
// costs the few units it touched, not the whole page.
//
// A unit is named by its source, a kind of unit that source defines and a
// bucket of that kind. How a source cuts its data into kinds and buckets
// is its own: the cache only compares fingerprints and keeps the bytes.

// UnitID names a unit: a source, one of its kinds and a bucket.
type UnitID struct {
	Source uint8
	Kind   uint8
	Bucket uint16
}

// Plan is what one source's snapshot holds: for each kind and bucket the
// fingerprint its unit must have, whether it has members at all, and how
// to emit the series of a unit.
type Plan struct {
	source  uint8
	want    [][]uint64 // by kind, bucket
	present [][]bool
	emit    func(set *Set, kind, bucket int)
}

// NewPlan returns an empty plan of source, whose kinds have buckets[kind]
// buckets each; emit writes the series of one unit into set.
func NewPlan(source uint8, buckets []int, emit func(set *Set, kind, bucket int)) *Plan {
	p := &Plan{source: source, want: make([][]uint64, len(buckets)), present: make([][]bool, len(buckets)), emit: emit}
	for k, n := range buckets {
		p.want[k], p.present[k] = make([]uint64, n), make([]bool, n)
	}
	return p
}

// Want is the fingerprint planned so far for a unit; 0 before any.
func (p *Plan) Want(kind, bucket int) uint64 { return p.want[kind][bucket] }

// Set gives a unit its fingerprint and marks it present.
func (p *Plan) Set(kind, bucket int, fp uint64) {
	p.want[kind][bucket], p.present[kind][bucket] = fp, true
}

// Add adds fp to a unit's fingerprint, for members in no useful order,
// and marks it present.
func (p *Plan) Add(kind, bucket int, fp uint64) {
	p.want[kind][bucket] += fp
	p.present[kind][bucket] = true
}

// Cache holds one owner's units between updates, for the families of one
// table. It is used by one update at a time.
type Cache struct {
	table *Table
	units map[UnitID]*unit
	lines *LineEncoder
}

// unit is one encoded unit: the fingerprint of what it was encoded from,
// and a chunk per family (empty chunks have size 0).
type unit struct {
	fp      uint64
	chunks  []Chunk // by family index
	dropped int     // duplicate series left out
}

// NewCache returns an empty cache of the families of table.
func NewCache(table *Table) *Cache {
	return &Cache{table: table, units: map[UnitID]*unit{}, lines: NewLineEncoder(table)}
}

// Encoded is what an update gives: the bytes to serve and what it cost.
type Encoded struct {
	Families   []EncodedFamily // sorted by family name, then unit
	Units      int             // units encoded by this update
	Duplicates int             // series left out as duplicates, in every unit
}

// EncodedFamily is the samples of one family from the units of one kind
// of one source, in bucket order.
type EncodedFamily struct {
	Family  *Family
	Source  uint8
	Kind    uint8
	Samples Segment
}

// Update brings the units up to date with plans, one per source,
// re-encoding those whose fingerprint changed and dropping those now
// empty or of a source without a plan.
func (c *Cache) Update(plans ...*Plan) Encoded {
	var bySource [256]*Plan
	var out Encoded
	for _, p := range plans {
		bySource[p.source] = p
		for kind := range p.want {
			for bucket, fp := range p.want[kind] {
				if !p.present[kind][bucket] {
					continue
				}
				id := UnitID{p.source, uint8(kind), uint16(bucket)}
				if u := c.units[id]; u != nil && u.fp == fp {
					continue
				}
				set := NewSet(c.table, c.lines.Emitter())
				p.emit(set, kind, bucket)
				set.Flush()
				c.units[id] = &unit{fp: fp, dropped: set.Dropped(), chunks: c.lines.Chunks()}
				out.Units++
			}
		}
	}
	for id, u := range c.units {
		if p := bySource[id.Source]; p == nil || int(id.Kind) >= len(p.present) || !p.present[id.Kind][id.Bucket] {
			delete(c.units, id)
			continue
		}
		out.Duplicates += u.dropped
	}
	out.Families = c.assemble()
	return out
}

// assemble lists, per family with samples, the chunks of every unit in
// unit order, with their CRC combined once here: one EncodedFamily per
// kind of unit that wrote the family.
func (c *Cache) assemble() []EncodedFamily {
	ids := make([]UnitID, 0, len(c.units))
	for id := range c.units {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b UnitID) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Bucket, b.Bucket))
	})
	var out []EncodedFamily
	for _, f := range c.table.sorted {
		var parts []Chunk
		var from UnitID
		done := func() {
			if len(parts) > 0 {
				out = append(out, EncodedFamily{Family: f, Source: from.Source, Kind: from.Kind, Samples: NewSegment(parts...)})
				parts = nil
			}
		}
		for _, id := range ids {
			ch := c.units[id].chunks[f.index]
			if ch.size == 0 {
				continue
			}
			if len(parts) > 0 && (id.Source != from.Source || id.Kind != from.Kind) {
				done()
			}
			from = id
			parts = append(parts, ch)
		}
		done()
	}
	return out
}
