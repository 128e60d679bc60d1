package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
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
func (src *Source) list(ctx context.Context, p pick) listing {
	l := src.listOnce(ctx, p)
	if l.moved == "" {
		return l
	}
	l = src.listOnce(ctx, p)
	if l.moved != "" {
		level.Debug(src.logger).Log("msg", "the list of containers moved while it was paged, twice; landing the second listing",
			"image_name", p.name, "image_version", p.version, "image_digest", p.digest, "reason", l.moved)
	}
	return l
}

// listOnce pages through one image's containers once, counting a listing
// that found its list moving.
func (src *Source) listOnce(ctx context.Context, p pick) listing {
	// Sized for what discovery reported, so a listing does not grow its
	// slice by doubling (a sweep of 100,000 rows would allocate twice that).
	rows := make([]hssclient.Container, 0, min(max(p.num, 0), 1<<16))
	err := src.cfg.API.EachContainer(ctx, p.query, func(c hssclient.Container) error {
		rows = append(rows, c)
		return nil
	})
	var moved *hssclient.MovedError
	if errors.As(err, &moved) {
		src.countMoved(moved.Reason)
		return listing{rows: rows, at: src.cfg.Clock.Now(), moved: moved.Reason}
	}
	if err != nil {
		level.Debug(src.logger).Log("msg", "listing containers failed", "image_name", p.name,
			"image_version", p.version, "image_digest", p.digest, "err", err)
		return listing{err: fmt.Errorf("listing containers of %s:%s %s: %w", p.name, p.version, p.digest, err)}
	}
	return listing{rows: rows, at: src.cfg.Clock.Now()}
}

// countMoved counts a listing whose list moved, by reason.
func (src *Source) countMoved(reason string) {
	src.mu.Lock()
	defer src.mu.Unlock()
	if i := slices.Index(hssclient.MovedReasons[:], reason); i >= 0 {
		src.st.counts.moved[i]++
	}
}

// land stores what a listing learned: its rows replace the image's at
// once; a failure keeps the last good rows. A listing cut short by
// shutdown changes nothing. Once credentials cannot be had (IAM or the
// metadata service failing), listings pause for a refresh_interval: every
// one would ask for them again and fail the same way after its retries.
func (src *Source) land(p pick, l listing, stopping bool) {
	src.mu.Lock()
	img := p.img
	img.busy = false
	if src.cat.images[img.ref.key] != img || (l.err != nil && stopping) {
		src.mu.Unlock() // gone from discovery meanwhile, or shut down
		return
	}
	now := src.cfg.Clock.Now()
	if l.err != nil {
		img.failedAt, img.err = now, l.err
		src.st.last.err = l.err
		if auth.IsCredentialError(l.err) {
			src.pausedUntil = now.Add(src.Interval())
		}
	} else {
		before := src.cat.z.changed
		rows := l.rows // the listing's own slice: sanitised in place
		for i := range rows {
			rows[i] = src.cat.z.container(rows[i])
		}
		src.st.counts.sanitized += src.cat.z.changed - before
		if !img.listed || !slices.Equal(rows, img.rows) {
			img.rows, img.rowHashes = slices.Clip(rows), src.pub.units.rowHashes(rows)
			src.touchRows(img)
		} // else: unchanged rows keep their version, and a sweep that finds nothing new re-encodes nothing
		img.listed, img.listedAt, img.listedNum, img.listedQuery = true, l.at, p.num, p.query
		img.failedAt, img.err = time.Time{}, nil
		src.markGood(now)
		src.noteSweep(now)
	}
	src.mu.Unlock()
	src.requestPublish()
}

// noteSweep records when every image needing a call has been listed for
// the first time; src.mu is held.
func (src *Source) noteSweep(now time.Time) {
	if !src.st.firstSweep.IsZero() || !src.st.discovered {
		return
	}
	for _, img := range src.cat.order {
		if img.ref.call && !img.listed {
			return
		}
	}
	src.st.firstSweep = now
}

// lister takes listings from the queue until ctx ends. Before taking one
// it waits for the budget to allow a call, so a listing that becomes due
// meanwhile (a new image) is taken before an older one.
func (src *Source) lister(ctx context.Context) {
	for ctx.Err() == nil {
		if src.cfg.Pacer != nil {
			if wait := src.cfg.Pacer.ReadyIn(hssclient.OpListContainers); wait > 0 {
				src.listers.pacing.Add(1)
				schedule.Sleep(ctx, wait)
				src.listers.pacing.Add(-1)
				continue
			}
		}
		changed := src.listers.changed.wait()
		now := src.cfg.Clock.Now()
		p, ok, wake := src.take(now)
		if !ok {
			var due time.Duration // 0: nothing due until something changes
			if !wake.IsZero() {
				due = max(wake.Sub(now), time.Millisecond)
			}
			src.listers.changed.park(ctx, changed, src.cfg.Clock.AfterFunc, due)
			continue
		}
		lctx, cancel := schedule.Bound(ctx, src.cfg.Timeout)
		l := src.list(lctx, p)
		cancel()
		src.land(p, l, ctx.Err() != nil)
	}
}
