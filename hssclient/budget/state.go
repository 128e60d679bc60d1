package budget

import (
	"slices"
	"time"
)

// State is what a Budget knows that should outlive a restart: the
// calls of the last window (a restarted exporter that forgot them would
// spend the window's calls twice), a refusal's hold, and the limits 429s
// taught, each with the configured rate it was learned under and when, so
// that it climbs back on schedule and a changed configuration drops it.
type State struct {
	Ops map[string]OpState `json:"ops"`
}

// OpState is one operation's part of a State.
type OpState struct {
	Sent         []time.Time `json:"sent,omitempty"`
	BlockedUntil time.Time   `json:"blocked_until,omitzero"`
	// LearnedLimit calls per LearnedWindow (without the client's guard)
	// is what a 429 named; 0 when none did. LearnedUnder is the
	// configured calls a minute then, and LearnedAt the latest refusal:
	// a limit without them, or learned under another rate, is dropped.
	LearnedLimit  int           `json:"learned_limit,omitempty"`
	LearnedWindow time.Duration `json:"learned_window,omitempty"`
	LearnedUnder  float64       `json:"learned_under_calls_per_minute,omitempty"`
	LearnedAt     time.Time     `json:"learned_at,omitzero"`
}

// State returns what the budget knows now.
func (b *Budget) State() State {
	s := State{Ops: map[string]OpState{}}
	if b == nil {
		return s
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.opts.Now()
	for op, w := range b.ops {
		b.settle(w, now) // a limit whose time is up is not written
		w.prune(now)
		o := OpState{Sent: slices.Clone(w.sent), BlockedUntil: w.blockedUntil}
		if l := w.learned; l != nil {
			o.LearnedLimit, o.LearnedWindow = l.limit, l.span*60/61
			o.LearnedUnder, o.LearnedAt = l.under, l.at
		}
		s.Ops[op] = o
	}
	return s
}

// Restore takes what an earlier process's budget knew: its calls still in
// the window count against this one, its hold stands, and a limit it was
// taught holds, climbing on from where it was, when it was learned under
// the rate configured now and is lower.
func (b *Budget) Restore(s State) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.opts.Now()
	for op, o := range s.Ops {
		w := b.op(op)
		if l, ok := o.learned(b.perMinute, now); ok && w.learned == nil &&
			callRate(l.limit, l.span) < callRate(w.limit, w.span) {
			w.learned = l
			b.settle(w, now)
		}
		for _, t := range o.Sent {
			if !t.After(now) { // a time ahead of the clock is no call made
				w.sent = append(w.sent, t)
			}
		}
		slices.SortFunc(w.sent, func(a, b time.Time) int { return a.Compare(b) })
		// A reload restores a record of this same process: a call is
		// counted once.
		w.sent = slices.CompactFunc(w.sent, time.Time.Equal)
		w.prune(now)
		if o.BlockedUntil.After(w.blockedUntil) && o.BlockedUntil.Before(now.Add(2*time.Hour)) {
			w.blockedUntil = o.BlockedUntil
		}
	}
	b.notify()
}

// learned returns the limit o records, when it was learned under the rate
// configured now. What no gateway says (a window over an hour, a refusal
// ahead of the clock) comes from a damaged file and is left out.
func (o OpState) learned(configured float64, now time.Time) (*learnedLimit, bool) {
	if o.LearnedLimit <= 0 || o.LearnedWindow <= 0 || o.LearnedWindow > time.Hour ||
		o.LearnedUnder != configured || o.LearnedAt.IsZero() || o.LearnedAt.After(now) {
		return nil, false
	}
	return &learnedLimit{limit: o.LearnedLimit, span: guard(o.LearnedWindow), under: o.LearnedUnder, at: o.LearnedAt}, true
}
