package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/endpoint"
	"github.com/hss-exporter/hss_exporter/internal/secretfile"
)

// The two IAM calls of the exchange, as the official SDK makes them.
const (
	oidcTokenPath = "/v3.0/OS-AUTH/id-token/tokens"
	oidcKeysPath  = "/v3.0/OS-CREDENTIAL/securitytokens"
)

// Temporary key rules, the SDK's: ask for 6 h keys, renew them when 40
// minutes remain, and a short-lived key (IAM may cap the duration) at 80 %
// of its lifetime, leaving time to ride out an IAM hiccup.
const (
	oidcKeyDuration      = 6 * time.Hour
	oidcMaxRefreshMargin = 40 * time.Minute
	oidcMaxBodyBytes     = 4 << 20 // a token answer carries roles and catalog
)

func oidcRefreshMargin(lifetime time.Duration) time.Duration {
	return min(oidcMaxRefreshMargin, lifetime/5)
}

// ErrIDTokenFile marks an ID token that could not be read: no exchange,
// and so no API call, is possible until the file is fixed.
var ErrIDTokenFile = errors.New("cannot read id_token_file")

// OIDCConfig configures OIDC workload identity: an OpenID Connect ID token,
// such as a Kubernetes projected service account token, exchanged at IAM
// for temporary keys, as Huawei's SDK does given IdpId and IdTokenFile.
type OIDCConfig struct {
	Endpoint string // IAM base URL; default endpoint.GlobalIAM, IAM's global endpoint
	// IdpID is the IAM identity provider (protocol OpenID Connect) that
	// trusts the token's issuer; sent as X-Idp-Id.
	IdpID string
	// IDTokenFile holds the ID token. It is read afresh for every
	// exchange, since the kubelet replaces a projected token long before
	// it expires.
	IDTokenFile string
	UserAgent   string // default "hss_exporter"
	HTTPClient  *http.Client
	Observer    Observer
	Now         func() time.Time // the clock renewal and signing go by; default time.Now
}

// oidcAuth signs requests with temporary keys obtained with an ID token.
type oidcAuth struct {
	cfg   OIDCConfig
	base  string
	cache *credCache[tempCredentials]
	// idToken watches IDTokenFile, only to tell a refused ID token from
	// the next one; every exchange reads the file itself.
	idToken *secretSet
}

// NewOIDC returns an Authenticator that signs requests with temporary
// AK/SK and security token from IAM. It reads the ID token file, trades
// the ID token for an unscoped federated token (POST
// /v3.0/OS-AUTH/id-token/tokens with X-Idp-Id), and that token for 6 h keys
// (POST /v3.0/OS-CREDENTIAL/securitytokens). The keys are cached, renewed
// when min(40m, 1/5 of their lifetime) remains, fetched once at a time
// however many callers wait, and dropped by Invalidate. Printing it with
// any fmt verb shows the identity provider, never a token or key.
func NewOIDC(cfg OIDCConfig) Authenticator {
	if cfg.Endpoint == "" {
		cfg.Endpoint = endpoint.GlobalIAM
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "hss_exporter"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = transport.DefaultHTTPClient()
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &oidcAuth{cfg: cfg, base: strings.TrimRight(cfg.Endpoint, "/"),
		idToken: newSecretSet(RotationOptions{Now: cfg.Now}, Credential{File: cfg.IDTokenFile})}
	a.cache = newCredCache(OpIDToken, a.fetch, oidcRefreshMargin)
	a.cache.now = cfg.Now
	return a
}

// Authorize signs req with the current temporary keys, the security token
// among the signed headers.
func (a *oidcAuth) Authorize(ctx context.Context, req *http.Request, body []byte) error {
	cred, err := a.cache.get(ctx)
	if err != nil {
		return err
	}
	return signWith(req, body, cred.access, cred.secret, cred.token, a.cfg.Now())
}

// Invalidate drops the keys after a 401; the next call exchanges the ID
// token (read afresh) again, once.
func (a *oidcAuth) Invalidate() bool { return a.cache.invalidate() }

func (a *oidcAuth) String() string { return "OIDC(identity provider " + a.cfg.IdpID + ")" }

// GoString keeps %#v from dumping cached keys.
func (a *oidcAuth) GoString() string { return a.String() }

// Format prints String for every verb.
func (a *oidcAuth) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(a.String())) }

// fetch runs the whole exchange with the ID token the file holds now.
func (a *oidcAuth) fetch(ctx context.Context) (tempCredentials, time.Time, error) {
	idToken, _, err := secretfile.Read(a.cfg.IDTokenFile)
	if err != nil {
		return tempCredentials{}, time.Time{}, fmt.Errorf("%s: %w %q: %w", OpIDToken, ErrIDTokenFile, a.cfg.IDTokenFile, err)
	}
	subject, err := a.federatedToken(ctx, idToken)
	if err != nil {
		return tempCredentials{}, time.Time{}, err
	}
	return a.temporaryKeys(ctx, subject, idToken)
}

