package inventory

import (
	"hash/maphash"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// Snapshot is one target's inventory as published: what it knew of every
// image at one moment, counted. It is immutable once stored: scrapes read
// it without locks. It holds the sanitised rows (shared with the target's
// state, never copied) and the inventory encoded for scrapes.
type Snapshot struct {
	target        string
	containerInfo bool
	published     time.Time
	entries       []imageEntry // in the target's stable image order
	hostCounts    []keyCount
	podCounts     []keyCount
	encoded       []expo.EncodedFamily // the families, sorted by name

	images, containers, hosts, pods int
	duplicates                      int // series dropped as duplicates of an earlier one
}

// imageEntry is one image a snapshot covers, with its label values
// sanitised and its containers counted.
type imageEntry struct {
	labels []string              // target, image_name, image_version, image_digest
	info   *hssclient.LocalImage // from discovery, strings sanitised; nil for a configured image HSS did not list
	listed bool                  // rows known: listed, or zero without a call
	rows   []hssclient.Container // sanitised; those owned by an earlier image included
	// rowHashes hash each row's content, computed once when it landed.
	rowHashes []uint64
	// skip holds, in order, the indexes of rows an earlier image owns: a
	// container listed under two images counts once, under the first.
	skip []int32
	// containers and public count the rows the image owns.
	containers, public int
	// factsFP changes whenever the image's discovery facts change, fp
	// whenever its listing series (counts, container_info) change.
	factsFP, fp uint64
}

// keyCount is the container count of one host or pod.
type keyCount struct {
	id, name string
	n        int
}

type countKey struct{ id, name string }

// counted is what counting the entries gives besides their own counts.
type counted struct {
	hosts, pods map[countKey]int
	containers  int
}

// countEntries counts the containers of every entry, each container once,
// under the first image in order that lists it, and the containers of
// every host and pod. A row without container_id cannot be de-duplicated
// and counts as its own container. Each entry's fp is mixed from base (its
// identity and version) and what counting gave it.
// The previous snapshot's sizes presize the maps, so counting a fleet
// does not grow them step by step on every publish.
func countEntries(entries []imageEntry, base []uint64, seed maphash.Seed, prev *Snapshot) counted {
	var containers, hosts, pods int
	if prev != nil {
		containers, hosts, pods = prev.containers, prev.hosts, prev.pods
	}
	c := counted{hosts: make(map[countKey]int, hosts), pods: make(map[countKey]int, pods)}
	seen := make(map[string]struct{}, containers)
	for i := range entries {
		e := &entries[i]
		if !e.listed {
			e.fp = expo.HashWords(seed, base[i], 0, 0)
			continue
		}
		var owned uint64
		for j := range e.rows {
			row := &e.rows[j]
			if id := row.ContainerID; id != "" {
				if _, dup := seen[id]; dup {
					e.skip = append(e.skip, int32(j))
					continue
				}
				seen[id] = struct{}{}
			}
			owned += e.rowHashes[j]
			e.containers++
			if row.PublicIP != "" {
				e.public++
			}
			if row.HostID != "" || row.HostName != "" {
				c.hosts[countKey{row.HostID, row.HostName}]++
			}
			if row.PodID != "" || row.PodName != "" {
				c.pods[countKey{row.PodID, row.PodName}]++
			}
		}
		c.containers += e.containers
		e.fp = expo.HashWords(seed, base[i], owned, uint64(e.containers)<<32|uint64(e.public))
	}
	return c
}

// keyCounts turns a count map into a slice.
func keyCounts(m map[countKey]int) []keyCount {
	out := make([]keyCount, 0, len(m))
	for k, n := range m {
		out = append(out, keyCount{k.id, k.name, n})
	}
	return out
}
