package hssfake

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func tokenBody(user, password, domain, project string) string {
	return `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"` + user +
		`","password":"` + password + `","domain":{"name":"` + domain + `"}}}},"scope":{"project":{"id":"` + project + `"}}}}`
}

func postToken(t *testing.T, s *Server, body string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v3/auth/tokens", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json;charset=utf8")
	return do(t, req)
}

func getWithToken(t *testing.T, s *Server, token string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+containersPath, nil)
	req.Header.Set("region", DemoRegion)
	req.Header.Set("X-Auth-Token", token)
	return do(t, req)
}

func TestIAMTokenLifecycle(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	resp := postToken(t, s, tokenBody(DemoIAMUser, DemoIAMPassword, DemoIAMDomain, DemoProjectID))
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	token := resp.header.Get("X-Subject-Token")
	require.NotEmpty(t, token)
	var body struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"token"`
	}
	resp.decode(t, &body)
	require.Regexp(t, regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`), body.Token.ExpiresAt)
	require.Equal(t, "2026-11-27T08:00:00.000000Z", body.Token.ExpiresAt)

	require.Equal(t, 200, getWithToken(t, s, token).status)
	clock.Advance(24*time.Hour - time.Second)
	require.Equal(t, 200, getWithToken(t, s, token).status)
	clock.Advance(time.Second)
	require.Equal(t, 401, getWithToken(t, s, token).status, "expired at expires_at")

	token = postToken(t, s, tokenBody(DemoIAMUser, DemoIAMPassword, DemoIAMDomain, DemoProjectID)).header.Get("X-Subject-Token")
	require.Equal(t, 200, getWithToken(t, s, token).status)
	s.ExpireTokens()
	resp = getWithToken(t, s, token)
	require.Equal(t, 401, resp.status)
	require.NotContains(t, string(resp.body), token)

	fails := s.AuthFailures()
	require.Len(t, fails, 2)
	require.Equal(t, ReasonTokenExpired, fails[0].Reason)
	require.Equal(t, ReasonTokenUnknown, fails[1].Reason)
	require.Equal(t, 2, s.Requests(OpCreateToken, 201))
}

func TestIAMTokenRejections(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, nil))
	wrongCreds := `{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}`
	tests := []struct {
		name, body string
		status     int
		exact      string
	}{
		{"wrong password", tokenBody(DemoIAMUser, "nope", DemoIAMDomain, DemoProjectID), 401, wrongCreds},
		{"wrong user", tokenBody("root", DemoIAMPassword, DemoIAMDomain, DemoProjectID), 401, wrongCreds},
		{"wrong domain", tokenBody(DemoIAMUser, DemoIAMPassword, "other", DemoProjectID), 401, wrongCreds},
		{"wrong project scope", tokenBody(DemoIAMUser, DemoIAMPassword, DemoIAMDomain, "0000"), 401, ""},
		{"not JSON", "{", 400, ""},
	}
	for _, tc := range tests {
		resp := postToken(t, s, tc.body)
		require.Equal(t, tc.status, resp.status, tc.name)
		require.Empty(t, resp.header.Get("X-Subject-Token"), tc.name)
		require.NotContains(t, string(resp.body), "nope", tc.name)
		if tc.exact != "" {
			require.JSONEq(t, tc.exact, string(resp.body), tc.name)
		}
	}
	require.Equal(t, 4, s.Requests(OpCreateToken, 401))
}

func TestMetadataTemporaryCredentials(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	var body struct {
		Credential securityKey `json:"credential"`
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/openstack/latest/securitykey", nil)
	resp := do(t, req)
	require.Equal(t, 200, resp.status)
	resp.decode(t, &body)
	cred := body.Credential
	require.Equal(t, "2026-11-26T09:00:00.000000Z", cred.ExpiresAt)
	require.NotEmpty(t, cred.SecurityToken)

	send := func(sg testSigner) int {
		req, _ := http.NewRequest(http.MethodGet, s.URL+containersPath, nil)
		req.Header.Set("region", DemoRegion)
		sg.sign(req, clock.Now())
		return do(t, req).status
	}
	require.Equal(t, 200, send(testSigner{cred.Access, cred.Secret, cred.SecurityToken}))
	require.Equal(t, 401, send(testSigner{cred.Access, cred.Secret, ""}), "token required")
	require.Equal(t, 401, send(testSigner{cred.Access, cred.Secret, "other"}), "its own token")
	clock.Advance(time.Hour)
	require.Equal(t, 401, send(testSigner{cred.Access, cred.Secret, cred.SecurityToken}), "expired")
	var reasons []AuthFailureReason
	for _, f := range s.AuthFailures() {
		reasons = append(reasons, f.Reason)
	}
	require.Equal(t, []AuthFailureReason{ReasonSecurityTokenMissing, ReasonSecurityTokenMissing, ReasonCredentialsExpired}, reasons)
	require.Equal(t, 1, s.Requests(OpMetadataSecurityKey, 200))
}
