package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/peridentity"
)

// A refused credential is not worth asking with again soon: the API
// gateway locks an access key for five minutes after five failures in a
// row, IAM locks a user after repeated wrong passwords, and every target
// of the process that uses the same key is locked with it. So after a
// refusal every call made with that credential fails at once, without a
// request, until its next attempt is due: one step (the refresh interval)
// after the first refusal, then 2, 4, 8 ... steps, at most
// MaxBackoff. A new credential in the files (a rotation, a fix) is
// tried at once, and any success ends the backoff. IAM or the metadata
// service failing to hand out credentials backs off the same way
// (unavailable.go).

// Backoff bounds.
const (
	// DefaultBackoffStep is the first wait when no step is given.
	DefaultBackoffStep = time.Minute
	// MaxBackoff caps the wait between two attempts with a refused
	// credential.
	MaxBackoff = 30 * time.Minute
)

// BackoffOptions tune the backoffs of a Backoffs.
type BackoffOptions struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Backoffs hands out one Backoff per identity (an access key, an
// IAM user, an agency, an identity provider), so every target that
// authenticates as the same identity stops together when it is refused.
type Backoffs struct {
	ids peridentity.Registry[Backoff, time.Duration]
}

// NewBackoffs returns an empty set of backoffs.
func NewBackoffs(opts BackoffOptions) *Backoffs {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	create := func(step time.Duration) *Backoff { return NewBackoff(step, opts) }
	return &Backoffs{ids: peridentity.New(create, (*Backoff).shorten)}
}

// For returns the backoff of identity, whose first wait is step. A second
// caller with the same identity shares it; when it asks for a shorter step
// that one holds, so no sharer waits longer than its own refresh asks.
func (s *Backoffs) For(identity string, step time.Duration) *Backoff {
	return s.ids.For(identity, step)
}

// Backoff is the refusal state of one credential. It is safe for
// concurrent use.
//
// A credential not yet proven (at start, or refused and due again) is
// tried by one call at a time: the others wait for its outcome, so that
// targets starting together with a wrong key spend one attempt, not one
// each. Once the API accepted it, calls go out freely until a refusal.
type Backoff struct {
	now func() time.Time

	mu      sync.Mutex
	step    time.Duration
	trusted bool               // the last verdict on the credential was an acceptance
	refused bool               // ... or a refusal; neither at start
	streak  int                // refusals in a row of the credential fp names
	next    time.Time          // no attempt before this while refused
	fp      string             // fingerprint of the refused credential
	gen     uint64             // counts verdicts
	cause   transport.APIError // the last refusal, as the API or IAM worded it
	probing bool               // a call trying the unproven credential is out
	settled chan struct{}
	// IAM or the metadata service failing (unavailable.go): failures
	// in a row, and no attempt to get credentials before failNext.
	failStreak int
	failNext   time.Time
	failCause  error
}

// NewBackoff returns the backoff of one credential with first wait
// step (DefaultBackoffStep when not positive).
func NewBackoff(step time.Duration, opts BackoffOptions) *Backoff {
	if step <= 0 {
		step = DefaultBackoffStep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Backoff{now: opts.Now, step: min(step, MaxBackoff)}
}

func (b *Backoff) shorten(step time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if step > 0 && step < b.step {
		b.step = step
	}
}

// RefusedUntil returns when the next attempt with the credential is due
// after a refusal: zero while the credential is not refused. The time may
// have passed: the next call is then the attempt.
func (b *Backoff) RefusedUntil() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.refused {
		return time.Time{}
	}
	return b.next
}

// wait is how long the streak-th refusal in a row keeps the credential
// out: 1, 2, 4 ... steps up to the cap, less a tenth of a step, so the
// refresh that comes that many steps later (give or take its jitter) is
// the one that tries. b.mu is held.
func (b *Backoff) wait(streak int) time.Duration {
	d := b.step << min(streak-1, 16)
	if d <= 0 || d > MaxBackoff {
		d = MaxBackoff
	}
	return d - b.step/10
}

// Pass lets one call go out; its outcome (accepted, refused or
// release) settles it.
type Pass struct {
	b     *Backoff
	gen   uint64
	probe bool // the call trying an unproven credential
}

// Admit lets a call of op go out, waits while another call tries the
// unproven credential, or says why not: the credential is refused and
// its next attempt is not due. fingerprint names the credential the call
// would use now; it is asked only while refused, and one that differs
// from the refused one is a new credential, tried at once. The wait ends
// early with ctx's error.
func (b *Backoff) Admit(ctx context.Context, op string, fingerprint func() string) (*Pass, error) {
	for {
		b.mu.Lock()
		trusted, refused := b.trusted, b.refused
		b.mu.Unlock()
		if trusted {
			return b.pass(false), nil
		}
		fp := ""
		if refused {
			fp = fingerprint() // may look at files: not under the lock
		}
		b.mu.Lock()
		switch {
		case b.trusted:
			b.mu.Unlock()
			return b.pass(false), nil
		case b.probing:
			settled := b.settled
			b.mu.Unlock()
			select {
			case <-settled:
				continue
			case <-ctx.Done():
				return nil, &transport.NetworkError{Operation: op, Err: fmt.Errorf("%w: %w", transport.ErrNotSent, ctx.Err())}
			}
		case b.refused && fp == b.fp && b.now().Before(b.next):
			defer b.mu.Unlock()
			return nil, b.refusedError(op)
		case !b.refused && b.failStreak > 0 && b.now().Before(b.failNext):
			defer b.mu.Unlock()
			return nil, b.unavailableError(op)
		}
		b.probing, b.settled = true, make(chan struct{})
		b.mu.Unlock()
		return b.pass(true), nil
	}
}

// Probing reports whether p is the call trying an unproven credential,
// which keeps its pass across its retries; false for a nil pass.
func (p *Pass) Probing() bool { return p != nil && p.probe }

func (b *Backoff) pass(probe bool) *Pass {
	b.mu.Lock()
	defer b.mu.Unlock()
	return &Pass{b: b, gen: b.gen, probe: probe}
}

// refusedError is what a call of op that may not go out returns. b.mu
// is held.
func (b *Backoff) refusedError(op string) error {
	cause := b.cause // a copy: callers may add a hint to theirs
	return &CredentialsRefusedError{Operation: op, NextAttempt: b.next, Err: &cause}
}

// settle ends p's probe, if it is one, waking the calls waiting for it.
// b.mu is held.
func (p *Pass) settle() {
	if p.probe {
		p.probe, p.b.probing = false, false
		close(p.b.settled)
	}
}

// Accepted records that the credential worked: any backoff ends, and
// calls go out freely.
func (p *Pass) Accepted() {
	b := p.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.trusted {
		b.trusted, b.refused, b.streak, b.cause = true, false, 0, transport.APIError{}
		b.gen++
	}
	b.endFailures()
	p.settle()
}

// Refused records that cause (a final refusal) refused the credential
// fingerprint names, and returns cause wrapped with the next attempt's
// time. Calls that were out together when the credential was refused
// count as one refusal.
func (p *Pass) Refused(cause *transport.APIError, fingerprint string) error {
	b := p.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if !(b.refused && p.gen != b.gen && fingerprint == b.fp) {
		if !b.refused || fingerprint != b.fp {
			b.streak = 0 // a credential refused for the first time
		}
		b.streak++
		b.trusted, b.refused, b.fp, b.cause = false, true, fingerprint, *cause
		b.next = b.now().Add(b.wait(b.streak))
		b.gen++
	}
	b.endFailures() // whoever refused them answered
	p.settle()
	return b.refusedError(cause.Operation)
}

// Release gives back a pass whose call said nothing of the credential (a
// network error, a 5xx, a 429, a call never sent), so that a waiting call
// tries instead. A nil or settled pass is left alone.
func (p *Pass) Release() {
	if p == nil || !p.probe {
		return
	}
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.settle()
}
