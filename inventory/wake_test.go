package inventory

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

func TestAListerWokenByItsTimerIsAwakeOnceTheClockHasFired(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Unix(0, 0))
	timers := &testclock.Timers{Now: clock.Now}
	var b broadcast
	ch := b.wait()
	woke := make(chan struct{})
	go func() {
		b.park(context.Background(), ch, timers.AfterFunc, time.Minute)
		close(woke)
	}()
	require.Eventually(t, func() bool { return b.parkedNow() == 1 }, 10*time.Second, time.Millisecond, "the lister parks")
	timers.Fire(false)
	require.Zero(t, b.parkedNow(), "counted awake before Fire returns, not once it runs")
	<-woke
}

func TestNotifyWakesEveryParkedListerAndUncountsThemOnce(t *testing.T) {
	t.Parallel()
	timers := &testclock.Timers{Now: time.Now}
	var b broadcast
	ch := b.wait()
	done := make(chan struct{}, 2)
	for range 2 {
		go func() {
			b.park(context.Background(), ch, timers.AfterFunc, time.Minute)
			done <- struct{}{}
		}()
	}
	require.Eventually(t, func() bool { return b.parkedNow() == 2 }, 10*time.Second, time.Millisecond)
	b.notify()
	<-done
	<-done
	next := b.wait()
	go func() {
		b.park(context.Background(), next, timers.AfterFunc, time.Minute)
		done <- struct{}{}
	}()
	require.Eventually(t, func() bool { return b.parkedNow() == 1 }, 10*time.Second, time.Millisecond)
	timers.Fire(false) // the first two's timers were stopped: only the third's fires
	require.Zero(t, b.parkedNow(), "a stale waiter's wake does not uncount a new one")
	<-done
}
