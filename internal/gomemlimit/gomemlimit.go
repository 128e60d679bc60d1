// Package gomemlimit sets the Go runtime's soft memory limit from the
// container's cgroup memory limit (--auto-gomemlimit), so the garbage
// collector works harder before the kernel kills the process.
package gomemlimit

import (
	"errors"
	"math"
	"os"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/internal/flagerr"
)

// CheckRatio refuses a ratio that would set no limit or one above the
// cgroup's, which the kernel would enforce first by killing the pod.
func CheckRatio(ratio float64) error {
	if !(ratio > 0 && ratio <= 1) {
		return flagerr.New("auto-gomemlimit.ratio", ratio, "must be more than 0 and at most 1")
	}
	return nil
}

// Set sets the Go runtime's soft memory limit (GOMEMLIMIT) to
// ratio times the cgroup memory limit, as Prometheus does, so that near
// the container's limit the garbage collector works harder instead of the
// kernel killing the process. GOMEMLIMIT in the environment wins: the
// runtime has read it already. The limit comes from readLimit
// (memlimit.FromCgroup outside tests), which reads cgroup v1 and v2.
func Set(logger log.Logger, enabled bool, ratio float64, readLimit memlimit.Provider) {
	if v, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		level.Info(logger).Log("msg", "GOMEMLIMIT is set in the environment; --auto-gomemlimit leaves it", "gomemlimit", v)
		return
	}
	if !enabled {
		level.Info(logger).Log("msg", "GOMEMLIMIT not set: --no-auto-gomemlimit")
		return
	}
	limit, err := readLimit()
	switch {
	case errors.Is(err, memlimit.ErrNoLimit), errors.Is(err, memlimit.ErrNoCgroup), errors.Is(err, memlimit.ErrCgroupsNotSupported):
		level.Info(logger).Log("msg", "GOMEMLIMIT not set: no cgroup memory limit", "reason", err)
	case err != nil:
		level.Warn(logger).Log("msg", "GOMEMLIMIT not set: cannot read the cgroup memory limit", "err", err)
	default:
		soft := int64(min(float64(limit)*ratio, math.MaxInt64))
		debug.SetMemoryLimit(soft)
		level.Info(logger).Log("msg", "GOMEMLIMIT set from the cgroup memory limit", "gomemlimit_bytes", soft,
			"cgroup_limit_bytes", limit, "ratio", ratio)
	}
}
