package collector

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/statefile"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// persistRun runs an Exporter over srv with its state kept in dir until
// stop is called, which ends Run as SIGTERM does.
func persistRun(t testing.TB, srv *hssfake.Server, dir string, logs *testtool.SyncBuffer) (e *Exporter, stop func()) {
	t.Helper()
	cfg := config.Target{Name: "demo", EnterpriseProjectID: hssfake.AllEnterpriseProjects,
		Images: config.Images{Discover: true}, ContainerInfo: true, Settings: config.Settings{PageSize: 200,
			MaxConcurrency: 4, RefreshInterval: time.Hour, MaxStaleness: 2 * time.Hour}}
	stats := NewAPIStats()
	budget := budget.NewBudgets(budget.Options{}).For("ak:demo", 100000)
	client := demoClient(t, srv.URL, cfg, stats, 10*time.Second)
	var logger log.Logger = log.NewNopLogger()
	if logs != nil {
		logger = log.NewLogfmtLogger(logs)
	}
	e = newClockedExporter(nil, logger, []Target{{Config: cfg, API: client, Posture: client, Credentials: client, Pacer: budget, BudgetState: budget}}, stats,
		Options{PublishInterval: 10 * time.Millisecond, StatePath: dir, StateInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	once := sync.OnceFunc(func() { cancel(); wg.Wait() })
	t.Cleanup(once)
	return e, once
}

// requireExact waits until e serves exactly what srv holds.
func requireExact(t testing.TB, e *Exporter, srv *hssfake.Server, within time.Duration) {
	t.Helper()
	truth := srv.Fleet().Truth(hssfake.AllEnterpriseProjects)
	require.Eventually(t, func() bool {
		st := e.Status()[0]
		return st.Containers == truth.Containers && st.Hosts == len(truth.Hosts) && st.Pods == len(truth.Pods) &&
			st.ImagesPending == 0
	}, within, 10*time.Millisecond)
}

// keptState serves fleet from a stand-in, and runs an exporter that keeps
// its state in dir until fleet is listed exactly; check reads that
// exporter before it stops.
func keptState(t testing.TB, fleet *hssfake.Fleet, check func(*Exporter)) (srv *hssfake.Server, dir string) {
	t.Helper()
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	dir = t.TempDir()
	first, stop := persistRun(t, srv, dir, nil)
	requireExact(t, first, srv, 30*time.Second)
	if check != nil {
		check(first)
	}
	stop()
	return srv, dir
}

func TestRestartServesTheKeptStateWithoutListingAgain(t *testing.T) {
	t.Parallel()
	var want string
	srv, dir := keptState(t, hssfake.Generate(hssfake.GenerateOptions{Seed: 4, Containers: 2000}), func(first *Exporter) {
		want = exposition(t, first, "hss_image_containers", "hss_host_containers", "hss_pod_containers", "hss_container_info")
	})
	listings := srv.RequestsFor(hssfake.OpListLocalImageContainers)
	data, err := os.ReadFile(statefile.Path(dir, "demo"))
	require.NoError(t, err)
	require.NotContains(t, string(data), hssfake.DemoSecretKey)

	second, _ := persistRun(t, srv, dir, nil)
	requireExact(t, second, srv, 30*time.Second) // how soon: BenchmarkRestartFromStateFile
	require.Equal(t, want, exposition(t, second, "hss_image_containers", "hss_host_containers", "hss_pod_containers", "hss_container_info"))
	ready, reasons := second.Ready()
	require.True(t, ready, "%v", reasons)
	time.Sleep(200 * time.Millisecond) // discovery ran: nothing changed, nothing is due
	require.Equal(t, listings, srv.RequestsFor(hssfake.OpListLocalImageContainers),
		"no container listing after a restart within refresh_interval of the last")
	require.Positive(t, second.Status()[0].OldestListing, "listing ages are the true ones, from before the restart")
}

func TestRestartListsAgainWhatChangedMeanwhile(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 600})
	srv, dir := keptState(t, fleet, nil)

	img := fleet.Images()[0]
	fleet.AddContainer(hssfake.Container{ImageID: img.ID, ID: "added-while-down", HostID: "h-new", HostName: "new"})
	srv.ResetCounts()
	second, _ := persistRun(t, srv, dir, nil)
	requireExact(t, second, srv, 30*time.Second)
	require.Equal(t, 1, srv.RequestsFor(hssfake.OpListLocalImageContainers), "only the changed image is listed again")
}

