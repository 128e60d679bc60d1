// Package budget is the call budget of each identity calling HSS: how
// many calls of each operation may start, and when, so that no call is
// refused; what a refusal teaches it; and the state of it a restart keeps.
// It knows nothing of HTTP: the client asks it before each call and tells
// it each answer.
package budget

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/peridentity"
)

// HSS documents its call limit per API and per user: "a single user or IP
// address can access an API for up to five times/minute". A gateway that
// counts in fixed one-minute windows lets through at most N calls in any
// window, so the client keeps a sliding window per operation: no more than
// N calls start in any span of one minute. A token bucket with burst N
// would let about 2N through in one fixed minute, which is what the
// gateway counts. The gateway counts in one-second windows as well, so no
// second holds more than a sixtieth of the minute's calls (rounded up).

// CallsPerMinute is HSS's documented limit of one API for one user: "a
// single user or IP address can access an API for up to five
// times/minute"; the one place it is written down, and config's default.
const CallsPerMinute = 5

// Options tune the budgets of a Budgets; zero values take defaults.
type Options struct {
	// Minute is the length of the limit's window; default one minute.
	// Tests shorten it to run a minute's schedule in a moment.
	Minute time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Jitter returns a random duration from 0 to d, added to the hold
	// after a refusal so that callers refused together do not come back
	// together; default uniform. Tests make it 0.
	Jitter func(d time.Duration) time.Duration
}

// Budgets hands out one Budget per identity (an access key, an IAM user,
// an agency), so every target of the process that calls HSS as the same
// user spends from the same budget, as the gateway counts them.
type Budgets struct {
	ids peridentity.Registry[Budget, float64]
}

