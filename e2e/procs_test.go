package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// waitTimeout bounds every wait of the test.
const waitTimeout = 90 * time.Second

// TestMain removes the exporter the tests built, once they have all run.
func TestMain(m *testing.M) {
	code := testtool.Reporting(m).Run()
	if builtExporter.dir != "" {
		_ = os.RemoveAll(builtExporter.dir)
	}
	os.Exit(code)
}

// anyPort asks a server for a port of the kernel's choosing; it logs the
// one it bound, and listenAddress reads it back. A port that was free a
// moment ago may be taken by another server before the one meant for it
// binds it: a shard once bound another's.
const anyPort = "127.0.0.1:0"

// process is a child process with its output in a log file.
type process struct {
	name, log string
	exited    chan struct{}
}

// startProcess starts a child process with its output in a log file, and
// kills it when the test ends. On failure the log is printed.
func startProcess(t *testing.T, name, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, log: filepath.Join(t.TempDir(), name+".log"), exited: make(chan struct{})}
	logFile, err := os.Create(p.log)
	require.NoError(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start(), "starting %s", name)
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
		logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(p.log)
			t.Logf("--- %s log (%s %v) ---\n%s", name, bin, args, tail(out, 4000))
		}
	})
	return p
}

// listenAddress waits until the process has logged the address it bound
// (exporter-toolkit's "Listening on", which the exporter, Prometheus and
// Alertmanager all write) and returns it.
func (p *process) listenAddress(t *testing.T) string {
	t.Helper()
	var addr string
	p.await(t, "listening", func(log string) bool {
		addrs := testtool.ListenAddresses(log)
		if len(addrs) > 0 {
			addr = addrs[0]
		}
		return addr != ""
	})
	return addr
}

// await polls the process's log until found accepts it; it fails at once
// when the process exits first.
func (p *process) await(t *testing.T, what string, found func(log string) bool) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		out, _ := os.ReadFile(p.log)
		if found(string(out)) {
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited before %s", p.name, what)
		case <-deadline:
			t.Fatalf("%s: not %s within %s", p.name, what, waitTimeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// eventually polls check every interval until it returns nil, and fails
// the test with the last error once waitTimeout has passed.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var last error
	for {
		if last = check(); last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not reached within %s; last: %v", what, waitTimeout, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// httpOK checks that url answers 200.
func httpOK(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// builtExporter is hss_exporter built once for every test of this
// process, in a directory TestMain removes.
var builtExporter struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildExporter returns hss_exporter built with the version stamping the
// Dockerfile uses, so build_info proves the -ldflags path works; the first
// call builds it.
func buildExporter(t *testing.T) string {
	t.Helper()
	b := &builtExporter
	b.once.Do(func() { b.dir, b.path, b.err = build() })
	require.NoError(t, b.err)
	return b.path
}

func build() (dir, bin string, err error) {
	if dir, err = os.MkdirTemp("", "hss_exporter-e2e-"); err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, "hss_exporter")
	const v = "github.com/prometheus/common/version."
	ldflags := "-X " + v + "Version=" + testVersion + " -X " + v + "Revision=e2e-revision -X " + v + "Branch=e2e"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", ldflags, "-o", bin, ".")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return dir, "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return dir, bin, nil
}

const testVersion = "0.0.0-e2e"
