package hssclient

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOnlyAuthenticationCodesMakeA403ARefusal(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		refused bool
	}{
		{"401 bad signature", 401, `{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}`, true},
		{"401 without a body", 401, ``, true},
		{"403 locked access key", 403, `{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: AK access failed to reach the limit,forbidden"}`, true},
		{"403 shared gateway's code", 403, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}`, true},
		{"403 app authentication", 403, `{"error_code":"APIG.0303","error_msg":"Incorrect app authentication information"}`, true},
		{"403 IAM user barred from the API", 403, `{"error_code":"APIG.0302","error_msg":"The IAM user is not authorized to access the API"}`, false},
		{"403 project unavailable", 403, `{"error_code":"APIG.0310","error_msg":"The project is unavailable"}`, false},
		{"403 HSS permission", 403, `{"error_code":"HSS.0013","error_msg":"Insufficient permissions"}`, false},
		{"403 without a code", 403, `{}`, false},
		{"400 HSS permission", 400, `{"error_code":"HSS.0013","error_msg":"Insufficient permissions"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sent atomic.Int32
			c := fuzzClient(t, staticTransport(func(*http.Request) (int, []byte) {
				sent.Add(1)
				return tc.status, []byte(tc.body)
			}), nil)
			ctx := context.Background()
			for range 3 {
				_, err := c.ListImageLocal(ctx, ListImagesRequest{Limit: 10})
				require.Error(t, err)
				_, refused := CredentialsRefused(err)
				require.Equal(t, tc.refused, refused, "err: %v", err)
				require.Equal(t, tc.refused, IsCredentialError(err))
			}
			if tc.refused {
				require.EqualValues(t, 1, sent.Load(), "nothing sent after the refusal")
				require.False(t, c.RefusedUntil().IsZero())
			} else {
				require.EqualValues(t, 3, sent.Load(), "a permission denial locks nothing")
				require.True(t, c.RefusedUntil().IsZero())
			}
		})
	}
}

func refusal401() *APIError {
	return &APIError{Operation: OpListImages, StatusCode: 401, Code: "APIG.0301", Message: "verify aksk signature fail"}
}

// admitLater admits a call in the background; the channel gives its
// outcome once it is let out or turned away.
func admitLater(b *AuthBackoff, op string, fp func() string) <-chan error {
	out := make(chan error, 1)
	go func() {
		p, err := b.admit(context.Background(), op, fp)
		if err == nil {
			p.release()
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
	clk := newFakeClock()
	b := NewAuthBackoff(time.Minute, AuthBackoffOptions{Now: clk.Now})
	fp := func() string { return "key-1" }
	ctx := context.Background()

	// At start one call tries the key; the others wait for its verdict.
	first, err := b.admit(ctx, OpListImages, fp)
	require.NoError(t, err)
	waiting := admitLater(b, OpListContainers, fp)
	requireWaiting(t, waiting)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = b.admit(cancelled, OpListContainers, fp)
	require.ErrorIs(t, err, errNotSent, "a caller out of time gives up")

	// Refused: the waiting call is turned away without trying.
	require.Error(t, first.refused(refusal401(), "key-1"))
	var held *CredentialsRefusedError
	require.ErrorAs(t, <-waiting, &held)
	require.Equal(t, OpListContainers, held.Operation)
	require.Equal(t, clk.Now().Add(54*time.Second), b.RefusedUntil(), "one step less a tenth")

	// When due, one call tries again; one that says nothing of the key
	// (a network error) hands the attempt to a waiting call.
	clk.Advance(time.Minute)
	probe, err := b.admit(ctx, OpListImages, fp)
	require.NoError(t, err)
	waiting = admitLater(b, OpListContainers, fp)
	requireWaiting(t, waiting)
	probe.release()
	require.NoError(t, <-waiting)
	probe, err = b.admit(ctx, OpListImages, fp)
	require.NoError(t, err)
	require.Error(t, probe.refused(refusal401(), "key-1"))
	require.Equal(t, clk.Now().Add(114*time.Second), b.RefusedUntil(), "two steps less a tenth")

	// A new key goes at once, however long the wait; once accepted,
	// calls go out together, and those that were out when it was later
	// refused count as one refusal.
	probe, err = b.admit(ctx, OpListImages, func() string { return "key-2" })
	require.NoError(t, err)
	probe.accepted()
	require.True(t, b.RefusedUntil().IsZero())
	p1, err := b.admit(ctx, OpListImages, fp)
	require.NoError(t, err)
	p2, err := b.admit(ctx, OpListContainers, fp)
	require.NoError(t, err)
	require.Error(t, p1.refused(refusal401(), "key-2"))
	require.Error(t, p2.refused(refusal401(), "key-2"))
	require.Equal(t, clk.Now().Add(54*time.Second), b.RefusedUntil())
}

func TestSharedBackoffTakesTheShortestStep(t *testing.T) {
	s := NewAuthBackoffs(AuthBackoffOptions{})
	slow := s.For("ak:A", 5*time.Minute)
	require.Same(t, slow, s.For("ak:A", 30*time.Second))
	require.Same(t, slow, s.For("ak:A", time.Hour))
	require.Equal(t, 30*time.Second, slow.step)
	require.NotSame(t, slow, s.For("ak:B", 30*time.Second))
	require.Equal(t, MaxAuthBackoff, NewAuthBackoff(time.Hour, AuthBackoffOptions{}).step, "never a first wait over the cap")
}

func TestOnlyWhatHSSItselfAnsweredProvesTheKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"a page", nil, true},
		{"a 200 that is no page", &DecodeError{Operation: OpListImages, Err: errBodyTooLarge}, true},
		{"an HSS error", &APIError{Operation: OpListImages, StatusCode: 400, Code: "HSS.0013"}, true},
		{"an HSS server error", &APIError{Operation: OpListImages, StatusCode: 500, Code: "HSS.1000"}, true},
		{"the gateway refusing the key", &APIError{Operation: OpListImages, StatusCode: 401, Code: "APIG.0301"}, false},
		{"the gateway throttling", &APIError{Operation: OpListImages, StatusCode: 429, Code: "APIG.0308"}, false},
		{"the gateway without a backend", &APIError{Operation: OpListImages, StatusCode: 502, Code: "APIG.0201"}, false},
		{"no answer", &NetworkError{Operation: OpListImages, Err: context.DeadlineExceeded}, false},
		{"IAM's answer", &DecodeError{Operation: OpIAMToken, Err: errBodyTooLarge}, false},
	} {
		require.Equal(t, tc.want, accepts(tc.err), tc.name)
	}
}
