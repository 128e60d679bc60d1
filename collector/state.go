package collector

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/statefile"
)

// What a target knows, as its state file (internal/statefile) keeps it,
// and back.

// configFingerprint names what decides a target's images and rows: where
// it reads, what it selects, and which shard of it this replica lists.
func (t *target) configFingerprint() string {
	c := t.cfg
	b, _ := json.Marshal([]any{c.Name, c.Region, c.ProjectID, c.Endpoint, c.EnterpriseProjectID,
		c.Images.Discover, c.Images.Include, c.Images.Exclude, c.Images.Static, t.shard.Index, t.shard.Count()})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// saved returns the target's state, with the budget's when it keeps one.
// Rows are shared, not copied: they never change once stored.
func (t *target) saved(now time.Time) *statefile.Target {
	s := &statefile.Target{Format: statefile.Format, Version: statefile.Version, Target: t.name, Config: t.configFingerprint(),
		WrittenAt: now, LastGood: t.good()}
	if t.budgetState != nil {
		s.Budget = statefile.BudgetOf(t.budgetState.State())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s.Discovered, s.FirstSweep = t.st.discovered, t.st.firstSweep
	s.ImagesOwned, s.ImagesDiscovered = t.st.imagesOwned, t.st.imagesDiscovered
	s.Images = make([]statefile.Image, len(t.order))
	for i, img := range t.order {
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

// BudgetStater is a budget whose state outlives a restart, kept in the
// state file: the target's Pacer, as *budget.Budget is both.
type BudgetStater interface {
	State() budget.State
	Restore(budget.State)
}

var _ BudgetStater = (*budget.Budget)(nil)

// checkState says why a state file cannot be taken for this target, or
// nil.
func (t *target) checkState(s *statefile.Target) error {
	switch {
	case s.Format != statefile.Format:
		return fmt.Errorf("not a state file of hss_exporter (format %q)", cleanForLog(s.Format))
	case s.Version > statefile.Version:
		return fmt.Errorf("written by a newer hss_exporter (state version %d; this one reads %d)", s.Version, statefile.Version)
	case s.Version < 1:
		return fmt.Errorf("unknown state version %d", s.Version)
	case s.Target != t.name:
		return fmt.Errorf("written for target %q", cleanForLog(s.Target))
	case s.Config != t.configFingerprint():
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

// restoring builds what a target knows from its state file as the file
// is decoded, image by image, off to the side; commit makes it the
// target's. Rows older than max_staleness without a successful answer
// are not restored. Listing picks up from there: changed and stalest
// images first.
type restoring struct {
	t       *target
	now     time.Time
	expired bool
	z       *sanitizer
	images  map[string]*image
	order   []*image
	rows    int
}

func (t *target) restoring(now time.Time) *restoring {
	return &restoring{t: t, now: now, z: &sanitizer{}, images: map[string]*image{}}
}

// reader is what statefile.Read gives the file's parts to.
func (r *restoring) reader() statefile.Restorer {
	return statefile.Restorer{Head: r.head, Image: r.image, Row: r.row}
}

// head checks that the file is this target's before any image is built.
func (r *restoring) head(s *statefile.Target) error {
	if err := r.t.checkState(s); err != nil {
		return err
	}
	r.expired = s.LastGood.IsZero() || r.t.expired(s.LastGood, r.now)
	return nil
}

// row sanitises a row as it is decoded, so the strings it shares with
// other rows are let go at once for the one interned copy.
func (r *restoring) row(c hssclient.Container) hssclient.Container {
	return r.z.container(c)
}

// image adds one image of the file, in the file's order.
func (r *restoring) image(si statefile.Image) error {
	ref := newRef(si.Name, si.Version, si.Digest, si.Info)
	ref.query, ref.call = si.Query, si.Call
	ref.labels = []string{r.t.name, r.z.clean(ref.name), r.z.clean(ref.version), r.z.clean(ref.digest)}
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
		img.rowHashes = r.t.units.rowHashes(img.rows)
		img.listed, img.listedAt, img.listedNum, img.listedQuery = true, si.ListedAt, si.ListedNum, si.ListedQuery
		r.rows += len(img.rows)
	}
	r.images[ref.key] = img
	r.order = append(r.order, img)
	return nil
}

// commit makes the restored images and the head's facts the target's.
func (r *restoring) commit(s *statefile.Target) (images, rows int) {
	t := r.t
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, img := range r.order {
		t.touchFacts(img)
		t.touchRows(img)
	}
	t.images, t.order, t.z = r.images, slices.Clip(r.order), r.z
	t.st.discovered = s.Discovered && !r.expired
	t.st.firstSweep, t.st.imagesOwned, t.st.imagesDiscovered = s.FirstSweep, s.ImagesOwned, s.ImagesDiscovered
	if !r.expired {
		t.markGood(s.LastGood)
	}
	return len(t.order), r.rows
}
