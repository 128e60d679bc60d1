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
)

// IAMConfig configures IAM password authentication.
type IAMConfig struct {
	Endpoint string // IAM base URL, e.g. endpoint.IAM(region)
	Domain   string // account (domain) name
	Username string // IAM user name
	Password string
	// PasswordFile, when set, holds the password: it is read again when it
	// changes, and the next token is asked for with the new password
	// (Password is the value read at load, used until then).
	PasswordFile string
	Rotation     RotationOptions // how PasswordFile is watched
	ProjectID    string          // the token is scoped to this project
	UserAgent    string          // default "hss_exporter"
	HTTPClient   *http.Client
	Observer     Observer
}

func (c IAMConfig) String() string {
	return fmt.Sprintf("IAMConfig{Endpoint: %q, Domain: %q, Username: %q, Password: %s, PasswordFile: %q, ProjectID: %q}",
		c.Endpoint, c.Domain, c.Username, setOrUnset(c.Password), c.PasswordFile, c.ProjectID)
}

// Format prints String for every verb, so the password never leaks through
// %v, %+v, %#v or %x of a struct holding the config.
func (c IAMConfig) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

func setOrUnset(secret string) string {
	if secret == "" {
		return "<unset>"
	}
	return "<set>"
}

// Token lifetime rules. Tokens last 24 h; refreshing 10 % early (2.4 h) leaves
// ample time to ride out an IAM outage, and at least 5 minutes covers clock
// skew. A rejected password is not asked with again until the client's
// Backoff allows it: IAM locks a user after a few wrong passwords.
const (
	iamMinRefreshMargin = 5 * time.Minute
	iamMaxBodyBytes     = 4 << 20
)

// iamRefreshMargin returns how long before expiry a token is renewed.
func iamRefreshMargin(lifetime time.Duration) time.Duration {
	return max(iamMinRefreshMargin, lifetime/10)
}

// iamAuth authorises requests with an IAM token fetched with a password.
type iamAuth struct {
	cfg      IAMConfig
	password *secretSet
	cache    *credCache[string]
}

// NewIAM returns an Authenticator that sets X-Auth-Token from an IAM
// password token. The token is fetched on first use, shared by concurrent
// callers (one fetch at a time), renewed when less than max(5m, 10% of its
// lifetime) remains, and dropped by Invalidate. When IAM rejects the
// password, Invalidate says so and the client backs off (see Backoff)
// until PasswordFile holds another. PasswordFile is looked at before
// every token request and at most every Rotation.CheckInterval otherwise.
func NewIAM(cfg IAMConfig) Authenticator {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = transport.DefaultHTTPClient()
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "hss_exporter"
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	a := &iamAuth{cfg: cfg, password: newSecretSet(cfg.Rotation, Credential{Value: cfg.Password, File: cfg.PasswordFile})}
	a.cache = newCredCache(OpIAMToken, a.fetchToken, iamRefreshMargin)
	return a
}

// Authorize sets X-Auth-Token, fetching a token first when needed.
func (a *iamAuth) Authorize(ctx context.Context, req *http.Request, _ []byte) error {
	a.checkPassword(false)
	token, err := a.cache.get(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", token)
	return nil
}

// Invalidate drops the cached token so the next call fetches a new one. It
// returns false when the 401 at hand was IAM refusing the password: asking
// again at once would only repeat it. A new password in the file is tried
// by the next call (the client's Backoff lets it through).
func (a *iamAuth) Invalidate() bool {
	a.checkPassword(true)
	return a.cache.invalidate()
}

// checkPassword looks at the password file and returns the password in
// use. The token in hand stays in use; a revoked one earns a 401, and the
// next one is asked for with the new password.
func (a *iamAuth) checkPassword(force bool) string {
	pw, _ := a.password.get(force)
	return pw[0]
}

func (a *iamAuth) String() string {
	return "IAM(user " + a.cfg.Username + "@" + a.cfg.Domain + ")"
}

// GoString keeps %#v from dumping the password.
func (a *iamAuth) GoString() string { return a.String() }

// Format prints String for every verb.
func (a *iamAuth) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(a.String())) }

type iamName struct {
	Name string `json:"name"`
}

