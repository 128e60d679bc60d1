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
	size  int
	since time.Time // when it was learned, or last probed
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

// accepted records that op's endpoint answered a page of limit rows
// properly: the configured size forgets what was learned, a smaller one
// is remembered.
func (p *pageSizes) accepted(op string, limit int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if limit >= p.configured {
		delete(p.learned, op)
		return
	}
	p.learned[op] = learnedSize{size: limit, since: p.now()}
}
