package hssfake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OIDCOptions configures the two IAM calls of OIDC workload identity.
type OIDCOptions struct {
	// IDTokens maps each identity provider IAM knows (its X-Idp-Id) to
	// the ID tokens it accepts; none known disables the exchange.
	IDTokens map[string][]string
	// KeyTTL caps the lifetime of the temporary keys issued, so tests can
	// see them expire; zero gives what the caller asks (duration_seconds,
	// 15 minutes when absent), as IAM does.
	KeyTTL time.Duration
}

// Limits IAM puts on duration_seconds, and its default.
const (
	minKeyDuration     = 15 * time.Minute
	maxKeyDuration     = 24 * time.Hour
	defaultKeyDuration = 15 * time.Minute
)

// oidcState is what IAM knows of identity providers and the federated
// tokens it issued.
type oidcState struct {
	mu       sync.Mutex
	idTokens map[string]map[string]bool // idp -> accepted ID tokens
	unscoped map[string]time.Time       // federated token -> expiry
	keyTTL   time.Duration
}

func (o *oidcState) init(opts OIDCOptions) {
	o.idTokens = map[string]map[string]bool{}
	for idp, tokens := range opts.IDTokens {
		o.idTokens[idp] = map[string]bool{}
		for _, t := range tokens {
			o.idTokens[idp][t] = true
		}
	}
	o.unscoped = map[string]time.Time{}
	o.keyTTL = opts.KeyTTL
}

// RevokeIDToken makes IAM refuse idToken from every identity provider from
// now on, as when the issuer rotates its signing key or the token expires.
// Federated tokens and keys issued for it stay valid until they expire.
func (s *Server) RevokeIDToken(idToken string) {
	s.oidc.mu.Lock()
	defer s.oidc.mu.Unlock()
	for _, tokens := range s.oidc.idTokens {
		delete(tokens, idToken)
	}
}

// handleIDToken is POST /v3.0/OS-AUTH/id-token/tokens: an ID token vouched
// for by the identity provider in X-Idp-Id buys an unscoped federated
// token (201, X-Subject-Token).
func (s *Server) handleIDToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Auth struct {
			IDToken struct {
				ID string `json:"id"`
			} `json:"id_token"`
		} `json:"auth"`
	}
	idp := r.Header.Get("X-Idp-Id")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil || json.Unmarshal(body, &req) != nil || req.Auth.IDToken.ID == "" || idp == "" {
		writeIAMError(w, http.StatusBadRequest, "The request body or the X-Idp-Id header is invalid.")
		return
	}
	s.oidc.mu.Lock()
	tokens, known := s.oidc.idTokens[idp]
	ok := tokens[req.Auth.IDToken.ID]
	s.oidc.mu.Unlock()
	switch {
	case !known:
		writeIAMError(w, http.StatusNotFound, "Could not find the identity provider.")
		return
	case !ok:
		writeIAMError(w, http.StatusUnauthorized, "The ID token is invalid or has expired.")
		return
	}
	now := s.now().UTC()
	expires := now.Add(s.opts.TokenTTL)
	token := "MIIfed" + randomToken(96)
	s.oidc.mu.Lock()
	s.oidc.unscoped[token] = expires
	s.oidc.mu.Unlock()
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusCreated, map[string]any{"token": s.federatedTokenBody(idp, now, expires)})
}

// federatedTokenBody is the token object IAM answers with, shaped as the
// official SDK decodes it.
func (s *Server) federatedTokenBody(idp string, issued, expires time.Time) map[string]any {
	domain := map[string]string{"id": "d" + s.opts.ProjectID, "name": s.opts.IAMDomain}
	return map[string]any{
		"expires_at": expires.Format(iamTimeLayout),
		"issued_at":  issued.Format(iamTimeLayout),
		"methods":    []string{"mapped"},
		"user": map[string]any{
			"id": "f" + s.opts.ProjectID, "name": "FederationUser", "domain": domain,
			"OS-FEDERATION": map[string]any{
				"identity_provider": map[string]string{"id": idp},
				"protocol":          map[string]string{"id": "oidc"},
				"groups":            []any{},
			},
		},
		"roles":   []any{},
		"catalog": []any{},
	}
}

// handleSecurityTokens is POST /v3.0/OS-CREDENTIAL/securitytokens with the
// token method: a token (in the body, or else X-Auth-Token) buys temporary
// keys that the API accepts as it does the metadata service's.
func (s *Server) handleSecurityTokens(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Auth struct {
			Identity struct {
				Methods []string `json:"methods"`
				Token   struct {
					ID              string          `json:"id"`
					DurationSeconds json.RawMessage `json:"duration_seconds"`
				} `json:"token"`
			} `json:"identity"`
		} `json:"auth"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil || json.Unmarshal(body, &req) != nil || !slices.Contains(req.Auth.Identity.Methods, "token") {
		writeIAMError(w, http.StatusBadRequest, "The request body is invalid.")
		return
	}
	duration, ok := keyDuration(req.Auth.Identity.Token.DurationSeconds)
	if !ok {
		writeIAMError(w, http.StatusBadRequest, "duration_seconds must be between 900 and 86400.")
		return
	}
	token := req.Auth.Identity.Token.ID
	if token == "" {
		token = r.Header.Get("X-Auth-Token")
	}
	if !s.tokenValid(token) {
		writeIAMError(w, http.StatusUnauthorized, "The token is invalid or has expired.")
		return
	}
	if s.oidc.keyTTL > 0 {
		duration = min(duration, s.oidc.keyTTL)
	}
	writeJSON(w, http.StatusCreated, map[string]securityKey{"credential": s.issueTemporaryKeys(duration)})
}

// keyDuration reads duration_seconds, a number (or a numeric string, as
// IAM's own examples write it); absent gives IAM's default.
func keyDuration(raw json.RawMessage) (time.Duration, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return defaultKeyDuration, true
	}
	n, err := strconv.Atoi(strings.Trim(string(raw), `"`))
	d := time.Duration(n) * time.Second
	return d, err == nil && d >= minKeyDuration && d <= maxKeyDuration
}

// tokenValid accepts a live federated token or IAM user token.
func (s *Server) tokenValid(token string) bool {
	if token == "" {
		return false
	}
	now := s.now()
	s.oidc.mu.Lock()
	expires, ok := s.oidc.unscoped[token]
	s.oidc.mu.Unlock()
	if !ok {
		s.creds.mu.Lock()
		info, isUser := s.creds.tokens[token]
		s.creds.mu.Unlock()
		expires, ok = info.expires, isUser
	}
	return ok && now.Before(expires)
}
