package collector

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/shard"
)

// TestShardSelfMetrics: the shard's identity and its share of the images
// are on /metrics, also when not sharded.
func TestShardSelfMetrics(t *testing.T) {
	t.Parallel()
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
		e := newEnv(t, cfg, overAPI(api), asShard(c.spec.Index, c.spec.Total)).e
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
