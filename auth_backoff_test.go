package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/statuspage"
)

const wrongKeyValue = "wrong-secret-key-value-BKF9"

// refusedStatus polls /api/v1/status until every target says its
// credentials are refused, and returns the report.
func refusedStatus(t *testing.T, base string) statuspage.StatusReport {
	t.Helper()
	var r statuspage.StatusReport
	require.Eventually(t, func() bool {
		_, body, err := httpGet(http.DefaultClient, base+"/api/v1/status")
		if err != nil || json.Unmarshal([]byte(body), &r) != nil || len(r.Targets) == 0 {
			return false
		}
		for _, tr := range r.Targets {
			if tr.CredentialsRefused == nil {
				return false
			}
		}
		return true
	}, 10*time.Second, 50*time.Millisecond)
	return r
}

// sharedKeyConfig writes a configuration of targets named names, all
// signing with the demo access key and the secret key in keyFile, with a
// 10 s refresh, and returns its path.
func sharedKeyConfig(t *testing.T, endpoint, keyFile string, names ...string) string {
	var text strings.Builder
	text.WriteString("global: {refresh_interval: 10s, request_timeout: 5s, api_calls_per_minute: 6000}\ntargets:\n")
	for _, name := range names {
		fmt.Fprintf(&text, `  - name: %s
    region: %s
    project_id: %s
    endpoint: %s
    enterprise_project_id: all_granted_eps
    auth: {access_key: %s, secret_key_file: %s}
    images: {discover: true}
`, name, hssfake.DemoRegion, hssfake.DemoProjectID, endpoint, hssfake.DemoAccessKey, keyFile)
	}
	file := filepath.Join(t.TempDir(), "hss.yml")
	require.NoError(t, os.WriteFile(file, []byte(text.String()), 0o600))
	return file
}

// TestWrongKeyFileBacksOffAndTheFixedFileRecoversWithinARefresh runs the
// exporter with a wrong secret_key_file and a 10 s refresh, for two
// targets of one access key: one authentication attempt for both, hss_up
// 0, not ready, the status page and JSON saying "credentials refused;
// next attempt at <time>", the backoff metric set, and no secret logged.
// The key file is then corrected: a refresh succeeds within 20 s.
// (collector's TestWrongKeyBacksOffThenRecoversSoonAfterTheFix runs the
// whole 65 s at a tenth of the scale.)
func TestWrongKeyFileBacksOffAndTheFixedFileRecoversWithinARefresh(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 40})
	srv := startStandIn(t, hssfake.DemoOptions(fleet))
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secret_key")
	writeFile := func(content string) {
		require.NoError(t, os.WriteFile(keyFile+".new", []byte(content+"\n"), 0o600))
		require.NoError(t, os.Rename(keyFile+".new", keyFile))
	}
	writeFile(wrongKeyValue)
	r := startExporter(t, "--config.file="+sharedKeyConfig(t, srv.URL, keyFile, "one", "two"))

	report := refusedStatus(t, r.base)
	require.Len(t, srv.AuthFailures(), 1, "both targets held by the first refusal")
	for _, tr := range report.Targets {
		wait := time.Until(tr.CredentialsRefused.NextAttemptAt)
		require.True(t, wait > 0 && wait <= 10*time.Second, "%s: next attempt in %s", tr.Name, wait)
		require.Equal(t, "credentials refused; next attempt at "+tr.CredentialsRefused.NextAttemptAt.UTC().Format("2006-01-02 15:04:05 UTC"), tr.CredentialsRefused.Message)
	}
	_, page, err := httpGet(http.DefaultClient, r.base+"/status")
	require.NoError(t, err)
	require.Contains(t, page, `data-k="credentials_message">credentials refused; next attempt at `)
	_, text, err := httpGet(http.DefaultClient, r.base+"/metrics")
	require.NoError(t, err)
	families := parseMetrics(t, text)
	require.Equal(t, 0.0, sumGauge(families["hss_up"]))
	for _, name := range []string{"one", "two"} {
		wait := gaugeWith(families["hss_exporter_auth_backoff_seconds"], "target", name)
		require.True(t, wait > 0 && wait <= 10, "%s: backoff %v s", name, wait)
	}
	body := waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusServiceUnavailable)
	require.Contains(t, body, "credentials refused")

	fixed := time.Now()
	writeFile(hssfake.DemoSecretKey)
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	took := time.Since(fixed)
	t.Logf("ready %s after the key file was fixed", took.Round(100*time.Millisecond))
	require.Less(t, took, 20*time.Second)
	require.Len(t, srv.AuthFailures(), 1, "the fixed key was tried, and accepted")
	r.stop(t)
	for _, secret := range []string{wrongKeyValue, hssfake.DemoSecretKey} {
		require.NotContains(t, r.logs.String(), secret)
		require.NotContains(t, page, secret)
	}
}
