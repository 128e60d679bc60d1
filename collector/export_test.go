package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/hss-exporter/hss_exporter/posture"
)

// What tests need of the Exporter beyond its API: an Exporter on the
// shared test clock, whose real loops (Run) a test moves one pass at a
// time and waits for until they are idle.

// errPartialRefresh is wrapped by refreshOnce's error when some images'
// latest listings failed but the rest landed.
var errPartialRefresh = errors.New("refresh partly failed")

// idleTimeout bounds how long a test waits for the loops to go idle.
const idleTimeout = 60 * time.Second

var (
	testClocks sync.Map // *Exporter → *testClock
	testRuns   sync.Map // *Exporter → struct{}: Run started by startLoops
)

// testClock is what an Exporter made by newClockedExporter runs on: the
// shared test clock for the time, and timers that fire when refreshOnce
// says, so a test moving the clock itself (to age data) starts no pass
// it does not wait for.
type testClock struct {
	*testclock.Clock
	timers   testclock.Timers
	lastPass time.Time // when refreshOnce last ran a pass
}

// tick moves the clock d and fires every timer set so far.
func (c *testClock) tick(d time.Duration) {
	c.Advance(d)
	c.timers.Fire(true)
	c.timers.Fire(false)
}

// newClockedExporter is NewExporter on clock (a new one at the wall
// clock's time when nil), which refreshOnce moves.
func newClockedExporter(clock *testclock.Clock, logger log.Logger, targets []Target, stats *APIStats, opts Options) *Exporter {
	if clock == nil {
		clock = testclock.New(time.Now())
	}
	c := &testClock{Clock: clock, timers: testclock.Timers{Now: clock.Now}}
	opts.Now, opts.AfterFunc, opts.Tick = clock.Now, c.timers.AfterFunc, c.timers.Tick
	e := NewExporter(logger, targets, stats, opts)
	testClocks.Store(e, c)
	return e
}

// startLoops runs e until the test ends; false when it already runs.
func startLoops(tb testing.TB, e *Exporter) bool {
	tb.Helper()
	if _, running := testRuns.LoadOrStore(e, struct{}{}); running {
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
		testRuns.Delete(e)
	})
	return true
}

// refreshPostureOnce is refreshOnce, returning the named target's
// posture outcome rather than its inventory's.
func refreshPostureOnce(tb testing.TB, e *Exporter, name string) error {
	tb.Helper()
	_ = refreshOnce(tb, e, name)
	return postureErrorOf(e, name)
}

// postureErrorOf is the named target's posture outcome: the failures of
// its enabled parts' latest reads, joined.
func postureErrorOf(e *Exporter, name string) error {
	t, ok := e.lookup(name)
	if !ok {
		return fmt.Errorf("unknown target %q", name)
	}
	return t.postureError()
}

// refreshOnce makes e's real loops run one pass and waits until they are
// idle: the first call starts Run, which discovers at once; later calls
// move the clock to one refresh_interval (and the most jitter) after the
// last pass, where every listing is due again, and fire the loops'
// timers: every target's next discovery and posture read. Then it publishes what landed, rather than wait out the
// publisher's interval, and returns the named target's outcome: its
// discovery's failure, or its listings' failures as a pass's.
func refreshOnce(tb testing.TB, e *Exporter, name string) error {
	tb.Helper()
	t, ok := e.lookup(name)
	if !ok {
		return fmt.Errorf("unknown target %q", name)
	}
	before := passesOf(e)
	c := clockOf(tb, e)
	if !startLoops(tb, e) {
		// On to the next tick, unless the test has moved the clock that
		// far itself; then the discoveries first, and the listings after:
		// on the wall clock a listing falls due a listing's time after
		// the discovery that led to it, not at the same instant.
		if d := c.lastPass.Add(longestInterval(e)).Sub(c.Now()); d > 0 {
			c.Advance(d)
		}
		c.timers.Fire(true)
		waitDiscovered(tb, e, before)
		c.timers.Fire(false)
	}
	c.lastPass = c.Now()
	waitIdle(tb, e, before)
	t.inv.Publish()
	return t.passError(e.opts.Now())
}

