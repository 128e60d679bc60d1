package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/statefile"
)

// What a target knows, as its state file (internal/statefile) keeps it,
// and back.

// configFingerprint names what decides a target's images and rows: where
// it reads, what it selects, and which shard of it this replica lists.
func (src *Source) configFingerprint() string {
	c := src.cfg.Target
	b, _ := json.Marshal([]any{c.Name, c.Region, c.ProjectID, c.Endpoint, c.EnterpriseProjectID,
		c.Images.Discover, c.Images.Include, c.Images.Exclude, c.Images.Static, src.cfg.Shard.Index, src.cfg.Shard.Count()})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Saved returns what the source knows as its state file keeps it, without
// the budget's part, which is the caller's to add. Rows are shared, not
// copied: they never change once stored.
func (src *Source) Saved(now time.Time) *statefile.Target {
	s := &statefile.Target{Format: statefile.Format, Version: statefile.Version, Target: src.cfg.Target.Name, Config: src.configFingerprint(),
		WrittenAt: now, LastGood: src.good()}
	src.mu.Lock()
	defer src.mu.Unlock()
	s.Discovered, s.FirstSweep = src.st.discovered, src.st.firstSweep
	s.ImagesOwned, s.ImagesDiscovered = src.st.imagesOwned, src.st.imagesDiscovered
	s.Images = make([]statefile.Image, len(src.cat.order))
	for i, img := range src.cat.order {
		r := &img.ref
		s.Images[i] = statefile.Image{Name: r.name, Version: r.version, Digest: r.digest, Info: r.info,
			Query: r.query, Call: r.call, Listed: img.listed, ListedAt: img.listedAt, ListedNum: img.listedNum,
			ListedQuery: img.listedQuery, Rows: img.rows}
		if r.info != nil {
			s.Images[i].InfoContainerNumUnknown = r.info.ContainerNumUnknown
		}
	}
	return s
}

// checkState says why a state file cannot be taken for this target, or
// nil.
func (src *Source) checkState(s *statefile.Target) error {
	switch {
	case s.Format != statefile.Format:
		return fmt.Errorf("not a state file of hss_exporter (format %q)", cleanForLog(s.Format))
	case s.Version > statefile.Version:
		return fmt.Errorf("written by a newer hss_exporter (state version %d; this one reads %d)", s.Version, statefile.Version)
	case s.Version < 1:
		return fmt.Errorf("unknown state version %d", s.Version)
	case s.Target != src.cfg.Target.Name:
		return fmt.Errorf("written for target %q", cleanForLog(s.Target))
	case s.Config != src.configFingerprint():
		return fmt.Errorf("written for another configuration of the target (region, project, endpoint, images or shard changed)")
	}
	return nil
}

// cleanForLog makes a value from a file safe and short for a message.
func cleanForLog(s string) string {
	s = (&sanitizer{}).clean(s)
	if len(s) > 64 {
		s = strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

// Restoring builds what a target knows from its state file as the file
// is decoded, image by image, off to the side; Commit makes it the
// source's. Rows older than max_staleness without a successful answer
// are not restored. Listing picks up from there: changed and stalest
// images first.
type Restoring struct {
	src     *Source
	now     time.Time
	expired bool
	z       *sanitizer
	images  map[string]*image
	order   []*image
	rows    int
}

// Restoring returns a restoring of the source at now, for statefile.Read.
func (src *Source) Restoring(now time.Time) *Restoring {
	return &Restoring{src: src, now: now, z: &sanitizer{}, images: map[string]*image{}}
}

// Reader is what statefile.Read gives the file's parts to.
func (r *Restoring) Reader() statefile.Restorer {
	return statefile.Restorer{Head: r.head, Image: r.image, Row: r.row}
}

// head checks that the file is this target's before any image is built.
func (r *Restoring) head(s *statefile.Target) error {
	if err := r.src.checkState(s); err != nil {
		return err
	}
	r.expired = s.LastGood.IsZero() || r.src.expired(s.LastGood, r.now)
	return nil
}

// row sanitises a row as it is decoded, so the strings it shares with
// other rows are let go at once for the one interned copy.
func (r *Restoring) row(c hssclient.Container) hssclient.Container {
	return r.z.container(c)
}

// image adds one image of the file, in the file's order.
func (r *Restoring) image(si statefile.Image) error {
	ref := newRef(si.Name, si.Version, si.Digest, si.Info)
	ref.query, ref.call = si.Query, si.Call
	ref.labels = []string{r.src.cfg.Target.Name, r.z.clean(ref.name), r.z.clean(ref.version), r.z.clean(ref.digest)}
	if si.Info != nil {
		si.Info.ContainerNumUnknown = si.InfoContainerNumUnknown
		ref.info = r.z.image(si.Info, ref.labels[1], ref.labels[2], ref.labels[3])
	}
	if _, dup := r.images[ref.key]; dup {
		return nil
	}
	img := &image{ref: ref, listedNum: -1}
	if si.Listed && !r.expired && !si.ListedAt.After(r.now) {
		img.rows = slices.Clone(si.Rows) // no slack of the decoder's appends kept
		if img.rows == nil {
			img.rows = []hssclient.Container{}
		}
		img.rowHashes = r.src.pub.units.rowHashes(img.rows)
		img.listed, img.listedAt, img.listedNum, img.listedQuery = true, si.ListedAt, si.ListedNum, si.ListedQuery
		r.rows += len(img.rows)
	}
	r.images[ref.key] = img
	r.order = append(r.order, img)
	return nil
}

// Commit makes the restored images and the head's facts the target's.
func (r *Restoring) Commit(s *statefile.Target) (images, rows int) {
	src := r.src
	src.mu.Lock()
	defer src.mu.Unlock()
	for _, img := range r.order {
		src.touchFacts(img)
		src.touchRows(img)
	}
	src.cat.images, src.cat.order, src.cat.z = r.images, slices.Clip(r.order), r.z
	src.st.discovered = s.Discovered && !r.expired
	src.st.firstSweep, src.st.imagesOwned, src.st.imagesDiscovered = s.FirstSweep, s.ImagesOwned, s.ImagesDiscovered
	if !r.expired {
		src.markGood(s.LastGood)
	}
	return len(src.cat.order), r.rows
}
