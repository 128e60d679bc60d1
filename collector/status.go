package collector

import (
	"math"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
)

// state is a target's status with what its images say of it, read at
// once under t.mu so every figure agrees with the others.
type state struct {
	targetStatus
	good          time.Time     // last successful API answer; zero before
	stale         bool          // no successful answer for max_staleness
	up            bool          // last discovery fine, no listing failing, not stale
	failed        int           // images whose latest listing failed
	pending       int           // images never listed, or changed since
	toList        int           // images that need a call
	listed        int           // of those, how many are listed
	oldestListing time.Duration // the age of the oldest listing
	sweepCalls    int           // calls to list every image once
	sweep         time.Duration // sweepCalls at the budget in force
	running       bool
	// refusedUntil is when refused credentials are next tried (zero while
	// they are not), unavailableUntil when credentials are next asked of
	// a failing IAM or metadata service, authWait how long until the
	// later of them (0 once due).
	refusedUntil, unavailableUntil time.Time
	authWait                       time.Duration
}

func (t *target) state(now time.Time) state {
	t.mu.Lock()
	s := state{targetStatus: t.st, good: t.good(), running: t.busy.Load()}
	var oldest time.Time
	for _, img := range t.order {
		if img.err != nil {
			s.failed++
		}
		if !img.ref.call {
			continue
		}
		s.toList++
		s.sweepCalls += max(img.pages(t.cfg.PageSize), 1)
		if img.pending() {
			s.pending++
		}
		if img.listed {
			s.listed++
			if oldest.IsZero() || img.listedAt.Before(oldest) {
				oldest = img.listedAt
			}
		}
	}
	t.mu.Unlock()
	if !oldest.IsZero() {
		s.oldestListing = max(now.Sub(oldest), 0)
	}
	s.stale = !s.good.IsZero() && t.expired(s.good, now)
	s.up = s.discoveryOK && s.failed == 0 && !s.stale
	s.sweep = t.sweepTime(s.sweepCalls)
	s.refusedUntil, s.unavailableUntil = t.refusedUntil(), t.unavailableUntil()
	for _, until := range []time.Time{s.refusedUntil, s.unavailableUntil} {
		if !until.IsZero() {
			s.authWait = max(s.authWait, until.Sub(now))
		}
	}
	return s
}

// sweepTime is how long calls listing calls take at the budget in force,
// shared with the other targets of the same credentials, and at most
// requests_per_second, sweeping back to back.
func (t *target) sweepTime(calls int) time.Duration {
	perMinute, rps := t.listingRates()
	perSecond := math.Min(perMinute/60, rps)
	if math.IsInf(perSecond, 1) || perSecond <= 0 {
		return 0
	}
	return time.Duration(float64(calls) / perSecond * float64(time.Second))
}

// firstSweepTime is how long calls listing calls take from an idle budget,
// as the first sweep after start does: the budget's sliding window lets a
// minute's worth of calls start right away, spaced a second apart at most
// a sixtieth of them a second, so the last call starts
// ceil(calls / budget) - 1 minutes in, plus the seconds the last minute's
// calls are spaced over: sooner than back to back.
func (t *target) firstSweepTime(calls int) time.Duration {
	perMinute, rps := t.listingRates()
	var d time.Duration
	if perMinute > 0 && !math.IsInf(perMinute, 1) && calls > 0 {
		windows := math.Ceil(float64(calls) / perMinute)
		last := float64(calls) - (windows-1)*math.Floor(perMinute)
		perSecond := max(1, math.Ceil(perMinute/60))
		d = time.Duration(windows-1)*time.Minute +
			time.Duration(max(math.Ceil(last/perSecond)-1, 0))*budget.SpacedSecond(time.Minute)
	}
	if rps > 0 && !math.IsInf(rps, 1) {
		d = max(d, time.Duration(float64(calls)/rps*float64(time.Second)))
	}
	return d
}

// listingRates are the target's share of the listing budget a minute and
// its requests_per_second; +Inf where there is no limit.
func (t *target) listingRates() (perMinute, perSecond float64) {
	perMinute, perSecond = math.Inf(1), math.Inf(1)
	if t.pacer != nil {
		perMinute = t.pacer.PerMinute(hssclient.OpListContainers) / float64(t.sharers.Load())
	}
	if rps := t.cfg.RequestsPerSecond; rps > 0 {
		perSecond = rps
	}
	return perMinute, perSecond
}

