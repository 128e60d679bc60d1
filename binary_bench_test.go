package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/statuspage"
)

// BenchmarkBinaryMemory runs the built exporter against the reference
// fleet (100,000 containers on 5,000 images, 3,000 hosts and 50,000 pods,
// container_info on) with the budget raised and its state kept on disk,
// over five sweeps with churn between them, and reports its peak RSS, which must stay at or under
// 256 MiB: docs/design.md sizes a pod at 512 MiB per 100,000 containers.
// Then it starts the exporter again on the state it left, and reports
// the peak RSS of restoring it and of the restart (restoring, then
// listing again what is due), which must stay at or under the steady
// state's.
// Run with -benchtime 1x; it takes about a minute.
func BenchmarkBinaryMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc/<pid>/status")
	}
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 1, Containers: 100_000, Images: 5_000, Hosts: 3_000, Pods: 50_000})
	fake := startStandIn(b, hssfake.DemoOptions(fleet))
	dir := b.TempDir()
	cfg := filepath.Join(dir, "hss.yml")
	require.NoError(b, os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  refresh_interval: 10s
  request_timeout: 5s
  max_staleness: 10m
  max_concurrency: 8
  requests_per_second: 1000
  api_calls_per_minute: 100000
targets:
  - name: reference
    region: %s
    project_id: %s
    endpoint: %s
    enterprise_project_id: all_granted_eps
    auth: {access_key: %s, secret_key: %s}
    images: {discover: true}
    container_info: true
`, hssfake.DemoRegion, hssfake.DemoProjectID, fake.URL, hssfake.DemoAccessKey, hssfake.DemoSecretKey)), 0o600))

	for b.Loop() {
		store := filepath.Join(b.TempDir(), "state")
		r := startBinary(b, "--config.file="+cfg, "--refresh.jitter=0", "--storage.path="+store)
		cmd, base, logs := r.cmd, r.base, r.logs
		var peakAt atomic.Value
		stopSampling, sampled := make(chan struct{}), make(chan struct{})
		go func() { // when the peak happens, to tell what makes it
			defer close(sampled)
			most := 0
			for {
				select {
				case <-stopSampling:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if rss := procStatusKiB(b, cmd.Process.Pid, "VmRSS") >> 10; rss > most {
					most = rss
					peakAt.Store(fmt.Sprintf("%d MiB at %s:%s", rss, time.Now().Format("15:04:05.000"), heapFigures(base)))
				}
			}
		}()
		rng := rand.New(rand.NewSource(2))
		var rss []int
		for sweep := range 5 {
			if sweep > 0 {
				fake.Churn(rng, 500)
				// A refresh_interval on, every image is due again, and the
				// churned ones are pending after the next discovery.
				time.Sleep(11 * time.Second)
			}
			require.Eventually(b, func() bool {
				st, ok := benchStatus(base)
				return ok && st.Listing.ImagesPending == 0 && st.Counts.Containers > 0
			}, 2*time.Minute, 200*time.Millisecond, "logs:\n%s", logs)
			rss = append(rss, procStatusKiB(b, cmd.Process.Pid, "VmRSS")>>10)
			b.Logf("sweep %d at %s: RSS %d MiB, %s", sweep+1, time.Now().Format("15:04:05.000"), rss[len(rss)-1], heapFigures(base))
		}
		close(stopSampling)
		<-sampled
		peak := procStatusKiB(b, cmd.Process.Pid, "VmHWM") >> 10
		r.stop(b, os.Interrupt) // writes its last state, as at a rollout
		b.Logf("RSS after each sweep: %v MiB; peak %d MiB; highest sampled %v", rss, peak, peakAt.Load())
		if fi, err := os.Stat(filepath.Join(store, "reference.state.json.gz")); err == nil {
			b.ReportMetric(float64(fi.Size())/(1<<20), "MiB-state-file")
		}
		b.ReportMetric(float64(peak), "MiB-peak-rss")
		b.ReportMetric(float64(rss[len(rss)-1]), "MiB-rss-last")
		if peak > 256 {
			b.Errorf("peak RSS %d MiB, want at most 256 MiB", peak)
		}
		restored, restart := restartPeak(b, cfg, store)
		b.ReportMetric(float64(restored), "MiB-restore-peak-rss")
		b.ReportMetric(float64(restart), "MiB-restart-peak-rss")
		if restart > peak {
			b.Errorf("restart peak RSS %d MiB, above the steady state's %d MiB", restart, peak)
		}
	}
}

// restartPeak starts bin on the state in store, and returns its peak RSS
// in MiB once it serves the restored inventory (restoring: reading the
// file, building the inventory, its first publish) and once it has listed
// again what its first discovery found due (restart).
func restartPeak(b *testing.B, cfg, store string) (restoring, restart int) {
	began := time.Now()
	r := launchBinary(b, "--config.file="+cfg, "--refresh.jitter=0", "--storage.path="+store)
	defer r.kill()
	r.waitListening(b)
	cmd, base, logs := r.cmd, r.base, r.logs
	require.Eventually(b, func() bool {
		st, ok := benchStatus(base)
		return ok && st.Counts.Containers > 0
	}, time.Minute, 20*time.Millisecond, "logs:\n%s", logs)
	served, restored := time.Since(began), procStatusKiB(b, cmd.Process.Pid, "VmHWM")>>10
	require.Contains(b, logs.String(), "state restored")
	require.Eventually(b, func() bool {
		st, ok := benchStatus(base)
		return ok && st.Listing.ImagesPending == 0
	}, 2*time.Minute, 200*time.Millisecond, "logs:\n%s", logs)
	peak := procStatusKiB(b, cmd.Process.Pid, "VmHWM") >> 10
	b.Logf("restart: served %v after the start at a peak RSS of %d MiB; %d MiB once the due images were listed again,%s",
		served.Round(time.Millisecond), restored, peak, heapFigures(base))
	return restored, peak
}

// benchTarget is what the benchmark reads of /api/v1/status.
type benchTarget struct {
	Counts  statuspage.CountsReport  `json:"counts"`
	Listing statuspage.ListingReport `json:"listing"`
}

func benchStatus(base string) (benchTarget, bool) {
	code, body, err := httpGet(http.DefaultClient, base+"/api/v1/status")
	if err != nil || code != http.StatusOK {
		return benchTarget{}, false
	}
	var r struct {
		Targets []benchTarget `json:"targets"`
	}
	if json.Unmarshal([]byte(body), &r) != nil || len(r.Targets) != 1 {
		return benchTarget{}, false
	}
	return r.Targets[0], true
}

// heapFigures reads the exporter's own heap figures from /metrics.
func heapFigures(base string) string {
	_, text, err := httpGet(http.DefaultClient, base+"/metrics")
	if err != nil {
		return err.Error()
	}
	out := ""
	for _, name := range []string{"go_memstats_heap_inuse_bytes", "go_memstats_heap_idle_bytes",
		"go_memstats_heap_released_bytes", "go_memstats_next_gc_bytes", "go_memstats_sys_bytes"} {
		for _, line := range strings.Split(text, "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				out += fmt.Sprintf(" %s=%.0fMiB", strings.TrimPrefix(strings.TrimSuffix(name, "_bytes"), "go_memstats_"), f/(1<<20))
			}
		}
	}
	return out
}
