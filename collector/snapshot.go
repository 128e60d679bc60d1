package collector

import (
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// snapshot is one target's inventory as of one refresh. It is immutable
// once stored: scrapes read it without locks. It keeps the sanitised data,
// not metrics: its series are encoded once per refresh (families), and
// const metrics are only built on demand (collect), because holding 100,000
// of them would cost more memory than the rows they come from.
type snapshot struct {
	target        string
	containerInfo bool
	landed        time.Time
	entries       []imageEntry         // in the refresh's stable image order
	rows          map[string]imageRows // by imageRef.key, for the next partial failure
	hostCounts    []keyCount
	podCounts     []keyCount
	families      []family // the inventory, pre-encoded; sorted by name

	images, containers, hosts, pods int
	duplicates                      int // series dropped as duplicates of an earlier one
}

// imageEntry is one image a snapshot covers, with its label values
// sanitised and its containers counted.
type imageEntry struct {
	labels []string              // target, image_name, image_version, image_digest
	info   *hssclient.LocalImage // from discovery, strings sanitised; nil for a configured image HSS did not list
	listed bool                  // rows known: listed now, kept from before, or zero without a call
	rows   []hssclient.Container // sanitised; those counted under an earlier image included

	// containers and public count the rows not already counted under an
	// earlier image.
	containers, public int
}

// keyCount is the container count of one host or pod.
type keyCount struct {
	id, name string
	n        int
}

// imageRows are one image's sanitised container rows and when they were
// listed; a failed listing later falls back to them until max_staleness.
type imageRows struct {
	rows     []hssclient.Container
	listedAt time.Time
}

// imageResult is what a refresh learned about one image's containers.
type imageResult struct {
	rows     []hssclient.Container // raw rows, or sanitised rows when retained
	listedAt time.Time
	listed   bool // rows are known: listed now, kept from before, or zero without a call
	err      error
}

type hostKey struct{ id, name string }

type podKey struct{ id, name string }

// buildSnapshot sanitises and counts the refs and results of one refresh.
// A container listed under two images is counted once, under the first
// (refs are in a stable order). The families are encoded separately.
func buildSnapshot(target string, containerInfo bool, refs []imageRef, results []imageResult, now time.Time, z *sanitizer) *snapshot {
	s := &snapshot{target: target, containerInfo: containerInfo, landed: now,
		entries: make([]imageEntry, len(refs)), rows: make(map[string]imageRows, len(refs)), images: len(refs)}
	seen := map[string]struct{}{}
	hosts, pods := map[hostKey]int{}, map[podKey]int{}
	for i, ref := range refs {
		res := results[i]
		e := &s.entries[i]
		e.labels = []string{target, z.clean(ref.name), z.clean(ref.version), z.clean(ref.digest)}
		if ref.info != nil {
			e.info = z.image(ref.info, e.labels[1], e.labels[2], e.labels[3])
		}
		if !res.listed {
			continue
		}
		e.listed = true
		e.rows = make([]hssclient.Container, len(res.rows))
		for j, c := range res.rows {
			e.rows[j] = z.container(c)
		}
		s.rows[ref.key] = imageRows{rows: e.rows, listedAt: res.listedAt}
		for _, c := range e.rows {
			if !firstSighting(seen, c) {
				continue
			}
			e.containers++
			if c.PublicIP != "" {
				e.public++
			}
			if c.HostID != "" || c.HostName != "" {
				hosts[hostKey{c.HostID, c.HostName}]++
			}
			if c.PodID != "" || c.PodName != "" {
				pods[podKey{c.PodID, c.PodName}]++
			}
		}
		s.containers += e.containers
	}
	for k, n := range hosts {
		s.hostCounts = append(s.hostCounts, keyCount{k.id, k.name, n})
	}
	for k, n := range pods {
		s.podCounts = append(s.podCounts, keyCount{k.id, k.name, n})
	}
	s.hosts, s.pods = len(hosts), len(pods)
	return s
}

// firstSighting reports whether c is seen for the first time in this
// snapshot, and records it. A row without container_id cannot be
// de-duplicated and counts as its own container.
func firstSighting(seen map[string]struct{}, c hssclient.Container) bool {
	if c.ContainerID == "" {
		return true
	}
	if _, dup := seen[c.ContainerID]; dup {
		return false
	}
	seen[c.ContainerID] = struct{}{}
	return true
}
