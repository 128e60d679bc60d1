package hssclient_test

import (
	"context"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// imagesByContainer lists the inventory as a refresh does and names each
// container's image, for ListContainers' rows to join by container_id.
func imagesByContainer(t *testing.T, c *hssclient.Client) map[string]hssclient.LocalImage {
	t.Helper()
	ctx := context.Background()
	all := hssfake.AllEnterpriseProjects
	var images []hssclient.LocalImage
	require.NoError(t, c.EachImage(ctx, hssclient.ListImagesRequest{EnterpriseProjectID: all}, func(img hssclient.LocalImage) error {
		images = append(images, img)
		return nil
	}))
	out := map[string]hssclient.LocalImage{}
	for _, img := range images {
		require.NoError(t, c.EachContainer(ctx, hssclient.ListContainersRequest{EnterpriseProjectID: all,
			ImageName: img.ImageName, ImageVersion: img.ImageVersion}, func(ct hssclient.Container) error {
			out[ct.ContainerID] = img
			return nil
		}))
	}
	return out
}

// clusterCounts reads every ListContainers row into the shape of the
// stand-in's truth, the image of each taken from the inventory.
func clusterCounts(t *testing.T, c *hssclient.Client, imageOf map[string]hssclient.LocalImage) hssfake.ClusterTruth {
	t.Helper()
	got := hssfake.ClusterTruth{States: map[hssfake.ClusterStateKey]int{}, Images: map[hssfake.ClusterImageKey]int{},
		Restarts: map[string]int{}, Risky: map[hssfake.ClusterSeverityKey]int{},
		ByContainer: map[string]hssfake.ContainerCluster{}}
	err := c.EachClusterContainer(context.Background(), hssclient.ListClusterContainersRequest{
		EnterpriseProjectID: hssfake.AllEnterpriseProjects}, func(r hssclient.ClusterContainer) error {
		img, ok := imageOf[r.ContainerID]
		require.True(t, ok, "container %s joins the inventory", r.ContainerID)
		got.Containers++
		cluster := hssfake.Cluster{Name: r.ClusterName, ID: r.ClusterID, Type: r.ClusterType}
		got.States[hssfake.ClusterStateKey{Cluster: cluster, Status: r.Status}]++
		got.Images[hssfake.ClusterImageKey{ClusterName: r.ClusterName, ImageName: img.ImageName, ImageVersion: img.ImageVersion}]++
		got.Restarts[r.ClusterName] += int(r.RestartCount)
		for sev, n := range map[string]int64{hssfake.SeverityFatal: r.FatalRisk, hssfake.SeverityHigh: r.HighRisk,
			hssfake.SeverityMedium: r.MediumRisk, hssfake.SeverityLow: r.LowRisk} {
			key := hssfake.ClusterSeverityKey{ClusterName: r.ClusterName, Severity: sev}
			got.Risky[key] += 0
			if n > 0 {
				got.Risky[key]++
			}
		}
		got.ByContainer[r.ContainerID] = hssfake.ContainerCluster{ClusterName: r.ClusterName, Status: r.Status}
		return nil
	})
	require.NoError(t, err)
	return got
}

func TestEachClusterContainerReadsTheStandInsTruth(t *testing.T) {
	t.Parallel()
	srv := startFake(t, 3000)
	c := fakeClient(t, srv, demoAKSK(), nil)
	imageOf := imagesByContainer(t, c)
	srv.ResetCounts()
	got := clusterCounts(t, c, imageOf)
	truth := srv.Fleet().ClusterTruth(hssfake.AllEnterpriseProjects)
	require.Equal(t, truth, got)
	require.Greater(t, truth.Containers, 1000)
	require.Len(t, truth.Restarts, 3, "three clusters")
	pages := (truth.Containers + hssclient.MaxPageSize - 1) / hssclient.MaxPageSize
	require.Equal(t, pages, srv.Requests(hssfake.OpListContainers, 200),
		"one call per 200 cluster containers, rounded up")
	require.Equal(t, pages, srv.RequestsFor(hssfake.OpListContainers), "and no other call")
}

func TestEachClusterContainerOfAnAccountWithoutKubernetesCostsOneCall(t *testing.T) {
	t.Parallel()
	fleet := hssfake.NewFleet([]hssfake.Image{{ID: "img", Name: "nginx", Version: "1"}},
		[]hssfake.Container{{ImageID: "img", ID: "d1", Name: "/web", HostID: "h1"}})
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	c := fakeClient(t, srv, demoAKSK(), nil)
	rows := 0
	require.NoError(t, c.EachClusterContainer(context.Background(), hssclient.ListClusterContainersRequest{},
		func(hssclient.ClusterContainer) error { rows++; return nil }))
	require.Zero(t, rows, "a plain Docker container is no cluster container")
	require.Equal(t, 1, srv.RequestsFor(hssfake.OpListContainers))
}

func TestEachClusterContainerFollowsChurnAndReportsAListThatMoved(t *testing.T) {
	t.Parallel()
	srv := startFake(t, 1500)
	c := fakeClient(t, srv, demoAKSK(), func(cfg *hssclient.Config) { cfg.PageSize = 100 })
	srv.SetFaults(hssfake.Faults{RemoveHeadRows: 5, MovingPages: 1})
	var moved *hssclient.MovedError
	err := c.EachClusterContainer(context.Background(), hssclient.ListClusterContainersRequest{
		EnterpriseProjectID: hssfake.AllEnterpriseProjects}, func(hssclient.ClusterContainer) error { return nil })
	require.ErrorAs(t, err, &moved, "containers stopped between two pages")
	require.Equal(t, hssclient.OpListClusterContainers, moved.Operation)
	require.Equal(t, hssclient.MovedTotalChanged, moved.Reason)

	srv.ClearFaults()
	srv.Churn(rand.New(rand.NewSource(5)), 100)
	require.Equal(t, srv.Fleet().ClusterTruth(hssfake.AllEnterpriseProjects), clusterCounts(t, c, imagesByContainer(t, c)),
		"the next listing after churn is the truth again")
}
