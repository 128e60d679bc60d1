package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClockTicksOnItsTimerUnlessGivenTicksOfItsOwn(t *testing.T) {
	t.Parallel()
	wall := Clock{}.OrWall()
	require.WithinDuration(t, time.Now(), wall.Now(), time.Minute)
	select {
	case <-wall.Tick(time.Millisecond):
	case <-time.After(10 * time.Second):
		t.Fatal("the wall clock's tick never came")
	}

	fired := make(chan time.Time, 1)
	fired <- time.Unix(42, 0)
	timer := func(time.Duration) <-chan time.Time { return fired }
	c := Clock{After: timer}.OrWall()
	require.Equal(t, time.Unix(42, 0), <-c.Tick(time.Hour), "a clock's own timer is its tick when it has no other")

	never := func(time.Duration) <-chan time.Time { return nil }
	c = Clock{After: timer, Tick: never}.OrWall()
	require.Nil(t, c.Tick(time.Hour), "ticks of its own are kept")
}
