package inventory

import (
	"math"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
)

// Status is one target's inventory at one instant: its history and what
// its images and the snapshot served say of it, read under one lock so
// every figure agrees with the others. The self-metrics, /readyz, the
// status page and /api/v1/status all read it, by these names; its parts
// are embedded, so each figure is read as st.Name whatever part holds it.
type Status struct {
	Target string
	RefreshStatus
	DataStatus
	Counts
	ListingStatus
	BudgetStatus
	CredentialStatus
}

// RefreshStatus is the history of the target's refreshes (discoveries).
type RefreshStatus struct {
	Running      bool          // a discovery is in progress
	LastRefresh  time.Time     // start of the last completed refresh (discovery); zero before the first
	LastDuration time.Duration // of the last completed refresh
	LastResult   Result        // "" before the first
	LastError    string        // of the last refresh or the latest failed listing; "" when none failed
	// LastErr is that error, typed as the client made it (hssclient's
	// APIError, NetworkError, DecodeError, ...), for words on a page.
	LastErr     error
	Discovered  bool // a discovery has succeeded
	DiscoveryOK bool // the last discovery succeeded

	Requests uint64 // HTTP attempts in the last refresh cycle
	Retries  uint64 // retried attempts in the last refresh cycle
	Skipped  uint64 // discoveries skipped since start
	// Refreshes counts the completed refreshes by result, in the order
	// of Results.
	Refreshes [len(Results)]uint64
}

// DataStatus is how fresh the data served is, and what that comes to.
type DataStatus struct {
	Health      Health        // what the target's state comes to in one word
	LastSuccess time.Time     // last successful API answer; zero before
	DataAge     time.Duration // since LastSuccess; 0 before the first
	Stale       bool          // no successful answer for max_staleness: inventory series dropped
	Up          bool          // what hss_up says
}

// Counts are what the inventory holds.
type Counts struct {
	// Counts in the snapshot being served; zero when none is served.
	Images, Containers, Hosts, Pods int

	// ImagesOwned of ImagesDiscovered images this shard lists, at the last
	// discovery that succeeded: all of them when not sharded.
	ImagesOwned, ImagesDiscovered int

	// Sanitized counts the label values the label rule changed;
	// Inconsistent the listings whose list moved while they paged, in the
	// order of hssclient.MovedReasons.
	Sanitized    uint64
	Inconsistent [len(hssclient.MovedReasons)]uint64
}

// ListingStatus is the listing schedule: images whose latest listing
// failed, images waiting for a first (or, after a change, another)
// listing, images that need a call and how many of those are listed, the
// age of the oldest listing, and when the first sweep (every image listed
// once) completed; zero while it runs. Then the calls a sweep takes and
// how long at the budget.
type ListingStatus struct {
	ImagesFailed                              int
	ImagesPending, ImagesToList, ImagesListed int
	OldestListing                             time.Duration
	FirstSweepAt                              time.Time
	SweepCalls                                int
	Sweep                                     time.Duration
	// FirstSweep is how long the first sweep takes from start, when the
	// budget is idle and lets its first minute's calls start right away.
	FirstSweep time.Duration
}

// BudgetStatus is the budget listings spend from: calls a minute allowed
// (after what any 429 taught; 0 when there is none) and whether a 429
// lowered it, and how many targets spend from it.
type BudgetStatus struct {
	BudgetPerMinute float64
	BudgetLearned   bool
	BudgetSharers   int
}

// CredentialStatus is whether the target's credentials hold its calls
// back.
type CredentialStatus struct {
	// CredentialsRefusedUntil is when the target's credentials, refused
	// by the API or IAM, are tried again (it may have passed: then the
	// next call tries); zero while they are not refused. Until then no
	// call is made with them.
	CredentialsRefusedUntil time.Time
	// CredentialsUnavailableUntil is when credentials are next asked of
	// the target's IAM (password token or OIDC exchange) or metadata
	// service, which failed to hand them out; zero while it is not
	// failing. Until then no call is made.
	CredentialsUnavailableUntil time.Time
	// AuthBackoff is how long until the later of the two; 0 once due.
	AuthBackoff time.Duration
}

// Status returns the source's status at now, with the counts of the
// snapshot it serves then.
func (src *Source) Status(now time.Time) Status {
	st, _ := src.Read(now)
	return st
}

