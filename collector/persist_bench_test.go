package collector

import (
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// BenchmarkRestartFromStateFile is a restart's time to an exact inventory
// of 3,000 containers read back from the state file: the read, one
// discovery, and no listing (a test checks none is spent).
func BenchmarkRestartFromStateFile(b *testing.B) {
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 8, Containers: 3000})
	srv, dir := keptState(b, fleet, nil)
	b.ReportAllocs()
	for b.Loop() {
		e, stop := persistRun(b, srv, dir, nil)
		requireExact(b, e, srv, time.Minute)
		stop()
	}
}