// passErrorOf is the named target's outcome as refreshOnce reports it,
// without running a pass.
func passErrorOf(e *Exporter, name string) error {
	t, ok := e.lookup(name)
	if !ok {
		return fmt.Errorf("unknown target %q", name)
	}
	return t.passError(e.opts.Now())
}

// clockOf is the test clock e was made on.
func clockOf(tb testing.TB, e *Exporter) *testClock {
	tb.Helper()
	c, ok := testClocks.Load(e)
	if !ok {
		tb.Fatal("the Exporter is not on a test clock: make it with newClockedExporter")
	}
	return c.(*testClock)
}

// longestInterval is the most any target's next tick can be away.
func longestInterval(e *Exporter) time.Duration {
	var d time.Duration
	for _, t := range e.all() {
		d = max(d, time.Duration(float64(t.inv.Interval())*(1+e.opts.Jitter)))
	}
	return d
}

// passes is where each target's loops stood: how many discoveries had
// completed, and each posture part's state.
type passes map[*target]passMark

type passMark struct {
	discoveries uint64
	parts       []posture.PartView
}

func passesOf(e *Exporter) passes {
	m := passes{}
	for _, t := range e.all() {
		var n uint64
		for _, c := range t.inv.Status(e.opts.Now()).Refreshes {
			n += c
		}
		m[t] = passMark{discoveries: n, parts: t.posture.Parts(0)}
	}
	return m
}

// waitIdle waits until every target has completed a discovery and read
// each posture part since before, and nothing is running or due.
func waitIdle(tb testing.TB, e *Exporter, before passes) {
	tb.Helper()
	deadline := time.Now().Add(idleTimeout)
	for {
		now := passesOf(e)
		idle := true
		for t, mark := range now {
			idle = idle && mark.discoveries > before[t].discoveries && t.postureRead(before[t], mark) && t.inv.Idle()
		}
		if idle {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the loops did not go idle within %v", idleTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitDiscovered waits until every target has completed a discovery
// since before.
func waitDiscovered(tb testing.TB, e *Exporter, before passes) {
	tb.Helper()
	deadline := time.Now().Add(idleTimeout)
	for {
		done := true
		for t, mark := range passesOf(e) {
			done = done && mark.discoveries > before[t].discoveries
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no discovery within %v", idleTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// postureRead reports whether every enabled part was read between before
// and after, and no posture read runs.
func (t *target) postureRead(before, after passMark) bool {
	if t.posture.Busy.Load() {
		return false
	}
	for p := range posture.NumParts {
		if !t.posture.Enabled(p) {
			continue
		}
		b, a := before.parts[p], after.parts[p]
		// Each read lands a new error value, or a success at the moved clock.
		if a.Ran == b.Ran && a.LastErr == b.LastErr && a.LastSuccess.Equal(b.LastSuccess) {
			return false
		}
	}
	return true
}

// passError is the target's outcome as one pass would report it: its
// discovery's failure, else how many images' latest listings failed.
func (t *target) passError(now time.Time) error {
	st := t.inv.Status(now)
	if !st.DiscoveryOK {
		return st.LastErr
	}
	failed, calls, first := st.ImagesFailed, st.ImagesToList, st.LastErr
	switch {
	case failed > 0 && failed == calls:
		return fmt.Errorf("all %d image listings failed, first: %w", calls, first)
	case failed > 0:
		return fmt.Errorf("%w: %d of %d image listings failed, first: %w", errPartialRefresh, failed, calls, first)
	}
	return nil
}

// postureError is the target's posture outcome: the failures of its
// enabled parts' latest reads, joined.
func (t *target) postureError() error {
	var errs []error
	for p, st := range t.posture.Parts(0) {
		if t.posture.Enabled(posture.Part(p)) && !st.Up {
			errs = append(errs, st.LastErr)
		}
	}
	return errors.Join(errs...)
}
