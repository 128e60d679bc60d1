package auth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

// oidcIAM is a scripted IAM for the two exchange calls. Exchange N answers
// federated token FED-N, then keys AK-N/SK-N/TOKEN-N that live lifetime on
// the fake clock. It records what arrived.
type oidcIAM struct {
	*httptest.Server
	clock    *testclock.Clock
	lifetime time.Duration
	idTokens atomic.Int32
	keys     atomic.Int32
	hold     chan struct{}

	mu       sync.Mutex
	requests []string // "METHOD path headers body"
	// tokenAnswer and keysAnswer, when set, replace the answers.
	tokenAnswer func(w http.ResponseWriter)
	keysAnswer  func(w http.ResponseWriter)
}

func newOIDCIAM(t *testing.T, clock *testclock.Clock) *oidcIAM {
	s := &oidcIAM{clock: clock, lifetime: 6 * time.Hour}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *oidcIAM) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, fmt.Sprintf("%s %s idp=%q type=%q %s", r.Method, r.URL.Path,
		r.Header.Get("X-Idp-Id"), r.Header.Get("Content-Type"), body))
	tokenAnswer, keysAnswer := s.tokenAnswer, s.keysAnswer
	s.mu.Unlock()
	if s.hold != nil {
		<-s.hold
	}
	w.Header().Set("X-Request-Id", "req-1")
	switch r.URL.Path {
	case oidcTokenPath:
		if tokenAnswer != nil {
			tokenAnswer(w)
			return
		}
		w.Header().Set("X-Subject-Token", fmt.Sprintf("FED-%d", s.idTokens.Add(1)))
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"expires_at":%q,"methods":["mapped"]}}`, s.clock.Now().Add(24*time.Hour).Format(time.RFC3339))
	case oidcKeysPath:
		if keysAnswer != nil {
			keysAnswer(w)
			return
		}
		n := s.keys.Add(1)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"credential":{"access":"AK-%d","secret":"SK-%d","securitytoken":"TOKEN-%d","expires_at":%q}}`,
			n, n, n, s.clock.Now().Add(s.lifetime).UTC().Format("2006-01-02T15:04:05.000000Z"))
	default:
		http.NotFound(w, r)
	}
}

func (s *oidcIAM) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *oidcIAM) answer(token, keys func(w http.ResponseWriter)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenAnswer, s.keysAnswer = token, keys
}

// writeIDToken puts token in a fresh file and returns its path.
func writeIDToken(t *testing.T, path, token string) string {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "oidc-token")
	}
	require.NoError(t, os.WriteFile(path+".new", []byte(token), 0o600))
	require.NoError(t, os.Rename(path+".new", path)) // as the kubelet swaps it
	return path
}

func newTestOIDCAuth(srv *oidcIAM, file string, obs Observer) *oidcAuth {
	return NewOIDC(OIDCConfig{Endpoint: srv.URL + "/", IdpID: "cce-idp", IDTokenFile: file,
		Observer: obs, Now: srv.clock.Now}).(*oidcAuth)
}

func TestOIDCAuthExchangesAsTheSDKDoes(t *testing.T) {
	t.Parallel()
	obs := &recordingObserver{}
	srv := newOIDCIAM(t, newFakeClock())
	a := newTestOIDCAuth(srv, writeIDToken(t, "", "JWT-ONE\n"), obs)
	for range 3 {
		require.Equal(t, "AK-1", accessKeyOf(t, a))
	}
	require.Equal(t, []string{
		`POST /v3.0/OS-AUTH/id-token/tokens idp="cce-idp" type="application/json;charset=UTF-8" {"auth":{"id_token":{"id":"JWT-ONE"}}}`,
		`POST /v3.0/OS-CREDENTIAL/securitytokens idp="" type="application/json;charset=UTF-8" ` +
			`{"auth":{"identity":{"methods":["token"],"token":{"id":"FED-1","duration_seconds":21600}}}}`,
	}, srv.seen())
	require.Equal(t, []string{OpIDToken + " 201", OpSecurityToken + " 201"}, obs.calls)
}

