package collector

import (
	"time"

	"github.com/go-kit/log/level"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// publish makes what the target knows now the snapshot scrapes are served:
// every image's current rows, counted, with the units whose content
// changed encoded again. Host and pod totals are sums over the images'
// current rows.
func (t *target) publish() {
	t.pubMu.Lock()
	defer t.pubMu.Unlock()
	began := time.Now()
	s, base := t.capture()
	if s == nil {
		t.snap.Store(nil) // dropped after max_staleness: nothing to publish
		return
	}
	c := countEntries(s.entries, base, t.units.seed, t.snap.Load())
	s.containers, s.hosts, s.pods = c.containers, len(c.hosts), len(c.pods)
	s.hostCounts, s.podCounts = keyCounts(c.hosts), keyCounts(c.pods)
	encoded := t.units.encode(s, c.hosts, c.pods)
	t.snap.Store(s)
	t.stateDirty.Store(true)
	select {
	case t.stateReq <- struct{}{}:
	default:
	}
	kv := []any{"msg", "published", "images", s.images, "containers", s.containers, "hosts", s.hosts, "pods", s.pods,
		"units_encoded", encoded, "duration", time.Since(began)}
	if s.duplicates > 0 {
		kv = append(kv, "duplicate_series_dropped", s.duplicates)
	}
	level.Debug(t.logger).Log(kv...)
}

// capture copies what the target knows into a new snapshot's entries, with
// each entry's identity and version for its fingerprint. Rows are shared,
// not copied: they never change once stored.
func (t *target) capture() (*snapshot, []uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.st.expired {
		// The inventory is dropped; the posture keeps its own clock.
		if ps := t.posture.Capture(now); ps != nil {
			return &snapshot{target: t.name, published: now, posture: ps}, nil
		}
		return nil, nil
	}
	s := &snapshot{target: t.name, containerInfo: t.cfg.ContainerInfo, published: now,
		entries: make([]imageEntry, len(t.order)), images: len(t.order), posture: t.posture.Capture(now)}
	base := make([]uint64, len(t.order))
	for i, img := range t.order {
		listed := img.listed
		if img.err != nil && listed && t.expired(img.listedAt, s.published) {
			// An image whose listing keeps failing keeps its last good rows
			// until they are older than max_staleness; then its containers
			// are unknown. An image merely waiting for the budget keeps its
			// rows however old: it has not failed.
			listed = false
		}
		s.entries[i] = imageEntry{labels: img.ref.labels, info: img.ref.info, listed: listed,
			factsFP: expo.HashWords(t.units.seed, img.factsVersion)}
		if listed {
			s.entries[i].rows, s.entries[i].rowHashes = img.rows, img.rowHashes
		}
		// Versions are unique within the target, so they name the content.
		base[i] = expo.HashWords(t.units.seed, img.rowsVersion, uint64(boolValue(listed)))
	}
	return s, base
}
