package hssfake

import (
	"fmt"
	"math/rand"
	"slices"
	"sync"
	"time"
)

// Image is one local image as ListImageLocal reports it.
type Image struct {
	ID               string
	Name             string
	Version          string
	Digest           string
	Type             string // swr_image or other_image
	ScanStatus       string // unscan, success, scanning, failed, waiting
	SeverityLevel    string // Security, Low, Medium, High; empty when not scanned
	VulNum           int64
	UnsafeSettingNum int64
	MaliciousFileNum int64
	ComponentNum     int64
	Size             int64 // bytes
	LatestUpdateTime time.Time
	LatestScanTime   time.Time // zero when never scanned
	ScanFailedDesc   string
	NonScanReason    string
	// EnterpriseProjectID is the enterprise project of the image and of all
	// its containers; empty means the default project "0".
	EnterpriseProjectID string
	// ReportedContainerNum, when set, replaces the container_num that
	// ListImageLocal derives from the fleet, to simulate HSS disagreeing with
	// its own container listing.
	ReportedContainerNum *int64
}

// Container is one container as ListLocalImageContainers reports it, plus the
// ID of the image it runs.
type Container struct {
	ImageID    string
	AgentID    string
	Name       string
	ID         string
	HostID     string
	HostName   string
	PodID      string // empty for plain Docker containers
	PodName    string
	PrivateIP  string
	PublicIP   string // elastic IP, usually empty
	EntryPoint string // may contain secrets
	// Kube is what ListContainers reports of a pod container. AddContainer
	// and Churn fill a pod container's empty Status and the rest from its
	// ID (see fillKube); the cluster stays as given.
	Kube KubeState
}

// Fleet is the inventory the server answers from. It is safe for concurrent
// use: handlers read an immutable snapshot while tests or churn change it.
type Fleet struct {
	mu         sync.RWMutex
	images     []Image
	containers []Container
	snap       *snapshot       // nil after a change, rebuilt on the next read
	seq        int             // numbers containers added by Churn
	kept       map[string]bool // images whose containers Churn never removes
	// kubeRef is the time the create times of new pod containers go back
	// from: GenerateOptions.Now, or kubeEpoch.
	kubeRef time.Time

	// Posture: what ListContainerNodes, ShowEventSeverity and
	// ShowResourceQuotas answer from.
	nodes  []Node
	events []Event
	quotas []QuotaResource
	psnap  *postureSnapshot // nil after a change
	prng   *rand.Rand       // drives the node changes of Churn
}

// NewFleet returns a fleet of images and containers, kept in the given order
// (the order the API pages through). It panics when a container names an
// unknown image or IDs repeat: hand-built fleets are test code. Every host
// the containers run on becomes a protected, online node with a quota of
// the container edition (see SetNodes to change that).
func NewFleet(images []Image, containers []Container) *Fleet {
	f := &Fleet{}
	for _, img := range images {
		f.AddImage(img)
	}
	for _, c := range containers {
		f.AddContainer(c)
	}
	f.nodes, f.quotas = deriveNodes(f.containers)
	return f
}

// KeepImage makes Churn leave the containers of the image with ID id
// alone, as a demo needs of the image it shows off.
func (f *Fleet) KeepImage(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.kept == nil {
		f.kept = map[string]bool{}
	}
	f.kept[id] = true
}

// AddImage adds img, or replaces the image with the same ID. An empty ID or
// Digest is derived from name and version; an empty Type from the name.
func (f *Fleet) AddImage(img Image) {
	fillImage(&img)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snap = nil
	for i := range f.images {
		if f.images[i].ID == img.ID {
			f.images[i] = img
			return
		}
	}
	f.images = append(f.images, img)
}

// AddContainer appends c; it panics when c.ImageID is unknown or c.ID is
// already present.
func (f *Fleet) AddContainer(c Container) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.ContainsFunc(f.images, func(img Image) bool { return img.ID == c.ImageID }) {
		panic(fmt.Sprintf("hssfake: container %q runs unknown image %q", c.ID, c.ImageID))
	}
	if slices.ContainsFunc(f.containers, func(o Container) bool { return o.ID == c.ID }) {
		panic(fmt.Sprintf("hssfake: duplicate container id %q", c.ID))
	}
	f.snap = nil
	fillKube(&c, f.kubeRefTime())
	f.containers = append(f.containers, c)
}

// UpdateContainer applies change to the container with id and reports
// whether it exists; change may not alter the ID or the image. It lets a
// test move one container's state (a restart, a new risk) between two
// listings.
func (f *Fleet) UpdateContainer(id string, change func(*Container)) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.containers, func(c Container) bool { return c.ID == id })
	if i < 0 {
		return false
	}
	c := f.containers[i]
	change(&c)
	if c.ID != id || c.ImageID != f.containers[i].ImageID {
		panic(fmt.Sprintf("hssfake: UpdateContainer changed the ID or image of container %q", id))
	}
	f.containers[i], f.snap = c, nil
	return true
}

func (f *Fleet) kubeRefTime() time.Time {
	if f.kubeRef.IsZero() {
		return kubeEpoch
	}
	return f.kubeRef
}

// RemoveContainer removes the container with id and reports whether it was
// there.
func (f *Fleet) RemoveContainer(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.containers, func(c Container) bool { return c.ID == id })
	if i < 0 {
		return false
	}
	f.snap = nil
	f.containers = slices.Delete(f.containers, i, i+1)
	return true
}

// SetReportedContainerNum makes ListImageLocal report n as container_num of
// the image with imageID, whatever the fleet holds. It reports whether the
// image exists.
func (f *Fleet) SetReportedContainerNum(imageID string, n int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.images {
		if f.images[i].ID == imageID {
			f.images[i].ReportedContainerNum = &n
			f.snap = nil
			return true
		}
	}
	return false
}

// Images returns a copy of the images, in paging order.
func (f *Fleet) Images() []Image { return slices.Clone(f.view().images) }

// Containers returns a copy of the containers, in paging order.
func (f *Fleet) Containers() []Container { return slices.Clone(f.view().containers) }

func fillImage(img *Image) {
	if img.ID == "" {
		img.ID = hashHex("id:"+img.Name+":"+img.Version, 64)
	}
	if img.Digest == "" {
		img.Digest = "sha256:" + hashHex("digest:"+img.Name+":"+img.Version, 64)
	}
	if img.Type == "" {
		img.Type = "other_image"
		if len(img.Name) > 4 && img.Name[:4] == "swr." {
			img.Type = "swr_image"
		}
	}
	if img.ScanStatus == "" {
		img.ScanStatus = "unscan"
	}
}
