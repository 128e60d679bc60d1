package collector

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// ImageView is one image of the snapshot a target serves, as its series on
// /metrics show it: every value here is read back from those series, so a
// status page can never disagree with a scrape. Strings are the sanitised
// label values; they come from upstream and must be escaped when shown.
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
	t, ok := e.byName[target]
	if !ok {
		return TargetView{}, false
	}
	v = TargetView{Target: t.name, RefreshInterval: t.cfg.RefreshInterval, MaxStaleness: t.cfg.MaxStaleness}
	if v.RefreshInterval <= 0 {
		v.RefreshInterval = defaultRefreshInterval
	}
	if s := t.serving(e.opts.Now()); s != nil {
		v.Images = imagesOf(s.metrics)
	}
	return v, true
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

// imageFields says how each per-image series fills an ImageView.
var imageFields = map[*prometheus.Desc]func(*ImageView, float64, map[string]string){
	imageContainersDesc:       func(v *ImageView, f float64, _ map[string]string) { v.Listed, v.Containers = true, int(f) },
	imagePublicContainersDesc: func(v *ImageView, f float64, _ map[string]string) { v.PublicContainers = int(f) },
	imageInfoDesc: func(v *ImageView, _ float64, l map[string]string) {
		v.Discovered = true
		v.ID, v.Type, v.ScanStatus, v.Severity = l["image_id"], l["image_type"], l["scan_status"], l["severity_level"]
	},
	imageVulnerabilitiesDesc:    func(v *ImageView, f float64, _ map[string]string) { v.Vulnerabilities = int64(f) },
	imageUnsafeSettingsDesc:     func(v *ImageView, f float64, _ map[string]string) { v.UnsafeSettings = int64(f) },
	imageMaliciousFilesDesc:     func(v *ImageView, f float64, _ map[string]string) { v.MaliciousFiles = int64(f) },
	imageHostsDesc:              func(v *ImageView, f float64, _ map[string]string) { v.Hosts = int64(f) },
	imageReportedContainersDesc: func(v *ImageView, f float64, _ map[string]string) { v.ReportedContainers = int64(f) },
	imageSizeDesc:               func(v *ImageView, f float64, _ map[string]string) { v.SizeBytes = int64(f) },
	imageLastScanDesc: func(v *ImageView, f float64, _ map[string]string) {
		v.LastScan = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	},
}

// imagesOf reads the per-image series back into views. Only the per-image
// series are decoded; the many container series are skipped by descriptor.
func imagesOf(metrics []prometheus.Metric) []ImageView {
	byKey := map[[3]string]*ImageView{}
	var order []*ImageView
	var m dto.Metric
	for _, metric := range metrics {
		fill, ok := imageFields[metric.Desc()]
		if !ok {
			continue
		}
		m.Reset()
		if metric.Write(&m) != nil {
			continue // an invalid metric: the scrape reports it
		}
		labels := make(map[string]string, len(m.GetLabel()))
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		key := [3]string{labels["image_name"], labels["image_version"], labels["image_digest"]}
		img, seen := byKey[key]
		if !seen {
			img = &ImageView{Name: key[0], Version: key[1], Digest: key[2]}
			byKey[key] = img
			order = append(order, img)
		}
		fill(img, m.GetGauge().GetValue(), labels)
	}
	out := make([]ImageView, len(order))
	for i, img := range order {
		out[i] = *img
	}
	slices.SortStableFunc(out, func(a, b ImageView) int {
		return cmp.Or(cmp.Compare(b.Containers, a.Containers), cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Version, b.Version), cmp.Compare(a.Digest, b.Digest))
	})
	return out
}
