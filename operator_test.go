package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeFlagsRefusedAtStart: values kingpin accepts but the server
// cannot honour stop the exporter with exit 2 and the flag's name, before
// anything starts. Several of the paths used to panic in http.ServeMux.
func TestServeFlagsRefusedAtStart(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--web.max-requests=-1"}, "--web.max-requests=-1: must be 0 (no limit) or more"},
		{[]string{"--shutdown.timeout=-1s"}, "--shutdown.timeout=-1s: must not be negative"},
		{[]string{"--web.telemetry-path=/healthz"}, "--web.telemetry-path=/healthz: that path is taken"},
		{[]string{"--web.telemetry-path=/readyz"}, "that path is taken"},
		{[]string{"--web.telemetry-path=/status"}, "that path is taken"},
		{[]string{"--web.telemetry-path=/api/v1/image/"}, "that path is taken"},
		{[]string{"--web.telemetry-path="}, `--web.telemetry-path="": must be a URL path starting with /`},
		{[]string{"--web.telemetry-path=metrics"}, "must be a URL path starting with /"},
		{[]string{"--web.telemetry-path=/a b"}, "must be a URL path starting with /"},
		{[]string{"--web.telemetry-path=/m?x=1"}, "must be a URL path starting with /"},
		{[]string{"--web.telemetry-path=/{x}"}, "must be a URL path starting with /"},
		{[]string{"--web.listen-address="}, "--web.listen-address: an address is empty"},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		code := run(context.Background(), append(c.args, "--demo"), &bytes.Buffer{}, &stderr)
		require.Equal(t, 2, code, "%v: %s", c.args, stderr.String())
		require.Contains(t, stderr.String(), c.want, c.args)
		require.NotContains(t, stderr.String(), "demo:", "%v: refused before the demo starts", c.args)
	}
}

// TestBadWebConfigStopsBeforeAnythingStarts: a broken --web.config.file is
// reported with the flag's name at start and by --config.check, exit 1,
// instead of after the demo and the refreshers have started.
func TestBadWebConfigStopsBeforeAnythingStarts(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "web.yml")
	require.NoError(t, os.WriteFile(bad, []byte("tls_server_config: {cert_file: /nonexistent/cert.pem}\n"), 0o600))
	for _, missing := range []string{bad, filepath.Join(dir, "absent.yml")} {
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"--demo", "--web.config.file=" + missing}, &bytes.Buffer{}, &stderr)
		require.Equal(t, 1, code, stderr.String())
		require.Contains(t, stderr.String(), "--web.config.file="+missing+": ")
		require.NotContains(t, stderr.String(), "Listening on")
		require.NotContains(t, stderr.String(), "demo:")

		stderr.Reset()
		code = run(context.Background(), []string{"--config.check", "--config.file=config/example.yml",
			"--web.config.file=" + missing}, &bytes.Buffer{}, &stderr)
		require.Equal(t, 1, code, "--config.check checks the web config too")
		require.Contains(t, stderr.String(), "--web.config.file="+missing+": ")
	}
}

// TestJSONLogsAreOneObjectPerLineWithOneTimestamp runs the demo behind TLS
// with JSON logs at debug level, and sends plain HTTP to the TLS port:
// every line on stderr, the exporter-toolkit's and net/http's included,
// is one JSON object with a "ts" (no second "time" key), and the first
// lines say what started.
func TestJSONLogsAreOneObjectPerLineWithOneTimestamp(t *testing.T) {
	webConfig := writeWebConfig(t, "", "")
	r := startExporter(t, "--demo", "--log.format=json", "--log.level=debug", "--web.config.file="+webConfig)
	waitFor(t, http.DefaultClient, r.base+"/healthz", http.StatusBadRequest) // plain HTTP to a TLS port
	// net/http logs the handshake failure after it answered 400.
	require.Eventually(t, func() bool { return strings.Contains(r.logs.String(), "TLS handshake error") },
		5*time.Second, 10*time.Millisecond)
	r.stop(t)

	var sawStart, sawListening, sawHandshake bool
	for _, line := range strings.Split(strings.TrimSpace(r.logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "not one JSON object: %q", line)
		require.Contains(t, rec, "ts", line)
		require.NotContains(t, rec, "time", "a second timestamp key: %s", line)
		require.Contains(t, rec, "level", line)
		switch rec["msg"] {
		case "starting hss_exporter":
			sawStart = true
			require.Contains(t, rec, "version") // "dev" from main; the in-process run leaves it to the build
			require.Contains(t, rec["go"], "go1.")
			require.Equal(t, "demo", rec["targets"])
			require.Contains(t, rec["listen"], "127.0.0.1:")
		case "Listening on":
			sawListening = true
		}
		if strings.Contains(fmt.Sprint(rec["msg"]), "TLS handshake error") {
			sawHandshake = true
			require.Equal(t, "http", rec["component"])
			require.Equal(t, "debug", rec["level"])
		}
	}
	require.True(t, sawStart && sawListening && sawHandshake, "logs:\n%s", r.logs.String())
}