// NewBudgets returns an empty set of budgets.
func NewBudgets(opts Options) *Budgets {
	if opts.Minute <= 0 {
		opts.Minute = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Jitter == nil {
		opts.Jitter = uniformJitter
	}
	create := func(perMinute float64) *Budget { return newBudget(perMinute, opts) }
	return &Budgets{ids: peridentity.New(create, (*Budget).lower)}
}

// For returns the budget of identity, allowing perMinute calls of each
// operation per minute. A second caller with the same identity shares the
// budget; when it asks for a different rate the lower one holds, since
// the gateway counts both callers' calls against one limit.
func (b *Budgets) For(identity string, perMinute float64) *Budget {
	return b.ids.For(identity, perMinute)
}

// Configure sets the budget of identity to perMinute calls of each
// operation a minute, raising it as well as lowering it (a reloaded
// configuration). What a 429 taught stays only while perMinute is the
// rate it was learned under: an operator who changed api_calls_per_minute
// has said what the account allows.
func (b *Budgets) Configure(identity string, perMinute float64) {
	if bud, ok := b.ids.Lookup(identity); ok {
		bud.configure(perMinute)
	}
}

// Budget limits the calls of each operation made with one identity. It is
// safe for concurrent use; a nil *Budget allows everything.
type Budget struct {
	opts Options

	mu        sync.Mutex
	perMinute float64 // configured calls per minute of each operation
	ops       map[string]*opWindow
	changed   chan struct{} // closed and replaced whenever a waiter may proceed
}

// opWindow is one operation's sliding window.
type opWindow struct {
	limit        int           // calls per span
	span         time.Duration // the window, with a guard for clock and latency skew
	learned      *learnedLimit // the ceiling a 429 named, while it lasts; nil when none
	sent         []time.Time   // send times still inside the span, oldest first
	pending      int           // calls reserved but not yet sent
	blockedUntil time.Time     // after a 429: no call before this
	// After a refusal: how many came in a row without an answer between
	// (each doubles the hold), when the last came, and until when calls
	// are spaced evenly over the span rather than sent together.
	refusals    int
	refusedAt   time.Time
	spreadUntil time.Time
	reservedAt  time.Time // when the last call was reserved
	// Callers waiting to reserve, in the order they came: only the first
	// may take a slot, so a call that waited longest goes first and a
	// window's slots are not won by whoever wakes first.
	queue []*waiter
}

// waiter is one caller's place in an operation's queue. It is not empty:
// pointers to zero-size values need not differ.
type waiter struct{ _ byte }

// leave takes q out of the queue.
func (w *opWindow) leave(q *waiter) {
	if i := slices.Index(w.queue, q); i >= 0 {
		w.queue = slices.Delete(w.queue, i, i+1)
	}
}

func newBudget(perMinute float64, opts Options) *Budget {
	if !(perMinute > 0) {
		perMinute = CallsPerMinute
	}
	return &Budget{opts: opts, perMinute: perMinute, ops: map[string]*opWindow{}, changed: make(chan struct{})}
}

// windowFor returns the limit and span that allow perMinute calls a
// minute: N calls per minute, or one call per 1/perMinute minutes when
// fewer than one a minute are allowed (a shard's share of a small budget).
func windowFor(perMinute float64, minute time.Duration) (int, time.Duration) {
	if perMinute >= 1 {
		return int(math.Min(math.Floor(perMinute), math.MaxInt32)), minute
	}
	return 1, time.Duration(float64(minute) / perMinute)
}

// guard widens a window: a call sent just inside one minute by the
// client's clock may arrive just inside the gateway's next, and one sent
// slowly just after.
func guard(span time.Duration) time.Duration { return span + span/60 }

// spacedSecond is the budget's second in a minute of minute: a sixtieth of
// it, kept a tenth longer than the gateway's, since calls sent a second
// apart can arrive closer than that, by the jitter of network and sender.
// No such second holds more than a sixtieth of a minute's calls.
func spacedSecond(minute time.Duration) time.Duration { return minute / 60 * 11 / 10 }

// second is the budget's second: spacedSecond of its minute.
func (b *Budget) second() time.Duration { return spacedSecond(b.opts.Minute) }

// configuredWindow is the limit and guarded span of the configured rate.
func (b *Budget) configuredWindow() (int, time.Duration) {
	limit, span := windowFor(b.perMinute, b.opts.Minute)
	return limit, guard(span)
}

// op returns the window of operation op, creating it, with what a 429
// taught brought up to now; b.mu is held.
func (b *Budget) op(op string) *opWindow {
	w, ok := b.ops[op]
	if !ok {
		limit, span := b.configuredWindow()
		w = &opWindow{limit: limit, span: span}
		b.ops[op] = w
	}
	b.settle(w, b.opts.Now())
	return w
}

// lower applies a lower configured rate.
func (b *Budget) lower(perMinute float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !(perMinute > 0) || perMinute >= b.perMinute {
		return
	}
	b.setRate(perMinute)
}

// configure applies a configured rate, higher or lower.
func (b *Budget) configure(perMinute float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if perMinute > 0 {
		b.setRate(perMinute)
		b.notify()
	}
}

// setRate makes perMinute the configured rate. A rate that differs from
// the one in force drops every learned limit; the same rate keeps them.
// b.mu is held.
func (b *Budget) setRate(perMinute float64) {
	b.perMinute = perMinute
	now := b.opts.Now()
	for _, w := range b.ops {
		b.settle(w, now)
	}
}

func callRate(limit int, span time.Duration) float64 { return float64(limit) / span.Seconds() }

// prune drops the send times that left the span.
func (w *opWindow) prune(now time.Time) {
	i := 0
	for i < len(w.sent) && now.Sub(w.sent[i]) >= w.span {
		i++
	}
	if i > 0 {
		w.sent = append(w.sent[:0], w.sent[i:]...)
	}
}

// readyAt returns when a call could start: now, or the earliest time a
// slot frees, in the span and in any second (of the budget's minute).
// ok is false when only a pending call being sent can free one.
func (w *opWindow) readyAt(now time.Time, second time.Duration) (at time.Time, ok bool) {
	w.prune(now)
	at = now
	if w.blockedUntil.After(at) {
		at = w.blockedUntil
	}
	if at.Before(w.spreadUntil) && !w.reservedAt.IsZero() {
		// Just after a refusal: one call per span/limit, never the
		// window's calls in one burst.
		if next := w.reservedAt.Add(w.span / time.Duration(w.limit)); next.After(at) {
			at = next
		}
	}
	if at, ok = w.slotAt(at, w.limit, w.span); !ok || w.span <= second {
		return at, ok
	}
	// The gateway counts in one-second windows too ("limit:N, time:1
	// second"): no second holds more than its share of the span's calls,
	// so a budget of 60 a minute never sends them in one second.
	perSecond := max(1, int(math.Ceil(float64(w.limit)*float64(guard(second*10/11))/float64(w.span)-1e-9)))
	return w.slotAt(at, perSecond, second)
}

// slotAt returns when, from at on, fewer than n calls were sent within
// span: the sent call n-pending places from the newest must leave it.
// ok is false when the pending calls alone fill n.
func (w *opWindow) slotAt(at time.Time, n int, span time.Duration) (time.Time, bool) {
	if w.pending >= n {
		return time.Time{}, false
	}
	if k := len(w.sent) + w.pending - n; k >= 0 {
		if free := w.sent[k].Add(span); free.After(at) {
			at = free
		}
	}
	return at, true
}

// Reservation is the right to send one call of an operation. Exactly one
// of Sent and Cancel must be called.
type Reservation struct {
	b  *Budget
	op string
}

// Reserve waits until a call of op may start within the budget and
// reserves it; the wait ends early with ctx's error. A reserved call
// counts against the window from now until it is sent and for a span
// after that, so calls sent late never crowd one window.
func (b *Budget) Reserve(ctx context.Context, op string) (*Reservation, error) {
	if b == nil {
		return nil, nil
	}
	me := &waiter{}
	b.mu.Lock()
	b.op(op).queue = append(b.op(op).queue, me)
	for {
		w := b.op(op)
		now := b.opts.Now()
		at, ok := w.readyAt(now, b.second())
		if w.queue[0] == me && ok && !at.After(now) {
			w.leave(me)
			w.pending++
			w.reservedAt = now
			b.notify() // the next in the queue may go now too
			b.mu.Unlock()
			return &Reservation{b: b, op: op}, nil
		}
		if w.queue[0] != me {
			ok = false // the first in the queue wakes the others
		}
		changed := b.changed
		b.mu.Unlock()
		err := waitFor(ctx, at.Sub(now), ok, changed)
		b.mu.Lock()
		if err != nil {
			b.op(op).leave(me)
			b.notify()
			b.mu.Unlock()
			return nil, err
		}
	}
}

// waitFor waits d (or, when timed is false, without a deadline) until
// changed closes or ctx ends.
func waitFor(ctx context.Context, d time.Duration, timed bool, changed <-chan struct{}) error {
	var timer <-chan time.Time
	if timed {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer:
	case <-changed:
	}
	return nil
}

// ReadyIn returns how long until a call of op could start: 0 when one may
// start now. It reserves nothing, so a scheduler can pick its next call
// only when the budget allows one.
func (b *Budget) ReadyIn(op string) time.Duration {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.opts.Now()
	w := b.op(op)
	at, ok := w.readyAt(now, b.second())
	if !ok {
		return w.span
	}
	if len(w.queue) > 0 {
		// Calls already wait for this slot: a new one would only queue
		// behind them. Ask again soon: the first of them goes at once.
		return max(at.Sub(now), b.second()/20)
	}
	return max(at.Sub(now), 0)
}

// notify wakes every waiter; b.mu is held.
func (b *Budget) notify() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// Sent records that the reserved call leaves now, and returns that time.
// The time is read under the budget's lock, so send times stay in order.
func (r *Reservation) Sent() time.Time {
	if r == nil {
		return time.Now()
	}
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	t := r.b.opts.Now()
	w := r.b.op(r.op)
	w.pending--
	w.sent = append(w.sent, t)
	r.b.notify()
	return t
}

// Cancel gives back a reservation whose call was never sent.
func (r *Reservation) Cancel() {
	if r == nil {
		return
	}
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	r.b.op(r.op).pending--
	r.b.notify()
}

// PerMinute returns the calls of op a minute the budget allows now, after
// anything a 429 taught.
func (b *Budget) PerMinute(op string) float64 {
	if b == nil {
		return math.Inf(1)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.op(op)
	// The guard is the client's own margin, not the account's limit.
	span := float64(w.span) * 60 / 61
	perMinute := float64(w.limit) * float64(b.opts.Minute) / span
	return math.Round(perMinute*1e6) / 1e6
}

// Configured returns the calls of each operation a minute the budget was
// given: api_calls_per_minute, the lowest of the targets sharing it, and
// a shard's share.
func (b *Budget) Configured() float64 {
	if b == nil {
		return math.Inf(1)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.perMinute
}

// Learned reports whether a 429 lowered op's budget below the configured
// one, and it has not climbed back yet.
func (b *Budget) Learned(op string) bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.op(op).learned != nil
}
