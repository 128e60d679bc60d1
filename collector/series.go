package collector

import (
	"hash/maphash"

	"github.com/prometheus/client_golang/prometheus"
)

// collect emits the snapshot's inventory series: the one place they are
// defined. A refresh gathers it once to encode the families; the
// Exporter's Collect (for tests and plain registries) calls it per scrape.
// It returns how many series it dropped as duplicates.
func (s *snapshot) collect(emit func(prometheus.Metric)) (dropped int) {
	set := newMetricSet(emit)
	s.collectImages(set)
	for _, h := range s.hostCounts {
		set.sum(hostContainersDesc, float64(h.n), s.target, h.id, h.name)
	}
	for _, p := range s.podCounts {
		set.sum(podContainersDesc, float64(p.n), s.target, p.id, p.name)
	}
	if s.containerInfo {
		seen := make(map[string]struct{}, s.containers)
		for i := range s.entries {
			e := &s.entries[i]
			for _, c := range e.rows {
				if firstSighting(seen, c) {
					set.add(containerInfoDesc, 1, s.target, c.ContainerID, c.ContainerName, e.labels[1], e.labels[2],
						c.HostID, c.HostName, c.PodID, c.PodName, c.PrivateIP, c.PublicIP, c.AgentID)
				}
			}
		}
	}
	set.flush()
	return set.dropped
}

// collectImages emits the per-image series.
func (s *snapshot) collectImages(set *metricSet) {
	for i := range s.entries {
		e := &s.entries[i]
		if e.listed {
			set.sum(imageContainersDesc, float64(e.containers), e.labels...)
			set.sum(imagePublicContainersDesc, float64(e.public), e.labels...)
		}
		info := e.info
		if info == nil {
			continue
		}
		set.add(imageInfoDesc, 1, append(e.labels[:4:4],
			info.ImageID, info.LocalImageType, info.ScanStatus, info.SeverityLevel)...)
		for _, g := range imageGauges {
			if v, ok := g.value(info); ok {
				set.add(g.desc, v, e.labels...)
			}
		}
	}
}

// imageMetrics returns the per-image series only, built on demand.
func (s *snapshot) imageMetrics() []prometheus.Metric {
	var out []prometheus.Metric
	set := newMetricSet(func(m prometheus.Metric) { out = append(out, m) })
	s.collectImages(set)
	set.flush()
	return out
}

// metricSet passes const gauges on, never two with the same name and
// labels: sanitising (cutting two long names to one) or odd upstream data
// can make two rows collide, and one duplicate would fail the whole scrape.
// Info-like series keep the first and count the rest as dropped; counts of
// containers are summed, so a collision loses no container. Series are told
// apart by a 64-bit hash of their label values, as the registry does, so
// 100,000 series need no 100,000 joined keys.
type metricSet struct {
	emit    func(prometheus.Metric)
	seed    maphash.Seed
	seen    map[*prometheus.Desc]map[uint64]int // series -> index in pending, or -1 once emitted
	pending []pendingGauge
	dropped int
}

// pendingGauge is a summed count held until flush, since a later row may
// still add to it.
type pendingGauge struct {
	desc   *prometheus.Desc
	v      float64
	labels []string
}

func newMetricSet(emit func(prometheus.Metric)) *metricSet {
	return &metricSet{emit: emit, seed: maphash.MakeSeed(), seen: map[*prometheus.Desc]map[uint64]int{}}
}

// lookup returns where a series already went (-1: emitted, else its index
// in pending) and whether it was seen; a new series is recorded as index.
func (m *metricSet) lookup(desc *prometheus.Desc, labels []string, index int) (int, bool) {
	var h maphash.Hash
	h.SetSeed(m.seed)
	for _, l := range labels {
		h.WriteString(l)
		h.WriteByte(0xff) // never in valid UTF-8, so values cannot run together
	}
	key := h.Sum64()
	seen := m.seen[desc]
	if seen == nil {
		seen = map[uint64]int{}
		m.seen[desc] = seen
	}
	if at, dup := seen[key]; dup {
		return at, true
	}
	seen[key] = index
	return index, false
}

// sum adds v to a count series, emitted at flush.
func (m *metricSet) sum(desc *prometheus.Desc, v float64, labels ...string) {
	at, dup := m.lookup(desc, labels, len(m.pending))
	if !dup {
		m.pending = append(m.pending, pendingGauge{desc: desc, v: v, labels: labels})
		return
	}
	if at >= 0 {
		m.pending[at].v += v
	}
}

// flush emits the summed counts.
func (m *metricSet) flush() {
	for _, p := range m.pending {
		m.emitGauge(p.desc, p.v, p.labels)
	}
	m.pending = nil
}

// add passes on one gauge, or drops it as a duplicate.
func (m *metricSet) add(desc *prometheus.Desc, v float64, labels ...string) {
	if _, dup := m.lookup(desc, labels, -1); dup {
		m.dropped++
		return
	}
	m.emitGauge(desc, v, labels)
}

// emitGauge passes one gauge on. Label values must already be sanitised;
// should NewConstMetric still refuse them, an invalid metric reports it
// instead of a panic.
func (m *metricSet) emitGauge(desc *prometheus.Desc, v float64, labels []string) {
	metric, err := prometheus.NewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	if err != nil {
		metric = prometheus.NewInvalidMetric(desc, err)
	}
	m.emit(metric)
}
