package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/shard"
)

// TestStatusShowsShardOwnership: two shards of the status fleet each say
// which shard they are and how many of the images they own, on the page
// and in the JSON, and their counts add up to the whole fleet.
func TestStatusShowsShardOwnership(t *testing.T) {
	owned, containers := 0, 0
	for i := range 2 {
		env := newStatusEnv(t, shard.Spec{Index: i, Total: 2})
		require.NoError(t, env.refresh())
		r := env.status(t)
		require.Equal(t, i, r.Shard)
		require.Equal(t, 2, r.TotalShards)
		tr := r.Targets[0]
		require.Equal(t, 3, tr.ImagesDiscovered, "every shard sees the whole discovery")
		require.Equal(t, tr.Counts.Images, tr.ImagesOwned)
		owned += tr.ImagesOwned
		containers += tr.Counts.Containers

		resp, page := env.get(t, "/status")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, page, fmt.Sprintf(`<span data-k="shard_of">shard %d of 2</span>`, i))
		require.Contains(t, page, fmt.Sprintf(`shard %d of 2: owns <span data-k="images_owned">%d</span> of <span data-k="images_discovered">3</span> images`,
			i, tr.ImagesOwned))
	}
	require.Equal(t, 3, owned, "each image is owned by one shard")
	require.Equal(t, 4, containers, "each container is counted by one shard")
}

func TestStatusPageHidesShardsWhenNotSharded(t *testing.T) {
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	_, page := env.get(t, "/status")
	require.NotContains(t, page, "images_owned")
	require.NotContains(t, page, "shard_of")
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234: "1,234", 4900: "4,900",
		100000: "100,000", 1234567: "1,234,567", -1234: "-1,234", -123: "-123"} {
		require.Equal(t, want, thousands(n), n)
	}
}
