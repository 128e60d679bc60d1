package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

func newFakeClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
}

// iamServer is a minimal IAM token endpoint. respond decides each answer;
// by default it issues token-N valid for 24 h of the fake clock.
type iamServer struct {
	*httptest.Server
	clock   *testclock.Clock
	fetches atomic.Int32
	hold    chan struct{} // when set, answers wait until it is closed

	mu      sync.Mutex
	respond func(n int32, w http.ResponseWriter)
}

// holdAnswers makes answers wait until the returned release is called. It is
// also called at cleanup, before the server closes, so a failing test ends
// instead of hanging on a held handler.
func holdAnswers(t *testing.T, hold *chan struct{}) (release func()) {
	ch := make(chan struct{})
	*hold = ch
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	t.Cleanup(release)
	return release
}

// authorizeTogether has callers requests authorized by a at once while the
// credential server holds its answer, releases it once they have piled up
// behind the one fetch, and returns the requests, each authorized.
func authorizeTogether(t *testing.T, a Authenticator, callers int, release func()) []*http.Request {
	t.Helper()
	reqs := make([]*http.Request, callers)
	errs := make([]error, callers)
	var started, done sync.WaitGroup
	started.Add(callers)
	done.Add(callers)
	for i := range callers {
		go func() {
			defer done.Done()
			started.Done()
			reqs[i], _ = http.NewRequest(http.MethodGet, "https://hss.example.com/", nil)
			errs[i] = a.Authorize(context.Background(), reqs[i], nil)
		}()
	}
	started.Wait()
	time.Sleep(50 * time.Millisecond) // let the callers pile up behind the held fetch
	release()
	done.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return reqs
}

