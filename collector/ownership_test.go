package collector

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/shard"
)

// TestOverlappingImagesShareAnOwner: images a container query can list
// together (one tag, one digest, or linked through an image discovery
// returned) always go to one shard; the others are spread.
func TestOverlappingImagesShareAnOwner(t *testing.T) {
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

// TestShardSelfMetrics: the shard's identity and its share of the images
// are on /metrics, also when not sharded.
func TestShardSelfMetrics(t *testing.T) {
	names := []string{"hss_exporter_shard_ordinal", "hss_exporter_total_shards",
		"hss_exporter_shard_images_owned", "hss_exporter_shard_images_discovered"}
	cases := []struct {
		spec   shard.Spec
		before string
		after  string // %d is the images the shard owns
	}{
		{shard.Spec{}, "0 1 0 0", "0 1 4 4"},
		{shard.Spec{Index: 1, Total: 2}, "1 2 0 0", "1 2 %d 4"},
	}
	for _, c := range cases {
		api := testFleet()
		cfg := testTarget()
		e := newClockedExporter(nil, nil, []Target{{Config: cfg, API: api}}, nil, Options{Shard: c.spec})
		values := func() string {
			var out []string
			for _, n := range names {
				lines := seriesWith(t, e, n)
				require.Len(t, lines, 1, n)
				fields := strings.Fields(lines[0])
				out = append(out, fields[len(fields)-1])
			}
			return strings.Join(out, " ")
		}
		require.Equal(t, c.before, values(), "%v before the first refresh", c.spec)
		require.NoError(t, refreshOnce(t, e, "prod"))
		owned := e.Status()[0].ImagesOwned
		want := c.after
		if strings.Contains(want, "%d") {
			want = fmt.Sprintf(want, owned)
		}
		require.Equal(t, want, values(), c.spec)
		require.Equal(t, owned, e.Status()[0].Images, "the snapshot holds the owned images only")
		requireLintClean(t, e)
	}
}
