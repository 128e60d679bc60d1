// Package shard splits a target's images between replicas of the exporter,
// so that M replicas share the HSS API work instead of repeating it.
//
// Every replica runs discovery (ListImageLocal, a few pages) and then lists
// containers (ListLocalImageContainers, most of the calls) only for the
// images it owns. An image's owner is
//
//	Jump(FNV-1a-64(Key(target, image_name, image_version, image_digest)), M)
//
// where Key is "target/image_name:image_version@image_digest" and Jump is
// the jump consistent hash of Lamping and Veach (arXiv:1406.2294): changing
// M from m to m+1 moves about 1/(m+1) of the images, and no image moves
// between two shards that both existed before.
//
// The values in the key are the raw upstream strings, before any label
// sanitising, and the target is the configured target name. A configured
// (static) image that discovery returned uses the discovered image's name,
// version and digest; one that discovery did not return uses the name,
// version and digest exactly as configured, an empty digest giving a key
// ending in "@". Every replica reads the same configuration and the same
// discovery, so every replica computes the same key and the same owner.
//
// Images that one container query can list together, because they share a
// tag (name and version) or a digest, directly or through another image
// discovery returned, are owned as one group: by the shard of the group's
// smallest key (inventory/ownership.go). A container is then listed by one
// shard only, which counts it as a single process would. Nearly every
// group is a single image. A container HSS itself reports under two
// unrelated images (no tag or digest in common) is the one case a shard
// cannot see: a single process counts it once, shards owning both images
// once each.
//
// The mapping is pinned by golden tests: changing it silently would move
// every image at the next upgrade and double count or drop containers
// while the replicas run mixed versions.
package shard

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/hss-exporter/hss_exporter/internal/flagerr"
)

// Spec is which shard a replica is: Index of Total, 0 <= Index < Total.
// The zero value is the single, unsharded replica (Total 0 counts as 1).
type Spec struct {
	Index int
	Total int
}

// Single is the unsharded spec: one replica owns every image.
var Single = Spec{Index: 0, Total: 1}

// Count returns the number of shards, at least 1.
func (s Spec) Count() int { return max(s.Total, 1) }

// Sharded reports whether the images are split between several replicas.
func (s Spec) Sharded() bool { return s.Count() > 1 }

// Validate reports a spec no replica set can have.
func (s Spec) Validate() error {
	switch {
	case s.Total < 1:
		return flagerr.New("total-shards", s.Total, "must be at least 1")
	case s.Index < 0 || s.Index >= s.Total:
		return flagerr.New("shard", s.Index, "must be between 0 and --total-shards-1 (%d)", s.Total-1)
	}
	return nil
}

// String reads "shard 2 of 4".
func (s Spec) String() string { return fmt.Sprintf("shard %d of %d", s.Index, s.Count()) }

// Owns reports whether this shard owns the image identified by key.
func (s Spec) Owns(key string) bool { return Of(key, s.Count()) == s.Index }

// Key is the identity of an image that ownership is decided by:
// "target/image_name:image_version@image_digest", raw values.
func Key(target, name, version, digest string) string {
	return target + "/" + name + ":" + version + "@" + digest
}

// Hash is FNV-1a 64 of key.
func Hash(key string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key)) // a hash.Hash never fails to write
	return h.Sum64()
}

// Of returns the shard, in [0, total), that owns key.
func Of(key string, total int) int { return Jump(Hash(key), total) }

// Jump is the jump consistent hash of Lamping and Veach: it maps key to a
// bucket in [0, buckets), and moves only the keys the new bucket takes
// when buckets grows by one. buckets below 1 count as 1.
func Jump(key uint64, buckets int) int {
	var b, j int64 = -1, 0
	for j < int64(max(buckets, 1)) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}

// ErrNoOrdinal is wrapped by OrdinalFromPodName when the name does not end
// in -<digits>.
var ErrNoOrdinal = errors.New("pod name does not end in -<ordinal>, as StatefulSet pod names do")

// OrdinalFromPodName returns the ordinal of a StatefulSet pod name:
// "hss-exporter-3" gives 3.
func OrdinalFromPodName(name string) (int, error) {
	i := strings.LastIndexByte(name, '-')
	digits := name[i+1:]
	if i < 0 || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q: %w", name, ErrNoOrdinal)
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", name, ErrNoOrdinal)
	}
	return n, nil
}

// PodNameEnv lists the environment variables a pod name is read from, in
// order: POD_NAME when set (from the downward API), else HOSTNAME, which
// Kubernetes sets to the pod name.
var PodNameEnv = []string{"POD_NAME", "HOSTNAME"}

// FromPodName returns the ordinal of the pod this process runs in, reading
// the name with getenv (os.Getenv outside tests).
func FromPodName(getenv func(string) string) (int, error) {
	for _, env := range PodNameEnv {
		if name := getenv(env); name != "" {
			n, err := OrdinalFromPodName(name)
			if err != nil {
				return 0, fmt.Errorf("--shard.from-pod-name: %s=%w", env, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("--shard.from-pod-name: neither %s is set", strings.Join(PodNameEnv, " nor "))
}
