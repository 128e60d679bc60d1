package shard

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestJumpMatchesThePublishedAlgorithm checks Jump against values other
// implementations of Lamping and Veach's algorithm give, so ours is the
// algorithm and not a look-alike.
func TestJumpMatchesThePublishedAlgorithm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		key     uint64
		buckets int
		want    int
	}{
		{1, 1, 0},
		{1, 10, 6},
		{1, 100, 55},
		{2, 100, 62},
		{0xdeadbeef, 1000, 285},
		{10863919174838991, 11, 6},
		{2016238256797177309, 11, 3},
		{12345, 0, 0}, // fewer than one bucket counts as one
	}
	for _, c := range cases {
		require.Equal(t, c.want, Jump(c.key, c.buckets), "Jump(%d, %d)", c.key, c.buckets)
	}
}

// TestOwnerIsPinned fixes the owner of a few images for good: a change here
// moves images between shards at an upgrade, so running a mixed-version
// replica set would count some containers twice and others not at all.
func TestOwnerIsPinned(t *testing.T) {
	t.Parallel()
	require.Equal(t, uint64(0xcbf29ce484222325), Hash(""), "FNV-1a 64 offset basis")
	require.Equal(t, uint64(0xaf63dc4c8601ec8c), Hash("a"), "FNV-1a 64 of \"a\"")
	cases := []struct {
		target, name, version, digest string
		key                           string
		hash                          uint64
		of2, of3, of4, of16           int
	}{
		{"prod", "nginx", "1.25", "sha256:aaaa", "prod/nginx:1.25@sha256:aaaa", 0x96c78e5b3e124bf6, 0, 0, 0, 12},
		{"prod", "redis", "7.2", "", "prod/redis:7.2@", 0x62debc83920ceebd, 1, 1, 1, 7},
		{"prod", "", "", "sha256:bbbb", "prod/:@sha256:bbbb", 0xf123915edbc61802, 1, 1, 1, 13},
		{"eu", "swr.cn-north-4.myhuaweicloud.com/shop/web", "2.1", "sha256:0123456789abcdef",
			"eu/swr.cn-north-4.myhuaweicloud.com/shop/web:2.1@sha256:0123456789abcdef", 0x1639879a4670fa09, 1, 1, 3, 9},
	}
	for _, c := range cases {
		key := Key(c.target, c.name, c.version, c.digest)
		require.Equal(t, c.key, key)
		require.Equal(t, c.hash, Hash(key), key)
		require.Equal(t, []int{0, c.of2, c.of3, c.of4, c.of16},
			[]int{Of(key, 1), Of(key, 2), Of(key, 3), Of(key, 4), Of(key, 16)}, key)
	}
}

func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = Key("prod", fmt.Sprintf("swr.example.com/team-%d/app-%d", i%37, i), fmt.Sprintf("v%d", i%11),
			fmt.Sprintf("sha256:%064x", i*7919))
	}
	return out
}

// TestChangingTheShardCountMovesAboutOneInM: growing from m to m+1 shards
// moves about 1/(m+1) of the images, all of them to the new shard, so a
// rollout re-lists a fraction of the fleet rather than all of it.
func TestChangingTheShardCountMovesAboutOneInM(t *testing.T) {
	t.Parallel()
	ks := keys(10_000)
	for _, c := range []struct{ from, to int }{{1, 2}, {3, 4}, {4, 5}, {7, 8}} {
		moved := 0
		for _, k := range ks {
			before, after := Of(k, c.from), Of(k, c.to)
			if before != after {
				moved++
				require.Equal(t, c.to-1, after, "an image moves only to the new shard")
			}
		}
		share := float64(moved) / float64(len(ks))
		want := 1 / float64(c.to)
		t.Logf("%d -> %d shards: %.1f%% moved (ideal %.1f%%)", c.from, c.to, 100*share, 100*want)
		require.InDelta(t, want, share, 0.05, "%d -> %d shards", c.from, c.to)
	}
	moved := 0
	for _, k := range ks {
		if Of(k, 4) != Of(k, 5) {
			moved++
		}
	}
	require.True(t, moved >= 1500 && moved <= 2500, "4 -> 5 shards moved %d of 10,000 images", moved)
}

// TestShardsAreBalanced: each shard owns within 10% of an equal share.
func TestShardsAreBalanced(t *testing.T) {
	t.Parallel()
	ks := keys(10_000)
	for _, m := range []int{2, 3, 4, 5, 8} {
		counts := make([]int, m)
		for _, k := range ks {
			counts[Of(k, m)]++
		}
		mean := float64(len(ks)) / float64(m)
		for i, n := range counts {
			require.InDelta(t, mean, float64(n), 0.1*mean, "%d shards: shard %d owns %d (mean %.0f): %v", m, i, n, mean, counts)
		}
	}
}

func TestSpecValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		spec Spec
		err  string
	}{
		{Spec{0, 1}, ""},
		{Spec{3, 4}, ""},
		{Spec{4, 4}, "--shard=4: must be between 0 and --total-shards-1 (3)"},
		{Spec{-1, 2}, "--shard=-1"},
		{Spec{0, 0}, "--total-shards=0: must be at least 1"},
	}
	for _, c := range cases {
		err := c.spec.Validate()
		if c.err == "" {
			require.NoError(t, err, c.spec)
			continue
		}
		require.ErrorContains(t, err, c.err)
	}
	require.Equal(t, 1, Spec{}.Count(), "the zero value is one shard")
	require.False(t, Spec{}.Sharded())
	require.True(t, Spec{Index: 1, Total: 2}.Owns(Key("prod", "redis", "7.2", "")))
	require.Equal(t, "shard 2 of 4", Spec{2, 4}.String())
}

func TestOrdinalFromPodName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env  map[string]string
		want int
		err  string
	}{
		{map[string]string{"HOSTNAME": "hss-exporter-3"}, 3, ""},
		{map[string]string{"HOSTNAME": "hss-exporter-12"}, 12, ""},
		{map[string]string{"HOSTNAME": "node-a", "POD_NAME": "hss-exporter-1"}, 1, ""},
		{map[string]string{"HOSTNAME": "hss-exporter-7f9c6d-x2x9q"}, 0, `HOSTNAME="hss-exporter-7f9c6d-x2x9q": pod name does not end in -<ordinal>`},
		{map[string]string{"POD_NAME": "hss-exporter-"}, 0, `POD_NAME="hss-exporter-"`},
		{map[string]string{"HOSTNAME": "3"}, 0, "does not end in -<ordinal>"},
		{map[string]string{"HOSTNAME": "x-99999999999999999999999"}, 0, "does not end in -<ordinal>"},
		{map[string]string{}, 0, "neither POD_NAME nor HOSTNAME is set"},
	}
	for _, c := range cases {
		got, err := FromPodName(func(k string) string { return c.env[k] })
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.env)
			continue
		}
		require.NoError(t, err, c.env)
		require.Equal(t, c.want, got, c.env)
	}
}
