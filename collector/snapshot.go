package collector

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// snapshot is one target's inventory as of one refresh. It is immutable
// once stored: scrapes read it without locks, and the const metrics are
// built once per refresh so a scrape does no per-container work.
type snapshot struct {
	landed  time.Time
	rows    map[string]imageRows // by imageRef.key, for the next partial failure
	metrics []prometheus.Metric

	images, containers, hosts, pods int
	duplicates                      int // series dropped as duplicates of an earlier one
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

// builder turns the refs and results of one refresh into a snapshot.
type builder struct {
	target        string
	containerInfo bool
	z             *sanitizer
	set           *metricSet

	seen  map[string]struct{} // container_id already counted for this target
	hosts map[hostKey]int
	pods  map[podKey]int
	count int
}

// buildSnapshot builds the snapshot. A container listed under two images is
// counted once, under the first (refs are in a stable order).
func buildSnapshot(target string, containerInfo bool, refs []imageRef, results []imageResult, now time.Time, z *sanitizer) *snapshot {
	b := &builder{
		target: target, containerInfo: containerInfo, z: z, set: newMetricSet(),
		seen: map[string]struct{}{}, hosts: map[hostKey]int{}, pods: map[podKey]int{},
	}
	s := &snapshot{landed: now, rows: make(map[string]imageRows, len(refs)), images: len(refs)}
	for i, ref := range refs {
		res := results[i]
		labels := []string{target, z.clean(ref.name), z.clean(ref.version), z.clean(ref.digest)}
		if res.listed {
			rows := make([]hssclient.Container, len(res.rows))
			for j, c := range res.rows {
				rows[j] = z.container(c)
			}
			s.rows[ref.key] = imageRows{rows: rows, listedAt: res.listedAt}
			total, public := b.addContainers(rows, labels)
			b.set.add(imageContainersDesc, prometheus.GaugeValue, float64(total), labels...)
			b.set.add(imagePublicContainersDesc, prometheus.GaugeValue, float64(public), labels...)
		}
		if ref.info != nil {
			b.addImageInfo(ref.info, labels)
		}
	}
	for k, n := range b.hosts {
		b.set.add(hostContainersDesc, prometheus.GaugeValue, float64(n), target, k.id, k.name)
	}
	for k, n := range b.pods {
		b.set.add(podContainersDesc, prometheus.GaugeValue, float64(n), target, k.id, k.name)
	}
	s.metrics, s.duplicates = b.set.metrics, b.set.dropped
	s.containers, s.hosts, s.pods = b.count, len(b.hosts), len(b.pods)
	return s
}

// addContainers counts the image's containers not yet seen under an earlier
// image. A row without container_id cannot be de-duplicated and counts as
// its own container.
func (b *builder) addContainers(rows []hssclient.Container, image []string) (total, public int) {
	for _, c := range rows {
		if c.ContainerID != "" {
			if _, dup := b.seen[c.ContainerID]; dup {
				continue
			}
			b.seen[c.ContainerID] = struct{}{}
		}
		b.count++
		total++
		if c.PublicIP != "" {
			public++
		}
		if c.HostID != "" || c.HostName != "" {
			b.hosts[hostKey{c.HostID, c.HostName}]++
		}
		if c.PodID != "" || c.PodName != "" {
			b.pods[podKey{c.PodID, c.PodName}]++
		}
		if b.containerInfo {
			b.set.add(containerInfoDesc, prometheus.GaugeValue, 1, b.target, c.ContainerID, c.ContainerName,
				image[1], image[2], c.HostID, c.HostName, c.PodID, c.PodName, c.PrivateIP, c.PublicIP, c.AgentID)
		}
	}
	return total, public
}

// addImageInfo adds the series that come from discovery.
func (b *builder) addImageInfo(info *hssclient.LocalImage, labels []string) {
	z := b.z
	b.set.add(imageInfoDesc, prometheus.GaugeValue, 1, append(labels[:4:4],
		z.clean(info.ImageID), z.clean(info.LocalImageType), z.clean(info.ScanStatus), z.clean(info.SeverityLevel))...)
	for _, g := range imageGauges {
		if v, ok := g.value(info); ok {
			b.set.add(g.desc, prometheus.GaugeValue, v, labels...)
		}
	}
}
