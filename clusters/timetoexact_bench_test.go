package clusters

import (
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// BenchmarkInventoryTimeToExact is how long the inventory takes from
// start until it names the image of every pod container, at HSS's
// documented 5 calls per API a minute (a minute shortened to a second),
// with the cluster source off and on: the source spends only its own
// operation's budget, so the two should be within noise.
func BenchmarkInventoryTimeToExact(b *testing.B) {
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 300, Images: 12})
	truth := fleet.ClusterTruth("")
	for _, tc := range []struct {
		name string
		off  bool
	}{{"clusters=off", true}, {"clusters=on", false}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				r := newRig(b, fleet, rigOptions{perMinute: 5, minute: time.Second, interval: time.Hour, noRun: tc.off})
				for !r.inventoryExact(truth) {
					time.Sleep(time.Millisecond)
				}
				r.stop()
			}
		})
	}
}
