package hssclient

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// A refused credential is not worth asking with again soon: the API
// gateway locks an access key for five minutes after five failures in a
// row, IAM locks a user after repeated wrong passwords, and every target
// of the process that uses the same key is locked with it. So after a
// refusal every call made with that credential fails at once, without a
// request, until its next attempt is due: one step (the refresh interval)
// after the first refusal, then 2, 4, 8 ... steps, at most
// MaxAuthBackoff. A new credential in the files (a rotation, a fix) is
// tried at once, and any success ends the backoff.

// Backoff bounds.
const (
	// DefaultAuthBackoffStep is the first wait when no step is given.
	DefaultAuthBackoffStep = time.Minute
	// MaxAuthBackoff caps the wait between two attempts with a refused
	// credential.
	MaxAuthBackoff = 30 * time.Minute
)

// AuthBackoffOptions tune the backoffs of an AuthBackoffs.
type AuthBackoffOptions struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// AuthBackoffs hands out one AuthBackoff per identity (an access key, an
// IAM user, an agency, an identity provider), so every target that
// authenticates as the same identity stops together when it is refused.
type AuthBackoffs struct {
	opts AuthBackoffOptions
	mu   sync.Mutex
	by   map[string]*AuthBackoff
}

// NewAuthBackoffs returns an empty set of backoffs.
func NewAuthBackoffs(opts AuthBackoffOptions) *AuthBackoffs {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &AuthBackoffs{opts: opts, by: map[string]*AuthBackoff{}}
}

// For returns the backoff of identity, whose first wait is step. A second
// caller with the same identity shares it; when it asks for a shorter step
// that one holds, so no sharer waits longer than its own refresh asks.
func (s *AuthBackoffs) For(identity string, step time.Duration) *AuthBackoff {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.by[identity]; ok {
		b.shorten(step)
		return b
	}
	b := NewAuthBackoff(step, s.opts)
	s.by[identity] = b
	return b
}

// AuthBackoff is the refusal state of one credential. It is safe for
// concurrent use.
type AuthBackoff struct {
	now func() time.Time

	mu      sync.Mutex
	step    time.Duration
	refused bool
	streak  int       // refusals in a row of the credential fp names
	next    time.Time // no attempt before this while refused
	fp      string    // fingerprint of the refused credential
	gen     uint64    // counts refusals and successes
	probing bool      // an attempt with the refused credential is out
	cause   APIError  // the last refusal, as the API or IAM worded it
}

