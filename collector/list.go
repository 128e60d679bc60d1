package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
)

// listing is what one container listing learned.
type listing struct {
	rows  []hssclient.Container // raw rows
	at    time.Time
	err   error
	moved string // why the list moved while it was paged; "" when it held still
}

// list fetches one image's containers. A listing whose list moved while
// it paged (total_num changed between pages, or a page repeated a
// container_id) may have skipped live rows: it is counted and taken again
// once, through the same budget, which in the usual case (a few
// containers started or stopped) gives the exact current set. Should the
// list move again, that listing lands as it is: a list that never holds
// still would otherwise never be refreshed, and the counter shows it.
func (t *target) list(ctx context.Context, p pick) listing {
	l := t.listOnce(ctx, p)
	if l.moved == "" {
		return l
	}
	l = t.listOnce(ctx, p)
	if l.moved != "" {
		level.Debug(t.logger).Log("msg", "the list of containers moved while it was paged, twice; landing the second listing",
			"image_name", p.name, "image_version", p.version, "image_digest", p.digest, "reason", l.moved)
	}
	return l
}

// listOnce pages through one image's containers once, counting a listing
// that found its list moving.
func (t *target) listOnce(ctx context.Context, p pick) listing {
	// Sized for what discovery reported, so a listing does not grow its
	// slice by doubling (a sweep of 100,000 rows would allocate twice that).
	rows := make([]hssclient.Container, 0, min(max(p.num, 0), 1<<16))
	err := t.api.EachContainer(ctx, p.query, func(c hssclient.Container) error {
		rows = append(rows, c)
		return nil
	})
	var moved *hssclient.MovedError
	if errors.As(err, &moved) {
		t.countMoved(moved.Reason)
		return listing{rows: rows, at: t.now(), moved: moved.Reason}
	}
	if err != nil {
		level.Debug(t.logger).Log("msg", "listing containers failed", "image_name", p.name,
			"image_version", p.version, "image_digest", p.digest, "err", err)
		return listing{err: fmt.Errorf("listing containers of %s:%s %s: %w", p.name, p.version, p.digest, err)}
	}
	return listing{rows: rows, at: t.now()}
}

// countMoved counts a listing whose list moved, by reason.
func (t *target) countMoved(reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i := slices.Index(hssclient.MovedReasons[:], reason); i >= 0 {
		t.st.moved[i]++
	}
}

// land stores what a listing learned: its rows replace the image's at
// once; a failure keeps the last good rows. A listing cut short by
// shutdown changes nothing. Once credentials cannot be had (IAM or the
// metadata service failing), listings pause for a refresh_interval: every
// one would ask for them again and fail the same way after its retries.
func (t *target) land(p pick, l listing, stopping bool) {
	t.mu.Lock()
	img := p.img
	img.busy = false
	if t.images[img.ref.key] != img || (l.err != nil && stopping) {
		t.mu.Unlock() // gone from discovery meanwhile, or shut down
		return
	}
	now := t.now()
	if l.err != nil {
		img.failedAt, img.err = now, l.err
		t.st.lastErr = l.err
		if auth.IsCredentialError(l.err) {
			t.pausedUntil = now.Add(t.interval())
		}
	} else {
		before := t.z.changed
		rows := l.rows // the listing's own slice: sanitised in place
		for i := range rows {
			rows[i] = t.z.container(rows[i])
		}
		t.st.sanitized += t.z.changed - before
		if !img.listed || !slices.Equal(rows, img.rows) {
			img.rows, img.rowHashes = slices.Clip(rows), t.units.rowHashes(rows)
			t.touchRows(img)
		} // else: unchanged rows keep their version, and a sweep that finds nothing new re-encodes nothing
		img.listed, img.listedAt, img.listedNum, img.listedQuery = true, l.at, p.num, p.query
		img.failedAt, img.err = time.Time{}, nil
		t.markGood(now)
		t.noteSweep(now)
	}
	t.mu.Unlock()
	t.requestPublish()
}

// noteSweep records when every image needing a call has been listed for
// the first time; t.mu is held.
func (t *target) noteSweep(now time.Time) {
	if !t.st.firstSweep.IsZero() || !t.st.discovered {
		return
	}
	for _, img := range t.order {
		if img.ref.call && !img.listed {
			return
		}
	}
	t.st.firstSweep = now
}

// lister takes listings from the queue until ctx ends. Before taking one
// it waits for the budget to allow a call, so a listing that becomes due
// meanwhile (a new image) is taken before an older one.
func (e *Exporter) lister(ctx context.Context, t *target) {
	for ctx.Err() == nil {
		if t.pacer != nil {
			if wait := t.pacer.ReadyIn(hssclient.OpListContainers); wait > 0 {
				t.pacing.Add(1)
				sleepUntil(ctx, wait, nil)
				t.pacing.Add(-1)
				continue
			}
		}
		changed := t.changed.wait()
		now := t.now()
		p, ok, wake := t.take(now)
		if !ok {
			var due <-chan time.Time // nil: nothing due until something changes
			if !wake.IsZero() {
				due = e.opts.After(max(wake.Sub(now), time.Millisecond))
			}
			t.changed.park(ctx, changed, due)
			continue
		}
		lctx, cancel := e.workContext(ctx, t)
		l := t.list(lctx, p)
		cancel()
		t.land(p, l, ctx.Err() != nil)
	}
}

// sleepUntil waits d, until changed closes, or until ctx ends.
func sleepUntil(ctx context.Context, d time.Duration, changed <-chan struct{}) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-changed:
	case <-timer.C:
	}
}

// workContext bounds one discovery or listing: by Options.RefreshTimeout,
// else max_staleness, since data older than that is dropped anyway.
func (e *Exporter) workContext(ctx context.Context, t *target) (context.Context, context.CancelFunc) {
	timeout := e.opts.RefreshTimeout
	if timeout <= 0 {
		timeout = t.cfg.MaxStaleness
	}
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, timeout)
}
