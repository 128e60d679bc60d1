package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// TestBinarySetsGOMEMLIMITFromItsCgroup runs the binary in a memory cgroup
// of 256 MiB, as a container runtime would, and reads its start log.
func TestBinarySetsGOMEMLIMITFromItsCgroup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	procs := memoryCgroup(t, 256<<20)
	bin := exporterBinary(t)

	logs := &testtool.SyncBuffer{}
	cmd := exec.Command("sh", "-c", `echo $$ > "$0" && exec "$1" --demo --web.listen-address=127.0.0.1:0 --auto-gomemlimit.ratio=0.75`, procs, bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMEMLIMIT=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	want := "gomemlimit_bytes=" + strconv.Itoa(256<<20*3/4) + " cgroup_limit_bytes=" + strconv.Itoa(256<<20) + " ratio=0.75"
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), want) }, 20*time.Second, 20*time.Millisecond,
		"want %s in the logs:\n%s", want, logs)
}

// memoryCgroup makes a memory cgroup with the given limit and returns its
// cgroup.procs file. It skips the test where this process may not make
// one (no root, or a read-only or absent cgroup filesystem).
func memoryCgroup(t *testing.T, limit int) string {
	t.Helper()
	name := "hss-exporter-test-" + strconv.Itoa(os.Getpid())
	tries := []struct{ dir, file string }{
		{"/sys/fs/cgroup/memory", "memory.limit_in_bytes"}, // cgroup v1
		{"/sys/fs/cgroup", "memory.max"},                   // cgroup v2
	}
	var reasons []string
	for _, c := range tries {
		dir := filepath.Join(c.dir, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		t.Cleanup(func() {
			// The cgroup can go once the process in it has exited.
			require.Eventually(t, func() bool { return os.Remove(dir) == nil }, 5*time.Second, 50*time.Millisecond)
		})
		if err := os.WriteFile(filepath.Join(dir, c.file), []byte(strconv.Itoa(limit)), 0o644); err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		return filepath.Join(dir, "cgroup.procs")
	}
	t.Skipf("cannot make a memory cgroup here (needs root and a writable cgroup filesystem): %s", strings.Join(reasons, "; "))
	return ""
}
