package hssfake

import (
	"math/rand"
	"testing"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

// These tests hold ListContainers to the local-image listing: the same pod
// containers under the same names, through churn.

// podIdentity is what both listings say of a pod container.
type podIdentity struct{ name, pod, image string }

// localPods lists every image, then each image's containers, as a client
// of the local-image APIs does, and returns the pod containers by ID with
// their image named name:version.
func localPods(t *testing.T, s *Server, clock *testclock.Clock) map[string]podIdentity {
	t.Helper()
	all := AllEnterpriseProjects
	var images imagePage
	get(t, s, clock, imagesPath, rawQuery("enterprise_project_id", all, "limit", "200")).decode(t, &images)
	require.Len(t, images.DataList, int(images.TotalNum), "one page holds every image")
	out := map[string]podIdentity{}
	for _, img := range images.DataList {
		for offset := 0; offset < int(img.ContainerNum); offset += 200 {
			var page containerPage
			get(t, s, clock, containersPath, rawQuery("enterprise_project_id", all, "image_name", img.ImageName,
				"image_version", img.ImageVersion, "offset", itoa(offset), "limit", "200")).decode(t, &page)
			for _, c := range page.DataList {
				if c.PodID != "" {
					out[c.ContainerID] = podIdentity{c.ContainerName, c.PodName, img.ImageName + ":" + img.ImageVersion}
				}
			}
		}
	}
	return out
}

func kubePods(rows []containerBaseInfo) map[string]podIdentity {
	out := map[string]podIdentity{}
	for _, r := range rows {
		out[r.ContainerID] = podIdentity{r.ContainerName, r.PodName, r.ImageName}
	}
	return out
}

func TestListContainersNamesThePodContainersOfTheLocalImageListing(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, Generate(GenerateOptions{Seed: 8, Containers: 1500})))
	rows := kubeRows(t, s, clock, 200, "enterprise_project_id", AllEnterpriseProjects)
	require.Equal(t, localPods(t, s, clock), kubePods(rows),
		"the same container_ids, with the same container, pod and image names")
	for _, r := range rows {
		require.Equal(t, DemoRegion, r.RegionID)
		require.NotEmpty(t, r.ID)
		require.Contains(t, []string{KubeRunning, KubeWaiting, KubeTerminated}, r.Status)
		require.Contains(t, []string{ClusterCCE, ClusterSelfBuiltIDC, ClusterK8s}, r.ClusterType)
		require.True(t, r.RestartCount >= 0 && r.RestartCount <= MaxRestartCount, r.RestartCount)
		require.Equal(t, r.LowRisk+r.MediumRisk+r.HighRisk+r.FatalRisk > 0, r.Risky)
		require.Positive(t, r.CreateTime)
	}
}

func TestChurnKeepsBothListingsConsistent(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, Generate(GenerateOptions{Seed: 9, Containers: 600})))
	before := kubePods(kubeRows(t, s, clock, 200, "enterprise_project_id", AllEnterpriseProjects))
	rng := rand.New(rand.NewSource(1))
	for range 3 {
		s.Churn(rng, 80)
		rows := kubeRows(t, s, clock, 200, "enterprise_project_id", AllEnterpriseProjects)
		require.Equal(t, localPods(t, s, clock), kubePods(rows))
		require.Equal(t, len(rows), s.Fleet().ClusterTruth(AllEnterpriseProjects).Containers)
	}
	after := kubePods(kubeRows(t, s, clock, 200, "enterprise_project_id", AllEnterpriseProjects))
	var gone, added int
	for id := range before {
		if _, ok := after[id]; !ok {
			gone++
		}
	}
	for id := range after {
		if _, ok := before[id]; !ok {
			added++
		}
	}
	require.Positive(t, gone, "churn removed pod containers")
	require.Positive(t, added, "churn added pod containers")
}
