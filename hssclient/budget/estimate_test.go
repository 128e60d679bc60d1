package budget

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSweepTimeIsTheCallsAtTheTighterRate(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	require.Equal(t, 12*time.Minute, SweepTime(60, 5, inf), "60 calls at 5 a minute")
	require.Equal(t, 30*time.Second, SweepTime(60, 600, 2), "requests_per_second is the tighter")
	require.Zero(t, SweepTime(60, inf, inf), "no limit: no estimate")
	require.Zero(t, SweepTime(60, 0, inf), "a budget of nothing: no estimate")
}

func TestFirstSweepTimeStartsAMinutesCallsAtOnce(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	second := time.Minute / 60 * 11 / 10
	require.Equal(t, 4*second, FirstSweepTime(5, 5, inf), "one minute's calls, spaced a second apart")
	require.Equal(t, 2*time.Minute+second, FirstSweepTime(12, 5, inf), "two full minutes, then two calls a second apart")
	require.Equal(t, 4*time.Second, FirstSweepTime(8, 600, 2), "requests_per_second bounds it from below")
	require.Zero(t, FirstSweepTime(0, 5, inf))
	require.Zero(t, FirstSweepTime(12, inf, inf))
	// At 600 a minute ten calls start each second: 1,200 calls are one
	// full minute, then 600 over 60 seconds.
	require.Equal(t, time.Minute+59*second, FirstSweepTime(1200, 600, inf))
}