func TestOIDCAuthRenewsWellBeforeExpiry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lifetime, before, after time.Duration
	}{
		{6 * time.Hour, 5*time.Hour + 19*time.Minute, 2 * time.Minute}, // 40 minutes left
		{30 * time.Second, 23 * time.Second, 2 * time.Second},          // 80 % of the lifetime
	} {
		t.Run(tc.lifetime.String(), func(t *testing.T) {
			clock := newFakeClock()
			srv := newOIDCIAM(t, clock)
			srv.lifetime = tc.lifetime
			a := newTestOIDCAuth(srv, writeIDToken(t, "", "JWT-ONE"), nil)
			require.Equal(t, "AK-1", accessKeyOf(t, a))
			clock.Advance(tc.before)
			require.Equal(t, "AK-1", accessKeyOf(t, a))
			clock.Advance(tc.after)
			require.Equal(t, "AK-2", accessKeyOf(t, a))
			require.EqualValues(t, 2, srv.idTokens.Load(), "each renewal exchanges the ID token again")
		})
	}
}

func TestOIDCAuthReadsTheTokenFileForEveryExchange(t *testing.T) {
	t.Parallel()
	srv := newOIDCIAM(t, newFakeClock())
	file := writeIDToken(t, "", "JWT-ONE")
	a := newTestOIDCAuth(srv, file, nil)
	require.Equal(t, "AK-1", accessKeyOf(t, a))
	writeIDToken(t, file, "JWT-TWO")
	require.Equal(t, "AK-1", accessKeyOf(t, a), "keys in hand stay in use")
	require.True(t, a.Invalidate(), "a 401 may be retried once with new keys")
	require.Equal(t, "AK-2", accessKeyOf(t, a))
	seen := srv.seen()
	require.Len(t, seen, 4)
	require.Contains(t, seen[2], `"id":"JWT-TWO"`)
}

func TestOIDCAuthSingleFlight(t *testing.T) {
	t.Parallel()
	srv := newOIDCIAM(t, newFakeClock())
	release := holdAnswers(t, &srv.hold)
	authorizeTogether(t, newTestOIDCAuth(srv, writeIDToken(t, "", "JWT-ONE"), nil), 40, release)
	require.EqualValues(t, 1, srv.idTokens.Load())
	require.EqualValues(t, 1, srv.keys.Load())
}

