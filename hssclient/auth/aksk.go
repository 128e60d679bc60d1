package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// akskAuth signs every request with an access key and secret key, plus a
// security token for temporary credentials, read from files again when
// they are rotated.
type akskAuth struct {
	keys *secretSet // access key, secret key, security token
	now  func() time.Time
}

// AKSKConfig configures AK/SK signing with credentials that may be rotated
// in files while the exporter runs.
type AKSKConfig struct {
	AccessKey     Credential
	SecretKey     Credential
	SecurityToken Credential // empty for permanent keys
	Rotation      RotationOptions
}

// NewAKSK returns an Authenticator that signs requests with
// SDK-HMAC-SHA256. securityToken is empty for permanent keys; for temporary
// keys it is sent as X-Security-Token and signed with the rest. Printing the
// result with any fmt verb shows a masked access key and never the secrets.
func NewAKSK(ak, sk, securityToken string) Authenticator {
	return NewRotatingAKSK(AKSKConfig{
		AccessKey: Credential{Value: ak}, SecretKey: Credential{Value: sk}, SecurityToken: Credential{Value: securityToken},
	})
}

// NewRotatingAKSK is NewAKSK with credentials that may live in
// files. The files are looked at (a stat each) at most every
// Rotation.CheckInterval, and at once when the API refuses a signature;
// when any has changed, all are read again together and the next request
// is signed with the new values. A file that cannot be read, or is empty,
// leaves the previous values in use and is reported to Rotation.OnReload.
func NewRotatingAKSK(cfg AKSKConfig) Authenticator {
	return &akskAuth{keys: newSecretSet(cfg.Rotation, cfg.AccessKey, cfg.SecretKey, cfg.SecurityToken), now: time.Now}
}

// Authorize sets X-Security-Token when there is one, then signs, so the token
// is covered by the signature as the gateway requires.
func (a *akskAuth) Authorize(_ context.Context, req *http.Request, body []byte) error {
	k, _ := a.keys.get(false)
	if k[0] == "" || k[1] == "" {
		return errors.New("no access key or secret key to sign with; check the target's credential files")
	}
	return signWith(req, body, k[0], k[1], k[2], a.now())
}

// Invalidate looks at the credential files at once and reports whether
// they held new keys, so the refused request is retried once with them.
// Otherwise it returns false: retrying a rejected key only brings the
// five-failure lock closer.
func (a *akskAuth) Invalidate() bool {
	_, changed := a.keys.get(true)
	return changed
}

// current returns the keys in use without looking at the files.
func (a *akskAuth) current() (ak, securityToken string) {
	a.keys.mu.Lock()
	defer a.keys.mu.Unlock()
	return a.keys.vals[0], a.keys.vals[2]
}

func (a *akskAuth) String() string {
	ak, token := a.current()
	kind := "AK/SK"
	if token != "" {
		kind = "temporary AK/SK"
	}
	return kind + "(access key " + maskAccessKey(ak) + ")"
}

// GoString keeps %#v from dumping the struct fields.
func (a *akskAuth) GoString() string { return a.String() }

// Format makes every verb, %d and %x included, print String: the default
// struct formatting would show the secret key.
func (a *akskAuth) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(a.String())) }

// signWith signs req with the given credentials, setting the security token
// first so that it is among the signed headers.
func signWith(req *http.Request, body []byte, ak, sk, securityToken string, now time.Time) error {
	if securityToken != "" {
		req.Header.Set(headerSecToken, securityToken)
	} else {
		req.Header.Del(headerSecToken)
	}
	return SignRequest(req, body, ak, sk, now)
}

// maskAccessKey shows enough of an access key to tell keys apart in logs.
// The AK is an identifier, not a secret, but there is no need to print it
// whole.
func maskAccessKey(ak string) string {
	if len(ak) < 12 {
		return "****"
	}
	return ak[:4] + "****" + ak[len(ak)-4:]
}
