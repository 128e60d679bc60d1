package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/go-kit/log"
	"github.com/stretchr/testify/require"
)

// keepMemoryLimit restores the test process's GOMEMLIMIT and environment
// after a test that sets them.
func keepMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	env, had := os.LookupEnv("GOMEMLIMIT")
	require.NoError(t, os.Unsetenv("GOMEMLIMIT"))
	t.Cleanup(func() {
		debug.SetMemoryLimit(before)
		if had {
			os.Setenv("GOMEMLIMIT", env)
		}
	})
}

func TestMemoryLimitIsRatioOfTheCgroupLimit(t *testing.T) {
	keepMemoryLimit(t)
	debug.SetMemoryLimit(math.MaxInt64)
	var logs bytes.Buffer
	setMemoryLimit(log.NewLogfmtLogger(&logs), true, 0.9, memlimit.Limit(1<<30))
	require.Equal(t, int64(966367641), debug.SetMemoryLimit(-1), "0.9 GiB, rounded down")
	require.Contains(t, logs.String(), `msg="GOMEMLIMIT set from the cgroup memory limit" gomemlimit_bytes=966367641 cgroup_limit_bytes=1073741824 ratio=0.9`)
}

func TestMemoryLimitLeftAlone(t *testing.T) {
	calls := 0
	counting := func(p memlimit.Provider) memlimit.Provider {
		return func() (uint64, error) { calls++; return p() }
	}
	tests := []struct {
		name     string
		env      string
		enabled  bool
		provider memlimit.Provider
		want     string
		calls    int
	}{
		{"GOMEMLIMIT in the environment wins", "300MiB", true, memlimit.Limit(1 << 30), `msg="GOMEMLIMIT is set in the environment; --auto-gomemlimit leaves it" gomemlimit=300MiB`, 0},
		{"turned off", "", false, memlimit.Limit(1 << 30), `msg="GOMEMLIMIT not set: --no-auto-gomemlimit"`, 0},
		{"no limit", "", true, func() (uint64, error) { return 0, memlimit.ErrNoLimit }, `level=info msg="GOMEMLIMIT not set: no cgroup memory limit" reason="memory is not limited"`, 1},
		{"not in a cgroup", "", true, func() (uint64, error) { return 0, memlimit.ErrNoCgroup }, `level=info msg="GOMEMLIMIT not set: no cgroup memory limit"`, 1},
		{"unreadable", "", true, func() (uint64, error) { return 0, errors.New("permission denied") }, `level=warn msg="GOMEMLIMIT not set: cannot read the cgroup memory limit" err="permission denied"`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keepMemoryLimit(t)
			if tt.env != "" {
				t.Setenv("GOMEMLIMIT", tt.env)
			}
			debug.SetMemoryLimit(math.MaxInt64)
			calls = 0
			var logs bytes.Buffer
			setMemoryLimit(log.NewLogfmtLogger(&logs), tt.enabled, 0.9, counting(tt.provider))
			require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1), "the limit stays")
			require.Contains(t, logs.String(), tt.want)
			require.Equal(t, tt.calls, calls)
		})
	}
}

func TestMemoryLimitRatioOutOfRangeStopsTheExporter(t *testing.T) {
	for _, v := range []string{"0", "-0.5", "1.01", "NaN"} {
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"--demo", "--auto-gomemlimit.ratio=" + v}, io.Discard, &stderr)
		require.Equal(t, 2, code, v)
		require.Contains(t, stderr.String(), "--auto-gomemlimit.ratio="+v+": must be more than 0 and at most 1")
	}
}

// TestBinarySetsGOMEMLIMITFromItsCgroup runs the binary in a memory cgroup
// of 256 MiB, as a container runtime would, and reads its start log.
func TestBinarySetsGOMEMLIMITFromItsCgroup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	procs := memoryCgroup(t, 256<<20)
	bin := filepath.Join(t.TempDir(), "hss_exporter")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	logs := &syncBuffer{}
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