// TargetStatus is one target's state, for a status page.
type TargetStatus struct {
	Target       string
	Running      bool          // a discovery is in progress
	LastRefresh  time.Time     // start of the last completed refresh (discovery); zero before the first
	LastDuration time.Duration // of the last completed refresh
	LastResult   Result        // "" before the first
	LastError    string        // of the last refresh or the latest failed listing; "" when none failed
	// LastErr is that error, typed as the client made it (hssclient's
	// APIError, NetworkError, DecodeError, ...), for words on a page.
	LastErr     error
	Health      Health        // what the target's state comes to in one word
	LastSuccess time.Time     // last successful API answer; zero before
	DataAge     time.Duration // since LastSuccess; 0 before the first
	Stale       bool          // no successful answer for max_staleness: inventory series dropped
	Up          bool          // what hss_up says
	Discovered  bool          // a discovery has succeeded

	// Counts in the snapshot being served; zero when none is served.
	Images, Containers, Hosts, Pods int

	// ImagesOwned of ImagesDiscovered images this shard lists, at the last
	// discovery that succeeded: all of them when not sharded.
	ImagesOwned, ImagesDiscovered int

	ImagesFailed int    // images whose latest listing failed
	Requests     uint64 // HTTP attempts in the last refresh cycle
	Retries      uint64 // retried attempts in the last refresh cycle
	Skipped      uint64 // discoveries skipped since start

	// The listing schedule: images waiting for a first (or, after a
	// change, another) listing, images that need a call and how many of
	// those are listed, the age of the oldest listing, and when the first
	// sweep (every image listed once) completed; zero while it runs.
	ImagesPending, ImagesToList, ImagesListed int
	OldestListing                             time.Duration
	FirstSweepAt                              time.Time
	// The budget: calls a minute allowed for listing (after what any 429
	// taught) and whether a 429 lowered it, the calls a sweep takes and
	// how long at that budget. BudgetPerMinute is 0 when there is none.
	BudgetPerMinute float64
	BudgetLearned   bool
	SweepCalls      int
	Sweep           time.Duration
	// FirstSweep is how long the first sweep takes from start, when the
	// budget is idle and lets its first minute's calls start right away.
	FirstSweep time.Duration
	// BudgetSharers counts the targets spending from the same budget.
	BudgetSharers int
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
}

// Status returns every target's state, in configuration order.
func (e *Exporter) Status() []TargetStatus {
	now := e.opts.Now()
	targets := e.all()
	out := make([]TargetStatus, 0, len(targets))
	for _, t := range targets {
		out = append(out, t.status(now, t.serving(now)))
	}
	return out
}

// status is the target's state at now; serving is the snapshot it serves
// then (nil: none), whose counts the status gives.
func (t *target) status(now time.Time, serving *snapshot) TargetStatus {
	s := t.state(now)
	ts := TargetStatus{
		Target: t.name, Running: s.running, Discovered: s.discovered,
		LastRefresh: s.lastStart, LastDuration: s.lastDuration,
		LastResult: s.lastResult, LastErr: s.lastErr, LastSuccess: s.good, Up: s.up, Stale: s.stale,
		Health:      s.health(),
		ImagesOwned: s.imagesOwned, ImagesDiscovered: s.imagesDiscovered,
		ImagesFailed: s.failed, Requests: s.requests, Retries: s.retries, Skipped: s.skipped,
		ImagesPending: s.pending, ImagesToList: s.toList, ImagesListed: s.listed, OldestListing: s.oldestListing,
		FirstSweepAt: s.firstSweep, SweepCalls: s.sweepCalls, Sweep: s.sweep, BudgetSharers: int(t.sharers.Load()),
		FirstSweep:              t.firstSweepTime(s.sweepCalls),
		CredentialsRefusedUntil: s.refusedUntil, CredentialsUnavailableUntil: s.unavailableUntil,
	}
	if s.lastErr != nil {
		ts.LastError = s.lastErr.Error()
	}
	if t.pacer != nil {
		ts.BudgetPerMinute = t.pacer.PerMinute(hssclient.OpListContainers)
		ts.BudgetLearned = t.pacer.Learned(hssclient.OpListContainers)
	}
	if !s.good.IsZero() {
		ts.DataAge = now.Sub(s.good)
	}
	if serving != nil {
		ts.Images, ts.Containers, ts.Hosts, ts.Pods = serving.images, serving.containers, serving.hosts, serving.pods
	}
	return ts
}