// NewAuthBackoff returns the backoff of one credential with first wait
// step (DefaultAuthBackoffStep when not positive).
func NewAuthBackoff(step time.Duration, opts AuthBackoffOptions) *AuthBackoff {
	if step <= 0 {
		step = DefaultAuthBackoffStep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &AuthBackoff{now: opts.Now, step: min(step, MaxAuthBackoff)}
}

func (b *AuthBackoff) shorten(step time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if step > 0 && step < b.step {
		b.step = step
	}
}

// RefusedUntil returns when the next attempt with the credential is due
// after a refusal: zero while the credential is not refused. The time may
// have passed: the next call is then the attempt.
func (b *AuthBackoff) RefusedUntil() time.Time {
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
func (b *AuthBackoff) wait(streak int) time.Duration {
	d := b.step << min(streak-1, 16)
	if d <= 0 || d > MaxAuthBackoff {
		d = MaxAuthBackoff
	}
	return d - b.step/10
}

// authPass lets one call go out; exactly one of its outcomes (accepted,
// refused, release) settles it.
type authPass struct {
	b     *AuthBackoff
	gen   uint64
	probe bool // the one attempt with a refused (or a new) credential
}

// admit lets a call go out, or says why not: while the credential is
// refused and its next attempt is not due, or another call is already
// making that attempt. fingerprint names the credential the call would
// use now; it is asked only while refused, and one that differs from the
// refused one is a new credential, tried at once.
func (b *AuthBackoff) admit(op string, fingerprint func() string) (*authPass, error) {
	b.mu.Lock()
	if !b.refused {
		defer b.mu.Unlock()
		return &authPass{b: b, gen: b.gen}, nil
	}
	b.mu.Unlock()
	fp := fingerprint() // may look at files: not under the lock
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.refused:
		return &authPass{b: b, gen: b.gen}, nil
	case b.probing || (fp == b.fp && b.now().Before(b.next)):
		return nil, b.refusedError(op)
	}
	b.probing = true
	return &authPass{b: b, gen: b.gen, probe: true}, nil
}

// refusedError is what a call of op that may not go out returns. b.mu
// is held.
func (b *AuthBackoff) refusedError(op string) error {
	cause := b.cause // a copy: callers may add a hint to theirs
	return &CredentialsRefusedError{Operation: op, NextAttempt: b.next, Err: &cause}
}

// accepted records that the credential worked: the backoff ends.
func (p *authPass) accepted() {
	b := p.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refused || p.probe {
		b.refused, b.probing, b.streak, b.cause = false, false, 0, APIError{}
		b.gen++
	}
	p.probe = false
}

// refused records that cause (a final refusal) refused the credential
// fingerprint names, and returns cause wrapped with the next attempt's
// time. Calls that were out together when the credential was first
// refused count as one refusal.
func (p *authPass) refused(cause *APIError, fingerprint string) error {
	b := p.b
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	switch {
	case b.refused && p.gen != b.gen && fingerprint == b.fp:
		// Already counted: this call went out before the refusal landed.
	default:
		if !b.refused || fingerprint != b.fp {
			b.streak = 0 // a credential refused for the first time
		}
		b.streak++
		b.refused, b.fp, b.next, b.cause = true, fingerprint, now.Add(b.wait(b.streak)), *cause
		b.gen++
	}
	if p.probe {
		b.probing, p.probe = false, false
	}
	return b.refusedError(cause.Operation)
}

// release gives back a pass whose call said nothing of the credential (a
// network error, a 5xx, a 429, a call never sent), so the next call may
// make the attempt instead. A nil or settled pass is left alone.
func (p *authPass) release() {
	if p == nil || !p.probe {
		return
	}
	p.b.mu.Lock()
	p.b.probing, p.probe = false, false
	p.b.mu.Unlock()
}

// CredentialsRefusedError says that the API or IAM refused the
// credentials, and when they will be tried again. Until then every call
// made with them fails at once with this error and sends nothing, unless
// their files change. Err is the last refusal (an *APIError, secrets cut
// out), which another call, or another target with the same credentials,
// may have met.
type CredentialsRefusedError struct {
	Operation   string // the call that was refused, or not sent
	NextAttempt time.Time
	Err         error
}

func (e *CredentialsRefusedError) Error() string {
	return e.Operation + ": credentials refused; next attempt at " + e.NextAttempt.UTC().Format(time.RFC3339) +
		"; last refusal: " + e.Err.Error()
}

func (e *CredentialsRefusedError) Unwrap() error { return e.Err }

// CredentialsRefused reports whether err says the credentials are refused,
// and when they will be tried again.
func CredentialsRefused(err error) (nextAttempt time.Time, ok bool) {
	var r *CredentialsRefusedError
	if errors.As(err, &r) {
		return r.NextAttempt, true
	}
	return time.Time{}, false
}

// keyRefusalCodes are the gateway's codes for credentials it could not
// authenticate (APIG for dedicated gateways, APIGW for the shared one):
// incorrect IAM authentication information (a bad signature, an unknown
// or locked access key, a bad or expired token), incorrect app
// authentication information, incorrect authentication information (a
// custom authorizer) and a token that must be renewed. Every other 403
// (APIG.0302 an IAM user barred from the API, APIG.0304, APIG.0306,
// APIG.0310, IP ACLs, HSS.0013 and policy denials) means the credentials
// were accepted and lack permission: asking again locks nothing.
var keyRefusalCodes = map[string]bool{
	"APIG.0301": true, "APIG.0303": true, "APIG.0305": true, "APIG.0307": true,
	"APIGW.0301": true, "APIGW.0303": true, "APIGW.0305": true, "APIGW.0307": true,
}

// keyRefused reports whether a 403 refused the key itself rather than a
// permission.
func keyRefused(e *APIError) bool {
	return e.StatusCode == http.StatusForbidden && keyRefusalCodes[strings.ToUpper(e.Code)]
}

// refusal returns the refusal of credentials err is, or nil: a 401 of the
// API or of IAM (password, ID token, token exchange), or a 403 that
// refused the key. The metadata service's answers are not refusals: it
// has no lockout, and no file to fix.
func refusal(err error) *APIError {
	var e *APIError
	if !errors.As(err, &e) || e.Operation == OpMetadata {
		return nil
	}
	if e.StatusCode == http.StatusUnauthorized || keyRefused(e) {
		return e
	}
	return nil
}

// accepts reports whether err, the outcome of an API call, shows the
// credentials were accepted: HSS itself answered, which it does only
// once the gateway let the call through.
func accepts(err error) bool {
	var e *APIError
	return err == nil || (errors.As(err, &e) && !credOperation(e.Operation) &&
		strings.HasPrefix(strings.ToUpper(e.Code), "HSS."))
}
