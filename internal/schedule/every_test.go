package schedule

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestJitterSpreadsBothWaysWithinItsFraction(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// manualTicks is a Tick whose ticks the test sends.
type manualTicks struct{ next chan chan time.Time }

func (m manualTicks) tick(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- time.Now()
		return ch
	}
	m.next <- ch
	return ch
}

// passesAfterATickDuringAPass runs Every with a first pass that blocks
// until released, ticks once while it runs, and returns how many passes
// ran once it was released and the loop had up to wait to start another.
func passesAfterATickDuringAPass(t *testing.T, skip func(), wait time.Duration) int {
	t.Helper()
	ticks := manualTicks{next: make(chan chan time.Time)}
	started, release, ran := make(chan struct{}), make(chan struct{}), make(chan int, 10)
	var busy atomic.Bool
	passes := 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Every(ctx, Loop{Tick: ticks.tick, Interval: func() time.Duration { return time.Hour }, Busy: &busy, Skip: skip}, func() {
			passes++
			if passes == 1 {
				close(started)
				<-release
			}
			ran <- passes
		})
	}()
	second := <-ticks.next // the loop waits for its second tick
	<-started
	require.True(t, busy.Load(), "the first pass runs")
	second <- time.Now()
	<-ticks.next // the tick was taken: the loop waits for its third
	close(release)
	require.Equal(t, 1, <-ran)
	n := 1
	select {
	case n = <-ran:
	case <-time.After(wait):
	}
	cancel()
	<-done
	require.False(t, busy.Load(), "no pass runs once Every returned")
	return n
}

func TestTickDuringAPassIsSkippedOrOwed(t *testing.T) {
	t.Parallel()
	skipped := 0
	require.Equal(t, 1, passesAfterATickDuringAPass(t, func() { skipped++ }, 100*time.Millisecond), "a skipped tick is not made up for")
	require.Equal(t, 1, skipped)
	require.Equal(t, 2, passesAfterATickDuringAPass(t, nil, 30*time.Second), "an owed tick runs the next pass as soon as the first ends")
}
