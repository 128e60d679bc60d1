package auth

import (
	"context"
	"errors"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// IAM and the metadata service are APIs with limits of their own, and IAM
// locks users it is asked too often for: when either fails to hand out
// credentials (a 5xx, a timeout, a refused connection, an answer that is
// not one), asking again with every call and every retry only adds load
// to an outage. So the failure holds every call of the identity, without
// a request, until the next attempt: one step (the refresh interval)
// after the first failure, then 2, 4, 8 ... steps, at most
// MaxUnavailableBackoff (or one step, when that is longer). The attempt
// is one call for every target of the identity, the others waiting for
// its outcome; credentials in hand end the wait.

// MaxUnavailableBackoff caps the wait between two attempts to get
// credentials from a failing IAM or metadata service, unless the refresh
// interval is longer. It is far shorter than MaxBackoff: nothing
// locks here, one request a minute is no load on IAM, and the exporter
// should notice the service's return soon.
const MaxUnavailableBackoff = time.Minute

// CredentialsUnavailableError says that IAM (the password token, the OIDC
// exchange) or the metadata service failed to hand out credentials, and
// when they will be asked again. Until then every call of the identity
// fails at once with this error and sends nothing. Err is the last
// failure, which another call or target may have met.
type CredentialsUnavailableError struct {
	Operation   string // the call that failed, or was not sent
	NextAttempt time.Time
	Err         error
}

func (e *CredentialsUnavailableError) Error() string {
	return e.Operation + ": credentials unavailable; next attempt at " + e.NextAttempt.UTC().Format(time.RFC3339) +
		"; last failure: " + e.Err.Error()
}

func (e *CredentialsUnavailableError) Unwrap() error { return e.Err }

// CredentialsUnavailable reports whether err says no credentials could be
// had from IAM or the metadata service, and when they are asked again.
func CredentialsUnavailable(err error) (nextAttempt time.Time, ok bool) {
	var u *CredentialsUnavailableError
	if errors.As(err, &u) {
		return u.NextAttempt, true
	}
	return time.Time{}, false
}

// UnavailableUntil returns when credentials are next asked of a failing
// IAM or metadata service: zero while it is not failing (or the
// credentials are refused instead: see RefusedUntil).
func (b *Backoff) UnavailableUntil() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refused || b.failStreak == 0 {
		return time.Time{}
	}
	return b.failNext
}

// Unavailable records that getting credentials failed with cause, and
// returns the error for op that says so. Failures of calls that went out
// while an attempt was not yet due (calls out together, other targets
// with a token still in hand) count as one. Until the next attempt the
// credentials are no longer taken as proven, so the attempt is one call.
func (b *Backoff) Unavailable(op string, cause error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now := b.now(); b.failStreak == 0 || !now.Before(b.failNext) {
		b.failStreak++
		b.failNext = now.Add(b.unavailableWait(b.failStreak))
	}
	b.trusted, b.failCause = false, cause
	return b.unavailableError(op)
}

// unavailableWait is how long the n-th failure in a row holds: 1, 2, 4
// ... steps up to the cap, less a tenth of a step as in wait. b.mu is
// held.
func (b *Backoff) unavailableWait(n int) time.Duration {
	ceiling := max(MaxUnavailableBackoff, b.step)
	d := b.step << min(n-1, 16)
	if d <= 0 || d > ceiling {
		d = ceiling
	}
	return d - b.step/10
}

// unavailableError is what a call of op that may not go out returns.
// b.mu is held.
func (b *Backoff) unavailableError(op string) error {
	return &CredentialsUnavailableError{Operation: op, NextAttempt: b.failNext, Err: b.failCause}
}

// Available records that credentials were had: a failure streak ends.
func (b *Backoff) Available() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endFailures()
}

// endFailures ends a failure streak. b.mu is held.
func (b *Backoff) endFailures() {
	b.failStreak, b.failNext, b.failCause = 0, time.Time{}, nil
}

// SourceFailed reports whether err, from authorising a request, is IAM
// or the metadata service failing to hand out credentials: any failure
// of theirs but a refusal (which Backoff holds as such) and one of
// the caller's own context ending. An answer such as a 400 or 403 is
// held too: asking again at once would only repeat it.
func SourceFailed(ctx context.Context, err error) bool {
	return ctx.Err() == nil && credOperation(transport.OperationOf(err)) && Refusal(err) == nil
}