func TestOIDCAuthRefusedAnswers(t *testing.T) {
	t.Parallel()
	const jwt = "eyJLEAKY.ID-TOKEN.sig"
	echo := func(status int) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("X-Subject-Token", "FED-LEAKY")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"code":%d,"title":"x","message":"bad token %s / FED-LEAKY"},"request_id":"%s"}`, status, jwt, jwt)
		}
	}
	for _, tc := range []struct {
		name        string
		token, keys func(w http.ResponseWriter)
		want        string
		credErr     bool
	}{
		{"ID token refused", echo(401), nil,
			`CreateTokenWithIdToken: HTTP 401 401: bad token [REDACTED] / [REDACTED] (request_id [REDACTED]); check: IAM refused the ID token for identity provider cce-idp`, true},
		{"unknown identity provider", echo(404), nil, "HTTP 404 404: bad token [REDACTED] / [REDACTED] (request_id [REDACTED]); check: IAM refused", true},
		{"IAM down", echo(503), nil, "CreateTokenWithIdToken: HTTP 503 503: bad token [REDACTED] / [REDACTED] (request_id [REDACTED])", true},
		{"keys refused", nil, echo(403),
			"CreateTemporaryAccessKeyByToken: HTTP 403 403: bad token [REDACTED] / [REDACTED] (request_id [REDACTED]); check: IAM issued a federated token", true},
		{"no X-Request-Id", func(w http.ResponseWriter) {
			w.Header().Del("X-Request-Id")
			w.Header().Set("X-Subject-Token", "FED-LEAKY")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"token":{"expires_at":"2030-01-01T00:00:00Z"}}`)
		}, nil, "CreateTokenWithIdToken: malformed response: no X-Request-Id header: not an IAM answer", true},
		{"no X-Subject-Token", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"token":{"expires_at":"2030-01-01T00:00:00Z"}}`)
		}, nil, "CreateTokenWithIdToken: malformed response: no X-Subject-Token header in the answer", true},
		{"no token expiry", func(w http.ResponseWriter) {
			w.Header().Set("X-Subject-Token", "FED-LEAKY")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"token":{}}`)
		}, nil, "CreateTokenWithIdToken: malformed response: token.expires_at is missing", true},
		{"keys without secret", nil, func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"credential":{"access":"AK","securitytoken":"FED-LEAKY","expires_at":"2030-01-01T00:00:00Z"}}`)
		}, "CreateTemporaryAccessKeyByToken: malformed response: credential.access, credential.secret or credential.securitytoken is missing", true},
		{"keys not JSON", nil, func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `<html>FED-LEAKY</html>`)
		}, "CreateTemporaryAccessKeyByToken: malformed response: not valid JSON (at byte 1)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newOIDCIAM(t, newFakeClock())
			srv.answer(tc.token, tc.keys)
			a := newTestOIDCAuth(srv, writeIDToken(t, "", jwt), nil)
			req, err := http.NewRequest(http.MethodGet, "https://hss.example.com/", nil)
			require.NoError(t, err)
			err = a.Authorize(context.Background(), req, nil)
			require.ErrorContains(t, err, tc.want)
			require.Equal(t, tc.credErr, IsCredentialError(err))
			for _, secret := range []string{jwt, "FED-LEAKY"} {
				require.NotContains(t, err.Error(), secret)
			}
			require.Empty(t, req.Header.Get("Authorization"))
		})
	}
}

func TestOIDCAuthUnreadableTokenFile(t *testing.T) {
	t.Parallel()
	srv := newOIDCIAM(t, newFakeClock())
	dir := t.TempDir()
	for name, file := range map[string]string{
		"missing": filepath.Join(dir, "missing"),
		"empty":   writeIDToken(t, filepath.Join(dir, "empty"), "\n"),
	} {
		a := newTestOIDCAuth(srv, file, nil)
		req, _ := http.NewRequest(http.MethodGet, "https://hss.example.com/", nil)
		err := a.Authorize(context.Background(), req, nil)
		require.ErrorContains(t, err, `CreateTokenWithIdToken: cannot read id_token_file "`+file+`"`, name)
		require.True(t, IsCredentialError(err), name)
	}
	require.Empty(t, srv.seen(), "no exchange without a token")
}

func TestOIDCAuthPrintsNoSecret(t *testing.T) {
	t.Parallel()
	srv := newOIDCIAM(t, newFakeClock())
	a := newTestOIDCAuth(srv, writeIDToken(t, "", "JWT-SECRET"), nil)
	require.Equal(t, "AK-1", accessKeyOf(t, a))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out := fmt.Sprintf(verb, a) + fmt.Sprintf(verb, []any{a}) + fmt.Sprintf(verb, struct{ A Authenticator }{a})
		for _, secret := range []string{"JWT-SECRET", "FED-1", "SK-1", "TOKEN-1"} {
			require.NotContains(t, out, secret, verb)
		}
		require.True(t, strings.Contains(out, "OIDC(identity provider cce-idp)"), "%s: %s", verb, out)
	}
}

func TestOIDCAuthDefaultEndpoint(t *testing.T) {
	t.Parallel()
	a := NewOIDC(OIDCConfig{IdpID: "x", IDTokenFile: "/t"}).(*oidcAuth)
	require.Equal(t, "https://iam.myhuaweicloud.com", a.base)
}
