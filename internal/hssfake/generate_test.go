package hssfake

import (
	"math/rand"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a := Generate(GenerateOptions{Seed: 42, Containers: 500})
	b := Generate(GenerateOptions{Seed: 42, Containers: 500})
	c := Generate(GenerateOptions{Seed: 43, Containers: 500})
	require.Equal(t, a.Containers(), b.Containers())
	require.Equal(t, a.Images(), b.Images())
	require.NotEqual(t, a.Containers(), c.Containers())
}

func TestGenerateLooksLikeARealEstate(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 1, Containers: 20_000})
	cs := f.Containers()
	require.Len(t, cs, 20_000)
	truth := f.Truth(AllEnterpriseProjects)
	require.Equal(t, 20_000, truth.Containers)

	counts := []int{}
	zero := 0
	for _, n := range truth.Images {
		counts = append(counts, n)
		if n == 0 {
			zero++
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(counts)))
	top := counts[0] + counts[1] + counts[2] + counts[3] + counts[4]
	require.Greater(t, top, 20_000/2, "a few images carry most containers")
	require.Greater(t, zero, len(counts)/10, "some images carry none")

	var docker, public, secret int
	ids := map[string]bool{}
	for _, c := range cs {
		require.False(t, ids[c.ID], "container ids are unique")
		ids[c.ID] = true
		if c.PodID == "" {
			docker++
			require.Empty(t, c.PodName)
		}
		if c.PublicIP != "" {
			public++
		}
		if strings.Contains(c.EntryPoint, "password") || strings.Contains(c.EntryPoint, "requirepass") {
			secret++
		}
		require.NotEmpty(t, c.HostID)
		require.NotEmpty(t, c.AgentID)
	}
	require.InDelta(t, 0.30, float64(docker)/20_000, 0.03, "plain Docker share")
	require.InDelta(t, 0.05, float64(public)/20_000, 0.03, "public IP share")
	require.Greater(t, secret, 100)

	def := f.Truth("")
	require.Less(t, def.Containers, truth.Containers, "some containers are in other enterprise projects")
	require.Greater(t, def.Containers, truth.Containers/2)
	require.NotEmpty(t, f.Truth(GeneratedEnterpriseProjectA).Images)
}

func TestGenerateSizes(t *testing.T) {
	t.Parallel()
	require.Len(t, Generate(GenerateOptions{Containers: 1}).Containers(), MinGeneratedContainers)
	small := Generate(GenerateOptions{Seed: 9, Containers: 10})
	require.Len(t, small.Containers(), 10)
	require.NotEmpty(t, small.Truth(AllEnterpriseProjects).Hosts)
	f := Generate(GenerateOptions{Seed: 7, Containers: 1_000_000})
	require.Len(t, f.Containers(), MaxGeneratedContainers, "capped at the largest fleet")
}

// BenchmarkGenerate generates the largest fleet the stand-in serves: the
// benchmarks and the demo start with it, so it should take well under a
// second.
func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate(GenerateOptions{Seed: 7, Containers: MaxGeneratedContainers})
	}
}

func TestChurnWhileServing(t *testing.T) {
	t.Parallel()
	clock := newClock()
	f := Generate(GenerateOptions{Seed: 5, Containers: 300})
	s := startServer(t, testOptions(clock, f))
	before := f.Containers()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewSource(1))
		for range 50 {
			s.Churn(rng, 5)
		}
	}()
	for range 20 {
		require.Equal(t, 200, get(t, s, clock, containersPath, "limit=200&enterprise_project_id=all_granted_eps").status)
	}
	wg.Wait()

	added, removed := s.Churn(rand.New(rand.NewSource(2)), 40)
	require.Equal(t, 40, added+removed)
	after := f.Containers()
	require.NotEqual(t, before, after)
	require.Len(t, after, f.Truth(AllEnterpriseProjects).Containers)

	// The listing follows the change: paging the whole fleet finds exactly
	// the containers now in it.
	var got []string
	for offset := 0; ; offset += 200 {
		var page containerPage
		get(t, s, clock, containersPath, rawQuery("enterprise_project_id", AllEnterpriseProjects,
			"offset", itoa(offset), "limit", "200")).decode(t, &page)
		for _, c := range page.DataList {
			got = append(got, c.ContainerID)
		}
		if len(page.DataList) < 200 {
			break
		}
	}
	want := []string{}
	for _, c := range after {
		want = append(want, c.ID)
	}
	require.ElementsMatch(t, want, got)
}

func TestSetFleetAndRemoveContainer(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, nil))
	var page containerPage
	get(t, s, clock, containersPath, "").decode(t, &page)
	require.Zero(t, page.TotalNum)

	f := smallFleet()
	s.SetFleet(f)
	get(t, s, clock, containersPath, "image_name=nginx").decode(t, &page)
	require.EqualValues(t, 3, page.TotalNum)
	require.True(t, f.RemoveContainer("c3"))
	require.False(t, f.RemoveContainer("c3"))
	get(t, s, clock, containersPath, "image_name=nginx").decode(t, &page)
	require.EqualValues(t, 2, page.TotalNum)
	require.Equal(t, map[HostKey]int{{"h1", "node-1"}: 1, {"h2", "node-2"}: 2}, f.Truth("").Hosts)
	require.Equal(t, map[PodKey]int{{"p1", "web-abc"}: 1}, f.Truth("").Pods)
	require.Panics(t, func() { f.AddContainer(Container{ID: "x", ImageID: "missing"}) })
}

func TestChurnLeavesAKeptImagesContainers(t *testing.T) {
	t.Parallel()
	f := Generate(GenerateOptions{Seed: 5, Containers: 30})
	kept := f.Containers()[0].ImageID
	f.KeepImage(kept)
	of := func() (n int) {
		for _, c := range f.Containers() {
			if c.ImageID == kept {
				n++
			}
		}
		return n
	}
	before := of()
	rng := rand.New(rand.NewSource(1))
	for range 100 {
		f.Churn(rng, 5)
	}
	require.GreaterOrEqual(t, of(), before, "churn removed none of the kept image's containers")
}
