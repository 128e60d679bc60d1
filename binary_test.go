package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
	t.Parallel()
	r := startBinary(t, "--demo")
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	// SIGHUP (logrotate, a closed terminal, an operator expecting a
	// reload) killed the process by Go's default; it is logged and ignored.
	require.NoError(t, r.cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(r.logs.String(), "SIGHUP ignored") }, 5*time.Second, 10*time.Millisecond,
		"logs:\n%s", r.logs.String())
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	require.NoError(t, r.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-r.exited:
		require.NoError(t, r.err, "exit status after SIGTERM; logs:\n%s", r.logs)
	case <-time.After(5 * time.Second):
		t.Fatalf("still running 5s after SIGTERM; logs:\n%s", r.logs.String())
	}
	require.Contains(t, r.logs.String(), "shutting down")
}

// builtBinary is the exporter as released (no race detector), built once
// for every test of this process that runs it, in a directory TestMain
// removes.
var builtBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// exporterBinary returns the path of the built exporter, building it on
// first use.
func exporterBinary(t testing.TB) string {
	t.Helper()
	b := &builtBinary
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "hss_exporter-test-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "hss_exporter")
		if out, err := exec.Command("go", "build", "-o", b.path, ".").CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	require.NoError(t, b.err)
	return b.path
}

func removeBuiltBinary() {
	if builtBinary.dir != "" {
		_ = os.RemoveAll(builtBinary.dir)
	}
}

// binaryRun is the built exporter running as a child process.
type binaryRun struct {
	cmd    *exec.Cmd
	base   string
	logs   *testtool.SyncBuffer
	exited chan struct{}
	err    error // what cmd.Wait returned, once exited is closed
}

// launchBinary starts the built exporter with args on a port of its own
// choosing, without waiting for it to listen; it is killed, if still
// running, when the test ends.
func launchBinary(t testing.TB, args ...string) *binaryRun {
	t.Helper()
	bin := exporterBinary(t)
	r := &binaryRun{logs: &testtool.SyncBuffer{}, exited: make(chan struct{})}
	r.cmd = exec.Command(bin, append(args, anyPort)...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	require.NoError(t, r.cmd.Start())
	go func() { r.err = r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(r.kill)
	return r
}

// startBinary is launchBinary returning once the exporter listens.
func startBinary(t testing.TB, args ...string) *binaryRun {
	t.Helper()
	r := launchBinary(t, args...)
	r.waitListening(t)
	return r
}

// waitListening waits until the exporter listens, and sets base.
func (r *binaryRun) waitListening(t testing.TB) {
	t.Helper()
	r.base = waitListening(t, r.logs, 1, r.exited)[0]
}

// signal sends sig to the exporter.
func (r *binaryRun) signal(t testing.TB, sig os.Signal) {
	t.Helper()
	require.NoError(t, r.cmd.Process.Signal(sig))
}

// stop sends sig and waits for the exporter to exit.
func (r *binaryRun) stop(t testing.TB, sig os.Signal) {
	t.Helper()
	r.signal(t, sig)
	<-r.exited
}

// kill kills the exporter, as the OOM killer or a node failure does, and
// waits for it to be gone.
func (r *binaryRun) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}