// Read returns the source's status at now and the snapshot it serves then
// (nil: none), read together, so the status counts what the snapshot
// shows.
func (src *Source) Read(now time.Time) (Status, *Snapshot) {
	serving := src.Serving(now)
	s := src.history(now)
	if serving != nil {
		s.Images, s.Containers, s.Hosts, s.Pods = serving.images, serving.containers, serving.hosts, serving.pods
	}
	return s, serving
}

// history is the source's status without the snapshot's counts.
func (src *Source) history(now time.Time) Status {
	src.mu.Lock()
	h := src.st
	s := Status{Target: src.cfg.Target.Name,
		RefreshStatus: RefreshStatus{Running: src.busy.Load(), LastRefresh: h.last.start, LastDuration: h.last.duration,
			LastResult: h.last.result, LastErr: h.last.err, Discovered: h.discovered, DiscoveryOK: h.discoveryOK,
			Requests: h.cost.requests, Retries: h.cost.retries, Skipped: h.counts.skipped, Refreshes: h.counts.refreshes},
		DataStatus: DataStatus{LastSuccess: src.good()},
		Counts: Counts{ImagesOwned: h.imagesOwned, ImagesDiscovered: h.imagesDiscovered,
			Sanitized: h.counts.sanitized, Inconsistent: h.counts.moved},
		ListingStatus: ListingStatus{FirstSweepAt: h.firstSweep},
		BudgetStatus:  BudgetStatus{BudgetSharers: int(src.sharers.Load())}}
	var oldest time.Time
	for _, img := range src.cat.order {
		if img.err != nil {
			s.ImagesFailed++
		}
		if !img.ref.call {
			continue
		}
		s.ImagesToList++
		s.SweepCalls += max(img.pages(src.cfg.Target.PageSize), 1)
		if img.pending() {
			s.ImagesPending++
		}
		if img.listed {
			s.ImagesListed++
			if oldest.IsZero() || img.listedAt.Before(oldest) {
				oldest = img.listedAt
			}
		}
	}
	src.mu.Unlock()
	src.judge(&s, oldest, now)
	return s
}

// judge completes s at now with what follows from its figures, the
// budget and the credentials.
func (src *Source) judge(s *Status, oldest, now time.Time) {
	if !oldest.IsZero() {
		s.OldestListing = max(now.Sub(oldest), 0)
	}
	if s.LastErr != nil {
		s.LastError = s.LastErr.Error()
	}
	if !s.LastSuccess.IsZero() {
		s.DataAge = now.Sub(s.LastSuccess)
	}
	s.Stale = !s.LastSuccess.IsZero() && src.expired(s.LastSuccess, now)
	s.Up = s.DiscoveryOK && s.ImagesFailed == 0 && !s.Stale
	s.Health = s.health()
	s.Sweep, s.FirstSweep = src.sweepTime(s.SweepCalls), src.firstSweepTime(s.SweepCalls)
	if p := src.cfg.Pacer; p != nil {
		s.BudgetPerMinute, s.BudgetLearned = p.PerMinute(hssclient.OpListContainers), p.Learned(hssclient.OpListContainers)
	}
	s.CredentialsRefusedUntil, s.CredentialsUnavailableUntil = src.refusedUntil(), src.unavailableUntil()
	for _, until := range []time.Time{s.CredentialsRefusedUntil, s.CredentialsUnavailableUntil} {
		if !until.IsZero() {
			s.AuthBackoff = max(s.AuthBackoff, until.Sub(now))
		}
	}
}

// sweepTime is how long calls listing calls take at the budget in force,
// shared with the other targets of the same credentials, and at most
// requests_per_second, sweeping back to back.
func (src *Source) sweepTime(calls int) time.Duration {
	perMinute, perSecond := src.listingRates()
	return budget.SweepTime(calls, perMinute, perSecond)
}

// firstSweepTime is how long calls listing calls take from an idle budget,
// as the first sweep after start does.
func (src *Source) firstSweepTime(calls int) time.Duration {
	perMinute, perSecond := src.listingRates()
	return budget.FirstSweepTime(calls, perMinute, perSecond)
}

// listingRates are the target's share of the listing budget a minute and
// its requests_per_second; +Inf where there is no limit.
func (src *Source) listingRates() (perMinute, perSecond float64) {
	perMinute, perSecond = math.Inf(1), math.Inf(1)
	if src.cfg.Pacer != nil {
		perMinute = src.cfg.Pacer.PerMinute(hssclient.OpListContainers) / float64(src.sharers.Load())
	}
	if rps := src.cfg.Target.RequestsPerSecond; rps > 0 {
		perSecond = rps
	}
	return perMinute, perSecond
}
