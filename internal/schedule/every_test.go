package schedule

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestJitterSpreadsBothWaysWithinItsFraction(t *testing.T) {
	for _, tc := range []struct {
		jitter   float64
		min, max float64
	}{
		{0.05, 0.95, 1.05},
		{0.2, 0.8, 1.2},
		{0, 1, 1},
	} {
		seen := map[bool]bool{}
		for range 200 {
			f := Jittered(tc.jitter)
			require.GreaterOrEqual(t, f, tc.min)
			require.LessOrEqual(t, f, tc.max)
			seen[f < 1] = true
		}
		if tc.jitter > 0 {
			require.Len(t, seen, 2, "jitter spreads both ways")
		}
	}
}

func TestBoundSetsADeadlineOnlyForATimeout(t *testing.T) {
	ctx, cancel := Bound(context.Background(), 0)
	_, has := ctx.Deadline()
	require.False(t, has, "0 bounds nothing")
	cancel()
	require.Error(t, ctx.Err(), "cancel ends the work's context")

	ctx, cancel = Bound(context.Background(), time.Hour)
	defer cancel()
	deadline, has := ctx.Deadline()
	require.True(t, has)
	require.WithinDuration(t, time.Now().Add(time.Hour), deadline, time.Minute)
}
