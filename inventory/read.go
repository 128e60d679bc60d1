package inventory

import (
	"time"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
)

// What the rest of the exporter reads of the inventory: the snapshot
// served and the image of each container. None of it calls the API.

// AddTo adds the families of the snapshot served at now, as its publish
// encoded them, to page (of Table): what a scrape copies; nothing when
// none is served.
func (src *Source) AddTo(page *expo.Page, now time.Time) {
	s := src.Serving(now)
	if s == nil {
		return
	}
	for i := range s.encoded {
		page.Add(&s.encoded[i])
	}
}

// EachHost calls fn with every host the snapshot's rows place containers
// on, and how many.
func (s *Snapshot) EachHost(fn func(id, name string, containers int)) {
	for _, h := range s.hostCounts {
		fn(h.id, h.name, h.n)
	}
}

// ContainerImage names the image a container runs, as the inventory's
// series label it (sanitised).
type ContainerImage struct {
	Name, Version string
}

// ContainerImages returns the image of every container_id the inventory
// currently lists. It reads the rows under the source's lock.
func (src *Source) ContainerImages() map[string]ContainerImage {
	src.mu.Lock()
	defer src.mu.Unlock()
	out := make(map[string]ContainerImage)
	for _, img := range src.cat.order {
		if !img.listed || len(img.ref.labels) < 3 {
			continue
		}
		id := ContainerImage{Name: img.ref.labels[1], Version: img.ref.labels[2]}
		for _, row := range img.rows {
			if row.ContainerID != "" {
				out[row.ContainerID] = id
			}
		}
	}
	return out
}
