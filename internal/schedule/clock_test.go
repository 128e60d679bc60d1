package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTheWallClockCallsBackAndTicksUnlessStopped(t *testing.T) {
	t.Parallel()
	wall := Clock{}.OrWall()
	require.WithinDuration(t, time.Now(), wall.Now(), time.Minute)
	select {
	case <-wall.Tick(time.Millisecond):
	case <-time.After(10 * time.Second):
		t.Fatal("the wall clock's tick never came")
	}
	called := make(chan struct{})
	wall.AfterFunc(time.Millisecond, func() { close(called) })
	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatal("the wall clock never called back")
	}
	stop := wall.AfterFunc(time.Hour, func() { t.Error("called back after stop") })
	require.True(t, stop(), "stopped before the call")
}
