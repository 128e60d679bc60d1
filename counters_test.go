package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/deploy"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

// countersWithUnknownLabels are documented counters one of whose labels
// takes values only an answer tells: the HTTP status code.
var countersWithUnknownLabels = map[string]bool{"hss_exporter_api_requests_total": true}

// Every documented counter whose label values are known before the API
// answers is on the first scrape, at 0: a rate() or an alert on it finds
// 0, not nothing, while all is well. The API here takes the connection and
// never answers, so nothing has been counted yet.
func TestDocumentedCountersStartAtZero(t *testing.T) {
	t.Parallel()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	cfgFile := filepath.Join(t.TempDir(), "hss.yml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(`
global: {refresh_interval: 1h, request_timeout: 1m, max_staleness: 2h}
targets:
  - name: silent
    region: cn-north-4
    project_id: p1
    endpoint: http://`+silent.Addr().String()+`
    auth: {access_key: AK1, secret_key: SK1}
    images: {discover: true}
    posture: {nodes: false, events: false, quotas: false}
`), 0o600))
	r := startExporter(t, "--config.file="+cfgFile)
	families := parseMetrics(t, waitFor(t, http.DefaultClient, r.base+"/metrics", http.StatusOK))

	checked := 0
	for _, name := range deploy.MetricFamilies {
		if !strings.HasSuffix(name, "_total") || countersWithUnknownLabels[name] {
			continue
		}
		mf := families[name]
		require.NotNil(t, mf, "%s is documented but absent before anything was counted", name)
		for _, m := range mf.GetMetric() {
			require.Zero(t, m.GetCounter().GetValue(), "%s %v", name, m.GetLabel())
		}
		checked++
	}
	require.GreaterOrEqual(t, checked, 4, "refreshes, skipped refreshes, retries and sanitized labels at least")

	retries := map[string]bool{}
	for _, m := range families["hss_exporter_api_retries_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		retries[labels["operation"]+" "+labels["reason"]] = true
	}
	for _, op := range []string{hssclient.OpListImages, hssclient.OpListContainers} {
		for _, reason := range hssclient.RetryReasons {
			require.True(t, retries[op+" "+reason], "no hss_exporter_api_retries_total{operation=%q,reason=%q}", op, reason)
		}
	}
}
