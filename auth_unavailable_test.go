package main

import (
	"encoding/json"
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

// iamConfig writes a configuration of one target named name whose IAM
// user's password is in a file, with a 10 s refresh, and returns its
// path.
// refresh is the refresh_interval of iamConfig's target.
const refresh = 10 * time.Second

func iamConfig(t *testing.T, endpoint, name string) string {
	dir := t.TempDir()
	password := filepath.Join(dir, "password")
	require.NoError(t, os.WriteFile(password, []byte(hssfake.DemoIAMPassword+"\n"), 0o600))
	text := `global: {refresh_interval: ` + refresh.String() + `, request_timeout: 5s, api_calls_per_minute: 6000}
targets:
  - name: ` + name + `
    region: ` + hssfake.DemoRegion + `
    project_id: ` + hssfake.DemoProjectID + `
    endpoint: ` + endpoint + `
    enterprise_project_id: all_granted_eps
    auth:
      iam: {endpoint: ` + endpoint + `, domain: ` + hssfake.DemoIAMDomain + `, username: ` + hssfake.DemoIAMUser +
		`, password_file: ` + password + `}
    images: {discover: true}
`
	file := filepath.Join(dir, "hss.yml")
	require.NoError(t, os.WriteFile(file, []byte(text), 0o600))
	return file
}

// unavailableStatus polls /api/v1/status until the target reports its
// credentials unavailable, and returns its report.
func unavailableStatus(t *testing.T, base string, within time.Duration) statuspage.TargetReport {
	t.Helper()
	var r statuspage.StatusReport
	require.Eventually(t, func() bool {
		_, body, err := httpGet(http.DefaultClient, base+"/api/v1/status")
		return err == nil && json.Unmarshal([]byte(body), &r) == nil && len(r.Targets) == 1 &&
			r.Targets[0].CredentialsUnavailable != nil
	}, within, 50*time.Millisecond)
	return r.Targets[0]
}

// TestIAMAnswering500IsAskedOnceARefreshAtMostAndShownUntilItAnswers runs
// the exporter with an IAM password target whose tokens last one
// refresh. IAM then answers 500: the refresh after the token ran out asks
// once, /status, /api/v1/status and hss_exporter_auth_backoff_seconds say
// when the next attempt is, the counts served stay, and hss_up is 1 again
// after the next attempt: the attempt within a refresh of IAM's return,
// the discovery that proves it at the next tick.
func TestIAMAnswering500IsAskedOnceARefreshAtMostAndShownUntilItAnswers(t *testing.T) {
	t.Parallel()
	opts := hssfake.DemoOptions(hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 40}))
	opts.TokenTTL = 10 * time.Second
	srv := startStandIn(t, opts)
	r := startExporter(t, "--config.file="+iamConfig(t, srv.URL, "iam"))
	families := waitForInventory(t, http.DefaultClient, r.base)
	containers := sumGauge(families["hss_image_containers"])
	require.Positive(t, containers)

	srv.AddFault(hssfake.Fault{Operation: hssfake.OpCreateToken, Kind: hssfake.FaultStatus, Status: 500})
	failing, tokens := time.Now(), srv.RequestsFor(hssfake.OpCreateToken)
	report := unavailableStatus(t, r.base, 25*time.Second)
	wait := time.Until(report.CredentialsUnavailable.NextAttemptAt)
	require.True(t, wait > 0 && wait <= 10*time.Second, "next attempt in %s", wait)
	require.Equal(t, "credentials unavailable; next attempt at "+
		report.CredentialsUnavailable.NextAttemptAt.UTC().Format("2006-01-02 15:04:05 UTC"), report.CredentialsUnavailable.Message)
	require.Nil(t, report.CredentialsRefused, "IAM failing is no refusal")
	require.Equal(t, int(containers), report.Counts.Containers, "the counts served are kept")
	_, page, err := httpGet(http.DefaultClient, r.base+"/status")
	require.NoError(t, err)
	require.Contains(t, page, `data-k="credentials_unavailable_message">credentials unavailable; next attempt at `)
	_, text, err := httpGet(http.DefaultClient, r.base+"/metrics")
	require.NoError(t, err)
	families = parseMetrics(t, text)
	backoff := gaugeWith(families["hss_exporter_auth_backoff_seconds"], "target", "iam")
	require.True(t, backoff > 0 && backoff <= 10, "backoff %v s", backoff)
	require.Equal(t, containers, sumGauge(families["hss_image_containers"]))
	asked, window := srv.RequestsFor(hssfake.OpCreateToken)-tokens, time.Since(failing)
	t.Logf("%d token requests in the %s from IAM's first 500 to the backoff on the status",
		asked, window.Round(100*time.Millisecond))
	// One renewal while the token still worked, then one attempt a
	// refresh; a loaded machine may take more than one to show it, and
	// was once seen to spend one more request (not a loop: that would be
	// one a call).
	refreshes := int(window/refresh) + 1
	require.LessOrEqual(t, asked, 2+refreshes, "IAM asked about once a refresh, not once a call")

	srv.ClearFaults()
	back := time.Now()
	for deadline := back.Add(2*refresh + 5*time.Second); ; {
		_, body, err := httpGet(http.DefaultClient, r.base+"/api/v1/status")
		var s statuspage.StatusReport
		_, text, metricsErr := httpGet(http.DefaultClient, r.base+"/metrics")
		if err == nil && metricsErr == nil && json.Unmarshal([]byte(body), &s) == nil && len(s.Targets) == 1 &&
			s.Targets[0].CredentialsUnavailable == nil && sumGauge(parseMetrics(t, text)["hss_up"]) == 1 {
			break
		}
		require.True(t, time.Now().Before(deadline), "hss_up not 1 two refreshes after IAM's return: %s", body)
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("up %s after IAM answered again", time.Since(back).Round(100*time.Millisecond))
	r.stop(t)
	require.False(t, strings.Contains(r.logs.String(), hssfake.DemoIAMPassword), "no password in the log")
}