func TestDamagedStateIsSetAsideAndTheInventoryRebuilt(t *testing.T) {
	t.Parallel()
	srv, dir := keptState(t, hssfake.Generate(hssfake.GenerateOptions{Seed: 6, Containers: 800}), nil)
	good, err := os.ReadFile(statefile.Path(dir, "demo"))
	require.NoError(t, err)

	future := gzipped(t, `{"format":"hss_exporter/target-state","version":99,"target":"demo"}`)
	foreign := gzipped(t, strings.Replace(gunzipped(t, good), `"target":"demo"`, `"target":"other"`, 1))
	for name, content := range map[string][]byte{
		"half-truncated":   good[:len(good)/2],
		"not gzip":         []byte("hello"),
		"not JSON":         gzipped(t, "{{{"),
		"a future version": future,
		"another target":   foreign,
		"empty":            {},
	} {
		t.Run(name, func(t *testing.T) {
			path := statefile.Path(dir, "demo")
			require.NoError(t, os.WriteFile(path, content, 0o600))
			logs := &testtool.SyncBuffer{}
			srv.ResetCounts()
			e, _ := persistRun(t, srv, dir, logs)
			requireExact(t, e, srv, 30*time.Second)
			require.Contains(t, logs.String(), "state file set aside; starting empty")
			require.Positive(t, srv.RequestsFor(hssfake.OpListLocalImageContainers), "rebuilt from the API")
			kept, err := os.ReadFile(path + ".bad")
			require.NoError(t, err)
			require.Equal(t, content, kept, "the damaged file is kept for a look")
		})
	}
}

// A state file is read within bounds: one value longer than any of a
// state file, or a file inflating far more than one of its size could,
// is set aside as soon as the bound is passed, not after inflating it.
func TestStateFileOverItsBoundsIsSetAside(t *testing.T) {
	t.Parallel()
	srv, dir := keptState(t, hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: 300}), nil)
	good, err := os.ReadFile(statefile.Path(dir, "demo"))
	require.NoError(t, err)
	doc := gunzipped(t, good)
	head := doc[:strings.Index(doc, `"images":[`)+len(`"images":[`)]
	for name, bomb := range map[string][3]string{
		"one long string in the head": {`{"format":"` + statefile.Format + `","version":1,"target":"demo","config":"`, "x", `"}`},
		"one long string in a row":    {head + `{"name":"n","listed":true,"rows":[{"container_name":"`, "x", `"}]}]}`},
		"an endless list of rows": {head + `{"name":"n","listed":true,"rows":[`,
			`{"container_id":"c","host_id":"h"},`, `{}]}]}`},
	} {
		t.Run(name, func(t *testing.T) {
			var content bytes.Buffer
			require.NoError(t, testtool.WriteGzipBomb(&content, bomb[0], bomb[1], 256<<20, bomb[2]))
			require.Less(t, content.Len(), 1<<20, "a small file")
			path := statefile.Path(dir, "demo")
			require.NoError(t, os.WriteFile(path, content.Bytes(), 0o600))
			logs := &testtool.SyncBuffer{}
			e, _ := persistRun(t, srv, dir, logs)
			requireExact(t, e, srv, 30*time.Second)
			require.Contains(t, logs.String(), "state file set aside; starting empty")
			require.Regexp(t, "longer than 1 MiB, which no state file has|inflates to more than 16 times its size", logs.String(), "the bound is named")
			_, err := os.Stat(path + ".bad")
			require.NoError(t, err, "the file is kept for a look")
		})
	}
}

// stateWritesWith reads hss_exporter_state_writes_total{result}.
func stateWritesWith(t *testing.T, e *Exporter, result string) string {
	lines := seriesWith(t, e, "hss_exporter_state_writes_total", `result="`+result+`"`)
	require.Len(t, lines, 1)
	return lines[0][strings.LastIndexByte(lines[0], ' ')+1:]
}

// A write that fails (here the directory is gone, as when a volume is
// lost; a full disk fails alike) is counted, beside the successes, and
// both are exported from the start.
func TestFailedStateWritesAreCounted(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 10, Containers: 200})
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	logs := &testtool.SyncBuffer{}
	e, _ := persistRun(t, srv, dir, logs)
	require.Equal(t, "0", stateWritesWith(t, e, "failure"), "present at 0 from the start")
	requireExact(t, e, srv, 30*time.Second)
	require.Eventually(t, func() bool { return stateWritesWith(t, e, "success") != "0" }, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, "0", stateWritesWith(t, e, "failure"))

	// The state writer may be putting a temporary file there meanwhile.
	require.Eventually(t, func() bool { return os.RemoveAll(dir) == nil }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, os.WriteFile(dir, nil, 0o600)) // not a directory: no temporary file can be made in it
	fleet.AddContainer(hssfake.Container{ImageID: fleet.Images()[0].ID, ID: "after-the-loss", HostID: "h-new"})
	require.Eventually(t, func() bool {
		clockOf(t, e).tick(time.Hour) // the next discovery: a change to write
		return stateWritesWith(t, e, "failure") != "0"
	}, 10*time.Second, 50*time.Millisecond)
	require.Contains(t, logs.String(), "writing the state file failed")
}

func gzipped(t *testing.T, s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

func gunzipped(t *testing.T, b []byte) string {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	var out bytes.Buffer
	_, err = out.ReadFrom(zr)
	require.NoError(t, err)
	return out.String()
}
