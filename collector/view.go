package collector

import (
	"cmp"
	"slices"
	"time"
)

// ImageView is one image of the snapshot a target serves, with the values
// its series on /metrics carry, from the same snapshot, so a status page
// agrees with a scrape. Strings are the sanitised label values; they come
// from upstream and must be escaped when shown.
type ImageView struct {
	Name, Version, Digest string

	// From discovery; empty or zero for a configured image HSS did not list.
	ID, Type, ScanStatus, Severity string
	Discovered                     bool
	Vulnerabilities                int64
	UnsafeSettings                 int64
	MaliciousFiles                 int64
	Hosts                          int64
	ReportedContainers             int64 // HSS's own container_num
	SizeBytes                      int64
	LastScan                       time.Time // zero when never scanned

	// Listed is false when the image's containers are unknown: its listing
	// failed and no earlier rows were young enough to keep.
	Listed           bool
	Containers       int
	PublicContainers int
}

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
	return t.view(t.serving(e.opts.Now())), true
}

// view is the target's view of serving, the snapshot it serves (nil:
// none).
func (t *target) view(serving *snapshot) TargetView {
	v := TargetView{Target: t.name, RefreshInterval: t.interval(), MaxStaleness: t.cfg.MaxStaleness}
	if serving != nil {
		v.Images = imagesOf(serving.entries)
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

// imagesOf turns a snapshot's entries into views, with the values its
// series carry. Two entries whose labels collide after sanitising make one
// series on /metrics, the first; so here too.
func imagesOf(entries []imageEntry) []ImageView {
	seen := make(map[[3]string]struct{}, len(entries))
	out := make([]ImageView, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		key := [3]string{e.labels[1], e.labels[2], e.labels[3]}
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		v := ImageView{Name: key[0], Version: key[1], Digest: key[2], Listed: e.listed}
		if e.listed {
			v.Containers, v.PublicContainers = e.containers, e.public
		}
		if info := e.info; info != nil {
			v.Discovered = true
			v.ID, v.Type, v.ScanStatus, v.Severity = info.ImageID, info.LocalImageType, info.ScanStatus, info.SeverityLevel
			v.Vulnerabilities, v.UnsafeSettings, v.MaliciousFiles = info.VulNum, info.UnsafeSettingNum, info.MaliciousFileNum
			v.Hosts, v.ReportedContainers, v.SizeBytes = info.HostNum, info.ContainerNum, info.ImageSize
			if info.LatestScanTime > 0 { // Unix ms; 0 when never scanned
				v.LastScan = time.UnixMilli(info.LatestScanTime).UTC()
			}
		}
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b ImageView) int {
		return cmp.Or(cmp.Compare(b.Containers, a.Containers), cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Version, b.Version), cmp.Compare(a.Digest, b.Digest))
	})
	return out
}

// Now is the Exporter's clock, the one data ages are measured by, so a
// page can say "ago" consistently with them.
func (e *Exporter) Now() time.Time { return e.opts.Now() }
