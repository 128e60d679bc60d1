package inventory

import (
	"time"

	"github.com/go-kit/log/level"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// Publish makes what the target knows now the snapshot scrapes are served:
// every image's current rows, counted, with the units whose content
// changed encoded again. Host and pod totals are sums over the images'
// current rows.
func (src *Source) Publish() {
	src.pub.mu.Lock()
	defer src.pub.mu.Unlock()
	began := time.Now()
	s, base := src.capture()
	if s == nil {
		src.pub.snap.Store(nil) // dropped after max_staleness: nothing to publish
		return
	}
	c := countEntries(s.entries, base, src.pub.units.seed, src.pub.snap.Load())
	s.containers, s.hosts, s.pods = c.containers, len(c.hosts), len(c.pods)
	s.hostCounts, s.podCounts = keyCounts(c.hosts), keyCounts(c.pods)
	encoded := src.pub.units.encode(s, c.hosts, c.pods)
	src.pub.snap.Store(s)
	if src.cfg.Published != nil {
		src.cfg.Published()
	}
	kv := []any{"msg", "published", "images", s.images, "containers", s.containers, "hosts", s.hosts, "pods", s.pods,
		"units_encoded", encoded, "duration", time.Since(began)}
	if s.duplicates > 0 {
		kv = append(kv, "duplicate_series_dropped", s.duplicates)
	}
	level.Debug(src.logger).Log(kv...)
}

// capture copies what the target knows into a new snapshot's entries, with
// each entry's identity and version for its fingerprint. Rows are shared,
// not copied: they never change once stored.
func (src *Source) capture() (*Snapshot, []uint64) {
	src.mu.Lock()
	defer src.mu.Unlock()
	now := src.cfg.Clock.Now()
	if src.st.expired {
		return nil, nil // the inventory is dropped
	}
	s := &Snapshot{target: src.cfg.Target.Name, containerInfo: src.cfg.Target.ContainerInfo, published: now,
		entries: make([]imageEntry, len(src.cat.order)), images: len(src.cat.order)}
	base := make([]uint64, len(src.cat.order))
	for i, img := range src.cat.order {
		listed := img.listed
		if img.err != nil && listed && src.expired(img.listedAt, s.published) {
			// An image whose listing keeps failing keeps its last good rows
			// until they are older than max_staleness; then its containers
			// are unknown. An image merely waiting for the budget keeps its
			// rows however old: it has not failed.
			listed = false
		}
		s.entries[i] = imageEntry{labels: img.ref.labels, info: img.ref.info, listed: listed,
			factsFP: expo.HashWords(src.pub.units.seed, img.factsVersion)}
		if listed {
			s.entries[i].rows, s.entries[i].rowHashes = img.rows, img.rowHashes
		}
		// Versions are unique within the target, so they name the content.
		base[i] = expo.HashWords(src.pub.units.seed, img.rowsVersion, boolWord(listed))
	}
	return s, base
}

func boolWord(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