// setRespond replaces the answer function between requests.
func (s *iamServer) setRespond(f func(n int32, w http.ResponseWriter)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

func newIAMServer(t *testing.T, clock *testclock.Clock) *iamServer {
	s := &iamServer{clock: clock}
	s.respond = func(n int32, w http.ResponseWriter) {
		w.Header().Set("X-Subject-Token", fmt.Sprintf("token-%d", n))
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"token":{"expires_at":%q}}`, clock.Now().Add(24*time.Hour).Format("2006-01-02T15:04:05.000000Z"))
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.fetches.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/v3/auth/tokens" {
			http.Error(w, "wrong route", http.StatusNotFound)
			return
		}
		var body iamTokenRequest
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil ||
			body.Auth.Identity.Password.User.Name != "alice" ||
			body.Auth.Identity.Password.User.Domain.Name != "acme" ||
			body.Auth.Scope.Project.ID != "proj-1" ||
			len(body.Auth.Identity.Methods) != 1 || body.Auth.Identity.Methods[0] != "password" {
			http.Error(w, `{"error":{"code":400,"message":"bad body","title":"Bad Request"}}`, http.StatusBadRequest)
			return
		}
		if s.hold != nil {
			<-s.hold
		}
		s.mu.Lock()
		respond := s.respond
		s.mu.Unlock()
		respond(n, w)
	}))
	t.Cleanup(s.Close)
	return s
}

// recordingObserver keeps every RequestDone report.
type recordingObserver struct {
	mu    sync.Mutex
	calls []string
}

func (o *recordingObserver) RequestDone(op string, code int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, fmt.Sprintf("%s %d", op, code))
}

func (o *recordingObserver) Retry(string, string) {}

func newTestIAMAuth(srv *iamServer, obs Observer) *iamAuth {
	a := NewIAM(IAMConfig{Endpoint: srv.URL, Domain: "acme", Username: "alice",
		Password: "s3cr3t-Passw0rd", ProjectID: "proj-1", Observer: obs}).(*iamAuth)
	a.cache.now = srv.clock.Now
	return a
}

// tokenOf authorises a fresh request and returns its X-Auth-Token.
func tokenOf(t *testing.T, a Authenticator) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://hss.example.com/v5/p/x", nil)
	require.NoError(t, err)
	require.NoError(t, a.Authorize(context.Background(), req, nil))
	return req.Header.Get("X-Auth-Token")
}

func TestIAMAuthCachesToken(t *testing.T) {
	t.Parallel()
	obs := &recordingObserver{}
	srv := newIAMServer(t, newFakeClock())
	a := newTestIAMAuth(srv, obs)
	for range 10 {
		require.Equal(t, "token-1", tokenOf(t, a))
	}
	require.EqualValues(t, 1, srv.fetches.Load())
	require.Equal(t, []string{OpIAMToken + " 201"}, obs.calls)
}

func TestIAMAuthRefreshesNearExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newIAMServer(t, clock)
	a := newTestIAMAuth(srv, nil)
	require.Equal(t, "token-1", tokenOf(t, a))
	// A 24 h token is renewed when 2.4 h remain.
	clock.Advance(21*time.Hour + 30*time.Minute)
	require.Equal(t, "token-1", tokenOf(t, a), "2.5 h left: keep it")
	clock.Advance(15 * time.Minute)
	require.Equal(t, "token-2", tokenOf(t, a), "2.25 h left: renew")
	require.EqualValues(t, 2, srv.fetches.Load())
}

func TestIAMAuthRefetchesAfterInvalidate(t *testing.T) {
	t.Parallel()
	srv := newIAMServer(t, newFakeClock())
	a := newTestIAMAuth(srv, nil)
	require.Equal(t, "token-1", tokenOf(t, a))
	require.True(t, a.Invalidate())
	require.Equal(t, "token-2", tokenOf(t, a))
	require.EqualValues(t, 2, srv.fetches.Load())
}

func TestIAMAuthSingleFlight(t *testing.T) {
	t.Parallel()
	srv := newIAMServer(t, newFakeClock())
	release := holdAnswers(t, &srv.hold)
	for _, req := range authorizeTogether(t, newTestIAMAuth(srv, nil), 50, release) {
		require.Equal(t, "token-1", req.Header.Get("X-Auth-Token"))
	}
	require.EqualValues(t, 1, srv.fetches.Load())
}

func TestIAMAuthRejectedPassword(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newIAMServer(t, clock)
	srv.setRespond(func(_ int32, w http.ResponseWriter) {
		w.Header().Set("X-Request-Id", "req-77")
		w.WriteHeader(http.StatusUnauthorized)
		// A hostile or careless server echoing the password must not leak it.
		_, _ = w.Write([]byte(`{"error":{"code":401,"message":"The username or password is wrong: s3cr3t-Passw0rd","title":"Unauthorized"}}`))
	})
	a := newTestIAMAuth(srv, nil)
	req, err := http.NewRequest(http.MethodGet, "https://hss.example.com/", nil)
	require.NoError(t, err)
	err = a.Authorize(context.Background(), req, nil)
	var apiErr *transport.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, OpIAMToken, apiErr.Operation)
	require.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	require.Equal(t, "401", apiErr.Code)
	require.Equal(t, "req-77", apiErr.RequestID)
	require.Contains(t, err.Error(), "The username or password is wrong")
	require.NotContains(t, err.Error(), "s3cr3t-Passw0rd")
	require.True(t, transport.Classify(err) == transport.ClassAuth)
	require.Empty(t, req.Header.Get("X-Auth-Token"))

	// IAM locks users after repeated wrong passwords: its own refusal is
	// not worth an immediate second token request, and the client's
	// Backoff decides when the next one goes.
	require.False(t, a.Invalidate())
	require.EqualValues(t, 1, srv.fetches.Load())
	clock.Advance(time.Minute)
	require.Error(t, a.Authorize(context.Background(), req, nil))
	require.EqualValues(t, 2, srv.fetches.Load())
	require.False(t, a.Invalidate())
}

func TestIAMAuthGatewayErrorFormat(t *testing.T) {
	t.Parallel()
	srv := newIAMServer(t, newFakeClock())
	srv.setRespond(func(_ int32, w http.ResponseWriter) {
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error_code":"APIG.0308","error_msg":"over ratelimit","request_id":"r1"}`))
	})
	a := newTestIAMAuth(srv, nil)
	_, err := a.cache.get(context.Background())
	var apiErr *transport.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "APIG.0308", apiErr.Code)
	require.Equal(t, "r1", apiErr.RequestID)
	require.True(t, transport.Classify(err) == transport.ClassThrottled)
	require.True(t, a.Invalidate(), "throttling is not a rejection of the password")
}

