package hssfake

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func postIDToken(t *testing.T, s *Server, idp, body string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v3.0/OS-AUTH/id-token/tokens", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	if idp != "" {
		req.Header.Set("X-Idp-Id", idp)
	}
	return do(t, req)
}

func idTokenBody(token string) string { return `{"auth":{"id_token":{"id":"` + token + `"}}}` }

// postKeys asks for temporary keys without a Content-Type, as the official
// SDK does.
func postKeys(t *testing.T, s *Server, body, authToken string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v3.0/OS-CREDENTIAL/securitytokens", strings.NewReader(body))
	require.NoError(t, err)
	if authToken != "" {
		req.Header.Set("X-Auth-Token", authToken)
	}
	return do(t, req)
}

func keysBody(token, duration string) string {
	return `{"auth":{"identity":{"methods":["token"],"token":{"id":"` + token + `","duration_seconds":` + duration + `}}}}`
}

func TestOIDCExchangeIssuesKeysTheAPIAccepts(t *testing.T) {
	t.Parallel()
	clock := newClock()
	opts := testOptions(clock, smallFleet())
	opts.OIDC.KeyTTL = 30 * time.Second
	s := startServer(t, opts)

	resp := postIDToken(t, s, DemoIdpID, idTokenBody(DemoIDToken))
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	require.NotEmpty(t, resp.header.Get("X-Request-Id"))
	federated := resp.header.Get("X-Subject-Token")
	require.NotEmpty(t, federated)
	var tok struct {
		Token struct {
			ExpiresAt string   `json:"expires_at"`
			Methods   []string `json:"methods"`
			User      struct {
				Federation struct {
					IdentityProvider struct {
						ID string `json:"id"`
					} `json:"identity_provider"`
				} `json:"OS-FEDERATION"`
			} `json:"user"`
		} `json:"token"`
	}
	resp.decode(t, &tok)
	require.Equal(t, "2026-11-27T08:00:00.000000Z", tok.Token.ExpiresAt)
	require.Equal(t, []string{"mapped"}, tok.Token.Methods)
	require.Equal(t, DemoIdpID, tok.Token.User.Federation.IdentityProvider.ID)
	require.Equal(t, 401, getWithToken(t, s, federated).status, "an unscoped token authorises no API call")

	resp = postKeys(t, s, keysBody(federated, "21600"), "")
	require.Equal(t, http.StatusCreated, resp.status, string(resp.body))
	require.NotEmpty(t, resp.header.Get("X-Request-Id"))
	var keys struct {
		Credential securityKey `json:"credential"`
	}
	resp.decode(t, &keys)
	cred := keys.Credential
	require.Equal(t, "2026-11-26T08:00:30.000000Z", cred.ExpiresAt, "capped at KeyTTL")

	send := func(sg testSigner) int {
		req, _ := http.NewRequest(http.MethodGet, s.URL+containersPath, nil)
		req.Header.Set("region", DemoRegion)
		sg.sign(req, clock.Now())
		return do(t, req).status
	}
	require.Equal(t, 200, send(testSigner{cred.Access, cred.Secret, cred.SecurityToken}))
	require.Equal(t, 401, send(testSigner{cred.Access, cred.Secret, ""}), "the security token is required")
	clock.Advance(30 * time.Second)
	require.Equal(t, 401, send(testSigner{cred.Access, cred.Secret, cred.SecurityToken}), "expired")
	require.Equal(t, 1, s.Requests(OpCreateTokenWithIDToken, 201))
	require.Equal(t, 1, s.Requests(OpCreateTemporaryKeys, 201))
}

func TestOIDCKeyLifetimeIsWhatWasAskedWithoutCap(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, nil))
	federated := postIDToken(t, s, DemoIdpID, idTokenBody(DemoIDToken)).header.Get("X-Subject-Token")
	for duration, want := range map[string]string{
		"21600": "2026-11-26T14:00:00.000000Z",
		`"900"`: "2026-11-26T08:15:00.000000Z",
		"null":  "2026-11-26T08:15:00.000000Z",
	} {
		resp := postKeys(t, s, keysBody(federated, duration), "")
		require.Equal(t, http.StatusCreated, resp.status, duration)
		var keys struct {
			Credential securityKey `json:"credential"`
		}
		resp.decode(t, &keys)
		require.Equal(t, want, keys.Credential.ExpiresAt, duration)
	}
}

func TestOIDCRefusals(t *testing.T) {
	t.Parallel()
	clock := newClock()
	opts := testOptions(clock, nil)
	opts.OIDC.IDTokens = map[string][]string{"cce": {"jwt-one", "jwt-two"}}
	s := startServer(t, opts)
	require.Equal(t, 201, postIDToken(t, s, "cce", idTokenBody("jwt-one")).status)
	s.RevokeIDToken("jwt-one")

	for _, tc := range []struct {
		name, idp, body string
		status          int
	}{
		{"revoked ID token", "cce", idTokenBody("jwt-one"), 401},
		{"unknown ID token", "cce", idTokenBody("jwt-three"), 401},
		{"unknown identity provider", "other", idTokenBody("jwt-two"), 404},
		{"no X-Idp-Id", "", idTokenBody("jwt-two"), 400},
		{"no ID token", "cce", `{"auth":{}}`, 400},
		{"not JSON", "cce", "{", 400},
	} {
		resp := postIDToken(t, s, tc.idp, tc.body)
		require.Equal(t, tc.status, resp.status, tc.name)
		require.Empty(t, resp.header.Get("X-Subject-Token"), tc.name)
		require.NotEmpty(t, resp.header.Get("X-Request-Id"), tc.name)
		require.NotContains(t, string(resp.body), "jwt-", tc.name)
	}
	federated := postIDToken(t, s, "cce", idTokenBody("jwt-two")).header.Get("X-Subject-Token")
	require.NotEmpty(t, federated, "the second token still works")

	for _, tc := range []struct {
		name, body, header string
		status             int
	}{
		{"token in X-Auth-Token", keysBody("", "900"), federated, 201},
		{"duration too short", keysBody(federated, "899"), "", 400},
		{"duration too long", keysBody(federated, "86401"), "", 400},
		{"unknown token", keysBody("MIIforged", "900"), "", 401},
		{"no token", keysBody("", "900"), "", 401},
		{"password method", `{"auth":{"identity":{"methods":["password"]}}}`, "", 400},
	} {
		resp := postKeys(t, s, tc.body, tc.header)
		require.Equal(t, tc.status, resp.status, tc.name)
		require.NotEmpty(t, resp.header.Get("X-Request-Id"), tc.name)
	}
	clock.Advance(24 * time.Hour)
	require.Equal(t, 401, postKeys(t, s, keysBody(federated, "900"), "").status, "the federated token expired")
	federated = postIDToken(t, s, "cce", idTokenBody("jwt-two")).header.Get("X-Subject-Token")
	s.ExpireTokens()
	require.Equal(t, 401, postKeys(t, s, keysBody(federated, "900"), "").status, "ExpireTokens covers federated tokens")
	require.Equal(t, 3, s.Requests(OpCreateTokenWithIDToken, 201))
}

func TestOIDCEndpointsTakeOnlyPOST(t *testing.T) {
	t.Parallel()
	s := startServer(t, testOptions(newClock(), nil))
	for _, path := range []string{"/v3.0/OS-AUTH/id-token/tokens", "/v3.0/OS-CREDENTIAL/securitytokens"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
		resp := do(t, req)
		require.Equal(t, 404, resp.status, path)
		require.NotEmpty(t, resp.header.Get("X-Request-Id"), path)
	}
}
