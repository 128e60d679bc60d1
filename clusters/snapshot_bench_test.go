package clusters

import (
	"strconv"
	"testing"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

// BenchmarkSnapshotOf100kContainers builds one sweep's snapshot of
// 100,000 pod containers in 20 clusters, every one joined to the
// inventory's image: the work of a sweep besides its 500 calls.
func BenchmarkSnapshotOf100kContainers(b *testing.B) {
	const n = 100_000
	rows := make([]hssclient.ClusterContainer, n)
	images := make(map[string]collector.ContainerImage, n)
	for i := range rows {
		id := strconv.Itoa(i)
		rows[i] = hssclient.ClusterContainer{ContainerID: id, ClusterName: "cluster-" + strconv.Itoa(i%20),
			ClusterID: "c" + strconv.Itoa(i%20), ClusterType: "cce", Status: "Running", RestartCount: int64(i % 3),
			ImageName: "app-" + strconv.Itoa(i%500) + ":1.0", FatalRisk: int64(i % 7 / 6)}
		images[id] = collector.ContainerImage{Name: "app-" + strconv.Itoa(i%500), Version: "1.0"}
	}
	b.ReportAllocs()
	for b.Loop() {
		bld := newBuilder(images, false)
		for _, r := range rows {
			_ = bld.add(r)
		}
	}
}
