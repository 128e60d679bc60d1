package statuspage

import (
	"context"
	"errors"
	"reflect"
	"time"

	"github.com/hss-exporter/hss_exporter/collector"
)

// refresh runs one pass of the exporter's loops and waits until they are
// quiet: the first call starts Run, which discovers at once; later calls
// move the clock to a refresh_interval after the last pass (unless the
// test moved it that far) and fire the discoveries, then the listings.
// Its error is what the page must explain: the target's last error while
// hss_up is 0.
func (e *statusEnv) refresh() error {
	e.t.Helper()
	before := e.exp.Status()[0].LastRefresh
	if e.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			e.exp.Run(ctx)
		}()
		e.stop = func() { cancel(); <-done }
		e.t.Cleanup(e.stop)
	} else {
		if d := e.lastPass.Add(e.interval).Sub(e.clock.Now()); d > 0 {
			e.clock.Advance(d)
		}
		e.timers.Fire(true)
		e.waitFor(func(st collector.TargetStatus) bool { return !st.Running && !st.LastRefresh.Equal(before) })
		e.timers.Fire(false)
	}
	e.lastPass = e.clock.Now()
	e.waitFor(func(st collector.TargetStatus) bool { return !st.LastRefresh.IsZero() && !st.Running })
	e.waitQuiet()
	st := e.exp.Status()[0]
	if st.Up {
		return nil
	}
	if st.LastErr != nil {
		return st.LastErr
	}
	return errors.New(st.LastError)
}

// waitFor waits until the target's status satisfies ok.
func (e *statusEnv) waitFor(ok func(collector.TargetStatus) bool) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok(e.exp.Status()[0]) {
		if time.Now().After(deadline) {
			e.t.Fatal("the exporter's loops did not get there within 30 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// waitQuiet waits until the target's status and posture have not moved
// for a while, with nothing pending: the listings and posture reads of the
// pass have landed and been published.
func (e *statusEnv) waitQuiet() {
	e.t.Helper()
	type mark struct {
		st      collector.TargetStatus
		posture []collector.PosturePart
		served  int // images listed in the snapshot served, which the page reads
	}
	read := func() mark {
		st := e.exp.Status()[0]
		st.DataAge, st.LastErr = 0, nil
		v, _ := e.exp.Posture(e.target)
		parts := append([]collector.PosturePart(nil), v.Parts...)
		for i := range parts {
			parts[i].LastErr = nil
		}
		served := 0
		if view, ok := e.exp.View(e.target); ok {
			for _, img := range view.Images {
				if img.Listed {
					served++
				}
			}
		}
		return mark{st: st, posture: parts, served: served}
	}
	deadline := time.Now().Add(30 * time.Second)
	last, since := read(), time.Now()
	for time.Since(since) < 300*time.Millisecond {
		if time.Now().After(deadline) {
			e.t.Fatal("the exporter's loops did not go quiet within 30 s")
		}
		time.Sleep(5 * time.Millisecond)
		// An image waiting for its first listing is work to come, unless
		// that listing failed: then it waits for the next pass.
		// Listings landed are quiet only once they are published: a
		// publish may lag its listings (publishing is coalesced).
		if now := read(); !reflect.DeepEqual(now, last) || now.st.Running || now.st.ImagesPending > now.st.ImagesFailed ||
			now.served < now.st.ImagesListed {
			last, since = now, time.Now()
		}
	}
}

// postureError is the target's posture outcome: the failures of the
// parts it reads, joined.
func (e *statusEnv) postureError() error {
	v, _ := e.exp.Posture(e.target)
	var errs []error
	for _, p := range v.Parts {
		if p.Off == "" && p.Ran && !p.Up {
			errs = append(errs, errors.New(p.LastError))
		}
	}
	return errors.Join(errs...)
}
