package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// --config.check reads the posture block like every other: each problem
// with its file, line and column.
func TestConfigCheckReportsThePostureBlock(t *testing.T) {
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