type idTokenRequest struct {
	Auth struct {
		IDToken struct {
			ID string `json:"id"`
		} `json:"id_token"`
	} `json:"auth"`
}

// federatedToken trades the ID token for an unscoped token. Like the SDK,
// it takes only an answer that carries X-Request-Id, X-Subject-Token and
// token.expires_at: anything else did not come from IAM.
func (a *oidcAuth) federatedToken(ctx context.Context, idToken string) (string, error) {
	var r idTokenRequest
	r.Auth.IDToken.ID = idToken
	resp, data, err := a.post(ctx, OpIDToken, oidcTokenPath, r)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", withHint(iamAnswerError(OpIDToken, resp, data, idToken), a.hintIDTokenRefused())
	}
	var answer struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"token"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return "", &transport.DecodeError{Operation: OpIDToken, Err: transport.SafeJSONError(err)}
	}
	token := resp.Header.Get("X-Subject-Token")
	switch {
	case answer.Token.ExpiresAt == "":
		return "", &transport.DecodeError{Operation: OpIDToken, Err: errors.New("token.expires_at is missing")}
	case resp.Header.Get("X-Request-Id") == "":
		return "", &transport.DecodeError{Operation: OpIDToken, Err: errors.New("no X-Request-Id header: not an IAM answer")}
	case token == "":
		return "", &transport.DecodeError{Operation: OpIDToken, Err: errors.New("no X-Subject-Token header in the answer")}
	}
	return token, nil
}

type securityTokenRequest struct {
	Auth struct {
		Identity struct {
			Methods []string `json:"methods"`
			Token   struct {
				ID              string `json:"id"`
				DurationSeconds int    `json:"duration_seconds"`
			} `json:"token"`
		} `json:"identity"`
	} `json:"auth"`
}

// temporaryKeys trades the federated token for temporary keys.
func (a *oidcAuth) temporaryKeys(ctx context.Context, subject, idToken string) (tempCredentials, time.Time, error) {
	var none tempCredentials
	var r securityTokenRequest
	r.Auth.Identity.Methods = []string{"token"}
	r.Auth.Identity.Token.ID = subject
	r.Auth.Identity.Token.DurationSeconds = int(oidcKeyDuration / time.Second)
	resp, data, err := a.post(ctx, OpSecurityToken, oidcKeysPath, r)
	if err != nil {
		return none, time.Time{}, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return none, time.Time{}, withHint(iamAnswerError(OpSecurityToken, resp, data, subject, idToken), hintOIDCKeysRefused)
	}
	return decodeTemporaryKeys(OpSecurityToken, data)
}

// decodeTemporaryKeys reads {"credential":{access, secret, securitytoken,
// expires_at}}, the answer of both IAM and the metadata service.
func decodeTemporaryKeys(op string, data []byte) (tempCredentials, time.Time, error) {
	var none tempCredentials
	var answer struct {
		Credential struct {
			Access        string `json:"access"`
			Secret        string `json:"secret"`
			SecurityToken string `json:"securitytoken"`
			ExpiresAt     string `json:"expires_at"`
		} `json:"credential"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return none, time.Time{}, &transport.DecodeError{Operation: op, Err: transport.SafeJSONError(err)}
	}
	c := answer.Credential
	if c.Access == "" || c.Secret == "" || c.SecurityToken == "" {
		return none, time.Time{}, &transport.DecodeError{Operation: op,
			Err: errors.New("credential.access, credential.secret or credential.securitytoken is missing")}
	}
	expires, err := parseExpiry(op, "credential.expires_at", c.ExpiresAt)
	return tempCredentials{access: c.Access, secret: c.Secret, token: c.SecurityToken}, expires, err
}

// post sends one exchange request with the headers the SDK sends.
func (a *oidcAuth) post(ctx context.Context, op, path string, payload any) (*http.Response, []byte, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: encoding request: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: building request: %w", op, transport.StripURL(err))
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("User-Agent", a.cfg.UserAgent)
	if op == OpIDToken {
		req.Header.Set("X-Idp-Id", a.cfg.IdpID)
	}
	return doBounded(a.cfg.HTTPClient, req, op, a.cfg.Observer, oidcMaxBodyBytes)
}

func withHint(e *transport.APIError, hint string) *transport.APIError {
	if e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusTooManyRequests {
		e.Hint = hint
	}
	return e
}
