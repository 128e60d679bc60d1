package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// unreachableAddress refuses every connection: nothing serves port 1
// (tcpmux), and no test can bind it, unlike a port that was free a
// moment ago, which another test's server may have taken since.
const unreachableAddress = "127.0.0.1:1"

func TestReadyzExplainsAnUnreachableTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "hss.yml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(`
global:
  refresh_interval: 1m
  request_timeout: 1s
targets:
  - name: unreachable
    region: cn-north-4
    project_id: p1
    endpoint: http://`+unreachableAddress+`
    auth: {access_key: AK1, secret_key: known-secret-value}
    images: {discover: true}
`), 0o600))
	r := startExporter(t, "--config.file="+cfgFile)
	body := waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusServiceUnavailable)
	require.Contains(t, body, "unreachable")
	code, _, err := httpGet(http.DefaultClient, r.base+"/healthz")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "alive even when not ready")
	r.stop(t)
	require.NotContains(t, r.logs.String(), "known-secret-value")
}

// TestLandingPageLinksAllAnswer follows every link of the landing page
// that stays on the exporter: none may lead to a 404, as the toolkit's
// default pprof links did.
func TestLandingPageLinksAllAnswer(t *testing.T) {
	t.Parallel()
	r := startExporter(t, "--demo")
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	code, landing, err := httpGet(http.DefaultClient, r.base+"/")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.NotContains(t, landing, "debug/pprof")
	links := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(landing, -1)
	require.NotEmpty(t, links)
	followed := 0
	for _, l := range links {
		href := l[1]
		if strings.Contains(href, "://") || strings.HasPrefix(href, "#") {
			continue
		}
		code, _, err := httpGet(http.DefaultClient, r.base+"/"+strings.TrimPrefix(href, "/"))
		require.NoError(t, err, href)
		require.Equal(t, http.StatusOK, code, "landing page link %s", href)
		followed++
	}
	require.GreaterOrEqual(t, followed, 4, "status, metrics, healthz and readyz at least")
}
