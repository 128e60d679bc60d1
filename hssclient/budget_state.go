package hssclient

import (
	"slices"
	"time"
)

// BudgetState is what a Budget knows that should outlive a restart: the
// calls of the last window (a restarted exporter that forgot them would
// spend the window's calls twice), a refusal's hold, and the limits 429s
// taught.
type BudgetState struct {
	Ops map[string]OpBudgetState `json:"ops"`
}

// OpBudgetState is one operation's part of a BudgetState.
type OpBudgetState struct {
	Sent         []time.Time `json:"sent,omitempty"`
	BlockedUntil time.Time   `json:"blocked_until,omitzero"`
	// LearnedLimit calls per LearnedWindow (without the client's guard)
	// is what a 429 named; 0 when none did.
	LearnedLimit  int           `json:"learned_limit,omitempty"`
	LearnedWindow time.Duration `json:"learned_window,omitempty"`
}

// State returns what the budget knows now.
func (b *Budget) State() BudgetState {
	s := BudgetState{Ops: map[string]OpBudgetState{}}
	if b == nil {
		return s
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.opts.Now()
	for op, w := range b.ops {
		w.prune(now)
		o := OpBudgetState{Sent: slices.Clone(w.sent), BlockedUntil: w.blockedUntil}
		if w.learned {
			o.LearnedLimit, o.LearnedWindow = w.limit, w.span*60/61
		}
		s.Ops[op] = o
	}
	return s
}

// Restore takes what an earlier process's budget knew: its calls still in
// the window count against this one, its hold stands, and a limit it was
// taught holds when lower than the one configured now.
func (b *Budget) Restore(s BudgetState) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.opts.Now()
	for op, o := range s.Ops {
		w := b.op(op)
		// What no gateway says (a window over an hour, a hold beyond two)
		// comes from a damaged file and is left out.
		if o.LearnedLimit > 0 && o.LearnedWindow > 0 && o.LearnedWindow <= time.Hour &&
			callRate(o.LearnedLimit, guard(o.LearnedWindow)) < callRate(w.limit, w.span) {
			w.limit, w.span, w.learned = o.LearnedLimit, guard(o.LearnedWindow), true
		}
		for _, t := range o.Sent {
			if !t.After(now) { // a time ahead of the clock is no call made
				w.sent = append(w.sent, t)
			}
		}
		slices.SortFunc(w.sent, func(a, b time.Time) int { return a.Compare(b) })
		w.prune(now)
		if o.BlockedUntil.After(w.blockedUntil) && o.BlockedUntil.Before(now.Add(2*time.Hour)) {
			w.blockedUntil = o.BlockedUntil
		}
	}
	b.notify()
}
