package inventory

import (
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// The inventory series are defined here, once, over a snapshot's entries
// and counts. The encoder writes them as text per group of images (and of
// hosts and pods); the Exporter's Collect builds them as const metrics
// (for tests and plain registries). Both go through an expo.Set, so both
// show the same series.

// collectFacts emits what discovery says of one image: its info series
// and findings. They change only when discovery does.
func collectFacts(set *expo.Set, e *imageEntry) {
	info := e.info
	if info == nil {
		return
	}
	set.Add(imageInfo, 1, append(e.labels[:4:4],
		info.ImageID, info.LocalImageType, info.ScanStatus, info.SeverityLevel)...)
	for _, g := range imageGauges {
		if v, ok := g.value(info); ok {
			set.Add(g.family, v, e.labels...)
		}
	}
}

// collectCounts emits what listing one image's containers gave: its
// container counts, once listed.
func collectCounts(set *expo.Set, e *imageEntry) {
	if e.listed {
		set.Sum(imageContainers, float64(e.containers), e.labels...)
		set.Sum(imagePublicContainers, float64(e.public), e.labels...)
	}
}

// collectContainer emits the container_info series of row j of e.
func collectContainer(set *expo.Set, e *imageEntry, j int, target string) {
	c := &e.rows[j]
	set.Add(containerInfo, 1, target, c.ContainerID, c.ContainerName, e.labels[1], e.labels[2],
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

// Collect emits the snapshot's whole inventory. It returns how many series
// it dropped as duplicates.
func (s *Snapshot) Collect(emit expo.Emitter) (dropped int) {
	set := expo.NewSet(Table, emit)
	for i := range s.entries {
		e := &s.entries[i]
		collectFacts(set, e)
		collectCounts(set, e)
		if s.containerInfo {
			ownedRows(e, func(j int) { collectContainer(set, e, j, s.target) })
		}
	}
	for _, h := range s.hostCounts {
		set.Sum(hostContainers, float64(h.n), s.target, h.id, h.name)
	}
	for _, p := range s.podCounts {
		set.Sum(podContainers, float64(p.n), s.target, p.id, p.name)
	}
	set.Flush()
	return set.Dropped()
}
