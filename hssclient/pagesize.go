package hssclient

import (
	"sync"
	"time"
)

// PageSizeProbeInterval is how long a smaller page size an endpoint made
// the client step down to is kept before one listing tries the configured
// size again. Stepping down afresh on every listing costs each image up to
// three refused or oversized calls; an hourly probe costs one.
const PageSizeProbeInterval = time.Hour

// pageSizes remembers, per operation, the page size the endpoint accepts
// when it is smaller than the configured one. Safe for concurrent use.
type pageSizes struct {
	configured int
	now        func() time.Time
	mu         sync.Mutex
	learned    map[string]learnedSize
}

type learnedSize struct {
	size   int
	byRows bool      // learned from more rows than asked for, not a refusal
	since  time.Time // when it was learned, or last probed
}

func newPageSizes(configured int, now func() time.Time) *pageSizes {
	return &pageSizes{configured: configured, now: now, learned: map[string]learnedSize{}}
}

// size is the page size op's listings use now.
func (p *pageSizes) size(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.learned[op]; ok {
		return l.size
	}
	return p.configured
}

// start returns the page size a listing of op begins with. Once a learned
// size is PageSizeProbeInterval old, one listing (the first to ask)
// probes the configured size: fallback is then the size to go back to if
// the endpoint still refuses it, 0 otherwise.
func (p *pageSizes) start(op string) (limit, fallback int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.learned[op]
	if !ok {
		return p.configured, 0
	}
	now := p.now()
	if now.Sub(l.since) < PageSizeProbeInterval {
		return l.size, 0
	}
	// Later listings keep the learned size while this one probes.
	p.learned[op] = learnedSize{size: l.size, since: now}
	return p.configured, l.size
}

// learn records that op's endpoint accepts pages of size, smaller than
// the configured one; byRows says it was learned from a page holding more
// rows than asked for (the endpoint ignores limit), not from a refusal.
func (p *pageSizes) learn(op string, size int, byRows bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.learned[op] = learnedSize{size: size, byRows: byRows, since: p.now()}
}

// probed records that a probe's first page at the configured size limit
// was answered with rows. That proves a refused size accepted now; for
// an endpoint that ignored limit only a full page of exactly limit rows
// proves it honours limit again (a small image's short page would fit
// either way).
func (p *pageSizes) probed(op string, limit, rows int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.learned[op]; ok && (!l.byRows || rows == limit) {
		delete(p.learned, op)
	}
}
