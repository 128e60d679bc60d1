package posture

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hss-exporter/hss_exporter/config"
)

// Cleaner is the label rule every source shares: the value to show, and
// whether the rule changed it.
type Cleaner func(string) (string, bool)

// State is one target's posture: what each part last read and how that
// read went. Its methods are safe for concurrent use.
type State struct {
	api     API
	cfg     config.Target
	clean   Cleaner
	enabled [NumParts]bool
	// Busy is set while a posture pass runs, by the loop that runs it.
	Busy atomic.Bool

	mu    sync.Mutex
	parts [NumParts]partState
	data  Data
}

// partState is the history of one part.
type partState struct {
	ran     bool      // a read has finished
	ok      bool      // the last read succeeded
	good    time.Time // of the last success; zero before
	has     bool      // data from good is kept; false once dropped after max_staleness
	lastErr error
}

// New returns the posture state of a target: its parts on where the
// configuration and the shard say so and api can read them (nil: none).
func New(api API, cfg config.Target, shardIndex int, clean Cleaner) *State {
	s := &State{api: api, cfg: cfg, clean: clean}
	if api == nil || shardIndex != 0 {
		return s
	}
	for p := range NumParts {
		s.enabled[p] = parts[p].on(cfg.Posture)
	}
	return s
}

// Enabled reports whether the target reads part p.
func (s *State) Enabled(p Part) bool { return s.enabled[p] }

// Any reports whether the target reads any part.
func (s *State) Any() bool {
	for p := range NumParts {
		if s.enabled[p] {
			return true
		}
	}
	return false
}

// Operations are the API operations of the parts the target reads.
func (s *State) Operations() []string {
	var ops []string
	for p := range NumParts {
		if s.enabled[p] {
			ops = append(ops, parts[p].op)
		}
	}
	return ops
}

// Read reads part p and returns it sanitised in its field of Data, with
// how many label values the rule changed. It changes no state: Land does.
func (s *State) Read(ctx context.Context, p Part) (data Data, changed uint64, err error) {
	r := &reader{api: s.api, cfg: s.cfg, clean: s.clean}
	if err = parts[p].read(r, ctx, &data); err != nil {
		err = fmt.Errorf("reading posture %s: %w", parts[p].name, err)
	}
	return data, r.changed, err
}

// Landed is what Land made of a read.
type Landed int

const (
	Kept    Landed = iota // nothing changed: a read cut short by shutdown
	Stored                // a success replaced the part's data
	Failed                // a failure; the last good data is kept
	Dropped               // a failure, and the last good data was older than max_staleness
)

// Land stores what a read of p gave at now: on success its data replaces
// the part's; a failure keeps the last good data until it is older than
// max_staleness, then drops it. A read cut short by shutdown (stopping)
// changes nothing.
func (s *State) Land(p Part, data Data, err error, stopping bool, now time.Time) Landed {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.parts[p]
	switch {
	case err != nil && stopping:
		return Kept
	case err != nil:
		st.ran, st.ok, st.lastErr = true, false, err
		if st.has && s.expired(st.good, now) {
			st.has = false
			parts[p].take(&s.data, &Data{})
			return Dropped
		}
		return Failed
	default:
		*st = partState{ran: true, ok: true, good: now, has: true}
		parts[p].take(&s.data, &data)
		return Stored
	}
}

// expired reports whether data from at is older than max_staleness
// (never, when max_staleness is not set).
func (s *State) expired(at, now time.Time) bool {
	return s.cfg.MaxStaleness > 0 && now.Sub(at) > s.cfg.MaxStaleness
}

// Capture returns the parts to show at now as a snapshot, or nil when
// none is. Data is shared, not copied: it never changes once stored.
func (s *State) Capture(now time.Time) *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := &Snapshot{MaxStaleness: s.cfg.MaxStaleness}
	shown := false
	for p := range NumParts {
		if st := &s.parts[p]; st.has && !s.expired(st.good, now) {
			snap.Good[p], shown = st.good, true
			parts[p].take(&snap.Data, &s.data)
		}
	}
	if !shown {
		return nil
	}
	return snap
}

// Up reports, for each part the target reads, whether its last read
// succeeded: what hss_posture_up says.
func (s *State) Up() (up, read [NumParts]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range NumParts {
		up[p] = s.parts[p].ok
	}
	return up, s.enabled
}
