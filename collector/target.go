package collector

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/posture"
	"github.com/hss-exporter/hss_exporter/shard"
)

// target is the state of one target: every image it covers with what is
// known of its containers, the snapshot served, and the status of its work.
//
// Work runs continuously: discovery every refresh_interval, and a queue of
// container listings drained as fast as the API budget allows (see queue.go).
// Each listing's rows replace the image's rows as soon as it lands; a
// publisher turns the state into the snapshot served, at most every
// PublishInterval.
type target struct {
	name  string
	cfg   config.Target
	api   API
	pacer Pacer // nil: no budget to pace by
	// credentials and budgetState are what the target can do beyond
	// listing (see Target); nil when it cannot.
	credentials CredentialGate
	budgetState BudgetStater
	logger      log.Logger
	now         func() time.Time
	calls       *targetCalls
	shard       shard.Spec
	// sharers counts the targets spending from the same budget, this one
	// included, for the sweep-time estimate.
	sharers atomic.Int64
	// stop ends the target's work and done closes once it has ended; set
	// while it runs (see Exporter.start).
	stop context.CancelFunc
	done chan struct{}

	snap     atomic.Pointer[snapshot]
	lastGood atomic.Int64 // Unix ns of the last successful API answer; 0: none yet
	busy     atomic.Bool  // a discovery runs

	mu          sync.Mutex // guards what follows; never held while calling the API or writing a response
	images      map[string]*image
	order       []*image // the covered images, in the stable order of discovery
	z           *sanitizer
	st          targetStatus
	pausedUntil time.Time    // listings wait after credentials could not be had
	versions    uint64       // the last version given out (see touchFacts, touchRows)
	changed     broadcast    // wakes listers when work may have appeared
	pacing      atomic.Int32 // listers asleep until the budget allows a call
	publishReq  chan struct{}

	pubMu sync.Mutex // one publish at a time
	units *unitCache

	// stateDirty is set by each publish and taken by the state writer;
	// stateReq wakes it.
	stateDirty atomic.Bool
	stateReq   chan struct{}

	posture *posture.State // nodes, events and quotas (posture.go)
}

// image is what a target knows of one image it covers.
type image struct {
	ref         imageRef
	rows        []hssclient.Container // sanitised; never changed once stored
	rowHashes   []uint64              // a hash of each row's content, for fingerprints
	listed      bool                  // rows known: listed, or none without a call
	listedAt    time.Time
	listedNum   int64                           // container_num HSS reported when the rows were listed; -1 unknown
	listedQuery hssclient.ListContainersRequest // the query the rows came from
	busy        bool                            // a listing is in flight
	failedAt    time.Time                       // of the last failed listing; zero after a success
	err         error
	// factsVersion is new whenever discovery changes what the image's
	// facts series show, rowsVersion whenever its rows change; versions
	// are unique within the target, so a version names one content.
	factsVersion, rowsVersion uint64
}

// targetStatus is a target's history, copied out under target.mu.
type targetStatus struct {
	lastStart    time.Time // of the last completed refresh (discovery)
	lastDuration time.Duration
	lastResult   Result
	lastErr      error // of the last refresh, or of the last failed listing since
	discovered   bool  // a discovery has succeeded
	discoveryOK  bool  // the last discovery succeeded
	refreshes    [len(results)]uint64
	skipped      uint64
	sanitized    uint64
	requests     uint64 // in the last refresh cycle
	retries      uint64
	cycleReq     uint64 // counters at the start of the cycle
	cycleRetry   uint64
	sweeps       uint64    // every image needing a call listed once since start
	firstSweep   time.Time // when the first sweep completed
	// imagesOwned and imagesDiscovered count, at the last discovery that
	// succeeded, the images this shard lists and all the target covers.
	imagesOwned, imagesDiscovered int
	expired                       bool // data dropped after max_staleness without an answer

	// moved counts the container listings whose list moved while they
	// paged, by the index of the reason in hssclient.MovedReasons.
	moved [len(hssclient.MovedReasons)]uint64
}

// interval is the target's refresh_interval, which config resolves; a
// config.Target built by hand may leave it out and get config's default.
func (t *target) interval() time.Duration {
	if r := t.cfg.RefreshInterval; r > 0 {
		return r // the usual case, on a path taken for every image
	}
	return t.cfg.WithDefaults().RefreshInterval
}

// expired reports whether data from at is older than max_staleness
// (never, when max_staleness is not set).
func (t *target) expired(at, now time.Time) bool {
	return t.cfg.MaxStaleness > 0 && now.Sub(at) > t.cfg.MaxStaleness
}

// good returns when the API last answered successfully; zero before.
func (t *target) good() time.Time {
	if n := t.lastGood.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// markGood records a successful API answer at now.
func (t *target) markGood(now time.Time) {
	t.lastGood.Store(now.UnixNano())
}

// serving returns the snapshot a scrape may show, or nil once the target
// has had no successful answer for max_staleness.
func (t *target) serving(now time.Time) *snapshot {
	return t.live(t.snap.Load(), now)
}

// live returns s while its data may be served at now: nil when there is
// none, or it is older than max_staleness.
func (t *target) live(s *snapshot, now time.Time) *snapshot {
	if s == nil {
		return nil
	}
	if good := t.good(); good.IsZero() || t.expired(good, now) {
		return nil
	}
	return s
}

// touchFacts marks that what discovery says of img changed; t.mu is held.
func (t *target) touchFacts(img *image) {
	t.versions++
	img.factsVersion = t.versions
}

// touchRows marks that img's rows (or the labels they are shown with)
// changed; t.mu is held.
func (t *target) touchRows(img *image) {
	t.versions++
	img.rowsVersion = t.versions
}

// requestPublish asks the publisher for a publish soon; requests made
// while one is pending merge into it.
func (t *target) requestPublish() {
	select {
	case t.publishReq <- struct{}{}:
	default:
	}
}

// broadcast wakes every waiter at once: closed and replaced on notify.
// It counts the waiters parked on the current channel, so whoever drives
// the loops (a test on its own clock) can tell every lister is asleep,
// not between a listing and its next look at the queue.
type broadcast struct {
	mu     sync.Mutex
	ch     chan struct{}
	parked int
}

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// park waits until ch, taken from wait before looking for work, is
// notified, due fires or ctx ends; at once when ch was notified already.
func (b *broadcast) park(ctx context.Context, ch <-chan struct{}, due <-chan time.Time) {
	b.mu.Lock()
	current := (<-chan struct{})(b.ch) == ch
	if current {
		b.parked++
	}
	b.mu.Unlock()
	if !current {
		return
	}
	select {
	case <-ctx.Done():
	case <-ch:
	case <-due:
	}
	b.mu.Lock()
	if (<-chan struct{})(b.ch) == ch {
		b.parked-- // woken by the timer or ctx; notify uncounted the rest
	}
	b.mu.Unlock()
}

// parkedNow is how many waiters are parked on the current channel.
func (b *broadcast) parkedNow() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.parked
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch, b.parked = nil, 0
	}
}
