package collector

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

func TestViewReadsImagesBackFromTheSeries(t *testing.T) {
	t.Parallel()
	scanned := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	images := []hssfake.Image{
		{Name: "busy", Version: "1", ScanStatus: "success", SeverityLevel: "High", VulNum: 9, Size: 1000, LatestScanTime: scanned},
		{Name: "quiet", Version: "2", ScanStatus: "unscan"},
		{Name: "idle", Version: "3"},
	}
	fleet := hssfake.NewFleet(images, nil)
	ids := map[string]string{}
	for _, img := range fleet.Images() {
		ids[img.Name] = img.ID
	}
	for _, c := range []hssfake.Container{
		{ImageID: ids["busy"], ID: "b1", HostID: "h1", PublicIP: "203.0.113.1", EntryPoint: "run --password=s3cr3t"},
		{ImageID: ids["busy"], ID: "b2", HostID: "h1"},
		{ImageID: ids["busy"], ID: "b3", HostID: "h2"},
		{ImageID: ids["quiet"], ID: "q1", HostID: "h2", PublicIP: "203.0.113.2"},
	} {
		fleet.AddContainer(c)
	}
	cfg := config.Target{Name: "view", Images: config.Images{Discover: true}, ContainerInfo: true,
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 2, RefreshInterval: time.Minute, MaxStaleness: 10 * time.Minute}}
	env := newEnv(t, cfg, serving(fleet), startingAt(time.Now()))
	e, clock := env.e, env.clock

	v, ok := e.View("view")
	require.True(t, ok)
	require.Empty(t, v.Images, "nothing before the first refresh")
	require.Equal(t, 10*time.Minute, v.MaxStaleness)

	require.NoError(t, refreshOnce(t, e, "view"))
	v, _ = e.View("view")
	require.Len(t, v.Images, 3)
	busy := v.Images[0]
	require.Equal(t, "busy", busy.Name, "most containers first")
	require.Equal(t, ImageView{
		Name: "busy", Version: "1", Digest: busy.Digest, ID: ids["busy"], Type: "other_image",
		ScanStatus: "success", Severity: "High", Discovered: true, Vulnerabilities: 9, SizeBytes: 1000,
		ReportedContainers: 3, Hosts: 2, LastScan: scanned, Listed: true, Containers: 3, PublicContainers: 1,
	}, busy)

	top := v.TopImages(5)
	require.Len(t, top, 2, "an image without containers is not a top image")
	require.Equal(t, []string{"busy", "quiet"}, []string{top[0].Name, top[1].Name})
	require.Len(t, v.TopImages(1), 1)
	public := v.PublicImages()
	require.Len(t, public, 2)

	got, ok := v.Image("quiet", "2", v.Images[1].Digest)
	require.True(t, ok)
	require.Equal(t, 1, got.PublicContainers)
	_, ok = v.Image("quiet", "2", "sha256:other")
	require.False(t, ok)

	clock.Advance(11 * time.Minute)
	v, _ = e.View("view")
	require.Empty(t, v.Images, "expired data is not shown, as on /metrics")
	_, ok = e.View("nope")
	require.False(t, ok)
}
