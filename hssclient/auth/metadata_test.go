package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

// metadataServer is a minimal ECS metadata service. By default fetch N hands
// out AK-N/SK-N/TOKEN-N valid for 24 h of the fake clock.
type metadataServer struct {
	*httptest.Server
	clock   *testclock.Clock
	fetches atomic.Int32
	hold    chan struct{}
	body    func(n int32) (int, string)
}

func newMetadataServer(t *testing.T, clock *testclock.Clock) *metadataServer {
	s := &metadataServer{clock: clock}
	s.body = func(n int32) (int, string) {
		return http.StatusOK, fmt.Sprintf(`{"credential":{"access":"AK-%d","secret":"SK-%d","securitytoken":"TOKEN-%d","expires_at":%q}}`,
			n, n, n, clock.Now().Add(24*time.Hour).Format("2006-01-02T15:04:05.000000Z"))
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.fetches.Add(1)
		if r.Method != http.MethodGet || r.URL.Path != "/openstack/latest/securitykey" {
			http.NotFound(w, r)
			return
		}
		if s.hold != nil {
			<-s.hold
		}
		code, body := s.body(n)
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func newTestMetadataAuth(srv *metadataServer, obs Observer) *metadataAuth {
	a := NewMetadata(MetadataConfig{Endpoint: srv.URL + "/", Observer: obs}).(*metadataAuth)
	a.cache.now = srv.clock.Now
	a.now = srv.clock.Now
	return a
}

// accessKeyOf authorises a request and returns the AK it was signed with,
// after checking the signature against the keys the server handed out.
func accessKeyOf(t *testing.T, a Authenticator) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://hss.example.com/v5/p/x?offset=0", nil)
	require.NoError(t, err)
	require.NoError(t, a.Authorize(context.Background(), req, nil))
	keys := map[string]string{}
	for i := 1; i <= 5; i++ {
		keys[fmt.Sprintf("AK-%d", i)] = fmt.Sprintf("SK-%d", i)
	}
	ak, ok := verifyRequest(req, nil, keys)
	require.True(t, ok, "signature must verify with the fetched secret")
	require.Equal(t, "TOKEN-"+ak[len("AK-"):], req.Header.Get("X-Security-Token"))
	require.Contains(t, req.Header.Get("Authorization"), "x-security-token")
	return ak
}

func TestMetadataAuthSignsWithTemporaryKeys(t *testing.T) {
	t.Parallel()
	obs := &recordingObserver{}
	srv := newMetadataServer(t, newFakeClock())
	a := newTestMetadataAuth(srv, obs)
	for range 5 {
		require.Equal(t, "AK-1", accessKeyOf(t, a))
	}
	require.EqualValues(t, 1, srv.fetches.Load())
	require.Equal(t, []string{OpMetadata + " 200"}, obs.calls)
}

func TestMetadataAuthRefreshesWellBeforeExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newMetadataServer(t, clock)
	a := newTestMetadataAuth(srv, nil)
	require.Equal(t, "AK-1", accessKeyOf(t, a))
	// 24 h keys are renewed when 8 h remain.
	clock.Advance(15*time.Hour + 50*time.Minute)
	require.Equal(t, "AK-1", accessKeyOf(t, a))
	clock.Advance(20 * time.Minute)
	require.Equal(t, "AK-2", accessKeyOf(t, a))
	require.True(t, a.Invalidate())
	require.Equal(t, "AK-3", accessKeyOf(t, a))
}

func TestMetadataAuthShortLifetime(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv := newMetadataServer(t, clock)
	srv.body = func(n int32) (int, string) {
		return http.StatusOK, fmt.Sprintf(`{"credential":{"access":"AK-%d","secret":"SK-%d","securitytoken":"TOKEN-%d","expires_at":%q}}`,
			n, n, n, clock.Now().Add(10*time.Minute).Format(time.RFC3339))
	}
	a := newTestMetadataAuth(srv, nil)
	require.Equal(t, "AK-1", accessKeyOf(t, a))
	clock.Advance(4 * time.Minute) // the 10m margin is capped at half the lifetime
	require.Equal(t, "AK-1", accessKeyOf(t, a))
	clock.Advance(2 * time.Minute)
	require.Equal(t, "AK-2", accessKeyOf(t, a))
}

func TestMetadataAuthSingleFlight(t *testing.T) {
	t.Parallel()
	srv := newMetadataServer(t, newFakeClock())
	release := holdAnswers(t, &srv.hold)
	authorizeTogether(t, newTestMetadataAuth(srv, nil), 50, release)
	require.EqualValues(t, 1, srv.fetches.Load())
}

func TestMetadataAuthBadAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"truncated JSON", `{"credential":{"access":"AK","secret":"LEAKY-SECRET`, 200, "MetadataSecurityKey: malformed response: not valid JSON"},
		{"not JSON", `<html>LEAKY-SECRET</html>`, 200, "malformed response: not valid JSON (at byte 1)"},
		{"wrong type", `{"credential":{"access":"AK","secret":12345}}`, 200, "unexpected JSON type"},
		{"missing secret", `{"credential":{"access":"AK","securitytoken":"LEAKY-SECRET","expires_at":"2030-01-01T00:00:00Z"}}`, 200, "credential.secret"},
		{"bad expiry", `{"credential":{"access":"AK","secret":"LEAKY-SECRET","securitytoken":"T","expires_at":"tomorrow"}}`, 200, "credential.expires_at is not an RFC 3339 time"},
		{"no agency", `{"error":"LEAKY-SECRET"}`, 404, "MetadataSecurityKey: HTTP 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newMetadataServer(t, newFakeClock())
			srv.body = func(int32) (int, string) { return tc.code, tc.body }
			a := newTestMetadataAuth(srv, nil)
			req, err := http.NewRequest(http.MethodGet, "https://hss.example.com/", nil)
			require.NoError(t, err)
			err = a.Authorize(context.Background(), req, nil)
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), "LEAKY-SECRET")
			require.NotContains(t, err.Error(), "12345")
			require.Empty(t, req.Header.Get("Authorization"))
		})
	}
}

func TestMetadataAuthDefaultEndpoint(t *testing.T) {
	t.Parallel()
	a := NewMetadata(MetadataConfig{}).(*metadataAuth)
	require.Equal(t, "http://169.254.169.254/openstack/latest/securitykey", a.url)
}
