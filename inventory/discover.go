package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

// imageRef is one image a target covers: discovered, configured, or both.
type imageRef struct {
	key                   string   // stable across discoveries
	name, version, digest string   // raw upstream values: queries must use them unchanged
	labels                []string // target, name, version, digest as sanitised label values
	// info is what discovery said of the image (nil for a configured image
	// it did not list); sanitised once applied.
	info  *hssclient.LocalImage
	query hssclient.ListContainersRequest
	call  bool // false: no container call (container_num 0, or no usable identity)
}

func newRef(name, version, digest string, info *hssclient.LocalImage) imageRef {
	return imageRef{key: name + "\x00" + version + "\x00" + digest, name: name, version: version, digest: digest, info: info}
}

// discover returns the images this refresh covers and this shard owns, in
// a stable order: selected discovered images, then configured ones that
// discovery did not already select. Discovered images the rules leave out
// get no series. covered counts the images before ownership.
func (src *Source) discover(ctx context.Context) (refs []imageRef, covered int, err error) {
	var found []hssclient.LocalImage
	if src.cfg.Target.Images.Discover {
		req := hssclient.ListImagesRequest{EnterpriseProjectID: src.cfg.Target.EnterpriseProjectID}
		err := src.cfg.API.EachImage(ctx, req, func(img hssclient.LocalImage) error {
			found = append(found, img)
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("discovering images: %w", err)
		}
	}
	taken := make([]bool, len(found))
	for i := range found {
		if src.cfg.Target.Images.Selects(found[i].ImageName) {
			taken[i] = true
			refs = append(refs, newRef(found[i].ImageName, found[i].ImageVersion, found[i].ImageDigest, &found[i]))
		}
	}
	for _, st := range src.cfg.Target.Images.Static {
		matched := false
		for i := range found {
			if matchesStatic(st, &found[i]) {
				matched = true
				if !taken[i] {
					taken[i] = true
					refs = append(refs, newRef(found[i].ImageName, found[i].ImageVersion, found[i].ImageDigest, &found[i]))
				}
			}
		}
		if !matched {
			refs = append(refs, newRef(st.Name, st.Version, st.Digest, nil))
		}
	}
	// Queries are planned over every image, before ownership, so each
	// shard plans the query the single process would.
	src.planQueries(refs)
	return owned(src.cfg.Shard, src.cfg.Target.Name, refs, found), len(refs), nil
}

// matchesStatic reports whether a configured image names a discovered one:
// by digest when the configuration gives one, else by name and version, or
// by name alone (every version) when it gives no version.
func matchesStatic(st config.StaticImage, img *hssclient.LocalImage) bool {
	if st.Digest != "" {
		return st.Digest == img.ImageDigest
	}
	return st.Name != "" && st.Name == img.ImageName && (st.Version == "" || st.Version == img.ImageVersion)
}

// planQueries decides each image's container query. Name and version is the
// normal key; when two covered images share it (one tag, two digests) the
// digest tells them apart, and with only a digest the digest is used. A
// configured name without version that discovery did not find is queried
// by name alone, which lists every version of it. An image HSS reports
// with container_num 0 costs no call. An image with no usable identity is
// not queried: an empty filter would list every container of the project.
func (src *Source) planQueries(refs []imageRef) {
	tags := map[[2]string]int{}
	for _, r := range refs {
		tags[[2]string{r.name, r.version}]++
	}
	for i := range refs {
		r := &refs[i]
		r.query = hssclient.ListContainersRequest{EnterpriseProjectID: src.cfg.Target.EnterpriseProjectID}
		switch {
		case reportsNoContainers(r.info):
			continue
		case r.name != "" && r.version != "" && (tags[[2]string{r.name, r.version}] == 1 || r.digest == "") &&
			(r.digest == "" || !mangled(r.name, r.version)):
			r.query.ImageName, r.query.ImageVersion = r.name, r.version
		case r.digest != "":
			r.query.ImageDigest = r.digest
		case r.info == nil && r.name != "":
			r.query.ImageName = r.name
		default:
			level.Debug(src.logger).Log("msg", "image has neither name and version nor digest; not listing its containers", "image_name", r.name)
			continue
		}
		r.call = true
	}
}

// mangled reports whether a name or version arrived as invalid UTF-8: the
// JSON decoder replaced those bytes with U+FFFD, so a query by them would
// match nothing and lose the image's containers; its digest still matches.
func mangled(name, version string) bool {
	return strings.ContainsRune(name, utf8.RuneError) || strings.ContainsRune(version, utf8.RuneError)
}

// reportsNoContainers reports whether HSS said the image runs no container:
// container_num 0. Null, absent or negative is unknown, and is listed.
func reportsNoContainers(info *hssclient.LocalImage) bool {
	return info != nil && !info.ContainerNumUnknown && info.ContainerNum == 0
}

// applyDiscovery makes refs the images the target covers, in their order.
// Images gone from discovery go with their rows. An image whose discovery
// facts changed is republished; whether its containers must be listed
// again is the queue's to see (container_num or its query changed). An
// image HSS reports without containers is known to have none at once,
// without a call.
func (src *Source) applyDiscovery(refs []imageRef, covered int, now time.Time) {
	src.mu.Lock()
	defer src.mu.Unlock()
	// A new generation of interned strings: values no row uses any more
	// are let go with the old table.
	z := &sanitizer{}
	next := make(map[string]*image, len(refs))
	order := make([]*image, 0, len(refs))
	for _, r := range refs {
		r.labels = []string{src.cfg.Target.Name, z.clean(r.name), z.clean(r.version), z.clean(r.digest)}
		if r.info != nil {
			r.info = z.image(r.info, r.labels[1], r.labels[2], r.labels[3])
		}
		img := src.cat.images[r.key]
		if img == nil {
			img = &image{listedNum: -1}
		}
		relabelled := !slices.Equal(img.ref.labels, r.labels)
		if img.factsVersion == 0 || relabelled || !sameInfo(img.ref.info, r.info) {
			src.touchFacts(img)
		}
		if img.rowsVersion == 0 || relabelled {
			src.touchRows(img) // container_info shows the image's name and version
		}
		img.ref = r
		if !r.call && img.settleWithoutCall(now) {
			src.touchRows(img)
		}
		next[r.key] = img
		order = append(order, img)
	}
	src.cat.images, src.cat.order, src.cat.z = next, order, z
	src.st.counts.sanitized += z.changed
	src.st.imagesOwned, src.st.imagesDiscovered = len(refs), covered
}

// settleWithoutCall sets the rows of an image that needs no call: none,
// when HSS reports container_num 0; unknown, when it has no identity to
// query by. It reports whether that changed what the image shows.
func (img *image) settleWithoutCall(now time.Time) (changed bool) {
	if reportsNoContainers(img.ref.info) {
		changed = !img.listed || len(img.rows) > 0
		img.rows, img.rowHashes, img.listed, img.listedAt, img.listedNum = nil, nil, true, now, 0
		img.listedQuery, img.failedAt, img.err = img.ref.query, time.Time{}, nil
		return changed
	}
	changed = img.listed
	img.rows, img.rowHashes, img.listed, img.failedAt, img.err = nil, nil, false, time.Time{}, nil
	return changed
}

func sameInfo(a, b *hssclient.LocalImage) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// reportedNum is the container_num discovery gave the image, -1 when it
// gave none (null, absent, negative, or a configured image it did not list).
func (r *imageRef) reportedNum() int64 {
	if r.info == nil || r.info.ContainerNumUnknown || r.info.ContainerNum < 0 {
		return -1
	}
	return r.info.ContainerNum
}
