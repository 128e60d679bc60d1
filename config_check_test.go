package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--config.check", "--config.file=config/example.yml"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "OK")

	bad := filepath.Join(t.TempDir(), "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte(`global:
  page_size: 500
  refresh_intervall: 5m
targets:
  - name: a
    region: cn-north-4
    project_id: p1
    auth: {access_key: AK, secret_key_file: /nonexistent/sk, metadata: true}
`), 0o600))
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"--config.check", "--config.file=" + bad}, &out, &errOut)
	require.Equal(t, 1, code)
	msg := errOut.String()
	require.Contains(t, msg, bad+":2:")
	require.Contains(t, msg, bad+":3:")
	require.GreaterOrEqual(t, strings.Count(msg, "\n"), 3, "every problem on its own line:\n%s", msg)
}

// --config.check reads the posture block like every other: each problem
// with its file, line and column.
func TestConfigCheckReportsThePostureBlock(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "posture.yml")
	require.NoError(t, os.WriteFile(bad, []byte(`targets:
  - name: a
    region: cn-north-4
    project_id: p1
    auth: {access_key: AK, secret_key: SK}
    images: {discover: true}
    posture:
      nodes: yes please
      events_last_days: 90
      vulns: true
`), 0o600))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--config.check", "--config.file=" + bad}, &out, &errOut)
	require.Equal(t, 1, code)
	msg := errOut.String()
	require.Contains(t, msg, bad+":8:14: targets[0].posture.nodes: expected true or false")
	require.Contains(t, msg, bad+":9:25: targets[0].posture.events_last_days: 90 is out of range 1..30")
	require.Contains(t, msg, bad+`:10:7: targets[0].posture: unknown key "vulns"`)
}

// TestBadWebConfigStopsBeforeAnythingStarts: a broken --web.config.file is
// reported with the flag's name at start and by --config.check, exit 1,
// instead of after the demo and the refreshers have started.
func TestBadWebConfigStopsBeforeAnythingStarts(t *testing.T) {
	t.Parallel()
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
