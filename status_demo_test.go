package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDemoStatusPageIsSmallAndEscapesTheHostileImage checks the page an
// operator first sees with --demo: under 50 KB, and the demo's hostile
// image name shown as text.
func TestDemoStatusPageIsSmallAndEscapesTheHostileImage(t *testing.T) {
	r := startExporter(t, "--demo", fastDemo)
	waitForInventory(t, http.DefaultClient, r.base)
	waitForPosture(t, r.base)
	code, page, err := httpGet(http.DefaultClient, r.base+"/status")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	t.Logf("status page: %d bytes", len(page))
	require.Less(t, len(page), 50*1024, "the status page of the demo fleet stays under 50 KB")
	require.Contains(t, page, "&lt;script&gt;alert(&#34;hss&#34;)&lt;/script&gt;")
	require.NotContains(t, strings.ToLower(page), "<script")
	require.Contains(t, page, `data-k="health">healthy<`)
	require.Contains(t, page, `<tr data-k="node">`, "the demo fleet has nodes at fault, listed")

	_, landing, err := httpGet(http.DefaultClient, r.base+"/")
	require.NoError(t, err)
	require.Contains(t, landing, `href="/status"`, "the landing page links the status page")
}

// TestStatusIsBehindTLSAndBasicAuth checks the page and its JSON twin are
// guarded by --web.config.file exactly like /metrics.
func TestStatusIsBehindTLSAndBasicAuth(t *testing.T) {
	webConfig := writeWebConfig(t, "ops", "status-password")
	r := startExporter(t, "--demo", "--web.config.file="+webConfig)
	base := strings.Replace(r.base, "http://", "https://", 1)
	client := tlsTestClient()
	waitFor(t, client, base+"/status", http.StatusUnauthorized)

	for _, path := range []string{"/status", "/api/v1/status"} {
		t.Run(path, func(t *testing.T) {
			for _, tc := range []struct {
				user, password string
				want           int
			}{{"", "", http.StatusUnauthorized}, {"ops", "wrong", http.StatusUnauthorized}, {"ops", "status-password", http.StatusOK}} {
				req, err := http.NewRequest(http.MethodGet, base+path, nil)
				require.NoError(t, err)
				if tc.user != "" {
					req.SetBasicAuth(tc.user, tc.password)
				}
				resp, err := client.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				require.Equal(t, tc.want, resp.StatusCode, "user %q", tc.user)
			}
			code, _, err := httpGet(http.DefaultClient, r.base+path)
			require.True(t, err != nil || code == http.StatusBadRequest, "plain HTTP is refused once TLS is on")
		})
	}
}

// waitForPosture polls /metrics until every posture part of the demo has
// been read and published.
func waitForPosture(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		code, text, err := httpGet(http.DefaultClient, base+"/metrics")
		if err == nil && code == http.StatusOK {
			families := parseMetrics(t, text)
			up := families["hss_posture_up"]
			if up != nil && len(up.GetMetric()) == 3 && sumGauge(up) == 3 && families["hss_node_info"] != nil &&
				families["hss_quota"] != nil && families["hss_security_events_unhandled"] != nil {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the demo's posture was not read and published within 60s")
}
