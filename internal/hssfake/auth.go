package hssfake

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Lockout policy of the real gateway: five consecutive failures lock an AK
// for five minutes.
const (
	lockoutFailures = 5
	lockoutDuration = 5 * time.Minute
	maxBodyBytes    = 1 << 20
)

// APIG messages for 401 APIG.0301. None repeats a credential.
const (
	msgSignatureFail = "Incorrect IAM authentication information: verify aksk signature fail"
	msgTokenFail     = "Incorrect IAM authentication information: decrypt token fail"
	msgUnknownAK     = "Incorrect IAM authentication information: Get secretKey failed,ak:******,err:ak not exist"
	msgLocked        = "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden. The access key is locked for 5 minutes"
	msgNoAuth        = "Incorrect IAM authentication information: x-auth-token not found"
)

type tokenInfo struct {
	project string
	expires time.Time
}

type tempCred struct {
	secret, token string
	expires       time.Time
}

// credStore holds issued tokens, temporary credentials and AK lockouts.
type credStore struct {
	mu          sync.Mutex
	tokens      map[string]tokenInfo
	temp        map[string]tempCred
	fails       map[string]int
	lockedUntil map[string]time.Time
}

func (c *credStore) init() {
	c.tokens = map[string]tokenInfo{}
	c.temp = map[string]tempCred{}
	c.fails = map[string]int{}
	c.lockedUntil = map[string]time.Time{}
}

// RotateAccessKey replaces the permanent AK/SK, as an operator does when
// rotating keys: from now on only the new pair is accepted, and a request
// signed with the old one fails as an unknown access key (or a signature
// mismatch when only the secret key changed). Empty ak disables AK/SK.
func (s *Server) RotateAccessKey(ak, sk string) {
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	s.opts.AccessKey, s.opts.SecretKey = ak, sk
}

// RotateIAMPassword replaces the IAM user's password: token requests with
// the old one are refused from now on. Tokens already issued stay valid.
func (s *Server) RotateIAMPassword(password string) {
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	s.opts.IAMPassword = password
}

// ExpireTokens invalidates every IAM token issued so far, federated ones
// included, as if they had all expired; clients must fetch a new one.
func (s *Server) ExpireTokens() {
	s.creds.mu.Lock()
	clear(s.creds.tokens)
	s.creds.mu.Unlock()
	s.oidc.mu.Lock()
	clear(s.oidc.unscoped)
	s.oidc.mu.Unlock()
}

// ExpireTemporaryCredentials invalidates every temporary AK/SK issued by the
// metadata endpoint or IAM.
func (s *Server) ExpireTemporaryCredentials() {
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	clear(s.creds.temp)
}

// authenticate checks X-Auth-Token or the AK/SK signature of r. On failure
// it records why, answers 401 APIG.0301 and returns false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, op string) bool {
	ak, reason := s.checkAuth(r)
	if reason == "" {
		return true
	}
	s.stats.authFailed(AuthFailure{Time: s.now(), Operation: op, AccessKey: ak, Reason: reason})
	msg := msgSignatureFail
	switch reason {
	case ReasonNoCredentials:
		msg = msgNoAuth
	case ReasonTokenUnknown, ReasonTokenExpired:
		msg = msgTokenFail
	case ReasonUnknownAccessKey:
		msg = msgUnknownAK
	case ReasonLocked:
		msg = msgLocked
	}
	writeGatewayError(w, r, http.StatusUnauthorized, "APIG.0301", msg)
	return false
}

func (s *Server) checkAuth(r *http.Request) (ak string, reason AuthFailureReason) {
	if h := r.Header.Get("Authorization"); h != "" {
		return s.checkSignature(r, h)
	}
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		return "", ReasonNoCredentials
	}
	s.creds.mu.Lock()
	info, ok := s.creds.tokens[tok]
	s.creds.mu.Unlock()
	switch {
	case !ok:
		return "", ReasonTokenUnknown
	case !s.now().Before(info.expires):
		return "", ReasonTokenExpired
	}
	return "", ""
}

func (s *Server) checkSignature(r *http.Request, header string) (string, AuthFailureReason) {
	a, err := parseAuthorization(header)
	if err != nil {
		return "", ReasonMalformedAuthorization
	}
	now := s.now()
	if s.isLocked(a.access, now) {
		return a.access, ReasonLocked
	}
	reason := s.verifyAKSK(r, a, now)
	s.recordAttempt(a.access, reason == "", now)
	return a.access, reason
}

func (s *Server) verifyAKSK(r *http.Request, a authorization, now time.Time) AuthFailureReason {
	secret, reason := s.secretFor(r, a, now)
	if reason != "" {
		return reason
	}
	if _, reason := sdkDate(r, a, now, s.opts.MaxSkew); reason != "" {
		return reason
	}
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
		if err != nil {
			return ReasonSignatureMismatch
		}
		body = b
	}
	return verifySignature(r, body, a, secret)
}

// secretFor finds the SK of a permanent or temporary AK; a temporary AK is
// only valid with its own security token, signed.
func (s *Server) secretFor(r *http.Request, a authorization, now time.Time) (string, AuthFailureReason) {
	s.creds.mu.Lock()
	permAK, permSK := s.opts.AccessKey, s.opts.SecretKey
	tc, ok := s.creds.temp[a.access]
	s.creds.mu.Unlock()
	if permAK != "" && a.access == permAK {
		return permSK, ""
	}
	switch {
	case !ok:
		return "", ReasonUnknownAccessKey
	case !now.Before(tc.expires):
		return "", ReasonCredentialsExpired
	case r.Header.Get("X-Security-Token") != tc.token:
		return "", ReasonSecurityTokenMissing
	case !a.signs("x-security-token"):
		return "", ReasonSecurityTokenNotSigned
	}
	return tc.secret, ""
}

func (s *Server) isLocked(ak string, now time.Time) bool {
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	until, ok := s.creds.lockedUntil[ak]
	if ok && now.Before(until) {
		return true
	}
	delete(s.creds.lockedUntil, ak)
	return false
}

func (s *Server) recordAttempt(ak string, ok bool, now time.Time) {
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	if ok {
		delete(s.creds.fails, ak)
		return
	}
	s.creds.fails[ak]++
	if s.creds.fails[ak] >= lockoutFailures {
		delete(s.creds.fails, ak)
		s.creds.lockedUntil[ak] = now.Add(lockoutDuration)
	}
}

// randomString returns n characters from alphabet, from crypto/rand: issued
// secrets must not be guessable even in a stand-in.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
