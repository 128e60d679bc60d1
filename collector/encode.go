package collector

import (
	"bytes"
	"compress/flate"
	"hash/maphash"
	"io"
	"math"
	"slices"
	"strconv"
	"sync"
)

// The inventory is kept encoded for scrapes, in units: the images of a
// target are spread over imageBuckets groups by a hash of their sanitised
// labels, hosts and pods over their own. Each unit holds, per family, its
// sample lines compressed on their own (see chunk). A publish re-encodes
// only the units whose content changed, so one listing landing costs the
// few units it touched, not the whole fleet. Two images whose labels
// collide after sanitising fall in one unit, where metricSet merges them.
//
// Sample lines are written once for both exposition formats: for gauges
// the text format and OpenMetrics differ only in how they spell a value,
// and OpenMetrics accepts "1" as well as "1.0". The comment lines (HELP,
// TYPE) of a gauge are the same in both too.
const (
	imageBuckets = 256
	hostBuckets  = 64
	podBuckets   = 256
)

// encodedFamily is one family of one snapshot: its samples from every
// unit, in a fixed unit order.
type encodedFamily struct {
	family  *family
	samples segment
}

// unitCache holds one target's units between publishes. It is used by
// one publish at a time.
type unitCache struct {
	seed  maphash.Seed
	units map[unitID]*unit
	lines *lineEncoder
}

// unitID names a unit: a kind (images, hosts, pods) and a bucket.
type unitID struct {
	kind   byte
	bucket uint16
}

const (
	kindImages byte = iota
	kindHosts
	kindPods
)

// unit is one encoded unit: the fingerprint of what it was encoded from,
// and a chunk per family (empty chunks have size 0).
type unit struct {
	fp      uint64
	chunks  []chunk // by family index
	dropped int     // duplicate series left out
}

func newUnitCache() *unitCache {
	return &unitCache{seed: maphash.MakeSeed(), units: map[unitID]*unit{}, lines: newLineEncoder()}
}

// labelsBucket spreads label tuples over n buckets.
func (c *unitCache) labelsBucket(n int, values ...string) uint16 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	for _, v := range values {
		h.WriteString(v)
		h.WriteByte(0xff)
	}
	return uint16(h.Sum64() % uint64(n))
}

// encode brings the units up to date with s, re-encoding those whose
// fingerprint changed and dropping those now empty, and fills s.encoded.
// It returns how many units it encoded.
func (c *unitCache) encode(s *snapshot, hosts, pods map[countKey]int) int {
	want := map[unitID]uint64{}
	members := map[unitID][]int{}
	for i := range s.entries {
		e := &s.entries[i]
		id := unitID{kindImages, c.labelsBucket(imageBuckets, e.labels[1], e.labels[2], e.labels[3])}
		members[id] = append(members[id], i)
		want[id] = mix(c.seed, want[id], e.fp) // in entry order: order decides which duplicate wins
	}
	countMembers := map[unitID][]countKey{}
	groupCounts(c, kindHosts, hostBuckets, hosts, want, countMembers)
	groupCounts(c, kindPods, podBuckets, pods, want, countMembers)
	encoded := 0
	for id, fp := range want {
		if u := c.units[id]; u != nil && u.fp == fp {
			continue
		}
		u := &unit{fp: fp}
		set := newMetricSet(c.lines.emitter())
		if id.kind == kindImages {
			for _, i := range members[id] {
				collectImage(set, &s.entries[i], s.target, s.containerInfo)
			}
		} else {
			collectCounts(set, id.kind, s.target, countMembers[id], hosts, pods)
		}
		set.flush()
		u.chunks, u.dropped = c.lines.chunks(), set.dropped
		c.units[id] = u
		encoded++
	}
	for id := range c.units {
		if _, ok := want[id]; !ok {
			delete(c.units, id)
		}
	}
	s.encoded = c.assemble()
	for _, u := range c.units {
		s.duplicates += u.dropped
	}
	return encoded
}

// groupCounts spreads the keys of counts over n buckets of kind, adding
// each key and count to its bucket's fingerprint (a sum: a map has no order).
func groupCounts(c *unitCache, kind byte, n int, counts map[countKey]int, want map[unitID]uint64, members map[unitID][]countKey) {
	for k, v := range counts {
		id := unitID{kind, c.labelsBucket(n, k.id, k.name)}
		members[id] = append(members[id], k)
		var h maphash.Hash
		h.SetSeed(c.seed)
		h.WriteString(k.id)
		h.WriteByte(0xff)
		h.WriteString(k.name)
		want[id] += mix(c.seed, h.Sum64(), uint64(v))
	}
}