func TestIAMAuthKeepsValidTokenWhenRenewalFails(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newIAMServer(t, clock)
	a := newTestIAMAuth(srv, nil)
	require.Equal(t, "token-1", tokenOf(t, a))
	srv.mu.Lock()
	ok := srv.respond
	srv.mu.Unlock()
	srv.setRespond(func(_ int32, w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
	clock.Advance(23 * time.Hour) // inside the renewal window, not expired
	require.Equal(t, "token-1", tokenOf(t, a))
	require.Equal(t, "token-1", tokenOf(t, a))
	require.EqualValues(t, 2, srv.fetches.Load(), "one failed renewal, then a pause")
	srv.setRespond(ok)
	clock.Advance(credRetryAfterFailure)
	require.Equal(t, "token-3", tokenOf(t, a))
}

func TestIAMAuthBadAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		respond func(w http.ResponseWriter)
		check   func(t *testing.T, err error)
	}{
		{"no token header", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"token":{"expires_at":"2026-11-27T08:00:00.000000Z"}}`))
		}, func(t *testing.T, err error) {
			var decodeErr *transport.DecodeError
			require.ErrorAs(t, err, &decodeErr)
			require.Contains(t, err.Error(), "X-Subject-Token")
		}},
		{"no expiry", func(w http.ResponseWriter) {
			w.Header().Set("X-Subject-Token", "tok-secret")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"token":{}}`))
		}, func(t *testing.T, err error) {
			require.ErrorContains(t, err, "token.expires_at is missing")
		}},
		{"already expired", func(w http.ResponseWriter) {
			w.Header().Set("X-Subject-Token", "tok-secret")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"token":{"expires_at":"2020-01-01T00:00:00.000000Z"}}`))
		}, func(t *testing.T, err error) {
			require.ErrorContains(t, err, "expired")
		}},
		{"html error page", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`<html>bad gateway</html>`))
		}, func(t *testing.T, err error) {
			require.True(t, transport.Classify(err) == transport.ClassServer)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIAMServer(t, newFakeClock())
			srv.setRespond(func(_ int32, w http.ResponseWriter) { tc.respond(w) })
			a := newTestIAMAuth(srv, nil)
			_, err := a.cache.get(context.Background())
			require.Error(t, err)
			require.NotContains(t, err.Error(), "tok-secret")
			tc.check(t, err)
		})
	}
}

func TestIAMAuthNetworkError(t *testing.T) {
	t.Parallel()
	srv := newIAMServer(t, newFakeClock())
	obs := &recordingObserver{}
	a := newTestIAMAuth(srv, obs)
	srv.Close()
	_, err := a.cache.get(context.Background())
	var netErr *transport.NetworkError
	require.ErrorAs(t, err, &netErr)
	require.Equal(t, OpIAMToken, netErr.Operation)
	require.True(t, a.Invalidate(), "a network failure is not remembered")
	require.Equal(t, []string{OpIAMToken + " 0"}, obs.calls)
}

// TestIAMAuthWaiterOutlivesCancelledLeader: when the caller whose fetch the
// others wait on gives up, a waiter with time left fetches for itself
// rather than failing with someone else's cancellation.
func TestIAMAuthWaiterOutlivesCancelledLeader(t *testing.T) {
	t.Parallel()
	srv := newIAMServer(t, newFakeClock())
	release := holdAnswers(t, &srv.hold)
	a := newTestIAMAuth(srv, nil)
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() { _, err := a.cache.get(leaderCtx); leaderErr <- err }()
	require.Eventually(t, func() bool { return srv.fetches.Load() == 1 }, 5*time.Second, time.Millisecond)

	waiterTok := make(chan string, 1)
	go func() { tok, _ := a.cache.get(context.Background()); waiterTok <- tok }()
	time.Sleep(20 * time.Millisecond) // let the waiter queue behind the leader
	cancel()
	require.True(t, errors.Is(<-leaderErr, context.Canceled))
	require.Eventually(t, func() bool { return srv.fetches.Load() == 2 }, 5*time.Second, time.Millisecond)
	release()
	require.Equal(t, "token-2", <-waiterTok)
}
