package deploy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

func TestMain(m *testing.M) { testtool.Main(m) }

// runTool runs a tool in dir and fails the test with its output unless it
// exits 0. It returns the combined output. Without the tool the test is
// skipped, or fails in CI (see testtool).
func runTool(t *testing.T, dir string, tool testtool.Tool, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testtool.Need(t, tool), args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "%s %v:\n%s", tool.Name, args, out.String())
	return out.String()
}

// readYAML decodes a file (the first document) into a generic value.
func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, yaml.Unmarshal(data, &v), path)
	return v
}

// mustAbs makes a path absolute, for tools that run in another directory.
func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	return abs
}
