package inventory

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/shard"
)

// TestOverlappingImagesShareAnOwner: images a container query can list
// together (one tag, one digest, or linked through an image discovery
// returned) always go to one shard; the others are spread.
func TestOverlappingImagesShareAnOwner(t *testing.T) {
	t.Parallel()
	ref := func(name, version, digest string) imageRef { return newRef(name, version, digest, nil) }
	refs := []imageRef{
		ref("nginx", "1", "sha256:a"),  // 0: tag nginx:1 ...
		ref("nginx", "1", "sha256:b"),  // 1: ... carried by two digests
		ref("mirror", "1", "sha256:a"), // 2: digest a under another tag
		ref("cache", "2", "sha256:c"),  // 3: linked to 4 only through a discovered image the rules leave out
		ref("", "", "sha256:d"),        // 4: configured by digest only
		ref("ghost", "9", ""),          // 5: configured by tag only
		ref("ghost", "", ""),           // 6: configured by name only: lists every ghost tag
		ref("ghost", "10", ""),         // 7: another ghost tag
	}
	found := []hssclient.LocalImage{{ImageName: "cache", ImageVersion: "2", ImageDigest: "sha256:d"}}
	groups := [][]int{{0, 1, 2}, {3, 4}, {5, 6, 7}}
	for _, m := range []int{2, 3, 4, 7} {
		owner := map[string]int{}
		total := 0
		for i := range m {
			mine := owned(shard.Spec{Index: i, Total: m}, "prod", refs, found)
			total += len(mine)
			for _, r := range mine {
				owner[r.key] = i
			}
		}
		require.Equal(t, len(refs), total, "M=%d: each image owned once", m)
		for _, g := range groups {
			for _, i := range g[1:] {
				require.Equal(t, owner[refs[g[0]].key], owner[refs[i].key], "M=%d: %q and %q overlap", m, refs[g[0]].key, refs[i].key)
			}
		}
	}
	require.Equal(t, refs, owned(shard.Spec{}, "prod", refs, found), "one shard owns everything, in order")
}
