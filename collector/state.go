package collector

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// What a target knows, kept on disk (see persist.go) so a restart serves
// it at once and lists again only what changed or is due, instead of
// spending hours of a small API budget on listing everything anew.

const (
	stateFormat  = "hss_exporter/target-state"
	stateVersion = 1
)

// savedTarget is one target's state file. It holds no credential and no
// entry_point (rows never keep one).
type savedTarget struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Target  string `json:"target"`
	// Config fingerprints what decides the images and their rows; a file
	// written under another is foreign.
	Config        string                 `json:"config"`
	WrittenAt     time.Time              `json:"written_at"`
	LastGood      time.Time              `json:"last_good"`
	Discovered    bool                   `json:"discovered"`
	FirstSweep    time.Time              `json:"first_sweep,omitzero"`
	ImagesOwned   int                    `json:"images_owned"`
	ImagesCovered int                    `json:"images_covered"`
	Budget        *hssclient.BudgetState `json:"budget,omitempty"`
	Images        []savedImage           `json:"images,omitempty"` // written last, one at a time
}

// savedImage is one image: what discovery said, its query, and its rows
// with when they were listed.
type savedImage struct {
	Name    string                `json:"name"`
	Version string                `json:"version"`
	Digest  string                `json:"digest"`
	Info    *hssclient.LocalImage `json:"info,omitempty"`
	// InfoContainerNumUnknown keeps what LocalImage does not marshal:
	// container_num null is unknown, not zero.
	InfoContainerNumUnknown bool                            `json:"info_container_num_unknown,omitempty"`
	Query                   hssclient.ListContainersRequest `json:"query"`
	Call                    bool                            `json:"call"`
	Listed                  bool                            `json:"listed"`
	ListedAt                time.Time                       `json:"listed_at,omitzero"`
	ListedNum               int64                           `json:"listed_num"`
	ListedQuery             hssclient.ListContainersRequest `json:"listed_query"`
	Rows                    []hssclient.Container           `json:"rows,omitempty"`
}

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
func (t *target) saved(now time.Time) *savedTarget {
	s := &savedTarget{Format: stateFormat, Version: stateVersion, Target: t.name, Config: t.configFingerprint(),
		WrittenAt: now, LastGood: t.good()}
	if st, ok := t.pacer.(budgetStater); ok {
		b := st.State()
		s.Budget = &b
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s.Discovered, s.FirstSweep = t.st.discovered, t.st.firstSweep
	s.ImagesOwned, s.ImagesCovered = t.st.imagesOwned, t.st.imagesCovered
	s.Images = make([]savedImage, len(t.order))
	for i, img := range t.order {
		r := &img.ref
		s.Images[i] = savedImage{Name: r.name, Version: r.version, Digest: r.digest, Info: r.info,
			Query: r.query, Call: r.call, Listed: img.listed, ListedAt: img.listedAt, ListedNum: img.listedNum,
			ListedQuery: img.listedQuery, Rows: img.rows}
		if r.info != nil {
			s.Images[i].InfoContainerNumUnknown = r.info.ContainerNumUnknown
		}
	}
	return s
}

// budgetStater is a Pacer whose state outlives a restart.
type budgetStater interface {
	State() hssclient.BudgetState
	Restore(hssclient.BudgetState)
}

var _ budgetStater = (*hssclient.Budget)(nil)

// check says why a state file cannot be taken for this target, or nil.
func (s *savedTarget) check(t *target) error {
	switch {
	case s.Format != stateFormat:
		return fmt.Errorf("not a state file of hss_exporter (format %q)", cleanForLog(s.Format))
	case s.Version > stateVersion:
		return fmt.Errorf("written by a newer hss_exporter (state version %d; this one reads %d)", s.Version, stateVersion)
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

// restore takes a checked state as what the target knows: its images in
// their order, with the rows and listing times they had. Rows older than
// max_staleness without a successful answer are not restored. Listing
// picks up from there: changed and stalest images first.
func (t *target) restore(s *savedTarget, now time.Time) (images, rows int) {
	expired := s.LastGood.IsZero() || t.expired(s.LastGood, now)
	t.mu.Lock()
	defer t.mu.Unlock()
	z := &sanitizer{}
	t.images, t.order = make(map[string]*image, len(s.Images)), make([]*image, 0, len(s.Images))
	for _, si := range s.Images {
		r := newRef(si.Name, si.Version, si.Digest, si.Info)
		r.query, r.call = si.Query, si.Call
		r.labels = []string{t.name, z.clean(r.name), z.clean(r.version), z.clean(r.digest)}
		if si.Info != nil {
			si.Info.ContainerNumUnknown = si.InfoContainerNumUnknown
			r.info = z.image(si.Info, r.labels[1], r.labels[2], r.labels[3])
		}
		if _, dup := t.images[r.key]; dup {
			continue
		}
		img := &image{ref: r, listedNum: -1}
		if si.Listed && !expired && !si.ListedAt.After(now) {
			img.rows = make([]hssclient.Container, len(si.Rows))
			for i, c := range si.Rows {
				c.EntryPoint = ""
				img.rows[i] = z.container(c)
			}
			img.rowHashes = t.units.rowHashes(img.rows)
			img.listed, img.listedAt, img.listedNum, img.listedQuery = true, si.ListedAt, si.ListedNum, si.ListedQuery
			rows += len(img.rows)
		}
		t.touchFacts(img)
		t.touchRows(img)
		t.images[r.key] = img
		t.order = append(t.order, img)
	}
	t.z = z
	t.st.discovered = s.Discovered && !expired
	t.st.firstSweep, t.st.imagesOwned, t.st.imagesCovered = s.FirstSweep, s.ImagesOwned, s.ImagesCovered
	if !expired {
		t.markGood(s.LastGood)
	}
	return len(t.order), rows
}
