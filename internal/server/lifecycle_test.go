package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// guardedReload serves a stand-in for the reload handler behind the
// guard on a loopback server, and counts the reloads that got through.
func guardedReload(t *testing.T, enabled bool) (*httptest.Server, *atomic.Int32) {
	var reloads atomic.Int32
	reload := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		reloads.Add(1)
	})
	srv := httptest.NewServer(lifecycleGuard(enabled, reload))
	t.Cleanup(srv.Close)
	return srv, &reloads
}

func send(t *testing.T, method, url string, header map[string]string) (int, string) {
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestReloadIsRefusedWithoutTheLifecycleFlag(t *testing.T) {
	t.Parallel()
	srv, reloads := guardedReload(t, false)
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		code, body := send(t, method, srv.URL, nil)
		require.Equal(t, http.StatusForbidden, code, method)
		require.Contains(t, body, "Lifecycle API is not enabled")
		require.Contains(t, body, "--web.enable-lifecycle", "the answer says how to turn it on")
	}
	code, _ := send(t, http.MethodGet, srv.URL, nil)
	require.Equal(t, http.StatusMethodNotAllowed, code, "GET answers 405 with or without the flag")
	require.Zero(t, reloads.Load())
}

// TestReloadRefusesRequestsFromOtherSites: with the flag, what a browser
// sends for another site's page (a form POST carrying the user's basic
// auth) is refused; curl, a sidecar and the exporter's own pages reload.
func TestReloadRefusesRequestsFromOtherSites(t *testing.T) {
	t.Parallel()
	srv, reloads := guardedReload(t, true)
	self := strings.TrimPrefix(srv.URL, "http://")
	cases := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"plain POST, as curl sends", nil, http.StatusOK},
		{"the exporter's own page", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, http.StatusOK},
		{"typed in by the user", map[string]string{"Sec-Fetch-Site": "none"}, http.StatusOK},
		{"own origin over a TLS-ending proxy", map[string]string{"Origin": "https://exporter.example", "Host": "exporter.example"}, http.StatusOK},
		{"own origin with the default port", map[string]string{"Origin": "http://exporter.example", "Host": "exporter.example:80"}, http.StatusOK},
		{"host names differ only in case", map[string]string{"Origin": "http://Exporter.Example", "Host": "exporter.example"}, http.StatusOK},
		{"cross-site form", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"cross-site verdict alone", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"sibling host of the same site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://grafana.example"}, http.StatusForbidden},
		{"same-site verdict alone", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign Origin without Sec-Fetch-Site", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"same host name, another port", map[string]string{"Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"sandboxed or file:// page", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"same-origin claim with a foreign Origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"}, http.StatusForbidden},
	}
	for _, c := range cases {
		before := reloads.Load()
		code, body := send(t, http.MethodPost, srv.URL, c.header)
		require.Equal(t, c.want, code, "%s (exporter at %s): %s", c.name, self, body)
		if c.want == http.StatusForbidden {
			require.Contains(t, body, "refused: ", c.name)
			require.Equal(t, before, reloads.Load(), "%s: no reload", c.name)
		} else {
			require.Equal(t, before+1, reloads.Load(), "%s: reloaded", c.name)
		}
	}
	code, _ := send(t, http.MethodGet, srv.URL, nil)
	require.Equal(t, http.StatusMethodNotAllowed, code)
}
