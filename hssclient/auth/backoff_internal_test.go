package auth

import (
	"context"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

// HSS operations, as the client names them, for calls the backoff holds.
const (
	opListImages     = "ListImageLocal"
	opListContainers = "ListLocalImageContainers"
)

func refusal401() *transport.APIError {
	return &transport.APIError{Operation: opListImages, StatusCode: 401, Code: "APIG.0301", Message: "verify aksk signature fail"}
}

// admitLater admits a call in the background; the channel gives its
// outcome once it is let out or turned away.
func admitLater(b *Backoff, op string, fp func() string) <-chan error {
	out := make(chan error, 1)
	go func() {
		p, err := b.Admit(context.Background(), op, fp)
		if err == nil {
			p.Release()
		}
		out <- err
	}()
	return out
}

func requireWaiting(t *testing.T, out <-chan error) {
	t.Helper()
	select {
	case err := <-out:
		t.Fatalf("let out or turned away while an attempt is out: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
}

func TestOneAttemptAtATimeUntilTheKeyIsProven(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	b := NewBackoff(time.Minute, BackoffOptions{Now: clk.Now})
	fp := func() string { return "key-1" }
	ctx := context.Background()

	// At start one call tries the key; the others wait for its verdict.
	first, err := b.Admit(ctx, opListImages, fp)
	require.NoError(t, err)
	waiting := admitLater(b, opListContainers, fp)
	requireWaiting(t, waiting)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = b.Admit(cancelled, opListContainers, fp)
	require.ErrorIs(t, err, transport.ErrNotSent, "a caller out of time gives up")

	// Refused: the waiting call is turned away without trying.
	require.Error(t, first.Refused(refusal401(), "key-1"))
	var held *CredentialsRefusedError
	require.ErrorAs(t, <-waiting, &held)
	require.Equal(t, opListContainers, held.Operation)
	require.Equal(t, clk.Now().Add(54*time.Second), b.RefusedUntil(), "one step less a tenth")

	// When due, one call tries again; one that says nothing of the key
	// (a network error) hands the attempt to a waiting call.
	clk.Advance(time.Minute)
	probe, err := b.Admit(ctx, opListImages, fp)
	require.NoError(t, err)
	waiting = admitLater(b, opListContainers, fp)
	requireWaiting(t, waiting)
	probe.Release()
	require.NoError(t, <-waiting)
	probe, err = b.Admit(ctx, opListImages, fp)
	require.NoError(t, err)
	require.Error(t, probe.Refused(refusal401(), "key-1"))
	require.Equal(t, clk.Now().Add(114*time.Second), b.RefusedUntil(), "two steps less a tenth")

	// A new key goes at once, however long the wait; once accepted,
	// calls go out together, and those that were out when it was later
	// refused count as one refusal.
	probe, err = b.Admit(ctx, opListImages, func() string { return "key-2" })
	require.NoError(t, err)
	probe.Accepted()
	require.True(t, b.RefusedUntil().IsZero())
	p1, err := b.Admit(ctx, opListImages, fp)
	require.NoError(t, err)
	p2, err := b.Admit(ctx, opListContainers, fp)
	require.NoError(t, err)
	require.Error(t, p1.Refused(refusal401(), "key-2"))
	require.Error(t, p2.Refused(refusal401(), "key-2"))
	require.Equal(t, clk.Now().Add(54*time.Second), b.RefusedUntil())
}

func TestSharedBackoffTakesTheShortestStep(t *testing.T) {
	t.Parallel()
	s := NewBackoffs(BackoffOptions{})
	slow := s.For("ak:A", 5*time.Minute)
	require.Same(t, slow, s.For("ak:A", 30*time.Second))
	require.Same(t, slow, s.For("ak:A", time.Hour))
	require.Equal(t, 30*time.Second, slow.step)
	require.NotSame(t, slow, s.For("ak:B", 30*time.Second))
	require.Equal(t, MaxBackoff, NewBackoff(time.Hour, BackoffOptions{}).step, "never a first wait over the cap")
}

func TestOnlyWhatHSSItselfAnsweredProvesTheKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"a page", nil, true},
		{"a 200 that is no page", &transport.DecodeError{Operation: opListImages, Err: transport.ErrBodyTooLarge}, true},
		{"an HSS error", &transport.APIError{Operation: opListImages, StatusCode: 400, Code: "HSS.0013"}, true},
		{"an HSS server error", &transport.APIError{Operation: opListImages, StatusCode: 500, Code: "HSS.1000"}, true},
		{"the gateway refusing the key", &transport.APIError{Operation: opListImages, StatusCode: 401, Code: "APIG.0301"}, false},
		{"the gateway throttling", &transport.APIError{Operation: opListImages, StatusCode: 429, Code: "APIG.0308"}, false},
		{"the gateway without a backend", &transport.APIError{Operation: opListImages, StatusCode: 502, Code: "APIG.0201"}, false},
		{"no answer", &transport.NetworkError{Operation: opListImages, Err: context.DeadlineExceeded}, false},
		{"IAM's answer", &transport.DecodeError{Operation: OpIAMToken, Err: transport.ErrBodyTooLarge}, false},
	} {
		require.Equal(t, tc.want, Accepts(tc.err), tc.name)
	}
}
