package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// reloadFakes starts one stand-in per name, so each target's calls count
// apart.
func reloadFakes(t *testing.T, names ...string) map[string]*hssfake.Server {
	fakes := map[string]*hssfake.Server{}
	for i, name := range names {
		srv := startStandIn(t, hssfake.DemoOptions(hssfake.Generate(hssfake.GenerateOptions{Seed: int64(i + 1), Containers: 200})))
		fakes[name] = srv
	}
	return fakes
}

// writeTargets writes a configuration of the named targets, each reading
// its stand-in.
func writeTargets(t *testing.T, path string, fakes map[string]*hssfake.Server, names ...string) {
	var b strings.Builder
	b.WriteString("global: {api_calls_per_minute: 6000}\ntargets:\n")
	for _, name := range names {
		fmt.Fprintf(&b, "  - {name: %s, region: %s, project_id: %s, endpoint: %s, enterprise_project_id: all_granted_eps,\n"+
			"     auth: {access_key: %s, secret_key: %s}, images: {discover: true}}\n",
			name, hssfake.DemoRegion, hssfake.DemoProjectID, fakes[name].URL, hssfake.DemoAccessKey, hssfake.DemoSecretKey)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
}

func postReload(t *testing.T, base string) (int, string) {
	return postReloadWith(t, base, nil)
}

// postReloadWith posts /-/reload with the given headers, as a browser
// would add them.
func postReloadWith(t *testing.T, base string, header map[string]string) (int, string) {
	req, err := http.NewRequest(http.MethodPost, base+"/-/reload", nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// requestsTo counts every request a stand-in answered.
func requestsTo(srv *hssfake.Server) int {
	n := 0
	for _, c := range srv.RequestCount() {
		n += c
	}
	return n
}

// targetsServed names the targets whose inventory is on /metrics with
// every image listed, so their calls have settled.
func targetsServed(t *testing.T, base string) map[string]bool {
	return targetsOnMetrics(t, base, true)
}

// targetsOnMetrics names the targets whose inventory is on /metrics;
// with settled, only those with no image waiting for a listing.
func targetsOnMetrics(t *testing.T, base string, settled bool) map[string]bool {
	_, text, err := httpGet(http.DefaultClient, base+"/metrics")
	if err != nil {
		return nil // not serving yet
	}
	families := parseMetrics(t, text)
	out := map[string]bool{}
	for _, m := range families["hss_image_containers"].GetMetric() {
		out[labelOf(m, "target")] = true
	}
	for _, m := range families["hss_exporter_images_pending"].GetMetric() {
		if settled && m.GetGauge().GetValue() > 0 {
			delete(out, labelOf(m, "target"))
		}
	}
	return out
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestReloadAddsAndRemovesTargetsAndKeepsTheUnchanged(t *testing.T) {
	t.Parallel()
	fakes := reloadFakes(t, "alpha", "beta", "gamma")
	file := filepath.Join(t.TempDir(), "hss.yml")
	writeTargets(t, file, fakes, "alpha", "beta")
	r := startExporter(t, "--config.file="+file, "--web.enable-lifecycle")
	require.Eventually(t, func() bool { s := targetsServed(t, r.base); return s["alpha"] && s["beta"] },
		20*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)
	alphaCalls := requestsTo(fakes["alpha"])

	writeTargets(t, file, fakes, "alpha", "gamma")
	code, body := postReload(t, r.base)
	require.Equal(t, http.StatusOK, code, body)
	require.False(t, targetsServed(t, r.base)["beta"], "a removed target's series go at once")
	require.Eventually(t, func() bool { return targetsServed(t, r.base)["gamma"] }, 20*time.Second, 50*time.Millisecond,
		"a new target starts")
	require.Equal(t, alphaCalls, requestsTo(fakes["alpha"]), "the unchanged target made no extra call")
	_, text, err := httpGet(http.DefaultClient, r.base+"/metrics")
	require.NoError(t, err)
	require.Equal(t, 1.0, sumGauge(parseMetrics(t, text)["hss_exporter_config_last_reload_successful"]))

	// A bad file: nothing changes, every problem is logged with its line.
	require.NoError(t, os.WriteFile(file, []byte("global: {page_size: 5000}\ntargets:\n  - {name: alpha, region: Nowhere}\n"), 0o600))
	code, body = postReload(t, r.base)
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, "failed to reload config")
	// Kept means still served: an image of theirs may be waiting for a
	// re-listing after the fleet changed, which says nothing of the reload.
	served := targetsOnMetrics(t, r.base, false)
	require.True(t, served["alpha"] && served["gamma"], "the running configuration is kept")
	_, text, err = httpGet(http.DefaultClient, r.base+"/metrics")
	require.NoError(t, err)
	require.Zero(t, sumGauge(parseMetrics(t, text)["hss_exporter_config_last_reload_successful"]))
	logs := r.logs.String()
	for _, problem := range []string{"hss.yml:1:21: global.page_size", "hss.yml:3:27: targets[0].region"} {
		require.Contains(t, logs, problem)
	}
	resp, err := http.Get(r.base + "/-/reload")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

// TestReloadEndpointNeedsTheLifecycleFlag: without --web.enable-lifecycle
// POST /-/reload is refused and the file is not read again, while SIGHUP
// still reloads (TestBinaryReloadsOnSIGHUP runs without the flag).
func TestReloadEndpointNeedsTheLifecycleFlag(t *testing.T) {
	t.Parallel()
	fakes := reloadFakes(t, "alpha", "beta")
	file := filepath.Join(t.TempDir(), "hss.yml")
	writeTargets(t, file, fakes, "alpha")
	r := startExporter(t, "--config.file="+file)
	require.Eventually(t, func() bool { return targetsServed(t, r.base)["alpha"] }, 20*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)

	writeTargets(t, file, fakes, "alpha", "beta")
	code, body := postReload(t, r.base)
	require.Equal(t, http.StatusForbidden, code)
	require.Contains(t, body, "Lifecycle API is not enabled")
	require.NotContains(t, r.logs.String(), "configuration reloaded")
	require.Zero(t, requestsTo(fakes["beta"]), "the file was not read again")
	resp, err := http.Get(r.base + "/-/reload")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "GET stays 405")
}

// TestReloadEndpointRefusesOtherSitesPages: with the flag, a form another
// site's page makes the browser post (carrying its basic auth) reloads
// nothing; a plain POST, as curl or a sidecar sends, reloads.
func TestReloadEndpointRefusesOtherSitesPages(t *testing.T) {
	t.Parallel()
	fakes := reloadFakes(t, "alpha", "beta")
	file := filepath.Join(t.TempDir(), "hss.yml")
	writeTargets(t, file, fakes, "alpha")
	r := startExporter(t, "--config.file="+file, "--web.enable-lifecycle")
	require.Eventually(t, func() bool { return targetsServed(t, r.base)["alpha"] }, 20*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)

	writeTargets(t, file, fakes, "alpha", "beta")
	for _, header := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Origin": "https://evil.example"},
	} {
		code, body := postReloadWith(t, r.base, header)
		require.Equal(t, http.StatusForbidden, code, "%v: %s", header, body)
	}
	require.Zero(t, requestsTo(fakes["beta"]), "no cross-site request reloaded")
	code, body := postReload(t, r.base)
	require.Equal(t, http.StatusOK, code, body)
	require.Eventually(t, func() bool { return targetsServed(t, r.base)["beta"] }, 20*time.Second, 50*time.Millisecond, "logs:\n%s", r.logs)
}

// TestBinaryReloadsOnSIGHUP sends the built exporter SIGHUP after its
// configuration gained a target.
func TestBinaryReloadsOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	fakes := reloadFakes(t, "alpha", "beta")
	file := filepath.Join(t.TempDir(), "hss.yml")
	writeTargets(t, file, fakes, "alpha")
	r := startBinary(t, "--config.file="+file)
	base, logs := r.base, r.logs
	require.Eventually(t, func() bool { return targetsServed(t, base)["alpha"] }, 20*time.Second, 50*time.Millisecond, "logs:\n%s", logs)
	writeTargets(t, file, fakes, "alpha", "beta")
	r.signal(t, syscall.SIGHUP)
	require.Eventually(t, func() bool { return targetsServed(t, base)["beta"] }, 20*time.Second, 50*time.Millisecond, "logs:\n%s", logs)
	require.Contains(t, logs.String(), "configuration reloaded")
}
