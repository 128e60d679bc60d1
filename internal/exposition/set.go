package exposition

import (
	"hash/maphash"

	"github.com/prometheus/client_golang/prometheus"
)

// ConstMetric is a const metric of desc; should NewConstMetric refuse its
// label values, an invalid metric reports it (the registry logs it and
// serves the rest) instead of a panic.
func ConstMetric(desc *prometheus.Desc, vt prometheus.ValueType, v float64, labels ...string) prometheus.Metric {
	m, err := prometheus.NewConstMetric(desc, vt, v, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(desc, err)
	}
	return m
}

// ConstMetrics turns emitted series into const gauges. Label values must
// already be sanitised.
func ConstMetrics(out func(prometheus.Metric)) Emitter {
	return func(f *Family, v float64, labels []string) {
		out(ConstMetric(f.Desc, prometheus.GaugeValue, v, labels...))
	}
}

// Emitter receives each series once.
type Emitter func(f *Family, v float64, labels []string)

// Set passes gauges on, never two with the same name and labels:
// sanitising (cutting two long names to one) or odd upstream data can make
// two rows collide, and one duplicate would fail the whole scrape.
// Info-like series keep the first and count the rest as dropped; counts of
// containers are summed, so a collision loses no container. Series are told
// apart by a 64-bit hash of their label values, as the registry does, so
// 100,000 series need no 100,000 joined keys. Colliding series always fall
// in one encoding unit, since units are chosen by sanitised labels.
type Set struct {
	emit    Emitter
	seed    maphash.Seed
	seen    []map[uint64]int // by family index: series -> index in pending, or -1 once emitted
	pending []pendingGauge
	dropped int
}

// pendingGauge is a summed count held until Flush, since a later row may
// still add to it.
type pendingGauge struct {
	family *Family
	v      float64
	labels []string
}

// NewSet returns a Set of the families of table that passes series to emit.
func NewSet(table *Table, emit Emitter) *Set {
	return &Set{emit: emit, seed: maphash.MakeSeed(), seen: make([]map[uint64]int, len(table.families))}
}

// lookup returns where a series already went (-1: emitted, else its index
// in pending) and whether it was seen; a new series is recorded as index.
func (m *Set) lookup(f *Family, labels []string, index int) (int, bool) {
	key := HashStrings(m.seed, labels...)
	seen := m.seen[f.index]
	if seen == nil {
		seen = map[uint64]int{}
		m.seen[f.index] = seen
	}
	if at, dup := seen[key]; dup {
		return at, true
	}
	seen[key] = index
	return index, false
}

// Sum adds v to a count series, emitted at Flush.
func (m *Set) Sum(f *Family, v float64, labels ...string) {
	at, dup := m.lookup(f, labels, len(m.pending))
	if !dup {
		m.pending = append(m.pending, pendingGauge{family: f, v: v, labels: labels})
		return
	}
	if at >= 0 {
		m.pending[at].v += v
	}
}

// Flush emits the summed counts.
func (m *Set) Flush() {
	for _, p := range m.pending {
		m.emit(p.family, p.v, p.labels)
	}
	m.pending = m.pending[:0]
}

// Add passes on one gauge, or drops it as a duplicate.
func (m *Set) Add(f *Family, v float64, labels ...string) {
	if _, dup := m.lookup(f, labels, -1); dup {
		m.dropped++
		return
	}
	m.emit(f, v, labels)
}

// Dropped is how many series Add left out as duplicates.
func (m *Set) Dropped() int { return m.dropped }
