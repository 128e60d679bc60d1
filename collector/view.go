package collector

import (
	"cmp"
	"slices"
	"time"

	"github.com/hss-exporter/hss_exporter/inventory"
)

// ImageView is one image of the snapshot a target serves (see
// inventory.ImageView).
type ImageView = inventory.ImageView

// TargetView is what a status page shows of one target beyond its
// TargetStatus: the limits it is judged by and its images.
type TargetView struct {
	Target          string
	RefreshInterval time.Duration
	MaxStaleness    time.Duration // 0: data never expires
	// Images of the snapshot served, most containers first, then by name,
	// version and digest; empty when no snapshot is served (none yet, or
	// it expired).
	Images []ImageView
}

// View returns the named target's view; ok is false for an unknown target.
// It reads the served snapshot only and never calls the API.
func (e *Exporter) View(target string) (v TargetView, ok bool) {
	t, ok := e.lookup(target)
	if !ok {
		return TargetView{}, false
	}
	return t.view(t.inv.Serving(e.opts.Now())), true
}

// view is the target's view of serving, the snapshot it serves (nil:
// none).
func (t *target) view(serving *inventory.Snapshot) TargetView {
	v := TargetView{Target: t.name, RefreshInterval: t.inv.Interval(), MaxStaleness: t.cfg.MaxStaleness}
	if serving != nil {
		v.Images = serving.Images()
	}
	return v
}

// TopImages returns the n images running the most containers; images
// without a known container count are left out.
func (v TargetView) TopImages(n int) []ImageView {
	var out []ImageView
	for _, img := range v.Images {
		if len(out) == n {
			break
		}
		if img.Listed && img.Containers > 0 {
			out = append(out, img)
		}
	}
	return out
}

// PublicImages returns the images with at least one container that has a
// public (elastic) IP, the most such containers first.
func (v TargetView) PublicImages() []ImageView {
	var out []ImageView
	for _, img := range v.Images {
		if img.PublicContainers > 0 {
			out = append(out, img)
		}
	}
	slices.SortStableFunc(out, func(a, b ImageView) int { return cmp.Compare(b.PublicContainers, a.PublicContainers) })
	return out
}

// Image returns one image of the view by its name, version and digest.
func (v TargetView) Image(name, version, digest string) (ImageView, bool) {
	for _, img := range v.Images {
		if img.Name == name && img.Version == version && img.Digest == digest {
			return img, true
		}
	}
	return ImageView{}, false
}

// Now is the Exporter's clock, the one data ages are measured by, so a
// page can say "ago" consistently with them.
func (e *Exporter) Now() time.Time { return e.opts.Now() }
