package collector

import (
	"hash/maphash"

	"github.com/prometheus/client_golang/prometheus"
)

// The inventory series are defined here, once, over a snapshot's entries
// and counts. The encoder writes them as text per group of images (and of
// hosts and pods); the Exporter's Collect builds them as const metrics
// (for tests and plain registries). Both go through a metricSet, so both
// show the same series.

// collectFacts emits what discovery says of one image: its info series
// and findings. They change only when discovery does.
func collectFacts(set *metricSet, e *imageEntry) {
	info := e.info
	if info == nil {
		return
	}
	set.add(imageInfo, 1, append(e.labels[:4:4],
		info.ImageID, info.LocalImageType, info.ScanStatus, info.SeverityLevel)...)
	for _, g := range imageGauges {
		if v, ok := g.value(info); ok {
			set.add(g.family, v, e.labels...)
		}
	}
}

// collectCounts emits what listing one image's containers gave: its
// container counts, once listed.
func collectCounts(set *metricSet, e *imageEntry) {
	if e.listed {
		set.sum(imageContainers, float64(e.containers), e.labels...)
		set.sum(imagePublicContainers, float64(e.public), e.labels...)
	}
}

// collectContainer emits the container_info series of row j of e.
func collectContainer(set *metricSet, e *imageEntry, j int, target string) {
	c := &e.rows[j]
	set.add(containerInfo, 1, target, c.ContainerID, c.ContainerName, e.labels[1], e.labels[2],
		c.HostID, c.HostName, c.PodID, c.PodName, c.PrivateIP, c.PublicIP, c.AgentID)
}

// ownedRows calls fn with the index of every row e owns: the first image
// in the target's order that lists a container owns it.
func ownedRows(e *imageEntry, fn func(j int)) {
	skip := e.skip
	for j := range e.rows {
		if len(skip) > 0 && int(skip[0]) == j {
			skip = skip[1:]
			continue
		}
		fn(j)
	}
}

// collect emits the snapshot's whole inventory. It returns how many series
// it dropped as duplicates.
func (s *snapshot) collect(emit emitter) (dropped int) {
	set := newMetricSet(emit)
	for i := range s.entries {
		e := &s.entries[i]
		collectFacts(set, e)
		collectCounts(set, e)
		if s.containerInfo {
			ownedRows(e, func(j int) { collectContainer(set, e, j, s.target) })
		}
	}
	for _, h := range s.hostCounts {
		set.sum(hostContainers, float64(h.n), s.target, h.id, h.name)
	}
	for _, p := range s.podCounts {
		set.sum(podContainers, float64(p.n), s.target, p.id, p.name)
	}
	set.flush()
	return set.dropped
}

// constMetrics turns emitted series into const gauges. Label values must
// already be sanitised; should NewConstMetric still refuse them, an
// invalid metric reports it instead of a panic.
func constMetrics(out func(prometheus.Metric)) emitter {
	return func(f *family, v float64, labels []string) {
		m, err := prometheus.NewConstMetric(f.desc, prometheus.GaugeValue, v, labels...)
		if err != nil {
			m = prometheus.NewInvalidMetric(f.desc, err)
		}
		out(m)
	}
}

// imageMetrics returns the per-image series only, built on demand.
func (s *snapshot) imageMetrics() []prometheus.Metric {
	var out []prometheus.Metric
	set := newMetricSet(constMetrics(func(m prometheus.Metric) { out = append(out, m) }))
	for i := range s.entries {
		collectFacts(set, &s.entries[i])
		collectCounts(set, &s.entries[i])
	}
	set.flush()
	return out
}

// emitter receives each series once.
type emitter func(f *family, v float64, labels []string)

// metricSet passes gauges on, never two with the same name and labels:
// sanitising (cutting two long names to one) or odd upstream data can make
// two rows collide, and one duplicate would fail the whole scrape.
// Info-like series keep the first and count the rest as dropped; counts of
// containers are summed, so a collision loses no container. Series are told
// apart by a 64-bit hash of their label values, as the registry does, so
// 100,000 series need no 100,000 joined keys. Colliding series always fall
// in one encoding unit, since units are chosen by sanitised labels.
type metricSet struct {
	emit    emitter
	seed    maphash.Seed
	seen    []map[uint64]int // by family index: series -> index in pending, or -1 once emitted
	pending []pendingGauge
	dropped int
}

// pendingGauge is a summed count held until flush, since a later row may
// still add to it.
type pendingGauge struct {
	family *family
	v      float64
	labels []string
}

func newMetricSet(emit emitter) *metricSet {
	return &metricSet{emit: emit, seed: maphash.MakeSeed(), seen: make([]map[uint64]int, len(families))}
}

// lookup returns where a series already went (-1: emitted, else its index
// in pending) and whether it was seen; a new series is recorded as index.
func (m *metricSet) lookup(f *family, labels []string, index int) (int, bool) {
	var h maphash.Hash
	h.SetSeed(m.seed)
	for _, l := range labels {
		h.WriteString(l)
		h.WriteByte(0xff) // never in valid UTF-8, so values cannot run together
	}
	key := h.Sum64()
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

// sum adds v to a count series, emitted at flush.
func (m *metricSet) sum(f *family, v float64, labels ...string) {
	at, dup := m.lookup(f, labels, len(m.pending))
	if !dup {
		m.pending = append(m.pending, pendingGauge{family: f, v: v, labels: labels})
		return
	}
	if at >= 0 {
		m.pending[at].v += v
	}
}

// flush emits the summed counts.
func (m *metricSet) flush() {
	for _, p := range m.pending {
		m.emit(p.family, p.v, p.labels)
	}
	m.pending = m.pending[:0]
}

// add passes on one gauge, or drops it as a duplicate.
func (m *metricSet) add(f *family, v float64, labels ...string) {
	if _, dup := m.lookup(f, labels, -1); dup {
		m.dropped++
		return
	}
	m.emit(f, v, labels)
}
