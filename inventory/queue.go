package inventory

import (
	"cmp"
	"math"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
)

// Pacer tells the scheduler how the API budget stands, so it takes the
// next listing only when a call may start, and can say what a sweep costs.
// *budget.Budget is one.
type Pacer interface {
	// ReadyIn is how long until a call of op may start; 0: now.
	ReadyIn(op string) time.Duration
	// PerMinute is the calls of op a minute the budget allows.
	PerMinute(op string) float64
	// Learned reports whether a refusal lowered op's budget.
	Learned(op string) bool
	// Configured is the calls a minute each operation was given.
	Configured() float64
}

var _ Pacer = (*budget.Budget)(nil)

// The queue of container listings: which image to list next. Images that
// were never listed come first, then those whose container_num (or query)
// changed since their listing, new ones included, then the stalest
// listing. An image is listed again at most once per refresh_interval
// unless it changed, so with a large budget a sweep runs once per
// refresh_interval and never spins; with a small one, sweeps run back to
// back at the budget's pace. A failed listing is tried again one
// refresh_interval later.
const (
	classNew     = iota // never listed
	classChanged        // container_num or query changed since the listing
	classStale          // listed at least refresh_interval ago
	classNone           // nothing to do now
)

// classify says what img needs at now, and when it is next due if not now.
func (src *Source) classify(img *image, now time.Time) (class int, due time.Time) {
	if !img.ref.call || img.busy {
		return classNone, time.Time{}
	}
	if !img.failedAt.IsZero() {
		if retry := img.failedAt.Add(src.Interval()); now.Before(retry) {
			return classNone, retry
		}
	}
	switch {
	case !img.listed:
		return classNew, time.Time{}
	case img.changed():
		return classChanged, time.Time{}
	}
	if due = img.listedAt.Add(src.Interval()); now.Before(due) {
		return classNone, due
	}
	return classStale, time.Time{}
}

// changed reports whether what discovery says of the image no longer
// matches its listing.
func (img *image) changed() bool {
	return img.ref.reportedNum() != img.listedNum || img.ref.query != img.listedQuery
}

// pending reports whether the image waits for its first listing, or for
// one after a change.
func (img *image) pending() bool {
	return img.ref.call && (!img.listed || img.changed())
}

// pages estimates the calls a listing of img costs; -1 when unknown.
func (img *image) pages(pageSize int) int {
	n := img.ref.reportedNum()
	if n < 0 && img.listed {
		n = int64(len(img.rows))
	}
	if n < 0 {
		return -1
	}
	return max(1, int(math.Ceil(float64(n)/float64(max(pageSize, 1)))))
}

// pick is a listing taken from the queue: the image, and what discovery
// said of it when taken, which its rows are then known against.
type pick struct {
	img   *image
	query hssclient.ListContainersRequest
	num   int64
	// name, version and digest name the image in log lines and errors,
	// copied at take: discovery may replace img.ref while it is listed.
	name, version, digest string
}

// take returns the next image to list and marks it busy; ok is false when
// nothing is due, and then wake says when something will be (zero: only
// when discovery or a landing changes something).
func (src *Source) take(now time.Time) (p pick, ok bool, wake time.Time) {
	src.mu.Lock()
	defer src.mu.Unlock()
	if now.Before(src.pausedUntil) {
		return pick{}, false, src.pausedUntil
	}
	var best *image
	bestClass, bestIndex, pendingPages := classNone, 0, 0
	classes := make([]int, len(src.cat.order))
	for i, img := range src.cat.order {
		class, due := src.classify(img, now)
		classes[i] = class
		if class == classNone {
			if !due.IsZero() && (wake.IsZero() || due.Before(wake)) {
				wake = due
			}
			continue
		}
		if class != classStale {
			pendingPages += max(img.pages(src.cfg.Target.PageSize), 1)
		}
		if class < bestClass {
			best, bestClass, bestIndex = img, class, i
		}
	}
	if best == nil {
		return pick{}, false, wake
	}
	less := src.rank(now, pendingPages)
	for i, img := range src.cat.order {
		if classes[i] == bestClass && i != bestIndex && less(img, best) {
			best = img
		}
	}
	best.busy = true
	r := &best.ref
	return pick{img: best, query: r.query, num: r.reportedNum(), name: r.name, version: r.version, digest: r.digest},
		true, time.Time{}
}

// rank returns how images of one class compare. While the budget is
// what limits listing (more calls are pending than it allows a minute),
// the cheapest images go first, so every call lists as many images as it
// can. Otherwise the longest go first, those of unknown size before all:
// an image's pages come one after another, so a big one started last
// would leave the other concurrency slots idle while it pages.
func (src *Source) rank(now time.Time, pendingPages int) func(a, b *image) bool {
	budgetBound := src.cfg.Pacer != nil && float64(pendingPages) > src.cfg.Pacer.PerMinute(hssclient.OpListContainers)
	return func(a, b *image) bool {
		if a.listed && b.listed && !a.changed() && !b.changed() {
			return a.listedAt.Before(b.listedAt) // stalest first
		}
		if budgetBound {
			return cmp.Less(max(a.pages(src.cfg.Target.PageSize), 1), max(b.pages(src.cfg.Target.PageSize), 1))
		}
		return cmp.Less(b.expected(), a.expected())
	}
}

// expected is how many containers the image is expected to have, for
// ordering the longest first: unknown counts as the most.
func (img *image) expected() int64 {
	if n := img.ref.reportedNum(); n >= 0 {
		return n
	}
	return math.MaxInt64
}
