package inventory

import (
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/labelrule"
)

// sanitizer applies the label rule and counts the values it changed. One
// sanitizer serves one refresh, so it needs no locking.
type sanitizer struct {
	changed uint64
	shared  map[string]string // interned values, see container
}

// clean returns s under the label rule (package labelrule), counting it
// when the rule changed it.
func (z *sanitizer) clean(s string) string {
	v, changed := labelrule.Clean(s)
	if changed {
		z.changed++
	}
	return v
}

// container returns the row with every exported field sanitised.
//
// The fields a host or pod shares with its other containers are interned
// within the refresh: the JSON decoder gives every row its own copies, and
// at 100,000 rows the copies would be a fifth of the snapshot's memory.
func (z *sanitizer) container(c hssclient.Container) hssclient.Container {
	return hssclient.Container{
		AgentID:       z.intern(z.clean(c.AgentID)),
		ContainerName: z.clean(c.ContainerName),
		ContainerID:   z.clean(c.ContainerID),
		HostID:        z.intern(z.clean(c.HostID)),
		HostName:      z.intern(z.clean(c.HostName)),
		PodID:         z.intern(z.clean(c.PodID)),
		PodName:       z.intern(z.clean(c.PodName)),
		PrivateIP:     z.intern(z.clean(c.PrivateIP)),
		PublicIP:      z.intern(z.clean(c.PublicIP)),
	}
}

// intern returns the refresh's one copy of s. A map of its own is several
// times cheaper than package unique, and the snapshot holds the strings.
func (z *sanitizer) intern(s string) string {
	if s == "" {
		return ""
	}
	if shared, ok := z.shared[s]; ok {
		return shared
	}
	if z.shared == nil {
		z.shared = map[string]string{}
	}
	z.shared[s] = s
	return s
}

// image returns a copy of the discovery row with every label field
// sanitised. name, version and digest are the image's labels, already
// sanitised (and counted) by the caller.
func (z *sanitizer) image(img *hssclient.LocalImage, name, version, digest string) *hssclient.LocalImage {
	c := *img
	c.ImageName, c.ImageVersion, c.ImageDigest = name, version, digest
	c.ImageID = z.clean(img.ImageID)
	c.LocalImageType = z.clean(img.LocalImageType)
	c.ScanStatus = z.clean(img.ScanStatus)
	c.SeverityLevel = z.clean(img.SeverityLevel)
	c.ScanFailedDesc, c.NonScanReason = "", "" // never labels; not kept
	return &c
}
