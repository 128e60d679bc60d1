package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// TestKilledExporterServesItsStateAtOnceAfterARestart runs the built
// exporter with --storage.path, kills it with SIGKILL once its state is
// written, and restarts it: the inventory is exact within 10 s without a
// container listing. Then a half-truncated state file is set aside and the
// inventory rebuilt from the API.
func TestKilledExporterServesItsStateAtOnceAfterARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 8, Containers: 3000})
	fake := startStandIn(t, hssfake.DemoOptions(fleet))
	truth := fleet.Truth(hssfake.AllEnterpriseProjects)
	store, args := stateExporter(t, fake.URL)
	exact := func(base string) bool {
		st, ok := benchStatus(base)
		return ok && st.Counts.Containers == truth.Containers && st.Listing.ImagesPending == 0
	}

	r := startBinary(t, args...)
	require.Eventually(t, func() bool { return exact(r.base) }, 30*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)
	listed := time.Now()
	require.Eventually(t, func() bool { return stateWrittenAfter(t, store, listed) }, 15*time.Second, 100*time.Millisecond,
		"the state was written after the listing; logs:\n%s", r.logs)
	r.kill()

	fake.ResetCounts()
	begin := time.Now()
	r = launchBinary(t, args...)
	r.waitListening(t)
	// Exact from the state file alone: the proof is the zero listings
	// below; how soon is the benchmarks' business, so the wait is generous.
	require.Eventually(t, func() bool { return exact(r.base) }, 30*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)
	t.Logf("exact %v after the restart", time.Since(begin).Round(time.Millisecond))
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	require.Zero(t, fake.RequestsFor(hssfake.OpListLocalImageContainers), "not a single container listing spent")
	require.NotContains(t, readAll(t, filepath.Join(store, "prod.state.json.gz")), hssfake.DemoSecretKey)

	// Half a state file: set aside, a warning, and the inventory rebuilt.
	// The exporter is stopped first, so it cannot write a whole one again.
	r.kill()
	path := filepath.Join(store, "prod.state.json.gz")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data[:len(data)/2], 0o600))
	fake.ResetCounts()
	r = startBinary(t, args...)
	require.Eventually(t, func() bool { return exact(r.base) }, 30*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)
	require.Contains(t, r.logs.String(), "state file set aside; starting empty")
	require.Positive(t, fake.RequestsFor(hssfake.OpListLocalImageContainers))
}

// stateExporter writes the configuration of one target "prod" reading
// api, and returns the --storage.path directory and the arguments of the
// built exporter keeping its state there.
func stateExporter(t *testing.T, api string) (store string, args []string) {
	dir := t.TempDir()
	store = filepath.Join(dir, "state")
	cfg := filepath.Join(dir, "hss.yml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`global: {refresh_interval: 5m, api_calls_per_minute: 100000, requests_per_second: 500}
targets:
  - name: prod
    region: %s
    project_id: %s
    endpoint: %s
    enterprise_project_id: all_granted_eps
    auth: {access_key: %s, secret_key_file: %s}
    images: {discover: true}
    container_info: true
`, hssfake.DemoRegion, hssfake.DemoProjectID, api, hssfake.DemoAccessKey, writeSecret(t, dir))), 0o600))
	return store, []string{"--config.file=" + cfg, "--storage.path=" + store}
}

func writeSecret(t *testing.T, dir string) string {
	path := filepath.Join(dir, "sk")
	require.NoError(t, os.WriteFile(path, []byte(hssfake.DemoSecretKey+"\n"), 0o600))
	return path
}

func readAll(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	zr, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	var out bytes.Buffer
	_, err = out.ReadFrom(zr)
	require.NoError(t, err)
	return out.String()
}

// stateWrittenAfter reports whether the state file of target prod says it
// was written after at.
func stateWrittenAfter(t *testing.T, dir string, at time.Time) bool {
	data, err := os.ReadFile(filepath.Join(dir, "prod.state.json.gz"))
	if err != nil {
		return false
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return false
	}
	var head struct {
		WrittenAt time.Time `json:"written_at"`
	}
	return json.NewDecoder(zr).Decode(&head) == nil && head.WrittenAt.After(at)
}
