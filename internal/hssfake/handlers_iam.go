package hssfake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"time"
)

// iamTimeLayout is how IAM and the metadata service write expires_at.
const iamTimeLayout = "2006-01-02T15:04:05.000000Z"

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

type iamName struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type iamRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					Name     string  `json:"name"`
					Password string  `json:"password"`
					Domain   iamName `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope struct {
			Project iamName `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

type iamScoped struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Domain iamName `json:"domain"`
}

type iamToken struct {
	ExpiresAt string    `json:"expires_at"`
	IssuedAt  string    `json:"issued_at"`
	Methods   []string  `json:"methods"`
	Project   iamScoped `json:"project"`
	User      iamScoped `json:"user"`
	Catalog   []any     `json:"catalog"`
}

type iamError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Title   string `json:"title"`
	} `json:"error"`
}

func writeIAMError(w http.ResponseWriter, status int, msg string) {
	var e iamError
	e.Error.Code, e.Error.Message, e.Error.Title = status, msg, http.StatusText(status)
	writeJSON(w, status, e)
}

// handleCreateToken is POST /v3/auth/tokens with a password identity.
func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) {
	var req iamRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil || json.Unmarshal(body, &req) != nil {
		writeIAMError(w, http.StatusBadRequest, "The request body is invalid.")
		return
	}
	id, user := req.Auth.Identity, req.Auth.Identity.Password.User
	s.creds.mu.Lock()
	password := s.opts.IAMPassword // RotateIAMPassword may change it
	s.creds.mu.Unlock()
	if !slices.Contains(id.Methods, "password") || s.opts.IAMUser == "" ||
		user.Name != s.opts.IAMUser || user.Password != password ||
		user.Domain.Name != s.opts.IAMDomain {
		writeIAMError(w, http.StatusUnauthorized, "The username or password is wrong.")
		return
	}
	scope := req.Auth.Scope.Project
	if scope.ID != s.opts.ProjectID && (scope.ID != "" || scope.Name != s.opts.Region) {
		writeIAMError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
		return
	}
	now := s.now().UTC()
	expires := now.Add(s.opts.TokenTTL)
	token := "MIIfake" + randomToken(96)
	s.creds.mu.Lock()
	s.creds.tokens[token] = tokenInfo{project: s.opts.ProjectID, expires: expires}
	s.creds.mu.Unlock()

	domain := iamName{ID: "d" + s.opts.ProjectID, Name: s.opts.IAMDomain}
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusCreated, map[string]iamToken{"token": {
		ExpiresAt: expires.Format(iamTimeLayout),
		IssuedAt:  now.Format(iamTimeLayout),
		Methods:   []string{"password"},
		Project:   iamScoped{ID: s.opts.ProjectID, Name: s.opts.Region, Domain: domain},
		User:      iamScoped{ID: "u" + s.opts.ProjectID, Name: s.opts.IAMUser, Domain: domain},
		Catalog:   []any{},
	}})
}

type securityKey struct {
	Access        string `json:"access"`
	Secret        string `json:"secret"`
	SecurityToken string `json:"securitytoken"`
	ExpiresAt     string `json:"expires_at"`
}

// handleSecurityKey is the ECS metadata GET /openstack/latest/securitykey.
// Each call issues fresh temporary credentials valid for MetadataTTL; older
// ones stay valid until they expire, as on a real VM.
func (s *Server) handleSecurityKey(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]securityKey{"credential": s.issueTemporaryKeys(s.opts.MetadataTTL)})
}

// issueTemporaryKeys creates temporary credentials valid for lifetime,
// which the API accepts from then on, as the metadata service and IAM's
// securitytokens both hand out.
func (s *Server) issueTemporaryKeys(lifetime time.Duration) securityKey {
	expires := s.now().UTC().Add(lifetime)
	cred := securityKey{
		Access:        randomString(20, upperAlnum),
		Secret:        randomString(40, alnum),
		SecurityToken: "gQpjbi1ub3J0aC00" + randomToken(192),
		ExpiresAt:     expires.Format(iamTimeLayout),
	}
	s.creds.mu.Lock()
	s.creds.temp[cred.Access] = tempCred{secret: cred.Secret, token: cred.SecurityToken, expires: expires}
	s.creds.mu.Unlock()
	return cred
}

// TokenTTL reports the configured lifetime of issued IAM tokens.
func (s *Server) TokenTTL() time.Duration { return s.opts.TokenTTL }
