package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
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

// hugeBodyShapes are 200 MB answers of every shape: one endless string,
// endless rows, an endless unknown key, white space.
var hugeBodyShapes = [][2]string{
	{`{"total_num": 1, "data_list": [{"container_id": "`, strings.Repeat("x", 4096)},
	{`{"total_num": 9, "data_list": [`, strings.Repeat(`{"container_id": "c", "host_id": "h", "entry_point": "run"},`, 64)},
	{`{"total_num": 1, "pad": [`, strings.Repeat(`[1, 2, {"a": "b"}], `, 128)},
	{``, strings.Repeat(" ", 4096)},
}

// writeHugeBody streams 200 MB of shape without a Content-Length, until
// the client hangs up.
func writeHugeBody(w http.ResponseWriter, shape [2]string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(shape[0]); err != nil {
		return
	}
	for sent := len(shape[0]); sent < 200<<20; sent += len(shape[1]) {
		if _, err := bw.WriteString(shape[1]); err != nil {
			return
		}
	}
	_ = bw.Flush()
}

// procStatusKiB reads a field of /proc/<pid>/status, in KiB.
func procStatusKiB(t testing.TB, pid int, field string) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestBinaryMemoryStaysBoundedUnderHugeAnswers runs the built exporter at
// max_concurrency 4 against an API that, after a first good refresh,
// answers every container listing 200 with 200 MB: the peak RSS stays
// within 100 MiB of the RSS at rest, and the counts stay as they were.
func TestBinaryMemoryStaysBoundedUnderHugeAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits for a second refresh")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/<pid>/status")
	}
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 3, Containers: 400, Images: 12})
	fake := startStandIn(t, hssfake.DemoOptions(fleet))
	upstream, err := url.Parse(fake.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	var huge atomic.Bool
	var served atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if huge.Load() && strings.HasSuffix(r.URL.Path, "/image/local/containers") {
			writeHugeBody(w, hugeBodyShapes[int(served.Add(1))%len(hugeBodyShapes)])
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)

	cfg := leakConfig(t, api.URL, "      access_key: "+hssfake.DemoAccessKey+"\n      secret_key_file: DIR/demo-sk", "")
	text, err := os.ReadFile(cfg)
	require.NoError(t, err)
	text = []byte(strings.Replace(string(text), "  max_staleness: 1m\n", "  max_staleness: 10m\n  max_concurrency: 4\n  requests_per_second: 50\n  api_calls_per_minute: 100000\n", 1))
	require.NoError(t, os.WriteFile(cfg, text, 0o600))

	r := startBinary(t, "--config.file="+cfg, "--refresh.jitter=0")
	cmd, base, logs := r.cmd, r.base, r.logs

	waitFor(t, http.DefaultClient, base+"/readyz", http.StatusOK)
	require.Eventually(t, func() bool { return statusOf(t, base).Counts.Containers == fleet.Truth("").Containers },
		30*time.Second, 100*time.Millisecond, "every container listed")
	time.Sleep(time.Second)
	before := statusOf(t, base)
	rest := procStatusKiB(t, cmd.Process.Pid, "VmRSS")

	huge.Store(true)
	// Every image's next listing meets 200 MB answers, at each page size.
	require.Eventually(t, func() bool { return served.Load() >= 4*int32(len(hugeBodyShapes)) },
		40*time.Second, 100*time.Millisecond, "no listing met the huge answers; logs:\n%s", logs.String())
	time.Sleep(time.Second) // the last of them read to their cap
	after := statusOf(t, base)
	peak := procStatusKiB(t, cmd.Process.Pid, "VmHWM")
	t.Logf("RSS at rest %d KiB, peak %d KiB (+%d KiB) over %d answers of 200 MB", rest, peak, peak-rest, served.Load())
	require.LessOrEqual(t, peak-rest, 100<<10, "peak RSS within 100 MiB of rest")
	require.Equal(t, before.Counts, after.Counts, "counts kept")
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
}

func statusOf(t *testing.T, base string) statuspage.TargetReport {
	t.Helper()
	code, body, err := httpGet(http.DefaultClient, base+"/api/v1/status")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	var r statuspage.StatusReport
	require.NoError(t, json.Unmarshal([]byte(body), &r))
	require.Len(t, r.Targets, 1)
	return r.Targets[0]
}