type iamTokenRequest struct {
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
			Project struct {
				ID string `json:"id"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

func (a *iamAuth) requestBody(password string) ([]byte, error) {
	var r iamTokenRequest
	r.Auth.Identity.Methods = []string{"password"}
	r.Auth.Identity.Password.User.Name = a.cfg.Username
	r.Auth.Identity.Password.User.Password = password
	r.Auth.Identity.Password.User.Domain.Name = a.cfg.Domain
	r.Auth.Scope.Project.ID = a.cfg.ProjectID
	return json.Marshal(r)
}

// fetchToken asks IAM for a project-scoped token. nocatalog keeps the
// service catalog, tens of kilobytes, out of the answer.
func (a *iamAuth) fetchToken(ctx context.Context) (string, time.Time, error) {
	if a.cfg.Endpoint == "" {
		return "", time.Time{}, errors.New(OpIAMToken + ": no IAM endpoint configured")
	}
	password := a.checkPassword(true)
	if password == "" {
		return "", time.Time{}, errors.New(OpIAMToken + ": no password; check the target's iam password_file")
	}
	body, err := a.requestBody(password)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%s: encoding request: %w", OpIAMToken, err)
	}
	u := strings.TrimRight(a.cfg.Endpoint, "/") + "/v3/auth/tokens?nocatalog=true"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%s: building request: %w", OpIAMToken, transport.StripURL(err))
	}
	req.Header.Set("Content-Type", "application/json;charset=utf8")
	req.Header.Set("User-Agent", a.cfg.UserAgent)
	resp, data, err := doBounded(a.cfg.HTTPClient, req, OpIAMToken, a.cfg.Observer, iamMaxBodyBytes)
	if err != nil {
		return "", time.Time{}, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", time.Time{}, iamError(resp, data, password)
	}
	token := resp.Header.Get("X-Subject-Token")
	if token == "" {
		return "", time.Time{}, &transport.DecodeError{Operation: OpIAMToken, Err: errors.New("no X-Subject-Token header in the answer")}
	}
	var answer struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"token"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return "", time.Time{}, &transport.DecodeError{Operation: OpIAMToken, Err: transport.SafeJSONError(err)}
	}
	expires, err := parseExpiry(OpIAMToken, "token.expires_at", answer.Token.ExpiresAt)
	return token, expires, err
}

// iamError turns IAM's refusal of a password token request into a
// transport.APIError, the password cut out of whatever comes back.
func iamError(resp *http.Response, data []byte, password string) *transport.APIError {
	e := iamAnswerError(OpIAMToken, resp, data, password)
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusBadRequest {
		e.Hint = hintIAMRejected
	}
	return e
}

// iamAnswerError turns a failed IAM answer to op into a transport.APIError. IAM
// speaks Keystone ({"error":{"code":401,"message":...,"title":...}}); its
// gateway speaks {"error_code","error_msg"}. The secrets sent, and any
// X-Subject-Token, are cut out of whatever comes back.
func iamAnswerError(op string, resp *http.Response, data []byte, secrets ...string) *transport.APIError {
	var body struct {
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
		RequestID string `json:"request_id"`
		Error     struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
			Title   string          `json:"title"`
		} `json:"error"`
	}
	_ = json.Unmarshal(data, &body) // a proxy may answer HTML; the status still tells
	code, msg := body.ErrorCode, body.ErrorMsg
	if code == "" {
		code = strings.Trim(string(body.Error.Code), `"`)
	}
	if msg == "" {
		msg = body.Error.Message
	}
	requestID := body.RequestID
	if requestID == "" {
		requestID = resp.Header.Get("X-Request-Id")
	}
	// Every field is cleaned: a hostile proxy can echo a password or a
	// token in any of them, in any case or encoding.
	r := transport.NewRedactor(append(secrets, resp.Header.Get("X-Subject-Token"))...)
	return &transport.APIError{
		Operation:  op,
		StatusCode: resp.StatusCode,
		Code:       transport.CleanText(r.Clean(code), 64),
		Message:    transport.CleanText(r.Clean(msg), transport.MaxErrorMessage),
		RequestID:  transport.CleanText(r.Clean(requestID), 128),
	}
}

// doBounded sends req, reports the attempt to obs and reads at most limit
// bytes of the answer. Transport failures come back as *transport.NetworkError.
func doBounded(client *http.Client, req *http.Request, op string, obs Observer, limit int64) (*http.Response, []byte, error) {
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		obs.RequestDone(op, 0, time.Since(start))
		return nil, nil, &transport.NetworkError{Operation: op, Err: transport.StripURL(err)}
	}
	defer resp.Body.Close()
	data, err := transport.ReadBounded(resp.Body, limit)
	obs.RequestDone(op, resp.StatusCode, time.Since(start))
	if err != nil {
		return nil, nil, &transport.NetworkError{Operation: op, Err: err}
	}
	return resp, data, nil
}

// parseExpiry reads an RFC 3339 expiry such as 2026-11-27T08:00:00.000000Z.
func parseExpiry(op, field, value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, &transport.DecodeError{Operation: op, Err: errors.New(field + " is missing")}
	}
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}, &transport.DecodeError{Operation: op, Err: fmt.Errorf("%s is not an RFC 3339 time", field)}
	}
	return t, nil
}
