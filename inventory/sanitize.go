package inventory

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// MaxLabelValueBytes is the longest label value the exporter emits.
//
// Label values come straight from the HSS API, so they are sanitised by one
// rule before they reach a series:
//  1. invalid UTF-8 byte sequences are replaced by U+FFFD;
//     a value that arrives holding U+FFFD counts as repaired too: the JSON
//     decoder of the API's answers has already replaced invalid UTF-8 (and
//     lone surrogate escapes) with it before the rule sees the value;
//  2. control characters (Unicode category Cc: C0, DEL, C1, including
//     newline and tab) are removed;
//  3. the result is cut to at most MaxLabelValueBytes bytes, at a rune
//     boundary, so it stays valid UTF-8.
//
// Every value changed by the rule is counted in
// hss_exporter_label_values_sanitized_total{target}.
const MaxLabelValueBytes = 1024

// sanitizer applies the label rule and counts the values it changed. One
// sanitizer serves one refresh, so it needs no locking.
type sanitizer struct {
	changed uint64
	shared  map[string]string // interned values, see container
}

// clean returns s under the label rule.
func (z *sanitizer) clean(s string) string {
	if isCleanLabel(s) {
		return s
	}
	z.changed++
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) > MaxLabelValueBytes {
		cut := MaxLabelValueBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// isCleanLabel is the fast path: almost every upstream value is short,
// printable ASCII or valid UTF-8 without control characters. U+FFFD is
// not clean even when validly encoded: it marks a value the decoder
// repaired, which the counter must see.
func isCleanLabel(s string) bool {
	if len(s) > MaxLabelValueBytes {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsControl(r) {
			return false
		}
		i += size
	}
	return true
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
