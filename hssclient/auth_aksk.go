package hssclient

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// akskAuth signs every request with a fixed access key and secret key, plus
// a security token for temporary credentials.
type akskAuth struct {
	ak, sk, securityToken string
	now                   func() time.Time
}

// NewAKSKAuth returns an Authenticator that signs requests with
// SDK-HMAC-SHA256. securityToken is empty for permanent keys; for temporary
// keys it is sent as X-Security-Token and signed with the rest. Printing the
// result with any fmt verb shows a masked access key and never the secrets.
func NewAKSKAuth(ak, sk, securityToken string) Authenticator {
	return &akskAuth{ak: ak, sk: sk, securityToken: securityToken, now: time.Now}
}

// Authorize sets X-Security-Token when there is one, then signs, so the token
// is covered by the signature as the gateway requires.
func (a *akskAuth) Authorize(_ context.Context, req *http.Request, body []byte) error {
	return signWith(req, body, a.ak, a.sk, a.securityToken, a.now())
}

// Invalidate returns false: static keys cannot be refreshed, and retrying a
// rejected key only brings the five-failure lock closer.
func (a *akskAuth) Invalidate() bool { return false }

func (a *akskAuth) String() string {
	kind := "AK/SK"
	if a.securityToken != "" {
		kind = "temporary AK/SK"
	}
	return kind + "(access key " + maskAccessKey(a.ak) + ")"
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
