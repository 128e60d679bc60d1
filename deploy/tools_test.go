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
)

// requireTool finds a Prometheus tool. Without it the test is skipped, so
// `go test ./...` works on a laptop; in CI (CI set) it is a failure, so a
// broken install cannot turn the checks off unnoticed.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found and CI is set: install the Debian packages prometheus and prometheus-alertmanager (.ci/run does)", name)
	}
	t.Skipf("%s not found: install the Debian packages prometheus and prometheus-alertmanager to run this check (CI fails without them)", name)
	return ""
}

// runTool runs a tool in dir and fails the test with its output unless it
// exits 0. It returns the combined output.
func runTool(t *testing.T, dir, tool string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, requireTool(t, tool), args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "%s %v:\n%s", tool, args, out.String())
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
