package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

// imageRef is one image a refresh covers: discovered, configured, or both.
type imageRef struct {
	key                   string // stable across refreshes, for keeping last good rows
	name, version, digest string // raw upstream values: queries must use them unchanged
	info                  *hssclient.LocalImage
	query                 hssclient.ListContainersRequest
	call                  bool // false: no container call (container_num 0, or no usable identity)
}

func newRef(name, version, digest string, info *hssclient.LocalImage) imageRef {
	return imageRef{key: name + "\x00" + version + "\x00" + digest, name: name, version: version, digest: digest, info: info}
}

// discover returns the images this refresh covers and this shard owns, in
// a stable order: selected discovered images, then configured ones that
// discovery did not already select. Discovered images the rules leave out
// get no series. covered counts the images before ownership.
func (t *target) discover(ctx context.Context) (refs []imageRef, covered int, err error) {
	var found []hssclient.LocalImage
	if t.cfg.Images.Discover {
		req := hssclient.ListImagesRequest{EnterpriseProjectID: t.cfg.EnterpriseProjectID}
		err := t.api.EachImage(ctx, req, func(img hssclient.LocalImage) error {
			found = append(found, img)
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("discovering images: %w", err)
		}
	}
	taken := make([]bool, len(found))
	for i := range found {
		if t.cfg.Images.Selects(found[i].ImageName) {
			taken[i] = true
			refs = append(refs, newRef(found[i].ImageName, found[i].ImageVersion, found[i].ImageDigest, &found[i]))
		}
	}
	for _, st := range t.cfg.Images.Static {
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
	t.planQueries(refs)
	return owned(t.shard, t.name, refs, found), len(refs), nil
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
func (t *target) planQueries(refs []imageRef) {
	tags := map[[2]string]int{}
	for _, r := range refs {
		tags[[2]string{r.name, r.version}]++
	}
	for i := range refs {
		r := &refs[i]
		r.query = hssclient.ListContainersRequest{EnterpriseProjectID: t.cfg.EnterpriseProjectID}
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
			level.Debug(t.logger).Log("msg", "image has neither name and version nor digest; not listing its containers", "image_name", r.name)
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

// listAll lists the containers of every image that needs a call, at most
// MaxConcurrency at once (the client adds its own cap and rate limit).
// Results are stored by index, so their order does not depend on timing.
func (t *target) listAll(ctx context.Context, refs []imageRef) (results []imageResult, calls, failed int) {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := &credentialStop{cancel: cancel}
	results = make([]imageResult, len(refs))
	limit := t.cfg.MaxConcurrency
	if limit <= 0 {
		limit = 1
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, i := range longestFirst(refs) {
		r := &refs[i]
		if !r.call {
			// Zero containers per HSS is a known count; no identity is unknown.
			results[i] = imageResult{listed: reportsNoContainers(r.info), listedAt: t.now()}
			continue
		}
		calls++
		if ctx.Err() != nil {
			results[i] = imageResult{err: ctx.Err()}
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i] = imageResult{err: ctx.Err()}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = t.list(ctx, r)
			stop.check(results[i].err)
		})
	}
	wg.Wait()
	for i := range results {
		if results[i].err != nil {
			if stop.err != nil && parent.Err() == nil && errors.Is(results[i].err, context.Canceled) {
				results[i].err = stop.err // called off, not cancelled by shutdown
			}
			failed++
		}
	}
	return results, calls, failed
}

// credentialStop calls off the rest of a refresh's listings once
// credentials cannot be had (IAM or the metadata service failing): every
// further listing would ask for them again and fail the same way after its
// retries, so a refresh of N images cost N times the retries against the
// failing service and ran for minutes. The images not listed count as
// failed with that error and keep their last good rows.
type credentialStop struct {
	cancel context.CancelFunc
	once   sync.Once
	err    error // set once, read after every listing has returned
}

func (s *credentialStop) check(err error) {
	if err != nil && hssclient.IsCredentialError(err) {
		s.once.Do(func() {
			s.err = err
			s.cancel()
		})
	}
}

// longestFirst returns the indexes of refs, the images with the most
// containers first (those HSS did not report first of all, as they may be
// large). An image's pages come one after another, so a big image started
// last would leave the other slots idle while it pages: longest first keeps
// every slot busy until the end.
func longestFirst(refs []imageRef) []int {
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	expected := func(r *imageRef) int64 {
		if r.info == nil {
			return math.MaxInt64
		}
		return r.info.ContainerNum
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(expected(&refs[b]), expected(&refs[a])) })
	return order
}

// list fetches one image's containers.
func (t *target) list(ctx context.Context, r *imageRef) imageResult {
	var rows []hssclient.Container
	err := t.api.EachContainer(ctx, r.query, func(c hssclient.Container) error {
		c.EntryPoint = "" // may hold secrets; never kept
		rows = append(rows, c)
		return nil
	})
	if err != nil {
		level.Debug(t.logger).Log("msg", "listing containers failed", "image_name", r.name,
			"image_version", r.version, "image_digest", r.digest, "err", err)
		return imageResult{err: fmt.Errorf("listing containers of %s:%s %s: %w", r.name, r.version, r.digest, err)}
	}
	return imageResult{rows: rows, listed: true, listedAt: t.now()}
}

// retain fills in each failed image's rows from the previous snapshot when
// they are younger than max_staleness, so a partial failure loses nothing.
func (t *target) retain(prev *snapshot, refs []imageRef, results []imageResult) {
	if prev == nil {
		return
	}
	now := t.now()
	for i := range results {
		if results[i].err == nil {
			continue
		}
		old, ok := prev.rows[refs[i].key]
		if ok && !t.expired(old.listedAt, now) {
			results[i].rows, results[i].listedAt, results[i].listed = old.rows, old.listedAt, true
		}
	}
}
