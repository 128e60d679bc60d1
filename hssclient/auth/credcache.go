package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// credRetryAfterFailure is how long a still-valid credential is used after a
// failed renewal before renewal is tried again, so an IAM or metadata outage
// costs one attempt a minute rather than one per API call.
const credRetryAfterFailure = time.Minute

// credCache holds one expiring credential. Concurrent callers share a single
// fetch; while a renewal runs, the others keep using the old credential if it
// has not expired.
type credCache[T any] struct {
	op     string
	fetch  func(ctx context.Context) (T, time.Time, error)
	margin func(lifetime time.Duration) time.Duration
	now    func() time.Time

	mu        sync.Mutex
	val       T
	have      bool
	refreshAt time.Time
	expiresAt time.Time
	// refused: the last fetch was refused (4xx) and left no credential;
	// the next invalidate, for that refusal, is told so once.
	refused  bool
	inflight *credFlight[T]
}

// credFlight is one fetch in progress; done closes when it ends.
type credFlight[T any] struct {
	done chan struct{}
	val  T
	err  error
	// abandoned: the fetch failed because its caller's context ended, so a
	// waiter with a live context should try again rather than take the error.
	abandoned bool
}

// newCredCache returns an empty cache. A refused fetch is not remembered
// here: the client's Backoff keeps calls from asking again too soon.
func newCredCache[T any](op string, fetch func(context.Context) (T, time.Time, error),
	margin func(time.Duration) time.Duration) *credCache[T] {
	return &credCache[T]{op: op, fetch: fetch, margin: margin, now: time.Now}
}

// get returns the cached credential, fetching it when absent or due.
func (c *credCache[T]) get(ctx context.Context) (T, error) {
	var zero T
	for {
		c.mu.Lock()
		now := c.now()
		if c.have && now.Before(c.refreshAt) {
			defer c.mu.Unlock()
			return c.val, nil
		}
		f := c.inflight
		if f == nil {
			f = &credFlight[T]{done: make(chan struct{})}
			c.inflight = f
			c.mu.Unlock()
			return c.lead(ctx, f)
		}
		if c.have && now.Before(c.expiresAt) {
			defer c.mu.Unlock()
			return c.val, nil // renewal under way; the old one still works
		}
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
		if f.abandoned && ctx.Err() == nil {
			continue
		}
		return f.val, f.err
	}
}

// lead runs the fetch of flight f and stores its outcome.
func (c *credCache[T]) lead(ctx context.Context, f *credFlight[T]) (T, error) {
	val, expires, err := c.fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if err == nil && !expires.After(now) {
		err = fmt.Errorf("%s: credentials expired at %s on arrival (clock skew?)", c.op, expires.UTC().Format(time.RFC3339))
	}
	switch {
	case err == nil:
		lifetime := expires.Sub(now)
		c.val, c.have, c.expiresAt = val, true, expires
		// Never renew in the first half of the lifetime, so a short-lived
		// credential is not fetched on every call.
		c.refreshAt = expires.Add(-min(c.margin(lifetime), lifetime/2))
	case c.have && now.Before(c.expiresAt) && Refusal(err) == nil:
		val, err = c.val, nil
		c.refreshAt = minTime(now.Add(credRetryAfterFailure), c.expiresAt)
	case c.have:
		// IAM refused the password or ID token: that is a refusal like any
		// other, which the client's Backoff holds, even though the
		// credential in hand still works. Using it while asking again
		// every minute would spend one wrong password a minute until it
		// expires, and IAM locks users for fewer.
		var zero T
		c.val, c.have = zero, false
	}
	c.refused = err != nil && rejected(err)
	c.inflight = nil
	f.val, f.err = val, err
	f.abandoned = err != nil && ctx.Err() != nil
	close(f.done)
	return val, err
}

// invalidate drops the credential. It reports whether a new one may be
// fetched: not when the 401 at hand was the fetch's own refusal, which
// asking again at once would only repeat.
func (c *credCache[T]) invalidate() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero T
	c.val, c.have = zero, false
	ownRefusal := c.refused
	c.refused = false
	return !ownRefusal
}

// rejected reports whether err is a 4xx answer other than 429: the
// credentials themselves were refused, and asking again will not help.
func rejected(err error) bool {
	switch transport.Classify(err) {
	case transport.ClassAuth, transport.ClassBadRequest:
		return true
	}
	return false
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
