package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestJSONLogsAreOneObjectPerLineWithOneTimestamp runs the demo behind TLS
// with JSON logs at debug level, and sends plain HTTP to the TLS port:
// every line on stderr, the exporter-toolkit's and net/http's included,
// is one JSON object with a "ts" (no second "time" key), and the first
// lines say what started.
func TestJSONLogsAreOneObjectPerLineWithOneTimestamp(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