// collectCounts emits the host or pod counts of keys, sorted so a unit
// always reads the same.
func collectCounts(set *metricSet, kind byte, target string, keys []countKey, hosts, pods map[countKey]int) {
	f, counts := hostContainers, hosts
	if kind == kindPods {
		f, counts = podContainers, pods
	}
	slices.SortFunc(keys, func(a, b countKey) int {
		if a.id != b.id {
			return cmpString(a.id, b.id)
		}
		return cmpString(a.name, b.name)
	})
	for _, k := range keys {
		set.sum(f, float64(counts[k]), target, k.id, k.name)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// assemble lists, per family with samples, the chunks of every unit in
// unit order, with their CRC combined once here.
func (c *unitCache) assemble() []encodedFamily {
	ids := make([]unitID, 0, len(c.units))
	for id := range c.units {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b unitID) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return int(a.bucket) - int(b.bucket)
	})
	var out []encodedFamily
	for _, f := range sortedFamilies {
		var parts []chunk
		for _, id := range ids {
			if ch := c.units[id].chunks[f.index]; ch.size > 0 {
				parts = append(parts, ch)
			}
		}
		if len(parts) > 0 {
			out = append(out, encodedFamily{family: f, samples: newSegment(parts...)})
		}
	}
	return out
}

// sortedFamilies are the inventory families by name, the order a
// registry would gather them in.
var sortedFamilies = func() []*family {
	out := slices.Clone(families)
	slices.SortFunc(out, func(a, b *family) int { return cmpString(a.name, b.name) })
	return out
}()

// lineEncoder writes sample lines into a buffer per family and compresses
// each into a chunk. It reuses its buffers and compressor.
type lineEncoder struct {
	bufs []bytes.Buffer // by family index
	d    *deflater
}

// encodeLevel is the compression level of the cached inventory: units are
// encoded once per change and copied on every scrape, so smaller wins.
const encodeLevel = flate.DefaultCompression

func newLineEncoder() *lineEncoder {
	return &lineEncoder{bufs: make([]bytes.Buffer, len(families)), d: newDeflater(encodeLevel)}
}

// emitter writes each series as a sample line of its family.
func (l *lineEncoder) emitter() emitter {
	return func(f *family, v float64, labels []string) {
		writeSample(&l.bufs[f.index], f, v, labels)
	}
}

// chunks compresses every family's lines and empties the buffers.
func (l *lineEncoder) chunks() []chunk {
	out := make([]chunk, len(families))
	for i := range l.bufs {
		b := &l.bufs[i]
		if b.Len() == 0 {
			continue
		}
		out[i], _ = l.d.chunk(func(w io.Writer) error { // writes to memory cannot fail
			_, err := w.Write(b.Bytes())
			return err
		})
		b.Reset()
	}
	return out
}

// writeSample writes one sample line as the exposition formats spell it:
// name{label="value",...} value, labels sorted by name. Values are escaped as both formats
// require: backslash, double quote and newline.
func writeSample(b *bytes.Buffer, f *family, v float64, labels []string) {
	b.WriteString(f.name)
	for n, i := range f.byName {
		if n == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(f.labels[i])
		b.WriteString(`="`)
		writeEscaped(b, labels[i])
		b.WriteByte('"')
	}
	if len(f.labels) > 0 {
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	var num [32]byte
	b.Write(formatValue(num[:0], v))
	b.WriteByte('\n')
}

func writeEscaped(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
}

// formatValue spells v as the text format does ("1", "1.7e+09", "NaN",
// "+Inf"); OpenMetrics reads the same spelling.
func formatValue(dst []byte, v float64) []byte {
	if math.IsInf(v, 1) {
		return append(dst, "+Inf"...)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

// commentChunks hold each family's HELP and TYPE lines, the same for
// every target and format, compressed once.
var commentChunks = sync.OnceValue(func() []chunk {
	d := newDeflater(encodeLevel)
	out := make([]chunk, len(families))
	for _, f := range families {
		out[f.index], _ = d.chunk(func(w io.Writer) error {
			// HELP texts hold no backslash, quote or newline (a test checks),
			// so both formats read them unescaped.
			_, err := io.WriteString(w, "# HELP "+f.name+" "+f.help+"\n# TYPE "+f.name+" gauge\n")
			return err
		})
	}
	return out
})
