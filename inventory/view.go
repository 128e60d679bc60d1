package inventory

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

// Images returns the snapshot's images as views, most containers first,
// then by name, version and digest.
func (s *Snapshot) Images() []ImageView { return imagesOf(s.entries) }

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
