package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// TestBinaryExitsCleanlyOnSIGTERM runs the built binary as an operator
// would, sends it SIGHUP, which it must survive, and stops it the way
// Kubernetes and systemd do.
func TestBinaryExitsCleanlyOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	addr := freeAddress(t)
	logs := &testtool.SyncBuffer{}
	cmd := exec.Command(bin, "--demo", "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	waitFor(t, http.DefaultClient, "http://"+addr+"/readyz", http.StatusOK)
	// SIGHUP (logrotate, a closed terminal, an operator expecting a
	// reload) killed the process by Go's default; it is logged and ignored.
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "SIGHUP ignored") }, 5*time.Second, 10*time.Millisecond,
		"logs:\n%s", logs.String())
	waitFor(t, http.DefaultClient, "http://"+addr+"/readyz", http.StatusOK)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status after SIGTERM; logs:\n%s", logs.String())
	case <-time.After(5 * time.Second):
		t.Fatalf("still running 5s after SIGTERM; logs:\n%s", logs.String())
	}
	require.Contains(t, logs.String(), "shutting down")
}

// buildBinary builds the exporter as released (no race detector) into a
// temporary directory.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hss_exporter")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	return bin
}
