package gomemlimit

import (
	"bytes"
	"errors"
	"math"
	"os"
	"runtime/debug"
	"testing"

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
	t.Parallel()
	keepMemoryLimit(t)
	debug.SetMemoryLimit(math.MaxInt64)
	var logs bytes.Buffer
	Set(log.NewLogfmtLogger(&logs), true, 0.9, memlimit.Limit(1<<30))
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
			Set(log.NewLogfmtLogger(&logs), tt.enabled, 0.9, counting(tt.provider))
			require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1), "the limit stays")
			require.Contains(t, logs.String(), tt.want)
			require.Equal(t, tt.calls, calls)
		})
	}
}