// TestLogfmtToolkitLinesMatchTheProject: exporter-toolkit's lines carry
// "ts" right after "level" like the project's, not "time" after "caller".
func TestLogfmtToolkitLinesMatchTheProject(t *testing.T) {
	r := startExporter(t, "--demo")
	waitFor(t, http.DefaultClient, r.base+"/healthz", http.StatusOK)
	r.stop(t)
	lines := strings.Split(strings.TrimSpace(r.logs.String()), "\n")
	require.NotEmpty(t, lines)
	for _, line := range lines {
		require.Regexp(t, `^level=\w+ ts=\d{4}-\d\d-\d\dT[0-9:.]+Z caller=`, line)
		require.NotContains(t, line, " time=")
	}
}

// TestStatusRoutesAnswerWrongMethodsAndQueries: a wrong method gets 405
// with Allow (it used to fall through to the landing page's 404), and an
// /api/v1/image query without a target, with a parameter twice, or that
// does not parse, is the caller's mistake (400, naming the problem), not a
// missing image.
func TestStatusRoutesAnswerWrongMethodsAndQueries(t *testing.T) {
	r := startExporter(t, "--demo")
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	for _, path := range []string{"/status", "/api/v1/status", "/api/v1/image?target=demo"} {
		resp, err := http.Post(r.base+path, "text/plain", strings.NewReader("x"))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, path)
		require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"), path)
		resp, err = http.Head(r.base + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.NotEqual(t, http.StatusMethodNotAllowed, resp.StatusCode, "HEAD %s", path)
	}
	cases := []struct {
		query string
		code  int
		want  string
	}{
		{"", http.StatusBadRequest, "parameter target is required"},
		{"target=&name=x", http.StatusBadRequest, "parameter target is required"},
		{"target=demo&target=other&name=x", http.StatusBadRequest, "parameter target is given more than once"},
		{"target=demo&name=a&name=b", http.StatusBadRequest, "parameter name is given more than once"},
		{"target=nope&name=x", http.StatusNotFound, "no such target"},
		{"target=demo&name=nope", http.StatusNotFound, "no such image"},
		{"target=demo&name=%zz", http.StatusBadRequest, `the query cannot be parsed: invalid URL escape "%zz"`},
		{"target=demo;name=x", http.StatusBadRequest, "the query cannot be parsed: invalid semicolon separator"},
		{"target=demo" + strings.Repeat("&x=1", 9999), http.StatusBadRequest, "the query cannot be parsed: 10000 parameters"},
		{"target=demo" + strings.Repeat("&x=1", 20), http.StatusBadRequest, "the query cannot be parsed: 21 parameters"},
	}
	for _, c := range cases {
		code, body, err := httpGet(http.DefaultClient, r.base+"/api/v1/image?"+c.query)
		require.NoError(t, err)
		require.Equal(t, c.code, code, c.query)
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &got), body)
		require.Contains(t, got["error"], c.want, c.query)
	}
}

// TestBadFlagValuesNameTheFlag: kingpin's own parse errors leave out which
// flag or variable held the value; the exporter's message names it.
func TestBadFlagValuesNameTheFlag(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--web.max-requests=abc"}, nil, "--web.max-requests=abc: "},
		{[]string{"--log.level=trace"}, nil, "--log.level=trace: enum value must be one of"},
		{[]string{"--refresh.jitter", "x"}, nil, "--refresh.jitter=x: "},
		{nil, map[string]string{"HSS_EXPORTER_SHUTDOWN_TIMEOUT": "5"}, `$HSS_EXPORTER_SHUTDOWN_TIMEOUT=5: time: missing unit`},
		{nil, map[string]string{"HSS_EXPORTER_LOG_FORMAT": "text"}, "$HSS_EXPORTER_LOG_FORMAT=text: enum value"},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		var stderr bytes.Buffer
		code := run(context.Background(), c.args, &bytes.Buffer{}, &stderr)
		require.Equal(t, 2, code, "%v %v: %s", c.args, c.env, stderr.String())
		require.Contains(t, stderr.String(), c.want)
		for k := range c.env {
			t.Setenv(k, "")
		}
	}
	var help bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"--help"}, &help, &help))
	require.Contains(t, help.String(), "$HSS_EXPORTER_WEB_LISTEN_ADDRESS")
	require.NotContains(t, help.String(), "$HSS_EXPORTER_HELP", "kingpin ignores it; --help must not offer it")
	require.NotContains(t, help.String(), "$HSS_EXPORTER_VERSION")
}

// TestTwoListenAddressesBehindTLSAndBasicAuth serves two addresses with a
// web config. exporter-toolkit writes the shared server's handler and TLS
// config once per listener, a data race (go test -race fails) when one
// server serves both; each address now has its own.
func TestTwoListenAddressesBehindTLSAndBasicAuth(t *testing.T) {
	webConfig := writeWebConfig(t, "prometheus", "scrape-password")
	second := freeAddress(t)
	r := startExporter(t, "--demo", "--web.config.file="+webConfig, "--web.listen-address="+second)
	client := tlsTestClient()
	for _, base := range []string{strings.Replace(r.base, "http://", "https://", 1), "https://" + second} {
		waitFor(t, client, base+"/metrics", http.StatusUnauthorized)
		req, err := http.NewRequest(http.MethodGet, base+"/status", nil)
		require.NoError(t, err)
		req.SetBasicAuth("prometheus", "scrape-password")
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, base)
	}
	r.stop(t)
}
