package hssfake

import (
	"crypto/sha256"
	"encoding/hex"
)

// Enterprise project selectors of the API.
const (
	DefaultEnterpriseProject = "0"
	AllEnterpriseProjects    = "all_granted_eps"
)

// snapshot is an immutable copy of a fleet with the indexes the handlers
// need; readers share it without locks.
type snapshot struct {
	images     []Image
	containers []Container
	imageIdx   map[string]int // image ID -> index in images
	byImage    [][]int        // image index -> container indexes, ascending
	hostNum    []int64        // image index -> distinct hosts
}

// view returns the current snapshot, building it after a change.
func (f *Fleet) view() *snapshot {
	f.mu.RLock()
	s := f.snap
	f.mu.RUnlock()
	if s != nil {
		return s
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.snap == nil {
		f.snap = buildSnapshot(f.images, f.containers)
	}
	return f.snap
}

func buildSnapshot(images []Image, containers []Container) *snapshot {
	s := &snapshot{
		images:     append([]Image(nil), images...),
		containers: append([]Container(nil), containers...),
		imageIdx:   make(map[string]int, len(images)),
		byImage:    make([][]int, len(images)),
		hostNum:    make([]int64, len(images)),
	}
	for i, img := range s.images {
		s.imageIdx[img.ID] = i
	}
	hosts := make([]map[string]struct{}, len(images))
	for ci, c := range s.containers {
		ii := s.imageIdx[c.ImageID]
		s.byImage[ii] = append(s.byImage[ii], ci)
		if hosts[ii] == nil {
			hosts[ii] = map[string]struct{}{}
		}
		hosts[ii][c.HostID] = struct{}{}
	}
	for i, h := range hosts {
		s.hostNum[i] = int64(len(h))
	}
	return s
}

// imageEP returns the enterprise project of image index i.
func (s *snapshot) imageEP(i int) string {
	if ep := s.images[i].EnterpriseProjectID; ep != "" {
		return ep
	}
	return DefaultEnterpriseProject
}

// containerNum is what ListImageLocal reports as container_num.
func (s *snapshot) containerNum(i int) int64 {
	if n := s.images[i].ReportedContainerNum; n != nil {
		return *n
	}
	return int64(len(s.byImage[i]))
}

// epMatches reports whether an item in enterprise project ep answers a
// query with enterprise_project_id param.
func epMatches(param, ep string) bool {
	switch param {
	case "":
		return ep == DefaultEnterpriseProject
	case AllEnterpriseProjects:
		return true
	}
	return ep == param
}

// ImageKey identifies an image the way the exporter labels it.
type ImageKey struct{ Name, Version, Digest string }

// HostKey identifies a host.
type HostKey struct{ ID, Name string }

// PodKey identifies a pod.
type PodKey struct{ ID, Name string }

// Truth is what a correct client must find in a fleet: container counts per
// image (images without containers included, as 0), per host and per pod.
type Truth struct {
	Containers   int
	Images       map[ImageKey]int
	PublicImages map[ImageKey]int // containers with a public IP, per image
	Hosts        map[HostKey]int
	Pods         map[PodKey]int // containers that belong to a pod
}

// Truth returns the counts visible with the given enterprise_project_id
// query value ("" for the default project, AllEnterpriseProjects for all).
func (f *Fleet) Truth(enterpriseProjectID string) Truth {
	s := f.view()
	t := Truth{Images: map[ImageKey]int{}, PublicImages: map[ImageKey]int{},
		Hosts: map[HostKey]int{}, Pods: map[PodKey]int{}}
	for ii, img := range s.images {
		if !epMatches(enterpriseProjectID, s.imageEP(ii)) {
			continue
		}
		key := ImageKey{img.Name, img.Version, img.Digest}
		t.Images[key] += len(s.byImage[ii])
		for _, ci := range s.byImage[ii] {
			c := s.containers[ci]
			t.Containers++
			t.Hosts[HostKey{c.HostID, c.HostName}]++
			if c.PublicIP != "" {
				t.PublicImages[key]++
			}
			if c.PodID != "" {
				t.Pods[PodKey{c.PodID, c.PodName}]++
			}
		}
	}
	return t
}

// hashHex returns n hex characters derived from s, for stable made-up IDs.
func hashHex(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])
	for len(h) < n {
		h += h
	}
	return h[:n]
}
