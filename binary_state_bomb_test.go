package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// TestBinarySetsAStateBombAsideWithinBoundedMemory puts in the built
// exporter's --storage.path a state file of a few MB that inflates to
// 900 MiB (one endless string; an endless list of rows under the target's
// own head): each is set aside at once, the inventory is rebuilt from the
// API, and the exporter's peak RSS stays at most 100 MiB.
func TestBinarySetsAStateBombAsideWithinBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/<pid>/status")
	}
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 9, Containers: 400, Images: 12})
	fake := startStandIn(t, hssfake.DemoOptions(fleet))
	truth := fleet.Truth(hssfake.AllEnterpriseProjects)
	store, args := stateExporter(t, fake.URL)
	path := filepath.Join(store, "prod.state.json.gz")
	exact := func(base string) bool {
		st, ok := benchStatus(base)
		return ok && st.Counts.Containers == truth.Containers && st.Listing.ImagesPending == 0
	}

	// A first run writes a real state file, whose head the bombs carry.
	r := startBinary(t, args...)
	require.Eventually(t, func() bool { return exact(r.base) }, 30*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)
	require.Eventually(t, func() bool { return stateWrittenAfter(t, store, time.Time{}) }, 15*time.Second, 50*time.Millisecond)
	rest := procStatusKiB(t, r.cmd.Process.Pid, "VmHWM")
	r.kill()
	doc := readAll(t, path)
	head := doc[:strings.Index(doc, `"images":[`)+len(`"images":[`)]

	for _, bomb := range []struct{ name, head, fill, tail string }{
		{"one endless string", `{"format":"hss_exporter/target-state","version":1,"target":"prod","config":"`, "x", `"}`},
		{"an endless list of rows", head + `{"name":"n","listed":true,"rows":[`,
			`{"container_id":"c","container_name":"n","host_id":"h"},`, `{}]}]}`},
	} {
		var content bytes.Buffer
		require.NoError(t, testtool.WriteGzipBomb(&content, bomb.head, bomb.fill, 900<<20, bomb.tail))
		require.NoError(t, os.WriteFile(path, content.Bytes(), 0o600))
		fake.ResetCounts()
		began := time.Now()
		r := launchBinary(t, args...)
		require.Eventually(t, func() bool { _, err := os.Stat(path + ".bad"); return err == nil },
			10*time.Second, 5*time.Millisecond, "%s: set aside; logs:\n%s", bomb.name, r.logs)
		aside := time.Since(began)
		r.waitListening(t)
		require.Eventually(t, func() bool { return exact(r.base) }, 30*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)
		require.Contains(t, r.logs.String(), "state file set aside; starting empty")
		require.Positive(t, fake.RequestsFor(hssfake.OpListLocalImageContainers), "rebuilt from the API")
		peak := procStatusKiB(t, r.cmd.Process.Pid, "VmHWM")
		t.Logf("%s: %.1f MB inflating to 900 MiB set aside %v after the start; peak RSS %d MiB (a normal run's %d MiB)",
			bomb.name, float64(content.Len())/1e6, aside.Round(time.Millisecond), peak>>10, rest>>10)
		require.LessOrEqual(t, peak, 100<<10, "peak RSS at most 100 MiB")
		r.kill()
		require.NoError(t, os.Remove(path+".bad"))
	}
}
