package main

import (
	"encoding/json"
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

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// Known secret values. Each run below feeds some of them to the exporter
// through its configuration or a server, then looks for all of them in
// everything the exporter shows.
const (
	leakSK            = "LeakCheckSecretKey-7f3a9c2e51d04b86"
	leakPassword      = "LeakCheckPassword-c41e8d7f"
	leakSecurityToken = "LeakCheckSecurityToken-2b9e77a0d6f1"
	leakIssuedToken   = "MIILeakCheckIssuedToken-91af3c0e5d7b2468"
	leakTempSecret    = "LeakCheckTempSecret-0d5c3b1a"
	leakTempToken     = "LeakCheckTempSecurityToken-6e4f2a9d"
	leakEntryPoint    = "LeakCheckEntryPointPassword-88c1"
	leakIDToken       = "eyJLeakCheck.IDToken-5a1f93c7.sig"
	leakFederated     = "MIILeakCheckFederatedToken-3e8b40d2"
)

// hostileHSS is a server that plays IAM, ECS metadata and HSS, and does its
// worst: it echoes every credential it receives back in error_msg,
// error_code, request_id and X-Request-Id, and records the signatures it
// saw so the test can look for them too.
type hostileHSS struct {
	*httptest.Server
	mu         sync.Mutex
	signatures []string
	calls      atomic.Int32
	iamExpired bool // IAM hands out a token that has already expired
	// form, when set, is how each credential is echoed (lower-cased,
	// base64, hex...); statuses, when set, replaces 500, 401, 403.
	form     func(string) string
	statuses []int
}

// echoed is v as the server echoes it.
func (h *hostileHSS) echoed(v string) string {
	if h.form == nil {
		return v
	}
	return h.form(v)
}

func newHostileHSS(t *testing.T) *hostileHSS {
	h := &hostileHSS{}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

func (h *hostileHSS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	switch {
	case r.URL.Path == "/v3/auth/tokens":
		if !strings.Contains(string(body), `"password":"`+leakPassword+`"`) || !strings.Contains(string(body), `"name":"u"`) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"code":401,"title":"Unauthorized","message":"rejected %s"}}`, jsonText(h.echoed(string(body))))
			return
		}
		expires := time.Now().Add(time.Hour)
		if h.iamExpired {
			expires = time.Now().Add(-time.Hour)
		}
		w.Header().Set("X-Subject-Token", leakIssuedToken)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"expires_at":%q,"user":{"name":"u","password":%q}}}`, expires.UTC().Format(time.RFC3339Nano), leakPassword)
	case r.URL.Path == "/v3.0/OS-AUTH/id-token/tokens":
		h.exchange(w, r, body, `"id":"`+leakIDToken+`"`, func() {
			w.Header().Set("X-Subject-Token", leakFederated)
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token":{"expires_at":%q,"methods":["mapped"]}}`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		})
	case r.URL.Path == "/v3.0/OS-CREDENTIAL/securitytokens":
		h.exchange(w, r, body, `"id":"`+leakFederated+`"`, func() {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"credential":{"access":"LEAKCHECKTEMPACCESS02","secret":%q,"securitytoken":%q,"expires_at":%q}}`,
				leakTempSecret, leakTempToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		})
	case r.URL.Path == "/openstack/latest/securitykey":
		fmt.Fprintf(w, `{"credential":{"access":"LEAKCHECKTEMPACCESS01","secret":%q,"securitytoken":%q,"expires_at":%q}}`,
			leakTempSecret, leakTempToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	default:
		h.echo(w, r)
	}
}

// echo answers an HSS call with its credentials thrown back: first a 500
// (retried after a second), then 401s and 403s.
func (h *hostileHSS) echo(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if _, sig, ok := strings.Cut(auth, "Signature="); ok {
		h.mu.Lock()
		h.signatures = append(h.signatures, sig)
		h.mu.Unlock()
	}
	creds := strings.Join([]string{h.echoed(auth), h.echoed(r.Header.Get("X-Auth-Token")), h.echoed(r.Header.Get("X-Security-Token"))}, " ")
	statuses := []int{500, 401, 403}
	if h.statuses != nil {
		statuses = h.statuses
	}
	status := statuses[min(int(h.calls.Add(1))-1, len(statuses)-1)]
	if status == 500 {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("X-Request-Id", creds)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"error_code": creds, "error_msg": "you sent " + creds, "request_id": h.echoed(r.Header.Get("X-Auth-Token")) + h.echoed(auth),
	})
}

// exchange plays one OIDC step: it answers with issue when the body holds
// want from identity provider hss-leak-idp, else refuses and echoes the
// body (and so the ID token or federated token) back.
func (h *hostileHSS) exchange(w http.ResponseWriter, r *http.Request, body []byte, want string, issue func()) {
	w.Header().Set("X-Request-Id", "leak-check")
	if strings.Contains(string(body), want) && r.Header.Get("X-Idp-Id") != "hss-other-idp" {
		issue()
		return
	}
	w.Header().Set("X-Subject-Token", leakFederated)
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"error":{"code":401,"title":"Unauthorized","message":"rejected %s"},"request_id":"%s"}`,
		jsonText(string(body)), jsonText(string(body)))
}

func (h *hostileHSS) seenSignatures() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.signatures...)
}

func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// leakConfig writes the secret files and a configuration for one target
// whose auth block is auth (secret file names: sk, password, token).
func leakConfig(t *testing.T, endpoint, auth string, extra string) string {
	dir := t.TempDir()
	for name, v := range map[string]string{"sk": leakSK, "password": leakPassword, "token": leakSecurityToken,
		"demo-sk": hssfake.DemoSecretKey, "demo-password": hssfake.DemoIAMPassword, "id-token": leakIDToken} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600))
	}
	text := fmt.Sprintf(`global:
  refresh_interval: 10s
  request_timeout: 5s
  max_staleness: 1m
targets:
  - name: leak
    region: %s
    project_id: %s
    endpoint: %s
    auth:
%s
    images:
      discover: true
%s`, hssfake.DemoRegion, hssfake.DemoProjectID, endpoint, strings.ReplaceAll(auth, "DIR", dir), extra)
	path := filepath.Join(dir, "hss.yml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}
